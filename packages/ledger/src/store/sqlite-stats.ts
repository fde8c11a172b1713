// Dashboard aggregates on SQLite. The queries parse every event body in the requested days with
// SQLite's JSON functions: for a busy month that takes a second or more, and better-sqlite3 runs
// synchronously, so on the server's thread it would stall ingest for as long. On a database file
// they run on a worker thread with its own connection instead, reading a WAL snapshot while the
// writer carries on. In-memory databases (tests) and command-line tools query inline.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { StatsRows } from './store.js';

/** The three aggregates over consent events received in `[?, ?)`; erased bodies are NULL. */
const SQL = {
  days: `SELECT substr(received_at, 1, 10) AS day, count(*) AS events, sum(erased_by IS NOT NULL) AS erased
    FROM entries WHERE kind = 'event' AND received_at >= ? AND received_at < ?
    GROUP BY day ORDER BY day`,
  purposes: `SELECT substr(e.received_at, 1, 10) AS day, p.key AS purpose,
      sum(p.value ->> '$.status' = 'given') AS given,
      sum(p.value ->> '$.status' IN ('given', 'refused', 'withdrawn')) AS decided
    FROM entries e, json_each(e.body, '$.purposes') p
    WHERE e.kind = 'event' AND e.received_at >= ? AND e.received_at < ? AND e.body IS NOT NULL
    GROUP BY day, purpose ORDER BY day, purpose`,
  methods: `SELECT body ->> '$.method' AS method, count(*) AS count
    FROM entries WHERE kind = 'event' AND received_at >= ? AND received_at < ? AND body IS NOT NULL
    GROUP BY method ORDER BY method`,
};

/**
 * Run the aggregates on this connection, in one read transaction (one snapshot).
 *
 * @example
 * ```ts
 * const rows = sqliteStats(db, '2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z')
 * ```
 */
export function sqliteStats(db: Database.Database, fromIso: string, toIso: string): StatsRows {
  return db.transaction(() => ({
    days: db.prepare<[string, string], StatsRows['days'][number]>(SQL.days).all(fromIso, toIso),
    purposes: db.prepare<[string, string], StatsRows['purposes'][number]>(SQL.purposes).all(fromIso, toIso),
    methods: db.prepare<[string, string], StatsRows['methods'][number]>(SQL.methods).all(fromIso, toIso),
  }))();
}

// The worker: one connection that only reads (query_only), the same three statements, one read
// transaction per request.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('query_only = ON');
const q = {};
for (const [k, s] of Object.entries(workerData.sql)) q[k] = db.prepare(s);
const read = db.transaction((from, to) => ({
  days: q.days.all(from, to),
  purposes: q.purposes.all(from, to),
  methods: q.methods.all(from, to),
}));
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.postMessage('closed');
    return;
  }
  try {
    parentPort.postMessage({ id: m.id, rows: read(m.from, m.to) });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String((e && e.message) || e) });
  }
});
`;

type Reply = { id: number; rows?: StatsRows; error?: string };

/**
 * A lazily started worker that answers {@link sqliteStats} for a database file.
 *
 * @example
 * ```ts
 * const reader = new SqliteStatsReader('./assent-ledger.db')
 * const rows = await reader.read('2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z')
 * await reader.close()
 * ```
 */
export class SqliteStatsReader {
  readonly #file: string;
  #worker: Worker | undefined;
  #next = 0;
  readonly #pending = new Map<number, { resolve: (r: StatsRows) => void; reject: (e: Error) => void }>();

  constructor(file: string) {
    this.#file = file;
  }

  read(fromIso: string, toIso: string): Promise<StatsRows> {
    const worker = this.#start();
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, from: fromIso, to: toIso });
    });
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        file: this.#file,
        sql: SQL,
      },
    });
    // Idle, it must not keep the process alive; while a request waits, the HTTP server does.
    w.unref();
    w.on('message', (m: Reply | 'closed') => {
      if (m === 'closed') return;
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (m.rows) p.resolve(m.rows);
      else p.reject(new Error(m.error ?? 'the statistics query failed'));
    });
    const fail = (e: Error) => {
      if (this.#worker === w) this.#worker = undefined;
      for (const p of this.#pending.values()) p.reject(e);
      this.#pending.clear();
    };
    w.on('error', fail);
    w.on('exit', () => fail(new Error('the statistics worker stopped')));
    this.#worker = w;
    return w;
  }

  async close(): Promise<void> {
    const w = this.#worker;
    if (!w) return;
    this.#worker = undefined;
    await new Promise((resolve) => {
      w.once('message', resolve);
      w.once('exit', resolve);
      w.postMessage('close');
    });
    await w.terminate();
  }
}
