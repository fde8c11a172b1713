// SQLite storage: one file in WAL mode, one writer (this process). Group commit: every item that
// arrives while the previous batch is being signed and committed joins the next batch, which is
// one transaction; nothing is acknowledged before that transaction is durable.
//
// Durability without blocking the event loop: SQLite's synchronous=FULL would fsync the WAL inside
// the commit, stopping all work on that thread for the length of an fsync. Instead the connection
// runs synchronous=NORMAL (commits write their WAL frames but do not fsync; SQLite still fsyncs
// around checkpoints) and the ledger syncs the WAL file itself before answering: on the writer
// thread right after its commit when there is one (below), otherwise asynchronously on libuv's
// thread pool. It uses fdatasync, as SQLite and PostgreSQL do for their logs on Linux:
// it flushes the data and the metadata needed to read it back (the file size), not the modification
// time, which would cost a journal commit per sync on ext4. A committed batch is acknowledged only
// after a sync of the WAL that started after its commit returned, so what was acknowledged survives
// power loss exactly as with FULL; several batches share one sync. A failed sync stops the store:
// after one, the kernel may have dropped the dirty pages, and nothing may be acknowledged again.
// Checkpoints (copying the WAL into the database file, with their own fsyncs) run on a worker
// thread with its own connection, for the same reason: automatic checkpoints would run inside a
// commit. On a database file with signing threads, the inserts and commits themselves run on a
// writer thread too (sqlite-writer.ts), which also syncs the WAL after each group commit and answers
// only then; in memory, or without threads, they run here and the syncs start here.
//
// Committed is not durable: a row can be in the file (and visible to the idempotency lookup) before
// any sync covered it, after a crash between commit and sync, or when its batch failed after the
// commit (a checkpoint error, a lost writer thread). So the store syncs the WAL and the database
// once at open, and keeps a durable mark (#committed.size: every seq below it is covered by a sync
// that succeeded); a retry that finds its id at or above the mark waits for a sync before it is
// answered. Once storage is broken, nothing is answered from it any more, stored or not.
import { closeSync, existsSync, fdatasync, fdatasyncSync, fstatSync, openSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { CompactRange, type NodeCoord, cover, perfectRoot } from '../merkle.js';
import { RECEIPT_TYP } from '@assent/core/protocol';
import {
  type EntryRow,
  type EventItem,
  type Integration,
  type Item,
  type SequenceContext,
  type Sequenced,
  sequence,
  signReceipts,
} from '../sequence.js';
import { signTreeHead, treeHeadDue } from '../tree-head.js';
import { LogConflict, StorageUnavailable } from '../errors.js';
import { IdFilter } from '../lib/id-filter.js';
import { SqliteStatsReader, sqliteStats } from './sqlite-stats.js';
import { SqliteWriter, WriterError, WriterSyncError } from './sqlite-writer.js';
import type {
  AccessRecord,
  CommitOptions,
  Outcome,
  StatsRows,
  Store,
  StoredTreeHead,
  TokenRecord,
} from './store.js';
import { type EntryDbRow, entryFromRow } from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entries (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  subject TEXT,
  received_at TEXT NOT NULL,
  body TEXT,
  leaf BLOB NOT NULL,
  digest BLOB,
  receipt TEXT,
  erased_by INTEGER
);
CREATE INDEX IF NOT EXISTS entries_subject ON entries (subject) WHERE subject IS NOT NULL;
CREATE INDEX IF NOT EXISTS entries_received ON entries (received_at) WHERE kind = 'event';
CREATE TABLE IF NOT EXISTS nodes (
  level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tree_heads (
  tree_size INTEGER NOT NULL, timestamp INTEGER NOT NULL, root BLOB NOT NULL, jws TEXT NOT NULL,
  PRIMARY KEY (tree_size, timestamp)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS links (
  subject TEXT NOT NULL, customer_hash BLOB NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (subject, customer_hash)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS links_customer ON links (customer_hash);
CREATE TABLE IF NOT EXISTS tokens (
  id TEXT PRIMARY KEY, hash BLOB NOT NULL UNIQUE, scopes TEXT NOT NULL, label TEXT,
  created_at TEXT NOT NULL, expires_at TEXT, revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS access_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
  subject_hash TEXT, detail TEXT
);
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', '1');
`;

interface TokenRow {
  id: string;
  hash: Buffer;
  scopes: string;
  label: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

const toToken = (r: TokenRow): TokenRecord => ({
  id: r.id,
  hash: r.hash,
  scopes: r.scopes.split(' '),
  label: r.label,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

const MAX_INFLIGHT_BATCHES = 8;

// Under a burst of small requests, batches of this many items rather than all that is queued: the
// writer thread starts on the first while the next is being sequenced, and the batches that reach it
// meanwhile still share one commit (and every commit before a sync shares that sync). Measured
// with 64 clients each posting one event: 9,400 instead of 8,300 requests/s. A larger request is
// never split (its receipts are signed together, on the signing threads when large). A cut at 16
// was no faster in alternating runs against this one (8 of 16 pairs each, means 9,337 and 9,321
// requests/s in the quietest six) and cost about 10 µs more CPU per event; 8, 12, 20, 24 and 48
// were no better either (docs/benchmarks.md).
const BATCH_TARGET = 32;

// Interior nodes are stored from this level up. Levels 1 and 2 are recomputed from two or four
// leaves when a proof or a root needs them (a few µs, and only for proofs and verify), while
// storing them cost 3 of every 4 node rows: 0.75 rows per event, about 1.7 µs on the writer thread
// and 6 % of the bytes each commit writes to the WAL. Databases written before keep their lower
// nodes; they are never read.
const MIN_STORED_LEVEL = 3;
const storedNodes = <T extends { level: number }>(nodes: T[]): T[] =>
  nodes.filter((n) => n.level >= MIN_STORED_LEVEL);

// fsyncs of the WAL that may run at once. With one at a time, a commit that came just after an
// fsync began waited for it to end and then for its own. Each still starts after the commits it
// acknowledges have returned. They run on libuv's thread pool (4 threads by default).
const MAX_PARALLEL_FSYNCS = 3;

// With a writer thread, batches of at least this many receipts are signed on the signer's threads
// before they go to the writer (the signatures of a large batch then run beside the writer's inserts
// of the previous one); smaller ones are signed by the writer thread itself (one hand-off less).
const SIGN_APART_FROM = 64;

const CHECKPOINTER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
let timer;
const tick = () => {
  try {
    if (statSync(workerData.file + '-wal').size >= workerData.thresholdBytes) db.pragma('wal_checkpoint(PASSIVE)');
  } catch {}
  timer = setTimeout(tick, workerData.intervalMs);
};
parentPort.on('message', () => {
  clearTimeout(timer);
  db.close();
  parentPort.postMessage('closed');
});
tick();
`;

/** A sequenced batch on its way to the database. */
interface PendingBatch {
  start: number;
  end: number;
  root: Buffer;
  epoch: number;
  fresh: Waiting[];
  result?: Integration;
  error?: unknown;
  resolve: (r: Integration) => void;
  reject: (e: unknown) => void;
}

interface PendingId {
  digest: Buffer;
  /** Outcomes of the batch the id is in, by id (one promise per batch, not per event). */
  outcomes: Promise<Map<string, Outcome>>;
}

/** One append() call: a single promise for all its items instead of one per item. */
class AppendCall {
  readonly outcomes: Outcome[];
  left: number;
  done = false;
  constructor(
    n: number,
    readonly resolve: (o: Outcome[]) => void,
    readonly reject: (e: unknown) => void,
  ) {
    this.outcomes = new Array(n);
    this.left = n;
  }
}

/** An item waiting in the group commit, and where its outcome goes. */
class Waiting {
  constructor(
    readonly item: Item,
    readonly call: AppendCall,
    readonly index: number,
  ) {}

  resolve(o: Outcome): void {
    const c = this.call;
    c.outcomes[this.index] = o;
    if (--c.left === 0 && !c.done) {
      c.done = true;
      c.resolve(c.outcomes);
    }
  }

  reject(e: unknown): void {
    if (this.call.done) return;
    this.call.done = true;
    this.call.reject(e);
  }
}

export interface SqliteStoreOptions extends CommitOptions {
  /** Database file; `:memory:` for tests. */
  file: string;
  readonly?: boolean;
}

function prepareStatements(db: Database.Database) {
  return {
    // The log's size is its highest seq plus one: a rowid B-tree lookup, and no extra page to write
    // per commit.
    size: db.prepare<[], { size: number }>('SELECT COALESCE(MAX(seq) + 1, 0) AS size FROM entries'),
    // The ids of a whole batch in one statement (a JSON array): about a third of the cost of one
    // lookup per id, most of which is the call.
    byIds: db.prepare<
      [string],
      { id: string; seq: number; digest: Buffer | null; receipt: string | null; erased_by: number | null }
    >('SELECT id, seq, digest, receipt, erased_by FROM entries WHERE id IN (SELECT value FROM json_each(?))'),
    // The id filter's scan: the unique index on id, in order, a chunk at a time.
    idsAfter: db
      .prepare<[string, number], string>('SELECT id FROM entries WHERE id > ? ORDER BY id LIMIT ?')
      .pluck(),
    insert: db.prepare(
      'INSERT INTO entries (seq, id, kind, subject, received_at, body, leaf, digest, receipt, erased_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    node: db.prepare<[number, number], { hash: Buffer }>(
      'SELECT hash FROM nodes WHERE level = ? AND idx = ?',
    ),
    leaves: db.prepare<[number, number], { leaf: Buffer }>(
      'SELECT leaf FROM entries WHERE seq BETWEEN ? AND ? ORDER BY seq',
    ),
    insertNode: db.prepare('INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)'),
    link: db.prepare('INSERT OR IGNORE INTO links (subject, customer_hash, seq) VALUES (?, ?, ?)'),
    erase: db.prepare(
      "UPDATE entries SET body = NULL, subject = NULL, receipt = NULL, erased_by = ? WHERE seq BETWEEN ? AND ? AND erased_by IS NULL AND kind = 'event'",
    ),
    unlink: db.prepare('DELETE FROM links WHERE subject = ?'),
    subjectSeqs: db.prepare<[string], { seq: number }>(
      `SELECT seq FROM entries WHERE subject = ? AND kind = 'event' AND erased_by IS NULL`,
    ),
    before: db.prepare<[string], { seq: number }>(
      `SELECT seq FROM entries WHERE kind = 'event' AND erased_by IS NULL AND received_at < ? ORDER BY seq`,
    ),
    insertHead: db.prepare(
      'INSERT OR IGNORE INTO tree_heads (tree_size, timestamp, root, jws) VALUES (?, ?, ?, ?)',
    ),
    latestHead: db.prepare<[], { tree_size: number; timestamp: number; root: Buffer; jws: string }>(
      'SELECT tree_size, timestamp, root, jws FROM tree_heads ORDER BY tree_size DESC, timestamp DESC LIMIT 1',
    ),
    heads: db.prepare<[], { tree_size: number; timestamp: number; root: Buffer; jws: string }>(
      'SELECT tree_size, timestamp, root, jws FROM tree_heads ORDER BY tree_size, timestamp',
    ),
    entry: db.prepare<[number], EntryDbRow>('SELECT * FROM entries WHERE seq = ?'),
    scan: db.prepare<[number, number], EntryDbRow>(
      'SELECT * FROM entries WHERE seq >= ? ORDER BY seq LIMIT ?',
    ),
    linked: db.prepare<[string], { subject: string }>(
      'SELECT DISTINCT b.subject FROM links a JOIN links b ON a.customer_hash = b.customer_hash WHERE a.subject = ?',
    ),
    isLinked: db.prepare<[string, Buffer], { one: number }>(
      'SELECT 1 AS one FROM links WHERE subject = ? AND customer_hash = ?',
    ),
    insertToken: db.prepare(
      'INSERT INTO tokens (id, hash, scopes, label, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    findToken: db.prepare<[Buffer], TokenRow>('SELECT * FROM tokens WHERE hash = ?'),
    listTokens: db.prepare<[], TokenRow>('SELECT * FROM tokens ORDER BY created_at'),
    revokeToken: db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    logAccess: db.prepare(
      'INSERT INTO access_log (at, who, action, subject_hash, detail) VALUES (?, ?, ?, ?, ?)',
    ),
    accessLog: db.prepare<
      [number, number],
      {
        id: number;
        at: string;
        who: string;
        action: string;
        subject_hash: string | null;
        detail: string | null;
      }
    >('SELECT * FROM access_log WHERE id >= ? ORDER BY id LIMIT ?'),
  };
}

/** Open (and create) a SQLite ledger database. */
export function openSqliteStore(ctx: SequenceContext | undefined, options: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(ctx, options);
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  get broken(): Error | undefined {
    return this.#broken;
  }
  readonly db: Database.Database;
  readonly #ctx: SequenceContext | undefined;
  readonly #delayMs: number;
  readonly #maxBatch: number;
  #range: CompactRange;
  #committed: { size: number; root: Buffer };
  #queue: Waiting[] = [];
  #scheduled = false;
  #sequencing = false;
  #inflight = 0;
  #epoch = 0;
  #order: PendingBatch[] = [];
  #writerScheduled = false;
  #idleWaiters: Array<() => void> = [];
  /** Event ids sequenced but not yet committed: a retry arriving meanwhile waits for the outcome. */
  #pendingIds = new Map<string, PendingId>();
  readonly #file: string;
  #walFd: number | undefined;
  /** fsyncs of the WAL running now. */
  #syncs = new Set<Promise<void>>();
  /** The fsync that starts when one of the running ones ends. */
  #queuedSync: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | undefined;
  /** The latest sync's result as acknowledged: it and every sync started before it succeeded. */
  #syncChain: Promise<void> = Promise.resolve();
  #oldFds: number[] = [];
  #broken: StorageUnavailable | undefined;
  #checkpointer: Worker | undefined;
  #closed = false;
  /** Releases this store's count in openFiles, once its connection is closed. */
  #openHere: () => void = () => {};
  #lastHead: StoredTreeHead | undefined;
  #headTimer: NodeJS.Timeout | undefined;
  readonly #q: ReturnType<typeof prepareStatements>;
  #writeTx: Database.Transaction<(group: PendingBatch[]) => void> | undefined;
  /** The writer thread (a database file on a machine with signing threads), else writes are inline. */
  #writer: SqliteWriter | undefined;
  #lastPosted: Promise<unknown> = Promise.resolve();
  /** Every id in the log, as a Bloom filter (lib/id-filter.ts); a serving store only. */
  #ids: IdFilter | undefined;

  constructor(ctx: SequenceContext | undefined, options: SqliteStoreOptions) {
    this.#ctx = ctx;
    this.#file = options.file;
    this.#delayMs = options.commitDelayMs ?? 0;
    this.#maxBatch = options.maxBatchItems ?? 2048;
    // The database holds personal data: create it owner-only (SQLite gives -wal and -shm the
    // database file's permissions).
    const onDisk = options.file !== ':memory:' && options.file !== '';
    if (!options.readonly && onDisk && !existsSync(options.file))
      closeSync(openSync(options.file, 'a', 0o600));
    // What a previous process committed may never have been synced (it may have died between its
    // commit and its sync): make it durable before anything is answered from it. The database file
    // is synced here, before this store's connection opens it, never after (syncDatabaseFile).
    if (ctx && !options.readonly && onDisk) syncDatabaseFile(options.file);
    this.db = new Database(options.file, { readonly: options.readonly ?? false });
    if (onDisk) this.#openHere = holdFile(options.file);
    if (!options.readonly) {
      this.db.pragma('journal_mode = WAL');
      // With signing keys (the server) the ledger fsyncs the WAL itself before answering; tools
      // without them (CLI token management) let SQLite flush every commit.
      this.db.pragma(ctx ? 'synchronous = NORMAL' : 'synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
      // Erasure must remove personal data from the file, not only from query results: overwrite
      // freed content with zeros (SQLite otherwise leaves it in free pages).
      this.db.pragma('secure_delete = ON');
      if (ctx && options.file !== ':memory:' && options.file !== '') {
        this.db.pragma('wal_autocheckpoint = 0');
        this.#checkpointer = new Worker(CHECKPOINTER_SOURCE, {
          eval: true,
          workerData: {
            driver: createRequire(import.meta.url).resolve('better-sqlite3'),
            file: options.file,
            thresholdBytes: 4 * 1024 * 1024,
            intervalMs: 100,
          },
        });
        this.#checkpointer.unref();
      }
      this.db.exec(SCHEMA);
      // The WAL, like the database file above, once before anything is answered. Its descriptor is
      // opened only now (SQLite creates the WAL when it opens the file) and kept: this thread's own
      // descriptor of the WAL, opened before the writer thread exists. Linux reports a writeback
      // error to every descriptor opened before it, so a sync here still fails after the writer's
      // sync has seen the error first. (Opened later, it could succeed.) SQLite takes no POSIX
      // locks on the WAL (only on the database file and -shm), so closing it later drops none.
      if (ctx && onDisk) this.#walFd = syncWal(options.file);
      if (ctx && ctx.signer.threads > 0 && options.file !== ':memory:' && options.file !== '')
        this.#writer = new SqliteWriter(
          options.file,
          ctx.signer.key,
          ctx.signer.prefix(RECEIPT_TYP),
          (e) => {
            // A failed sync, or a lost writer that may have committed batches it never answered:
            // stop, as after a failed sync here.
            this.#setBroken(
              new StorageUnavailable(
                e instanceof WriterSyncError
                  ? 'fsync of the write-ahead log failed; restart the ledger'
                  : 'the SQLite writer thread stopped; restart the ledger',
                { cause: e },
              ),
            );
          },
          ctx.signer.sodiumPath,
        );
    }
    this.#q = prepareStatements(this.db);
    this.#range = this.#loadRange();
    // The durable mark: synced at open (above), so everything stored now is durable.
    this.#committed = { size: this.#range.size, root: this.#range.root() };
    this.#lastHead = this.#latestHead();
    if (ctx && !options.readonly) this.#ids = this.#newIdFilter(this.#range.size);
    const interval = options.treeHeadIntervalMs ?? 1000;
    if (ctx && !options.readonly) {
      this.#headTimer = setInterval(() => {
        this.refreshTreeHead().catch(() => {});
      }, interval);
      this.#headTimer.unref();
    }
  }

  #newIdFilter(size: number): IdFilter {
    const filter = new IdFilter(Math.max(1 << 20, 2 * size), size === 0);
    if (size > 0) this.#scanIds(filter, '');
    return filter;
  }

  /** @internal Test hook, not API: ids the filter's scan reads per turn of the event loop. */
  static idScanChunk = 5_000;

  // Adds the stored ids to the filter, a chunk at a time between other work on the event loop. Ids
  // this process sequences meanwhile are added as they are sequenced, so ids committed during the
  // scan are never missed.
  #scanIds(filter: IdFilter, after: string): void {
    setImmediate(() => {
      if (this.#closed || this.#ids !== filter) return;
      const chunk = SqliteStore.idScanChunk;
      let last = after;
      let n = 0;
      try {
        for (const id of this.#q.idsAfter.iterate(after, chunk) as IterableIterator<string>) {
          filter.add(id);
          last = id;
          n++;
        }
      } catch {
        // Until a later scan completes, every id goes to the database, as without a filter.
        setTimeout(() => this.#scanIds(filter, last), 1000).unref();
        return;
      }
      if (n < chunk) filter.markComplete();
      else this.#scanIds(filter, last);
    });
  }

  /** @internal Test hook, not API: whether the id filter holds every stored id. */
  get idFilterCompleteForTest(): boolean {
    return this.#ids?.complete ?? false;
  }

  /** Whether the idempotency check must ask the database about this id. */
  #mayBeStored(id: string): boolean {
    const f = this.#ids;
    return !f?.complete || f.has(id);
  }

  #storedSize(): number {
    return this.#q.size.get()?.size ?? 0;
  }

  #loadRange(): CompactRange {
    const size = this.#storedSize();
    return CompactRange.from(size, this.#lookup(cover(0, size)));
  }

  #lookup(coords: NodeCoord[]): Buffer[] {
    return coords.map(({ level, index }) => {
      let hash: Buffer | undefined;
      if (level >= MIN_STORED_LEVEL) hash = this.#q.node.get(level, index)?.hash;
      else {
        const first = index * 2 ** level;
        const leaves = this.#q.leaves.all(first, first + 2 ** level - 1).map((r) => r.leaf);
        if (leaves.length === 2 ** level) hash = perfectRoot(leaves);
      }
      if (!hash) throw new StorageUnavailable(`tree node ${level}/${index} is missing from the database`);
      return hash;
    });
  }

  #latestHead(): StoredTreeHead | undefined {
    const r = this.#q.latestHead.get();
    return r && { treeSize: r.tree_size, timestamp: r.timestamp, rootHash: r.root, jws: r.jws };
  }

  append(items: Item[]): Promise<Outcome[]> {
    if (this.#closed) return Promise.reject(new StorageUnavailable('the ledger is closed'));
    if (this.#broken) return Promise.reject(this.#broken);
    if (!this.#ctx) return Promise.reject(new TypeError('this store was opened without signing keys'));
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<Outcome[]>((resolve, reject) => {
      const call = new AppendCall(items.length, resolve, reject);
      for (let i = 0; i < items.length; i++) this.#queue.push(new Waiting(items[i]!, call, i));
      this.#schedule();
    });
  }

  // Pipeline: a batch is sequenced (seqs, leaves, nodes: synchronous, one batch at a time), then
  // its receipts are signed (worker threads), then it commits (in seq order, one transaction).
  // While one batch signs or commits, the next is already being gathered and sequenced, so the
  // signing threads and the main thread work at the same time.
  #schedule(): void {
    if (this.#scheduled || this.#sequencing || this.#queue.length === 0) return;
    if (this.#inflight >= MAX_INFLIGHT_BATCHES) return;
    this.#scheduled = true;
    const run = () => {
      this.#scheduled = false;
      void this.#flush();
    };
    if (this.#delayMs > 0) setTimeout(run, this.#delayMs);
    else setImmediate(run);
  }

  /**
   * Items the next batch takes: whole append() calls until it holds {@link BATCH_TARGET} items,
   * never more than `maxBatchItems`.
   */
  #batchLength(): number {
    const q = this.#queue;
    const max = Math.min(q.length, this.#maxBatch);
    let n = Math.min(max, BATCH_TARGET);
    while (n < max && q[n]!.index !== 0) n++;
    return n;
  }

  async #flush(): Promise<void> {
    this.#sequencing = true;
    const batch = this.#queue.splice(0, this.#batchLength());
    this.#inflight++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#sequencing = false;
      this.#schedule();
    };
    try {
      // A tombstone must see every earlier entry in the database before it lists what it erases.
      if (batch.some((w) => w.item.kind !== 'event')) await this.#idle();
      // Storage broke while these waited: nothing may be answered from it, not even a stored id.
      if (this.#broken) throw this.#broken;
      await this.#process(batch, release);
    } catch (e) {
      const err =
        e instanceof StorageUnavailable
          ? e
          : new StorageUnavailable('the database did not commit', { cause: e });
      for (const w of batch) w.reject(err);
    } finally {
      this.#inflight--;
      release();
      // A flush that found MAX_INFLIGHT_BATCHES batches in flight left items queued without
      // scheduling; with every client waiting on an answer no append() would ever schedule them.
      this.#schedule();
    }
  }

  async #process(batch: Waiting[], release: () => void): Promise<void> {
    const ctx = this.#ctx!;
    const fresh: Waiting[] = [];
    const first = new Map<string, EventItem>();
    const repeats: Array<{ w: Waiting; id: string; prior?: PendingId | undefined }> = [];
    const ids: string[] = [];
    for (const w of batch)
      if (w.item.kind === 'event' && !this.#pendingIds.has(w.item.id) && this.#mayBeStored(w.item.id))
        ids.push(w.item.id);
    const storedById = new Map<string, StoredId>();
    // Stored ids at or above the durable mark: committed, but perhaps not yet synced.
    const unsynced: Array<{ w: Waiting; o: Outcome }> = [];
    if (ids.length) for (const r of this.#q.byIds.all(JSON.stringify(ids))) storedById.set(r.id, r);
    for (const w of batch) {
      const item = w.item;
      if (item.kind !== 'event') {
        fresh.push(w);
        continue;
      }
      const prior = this.#pendingIds.get(item.id);
      if (prior || first.has(item.id)) {
        repeats.push({ w, id: item.id, prior });
        continue;
      }
      const stored = storedById.get(item.id);
      if (stored) {
        if (stored.seq >= this.#committed.size) unsynced.push({ w, o: outcomeOfStored(stored, item) });
        else w.resolve(outcomeOfStored(stored, item));
        continue;
      }
      first.set(item.id, item);
      fresh.push(w);
    }
    if (unsynced.length)
      // A sync that starts now covers these rows: they were read back, so their commit returned.
      this.#durable().then(
        () => {
          for (const u of unsynced) u.w.resolve(u.o);
        },
        (e) => {
          for (const u of unsynced) u.w.reject(e);
        },
      );
    if (fresh.length === 0) {
      release();
      await this.#settleRepeats(repeats.map((r) => ({ w: r.w, entry: r.prior! })));
      return;
    }
    const erasable = new Map<string, number[]>();
    for (const w of fresh) {
      const it = w.item;
      if (it.kind === 'erasure')
        erasable.set(
          it.id,
          this.#q.subjectSeqs.all(it.subject).map((r) => r.seq),
        );
      if (it.kind === 'retention')
        erasable.set(
          it.id,
          this.#q.before.all(it.before).map((r) => r.seq),
        );
    }
    const epoch = this.#epoch;
    const start = this.#range.size;
    const work = this.#range.clone();
    const seqd = sequence(
      ctx,
      work,
      fresh.map((w) => w.item),
      erasable,
    );
    this.#range = work;
    const end = work.size;
    const root = work.root();
    let settle!: (o: Map<string, Outcome>) => void;
    let fail!: (e: unknown) => void;
    const outcomes = new Promise<Map<string, Outcome>>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    outcomes.catch(() => {});
    for (const [id, item] of first) this.#pendingIds.set(id, { digest: item.digest, outcomes });
    // Before the writer can insert them: the filter must never miss an id that is in the file,
    // tombstones' included (an event reusing one must meet the stored row and its conflict).
    for (const w of fresh) this.#ids?.add(w.item.id);
    const sameBatch = repeats.map((r) => ({ w: r.w, entry: r.prior ?? this.#pendingIds.get(r.id)! }));
    release();
    let entry!: PendingBatch;
    const written = new Promise<Integration>((resolve, reject) => {
      entry = { start, end, root, epoch, fresh, resolve, reject };
    });
    this.#order.push(entry);
    (this.#writer
      ? this.#toWriter(this.#writer, seqd, epoch, start, fresh)
      : signReceipts(ctx.signer, seqd)
    ).then(
      (r) => {
        entry.result = r;
        this.#kickWriter();
      },
      (e) => {
        entry.error =
          e instanceof WriterError
            ? e.conflict
              ? new LogConflict(e.message)
              : new StorageUnavailable('the database did not commit', { cause: e })
            : e;
        this.#kickWriter();
      },
    );
    let result: Integration;
    try {
      result = await written;
    } catch (e) {
      fail(e);
      for (const id of first.keys()) this.#pendingIds.delete(id);
      await this.#settleRepeats(sameBatch);
      throw e;
    }
    const byId = new Map<string, Outcome>();
    // sequence() makes exactly one row per item, in order.
    for (let i = 0; i < fresh.length; i++) {
      const w = fresh[i]!;
      const row = result.rows[i]!;
      let o: Outcome;
      if (w.item.kind === 'event')
        o = { status: 'ok', seq: row.seq, receipt: result.receipts.get(row.id)!, duplicate: false };
      else {
        const ranges = result.erasures.find((e) => e.by === row.seq)?.ranges ?? [];
        o = { status: 'tombstone', seq: row.seq, leaf: row.leaf, erased: countRanges(ranges) };
      }
      byId.set(w.item.id, o);
      w.resolve(o);
    }
    settle(byId);
    for (const id of first.keys()) this.#pendingIds.delete(id);
    await this.#settleRepeats(sameBatch);
  }

  /** Sign (here, on the signer's threads or on the writer's) and commit a batch on the writer thread. */
  async #toWriter(
    writer: SqliteWriter,
    s: Sequenced,
    epoch: number,
    start: number,
    fresh: Waiting[],
  ): Promise<Integration> {
    const signHere = s.payloads.length >= SIGN_APART_FROM;
    const unlink: string[] = [];
    for (const w of fresh) if (w.item.kind === 'erasure') unlink.push(w.item.subject);
    const claims: number[] = [];
    if (!signHere) for (const r of s.claimRows) claims.push(r.seq - start);
    const batch = {
      epoch,
      start,
      rows: s.rows,
      nodes: storedNodes(s.nodes),
      links: s.links,
      erasures: s.erasures,
      unlink,
      payloads: signHere ? '' : s.payloads.join('\n'),
      claims,
    };
    // Joined for the writer (or signed below): the texts need not live on until the commit.
    if (!signHere) s.payloads = [];
    // The writer must get batches in seq order, and one signed here first may finish signing after
    // a later small one was sequenced: each batch is posted only after the one before it. A batch
    // whose signing failed is posted as failed, so the writer fails the batches sequenced on it.
    const signed = signHere ? signReceipts(this.#ctx!.signer, s) : undefined;
    let commit!: Promise<string>;
    const posted = Promise.all([this.#lastPosted, signed]).then(
      () => {
        commit = writer.write(batch);
      },
      (e) => {
        writer.write({ ...batch, failed: String((e as Error)?.message ?? e) }).catch(() => {});
        throw e;
      },
    );
    this.#lastPosted = posted.then(
      () => {},
      () => {},
    );
    await posted;
    const jws = await commit;
    if (!signHere && s.claimRows.length) {
      const list = jws.split('\n');
      for (let i = 0; i < s.claimRows.length; i++) {
        const r = s.claimRows[i]!;
        s.receipts.set(r.id, list[i]!);
        if (r.erasedBy === null) r.receipt = list[i]!;
      }
    }
    return s;
  }

  /** A retry of an id that is being committed gets that commit's outcome (or a conflict). */
  async #settleRepeats(repeats: Array<{ w: Waiting; entry: PendingId }>): Promise<void> {
    for (const { w, entry } of repeats) {
      let o: Outcome;
      try {
        o = (await entry.outcomes).get(w.item.id)!;
      } catch (e) {
        w.reject(e);
        continue;
      }
      const item = w.item as EventItem;
      if (o.status === 'ok')
        w.resolve(item.digest.equals(entry.digest) ? { ...o, duplicate: true } : { status: 'conflict' });
      else w.resolve(o);
    }
  }

  // The writer: signed batches are written in seq order, every batch that is ready by the time the
  // writer runs in one transaction, so a burst of small requests costs one commit (whose dirty pages
  // are written to the WAL once) rather than one each. Acknowledgement follows the next WAL fsync.
  #kickWriter(): void {
    if (this.#writerScheduled) return;
    this.#writerScheduled = true;
    setImmediate(() => {
      this.#writerScheduled = false;
      this.#writeReady();
    });
  }

  #writeReady(): void {
    const group: PendingBatch[] = [];
    while (this.#order.length) {
      const head = this.#order[0]!;
      if (!head.result && head.error === undefined) break;
      this.#order.shift();
      if (head.error !== undefined || head.epoch !== this.#epoch) {
        this.#restart(head.epoch);
        head.reject(head.error ?? new StorageUnavailable('an earlier batch failed to commit'));
        continue;
      }
      group.push(head);
    }
    if (group.length && !this.#writer) {
      try {
        this.#writeGroup(group);
      } catch (e) {
        this.#restart(group[0]!.epoch);
        const err =
          e instanceof StorageUnavailable
            ? e
            : new StorageUnavailable('the database did not commit', { cause: e });
        for (const b of group) b.reject(err);
        group.length = 0;
      }
    }
    if (group.length) {
      const last = group[group.length - 1]!;
      // The writer thread reports a batch only once the WAL sync it started after the commit
      // succeeded; inline commits need that sync now.
      const synced = !this.#writer
        ? this.#durable()
        : this.#broken
          ? Promise.reject(this.#broken)
          : Promise.resolve();
      synced.then(
        () => {
          // Tree heads only ever cover durable entries.
          if (last.end > this.#committed.size) this.#committed = { size: last.end, root: last.root };
          for (const b of group) b.resolve(b.result!);
        },
        (e) => {
          for (const b of group) b.reject(e);
        },
      );
    }
    if (!this.#order.length) for (const w of this.#idleWaiters.splice(0)) w();
  }

  /** Batches sequenced on top of a failed one fail too; the range restarts from the database. */
  #restart(failedEpoch: number): void {
    if (failedEpoch !== this.#epoch) return;
    this.#epoch++;
    try {
      this.#range = this.#loadRange();
    } catch {}
    // The failure may be another process writing to this file (a conflict), whose ids this filter
    // never saw: start a new one from a fresh scan, so a retry of such an id finds its row.
    if (this.#ids) this.#ids = this.#newIdFilter(this.#range.size);
  }

  /** Resolves when no sequenced batch waits to be written. */
  #idle(): Promise<void> {
    if (!this.#order.length) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  #writeGroup(group: PendingBatch[]): void {
    // One transaction function for the store's lifetime (better-sqlite3 builds a wrapper per call).
    this.#writeTx ??= this.db.transaction((g: PendingBatch[]) => {
      // Another process appended to this file since we last looked: never write over its entries.
      // Every batch must start where the one before ended, not only the first.
      let size = this.#storedSize();
      for (const b of g) {
        if (b.start !== size) throw new LogConflict('the database log moved under this process');
        this.#writeRows(b.result!, b.fresh);
        size = b.end;
      }
    });
    this.#writeTx.immediate(group);
    // Old page images of erased bodies live on in the WAL until a checkpoint; truncate it.
    if (group.some((b) => b.result!.erasures.length)) this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /**
   * Resolves once everything committed before the call is on disk. Up to
   * {@link MAX_PARALLEL_FSYNCS} fsyncs run at once, each started right after the commits it covers;
   * a commit that finds them all busy shares the next one with every commit made meanwhile.
   */
  #durable(): Promise<void> {
    if (this.#broken) return Promise.reject(this.#broken);
    if (this.#syncs.size < MAX_PARALLEL_FSYNCS) return this.#startSync();
    if (!this.#queuedSync) {
      let settle!: { resolve: () => void; reject: (e: unknown) => void };
      const promise = new Promise<void>((resolve, reject) => {
        settle = { resolve, reject };
      });
      this.#queuedSync = { promise, ...settle };
    }
    return this.#queuedSync.promise;
  }

  #startSync(): Promise<void> {
    const p = this.#fsyncWal();
    this.#syncs.add(p);
    const done = () => {
      this.#syncs.delete(p);
      const q = this.#queuedSync;
      if (q) {
        this.#queuedSync = undefined;
        (this.#broken ? Promise.reject(this.#broken) : this.#startSync()).then(q.resolve, q.reject);
      }
    };
    p.then(done, done);
    // The kernel reports a writeback error on a file to only one of the fdatasyncs running on it,
    // and their callbacks come in any order: a later sync may succeed (and be heard of first) while
    // an earlier one fails for pages this commit builds on. A sync's success therefore counts only
    // once every sync started before it has succeeded.
    const chained = this.#syncChain.then(() => p);
    chained.catch(() => {});
    this.#syncChain = chained;
    return chained;
  }

  #fsyncWal(): Promise<void> {
    if (this.#file === ':memory:' || this.#file === '') return Promise.resolve();
    const wal = `${this.#file}-wal`;
    // The WAL keeps its inode while the connection is open (restarts truncate it in place); reopen
    // if it ever changed, so the fsync always reaches the file SQLite writes. An fd that fsyncs may
    // still use is closed only once none runs.
    // Any of these may throw (the WAL gone: ENOENT; out of descriptors: EMFILE): then nothing can
    // be made durable, which is a broken store like a failed fsync, never an uncaught exception.
    const broke = (cause: unknown) =>
      this.#setBroken(
        new StorageUnavailable('fsync of the write-ahead log failed; restart the ledger', { cause }),
      );
    let fd: number;
    try {
      if (this.#walFd === undefined || fstatSync(this.#walFd).ino !== statSync(wal).ino) {
        if (this.#walFd !== undefined) this.#oldFds.push(this.#walFd);
        this.#walFd = undefined;
        this.#walFd = openSync(wal, 'r');
      }
      if (this.#syncs.size === 0) for (const old of this.#oldFds.splice(0)) closeSync(old);
      fd = this.#walFd;
    } catch (e) {
      return Promise.reject(broke(e));
    }
    return new Promise((resolve, reject) => {
      try {
        fdatasync(fd, (err) => {
          // After any failed fsync the kernel may have dropped dirty pages that later commits build
          // on: an fsync that succeeds afterwards acknowledges nothing either.
          if (!err && !this.#broken) return resolve();
          reject(broke(err));
        });
      } catch (e) {
        reject(broke(e));
      }
    });
  }

  /**
   * Storage can no longer be trusted: from now on every item, queued or new, is refused (a retry of
   * a stored id too, since its row may sit after pages the kernel dropped). Returns the first cause.
   */
  #setBroken(e: StorageUnavailable): StorageUnavailable {
    this.#broken ??= e;
    for (const w of this.#queue.splice(0)) w.reject(this.#broken);
    return this.#broken;
  }

  #writeRows(r: Integration, fresh: Waiting[]): void {
    const q = this.#q;
    for (const e of r.rows)
      q.insert.run(
        e.seq,
        e.id,
        e.kind,
        e.subject,
        e.receivedAt,
        e.body,
        e.leaf,
        e.digest,
        e.receipt,
        e.erasedBy,
      );
    for (const n of storedNodes(r.nodes)) q.insertNode.run(n.level, n.index, n.hash);
    for (const l of r.links) q.link.run(l.subject, l.customerHash, l.seq);
    for (const er of r.erasures) for (const [a, b] of er.ranges) q.erase.run(er.by, a, b);
    for (const w of fresh) if (w.item.kind === 'erasure') q.unlink.run(w.item.subject);
  }

  async refreshTreeHead(force = false): Promise<StoredTreeHead | undefined> {
    if (!this.#ctx || this.#closed) return this.#lastHead;
    const { size, root } = this.#committed;
    if (!force && !treeHeadDue(this.#lastHead, size)) return this.#lastHead;
    const head = signTreeHead(this.#ctx.signer, size, root);
    this.#q.insertHead.run(head.treeSize, head.timestamp, head.rootHash, head.jws);
    this.#lastHead = head;
    return head;
  }

  async treeSize(): Promise<number> {
    return this.#ctx ? this.#committed.size : this.#storedSize();
  }

  async latestTreeHead(): Promise<StoredTreeHead | undefined> {
    return this.#ctx ? this.#lastHead : this.#latestHead();
  }

  async treeHeads(): Promise<StoredTreeHead[]> {
    return this.#q.heads
      .all()
      .map((r) => ({ treeSize: r.tree_size, timestamp: r.timestamp, rootHash: r.root, jws: r.jws }));
  }

  async nodes(coords: NodeCoord[]): Promise<Buffer[]> {
    return this.#lookup(coords);
  }

  async entry(seq: number): Promise<EntryRow | undefined> {
    const r = this.#q.entry.get(seq);
    return r && entryFromRow(r);
  }

  async holdsEvent(id: string, digest: Buffer): Promise<boolean> {
    const [r] = this.#q.byIds.all(JSON.stringify([id]));
    return r?.digest?.equals(digest) === true;
  }

  async scan(from: number, limit: number): Promise<EntryRow[]> {
    return this.#q.scan.all(from, limit).map(entryFromRow);
  }

  async subjectEntries(subjects: string[]): Promise<EntryRow[]> {
    if (subjects.length === 0) return [];
    const rows = this.db
      .prepare<string[], EntryDbRow>(
        `SELECT * FROM entries WHERE subject IN (${subjects.map(() => '?').join(',')}) AND kind = 'event' AND body IS NOT NULL ORDER BY seq`,
      )
      .all(...subjects);
    return rows.map(entryFromRow);
  }

  async linkedSubjects(subject: string): Promise<string[]> {
    const set = new Set([subject, ...this.#q.linked.all(subject).map((r) => r.subject)]);
    return [...set];
  }

  async isLinked(subject: string, customerHash: Buffer): Promise<boolean> {
    return this.#q.isLinked.get(subject, customerHash) !== undefined;
  }

  async insertToken(t: TokenRecord): Promise<void> {
    this.#q.insertToken.run(t.id, t.hash, t.scopes.join(' '), t.label, t.createdAt, t.expiresAt, t.revokedAt);
    await this.#durableIfServing();
  }

  async findToken(hash: Buffer): Promise<TokenRecord | undefined> {
    const r = this.#q.findToken.get(hash);
    return r && toToken(r);
  }

  async listTokens(): Promise<TokenRecord[]> {
    return this.#q.listTokens.all().map(toToken);
  }

  async revokeToken(id: string, at: string): Promise<boolean> {
    const changed = this.#q.revokeToken.run(at, id).changes > 0;
    await this.#durableIfServing();
    return changed;
  }

  async logAccess(a: AccessRecord): Promise<void> {
    this.#q.logAccess.run(a.at, a.who, a.action, a.subjectHash, a.detail);
    // An access-log record is a compliance record: on disk before the data it logs is answered.
    await this.#durableIfServing();
  }

  #durableIfServing(): Promise<void> {
    return this.#ctx ? this.#durable() : Promise.resolve();
  }

  #stats: SqliteStatsReader | undefined;

  // Dashboard aggregates (sqlite-stats.ts): on a file, off this thread, since they parse every body
  // in the range; the received_at index limits them to the days asked for.
  async stats(fromIso: string, toIso: string): Promise<StatsRows> {
    if (this.#file === ':memory:' || this.#file === '' || !this.#ctx)
      return sqliteStats(this.db, fromIso, toIso);
    this.#stats ??= new SqliteStatsReader(this.#file);
    return this.#stats.read(fromIso, toIso);
  }

  async accessLog(from: number, limit: number): Promise<AccessRecord[]> {
    return this.#q.accessLog.all(from, limit).map((r) => ({
      id: r.id,
      at: r.at,
      who: r.who,
      action: r.action,
      subjectHash: r.subject_hash,
      detail: r.detail,
    }));
  }

  /** @internal Test hook, not API: stop one of the store's threads as a crash would. */
  async stopThreadForTest(which: 'writer' | 'signer'): Promise<void> {
    if (which === 'writer') await this.#writer?.terminateForTest();
    else await this.#ctx?.signer.terminateWorkersForTest();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Let queued items commit: they were accepted, and their senders wait for receipts.
    while (this.#inflight || this.#queue.length) await new Promise((r) => setTimeout(r, 1));
    this.#closed = true;
    if (this.#headTimer) clearInterval(this.#headTimer);
    await this.#stats?.close();
    while (this.#syncs.size || this.#queuedSync)
      await Promise.allSettled([...this.#syncs, this.#queuedSync?.promise]);
    for (const fd of this.#oldFds.splice(0)) closeSync(fd);
    if (this.#walFd !== undefined) closeSync(this.#walFd);
    await this.#writer?.close();
    const cp = this.#checkpointer;
    if (cp) {
      // Close the checkpointer's connection first, so this last one checkpoints and removes the WAL.
      await new Promise((resolve) => {
        cp.once('message', resolve);
        cp.once('exit', resolve);
        cp.postMessage('close');
      });
      await cp.terminate();
    }
    this.db.close();
    this.#openHere();
  }
}

// POSIX drops ALL of a process's locks on a file when the process closes ANY descriptor of it, not
// only the one the lock was taken through. SQLite's own descriptors are safe (it defers closing them
// while a connection of this process holds a lock), but a descriptor opened here with node:fs is
// not: closing it while a connection is open would silently give up SQLite's shared lock on the
// database file. Another process (the `sqlite3 … ".backup"` that docs/ledger.md recommends) would
// then see no other connection when it closes, checkpoint, and delete the live -wal and -shm; every
// commit after that fails. So the database file is only ever opened with node:fs before any
// connection of this process has it open: this counts the SqliteStores open on each file.
const openFiles = new Map<string, number>();
const fileKey = (file: string): string | undefined => {
  try {
    const s = statSync(file);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
};

/** Counts a store's connection on `file`; the returned function releases it (after db.close()). */
function holdFile(file: string): () => void {
  const key = fileKey(file);
  if (key === undefined) return () => {};
  openFiles.set(key, (openFiles.get(key) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const n = (openFiles.get(key) ?? 1) - 1;
    if (n > 0) openFiles.set(key, n);
    else openFiles.delete(key);
  };
}

/**
 * fdatasync the database file, once, before this process opens a connection to it. Skipped when a
 * store of this process already has it open: closing the descriptor would drop that connection's
 * locks (see openFiles), and that store synced the file when it opened it.
 */
function syncDatabaseFile(file: string): void {
  const key = fileKey(file);
  if (key === undefined || openFiles.has(key)) return;
  const fd = openSync(file, 'r');
  try {
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * fdatasync the WAL (if any), once, after the connection opened the database. Returns its
 * descriptor, left open for the store's later syncs (see the constructor).
 */
function syncWal(file: string): number | undefined {
  let wal: number;
  try {
    wal = openSync(`${file}-wal`, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    fdatasyncSync(wal);
  } catch (e) {
    closeSync(wal);
    throw e;
  }
  return wal;
}

/** What the idempotency check reads of an id already in the log. */
export interface StoredId {
  seq: number;
  digest: Buffer | null;
  receipt: string | null;
  erased_by: number | null;
}

/** The answer for an id that is already in the log. */
export function outcomeOfStored(stored: StoredId, item: EventItem): Outcome {
  if (!stored.digest || !item.digest.equals(stored.digest)) return { status: 'conflict' };
  if (stored.erased_by !== null || !stored.receipt) return { status: 'erased' };
  return { status: 'ok', seq: stored.seq, receipt: stored.receipt, duplicate: true };
}

export const countRanges = (ranges: ReadonlyArray<readonly [number, number]>): number =>
  ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
