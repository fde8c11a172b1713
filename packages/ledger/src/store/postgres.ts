// PostgreSQL storage for several ledger processes on one database. Every process ingests: it
// writes accepted items to `pending` (group commit, one multi-row INSERT per batch) and waits for
// them to appear in the log. Exactly one process at a time is the sequencer: it holds a session
// advisory lock and integrates pending items into the log in batches (seq, leaf, tree nodes,
// receipts) in one transaction, guarded by a compare-and-set on the stored tree size, so the log
// never forks even if two processes ever believed they held the lock. If the sequencer dies, its
// connection closes, the lock is released and another process takes over within a lock-poll
// interval. This is the pattern of Certificate Transparency logs (Trillian's sequencer).
import pg from 'pg';
import { CompactRange, type NodeCoord, cover } from '../merkle.js';
import {
  type EntryRow,
  type EventItem,
  type Integration,
  type Item,
  type SequenceContext,
  sequence,
  signReceipts,
} from '../sequence.js';
import { signTreeHead, treeHeadDue } from '../tree-head.js';
import { LogConflict, StorageUnavailable } from '../errors.js';
import { type LogLine, oneLine, Throttled, toStderr, writeLine } from '../lib/log.js';
import { countRanges, outcomeOfStored } from './sqlite.js';
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

export interface PostgresStoreOptions extends CommitOptions {
  /** `postgres://user@host/db` or `postgresql://postgres@/db?host=/var/run/postgresql`. */
  connectionString: string;
  /** Schema holding the ledger's tables; default `assent`. */
  schema?: string;
  /** Whether this process may become the sequencer; default true. */
  sequencer?: boolean;
  /** How long an ingest waits for its items to be integrated before answering 503; default 30000. */
  integrateTimeoutMs?: number;
  /** Connections in this process's pool; default 10. */
  poolSize?: number;
  /**
   * How long opening a connection may take (every connection: the pool's, the sequencer's and the
   * listener's); default 10000. A database that accepts TCP but never answers would otherwise hold
   * every query, and so every request, for ever.
   */
  connectTimeoutMs?: number;
  /**
   * How long one query of the pool may wait for its answer before it fails and its connection is
   * dropped; default 60000. It finds out a connection that stopped answering (a half-open TCP
   * connection, a frozen server), so requests fail with 503 instead of hanging. Not applied to the
   * sequencer's connection: its transactions integrate whole batches and a fence (the compare-and-set
   * of the log size) already makes a stale one harmless; nor to the background VACUUM after erasures.
   */
  queryTimeoutMs?: number;
  /** How often a follower tries to take over the sequencer lock; default 250. */
  lockPollMs?: number;
  /**
   * The sequencer writes a heartbeat about every second. When events are pending and the
   * heartbeat is older than this, a follower ends the holder's database session (its advisory
   * lock goes with it) and takes over: a frozen sequencer (SIGSTOP, a paused VM, a blocked event
   * loop) whose connection stays open would otherwise hold the lock for ever. Default 5000.
   */
  staleSequencerMs?: number;
  /**
   * Where the sequencer's failures go, one line each (createLedger's `log`): log conflicts, other
   * failures of the sequencer loop, and events answered 503 because no sequencer integrated them
   * in time; each kind at most once per 10 s. Default stderr.
   */
  log?: LogLine;
  /**
   * Runs once the schema exists and before this process competes for the sequencer lock
   * (createLedger settles the ledger-wide issuer and receipt lifetime here); a throw fails start.
   */
  beforeSequencing?: (store: PostgresStore) => Promise<void>;
}

function positiveMs(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  // setTimeout's range: a larger value would fire at once.
  if (!Number.isInteger(value) || value < 1 || value > 2 ** 31 - 1)
    throw new TypeError(`${name} must be a positive integer of milliseconds`);
  return value;
}

const INT8 = 20;
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format),
};

const ident = (s: string): string => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(s)) throw new TypeError('schema must be a lower-case SQL identifier');
  return `"${s}"`;
};

function schemaSql(s: string): string {
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.meta (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO ${s}.meta (key, value) VALUES ('schema', '1'), ('size', '0') ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS ${s}.entries (
  seq bigint PRIMARY KEY, id text NOT NULL UNIQUE, kind text NOT NULL, subject text,
  received_at text NOT NULL, body text, leaf bytea NOT NULL, digest bytea, receipt text, erased_by bigint
);
CREATE INDEX IF NOT EXISTS entries_subject ON ${s}.entries (subject) WHERE subject IS NOT NULL;
CREATE INDEX IF NOT EXISTS entries_received ON ${s}.entries (received_at) WHERE kind = 'event';
CREATE TABLE IF NOT EXISTS ${s}.pending (
  n bigserial PRIMARY KEY, id text NOT NULL UNIQUE, kind text NOT NULL, subject text,
  received_at text NOT NULL, event text, digest bytea, customer_hash bytea, before text
);
CREATE TABLE IF NOT EXISTS ${s}.nodes (level int NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, idx));
CREATE TABLE IF NOT EXISTS ${s}.tree_heads (
  tree_size bigint NOT NULL, timestamp bigint NOT NULL, root bytea NOT NULL, jws text NOT NULL,
  PRIMARY KEY (tree_size, timestamp)
);
CREATE TABLE IF NOT EXISTS ${s}.links (
  subject text NOT NULL, customer_hash bytea NOT NULL, seq bigint NOT NULL, PRIMARY KEY (subject, customer_hash)
);
CREATE INDEX IF NOT EXISTS links_customer ON ${s}.links (customer_hash);
CREATE TABLE IF NOT EXISTS ${s}.tokens (
  id text PRIMARY KEY, hash bytea NOT NULL UNIQUE, scopes text NOT NULL, label text,
  created_at text NOT NULL, expires_at text, revoked_at text
);
CREATE TABLE IF NOT EXISTS ${s}.sequencer (
  one boolean PRIMARY KEY DEFAULT true CHECK (one), backend_pid int, heartbeat timestamptz
);
INSERT INTO ${s}.sequencer (one) VALUES (true) ON CONFLICT DO NOTHING;
ALTER TABLE ${s}.pending ADD COLUMN IF NOT EXISTS queued_at timestamptz NOT NULL DEFAULT now();
CREATE TABLE IF NOT EXISTS ${s}.keys (kid text PRIMARY KEY, jwk text NOT NULL, publish_until timestamptz);
CREATE TABLE IF NOT EXISTS ${s}.access_log (
  id bigserial PRIMARY KEY, at text NOT NULL, who text NOT NULL, action text NOT NULL,
  subject_hash text, detail text
);`;
}

interface PendingRow {
  n: number;
  id: string;
  kind: Item['kind'];
  subject: string | null;
  received_at: string;
  event: string | null;
  digest: Buffer | null;
  customer_hash: Buffer | null;
  before: string | null;
}

function itemOf(r: PendingRow): Item {
  if (r.kind === 'event') {
    return {
      kind: 'event',
      id: r.id,
      subject: r.subject!,
      canonical: r.event!,
      digest: r.digest!,
      customerHash: r.customer_hash ?? undefined,
      receivedAt: r.received_at,
    };
  }
  if (r.kind === 'erasure')
    return { kind: 'erasure', id: r.id, subject: r.subject!, receivedAt: r.received_at };
  return { kind: 'retention', id: r.id, before: r.before!, receivedAt: r.received_at };
}

interface Waiter {
  item: Item;
  since: number;
  resolve: (o: Outcome) => void;
  reject: (e: unknown) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Connect, create the schema if needed, and start ingesting (and competing for the sequencer). */
export async function openPostgresStore(
  ctx: SequenceContext | undefined,
  options: PostgresStoreOptions,
): Promise<PostgresStore> {
  const store = new PostgresStore(ctx, options);
  try {
    await store.start();
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly pool: pg.Pool;
  readonly #ctx: SequenceContext | undefined;
  readonly #o: Required<Omit<PostgresStoreOptions, 'commitDelayMs' | 'log' | 'beforeSequencing'>> & {
    commitDelayMs: number;
  };
  readonly #s: string;
  readonly #lockKey: string;
  #queue: Waiter[] = [];
  #waiting = new Map<string, Waiter[]>();
  #scheduled = false;
  #flushing = false;
  #checking = false;
  #recheck = false;
  #closed = false;
  #listener: pg.Client | undefined;
  #seqClient: pg.Client | undefined;
  #leader = false;
  #range: CompactRange | undefined;
  #committed: { size: number; root: Buffer } | undefined;
  #lastHead: StoredTreeHead | undefined;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #poll: NodeJS.Timeout | undefined;
  #lastHeadCheck = 0;
  #lastBeat = 0;
  #lastHolderCheck = 0;
  #stall: Promise<void> | undefined;
  readonly #takeovers = new Throttled();
  readonly #log: LogLine;
  readonly #beforeSequencing: PostgresStoreOptions['beforeSequencing'];
  readonly #conflicts = new Throttled();
  readonly #loopFailures = new Throttled();
  readonly #timeouts = new Throttled();

  constructor(ctx: SequenceContext | undefined, options: PostgresStoreOptions) {
    if (typeof options?.connectionString !== 'string') throw new TypeError('connectionString is required');
    this.#ctx = ctx;
    this.#log = options.log ?? toStderr;
    this.#beforeSequencing = options.beforeSequencing;
    this.#o = {
      connectionString: options.connectionString,
      schema: options.schema ?? 'assent',
      sequencer: options.sequencer ?? true,
      integrateTimeoutMs: options.integrateTimeoutMs ?? 30_000,
      poolSize: options.poolSize ?? 10,
      connectTimeoutMs: positiveMs(options.connectTimeoutMs, 'connectTimeoutMs', 10_000),
      queryTimeoutMs: positiveMs(options.queryTimeoutMs, 'queryTimeoutMs', 60_000),
      lockPollMs: options.lockPollMs ?? 250,
      staleSequencerMs: options.staleSequencerMs ?? 5000,
      commitDelayMs: options.commitDelayMs ?? 0,
      maxBatchItems: options.maxBatchItems ?? 2048,
      treeHeadIntervalMs: options.treeHeadIntervalMs ?? 1000,
    };
    this.#s = ident(this.#o.schema);
    this.#lockKey = `assent-ledger:${this.#o.schema}`;
    this.pool = new pg.Pool({
      connectionString: this.#o.connectionString,
      max: this.#o.poolSize,
      types,
      connectionTimeoutMillis: this.#o.connectTimeoutMs,
      // Client-side: a server that stopped answering never sends the error a statement_timeout would.
      query_timeout: this.#o.queryTimeoutMs,
    });
    this.pool.on('error', () => {});
  }

  #client(): pg.Client {
    // TCP keepalive: a sequencer on a half-open connection is found out by the kernel, not never.
    const c = new pg.Client({
      connectionString: this.#o.connectionString,
      types,
      keepAlive: true,
      connectionTimeoutMillis: this.#o.connectTimeoutMs,
    });
    c.on('error', () => {});
    return c;
  }

  async start(): Promise<void> {
    const c = await this.pool.connect();
    try {
      // Two processes starting at once would race on CREATE ... IF NOT EXISTS; serialize them.
      await c.query('BEGIN');
      await c.query(`SELECT pg_advisory_xact_lock(('x' || substr(md5($1), 1, 16))::bit(64)::bigint)`, [
        `${this.#lockKey}:schema`,
      ]);
      await c.query(schemaSql(this.#s));
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
    await this.#beforeSequencing?.(this);
    if (!this.#ctx) return;
    const l = this.#client();
    await l.connect();
    l.on('notification', (m) => {
      if (m.channel === `${this.#o.schema}_integrated`) this.#checkWaiters();
      else this.#wake?.();
    });
    await l.query(`LISTEN "${this.#o.schema}_integrated"`);
    await l.query(`LISTEN "${this.#o.schema}_pending"`);
    this.#listener = l;
    this.#poll = setInterval(() => {
      if (this.#waiting.size) this.#checkWaiters();
    }, 100);
    this.#poll.unref();
    if (this.#o.sequencer) this.#loop = this.#sequencerLoop();
  }

  /**
   * A ledger-wide setting kept in `meta`: stores `value` unless the key is already set, and
   * returns what is stored (the earlier value wins). Without `value`, only reads.
   */
  async setting(key: string, value?: string): Promise<string | undefined> {
    const r =
      value === undefined
        ? await this.pool.query<{ value: string }>(`SELECT value FROM ${this.#s}.meta WHERE key = $1`, [key])
        : await this.pool.query<{ value: string }>(
            `WITH ins AS (INSERT INTO ${this.#s}.meta (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING value)
             SELECT value FROM ins UNION ALL SELECT value FROM ${this.#s}.meta WHERE key = $1 LIMIT 1`,
            [key, value],
          );
    return r.rows[0]?.value;
  }

  /**
   * Record public keys for every process's JWKS. `publishUntil` absent means a current key
   * (published until some process records it retired). A key's retirement is never undone, and of
   * two retirement times the later one counts.
   */
  async publishKeys(keys: Array<{ jwk: { kid: string }; publishUntil?: string }>): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.#s}.keys (kid, jwk, publish_until)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
       ON CONFLICT (kid) DO UPDATE SET publish_until = CASE
         WHEN keys.publish_until IS NULL THEN excluded.publish_until
         WHEN excluded.publish_until IS NULL THEN keys.publish_until
         ELSE greatest(keys.publish_until, excluded.publish_until) END`,
      [
        keys.map((k) => k.jwk.kid),
        keys.map((k) => JSON.stringify(k.jwk)),
        keys.map((k) => k.publishUntil ?? null),
      ],
    );
  }

  /**
   * The public keys to publish now: every process's current key and retired keys whose receipts
   * may be alive. While this process is the sequencer and signs with a key another process has
   * recorded as retired, that key's publication is extended to cover what it signs now
   * (`keepPublishedSeconds` from now), so no receipt outlives its key in the JWKS.
   */
  async publishedKeys(signing?: { kid: string; keepPublishedSeconds: number }): Promise<object[]> {
    if (signing && this.#leader)
      await this.pool.query(
        `UPDATE ${this.#s}.keys SET publish_until = now() + make_interval(secs => $2)
         WHERE kid = $1 AND publish_until < now() + make_interval(secs => $2)`,
        [signing.kid, signing.keepPublishedSeconds],
      );
    const r = await this.pool.query<{ jwk: string }>(
      `SELECT jwk FROM ${this.#s}.keys WHERE publish_until IS NULL OR publish_until > now()
       ORDER BY publish_until DESC NULLS FIRST, kid`,
    );
    return r.rows.map((x) => JSON.parse(x.jwk));
  }

  /** Whether this process currently holds the sequencer lock. */
  get isSequencer(): boolean {
    return this.#leader;
  }

  // ---- ingest ----

  append(items: Item[]): Promise<Outcome[]> {
    if (this.#closed) return Promise.reject(new StorageUnavailable('the ledger is closed'));
    if (!this.#ctx) return Promise.reject(new TypeError('this store was opened without signing keys'));
    const now = Date.now();
    const all = items.map(
      (item) =>
        new Promise<Outcome>((resolve, reject) => this.#queue.push({ item, since: now, resolve, reject })),
    );
    this.#schedule();
    return Promise.all(all);
  }

  #schedule(): void {
    if (this.#scheduled || this.#flushing || this.#queue.length === 0) return;
    this.#scheduled = true;
    const run = () => {
      this.#scheduled = false;
      void this.#flush();
    };
    if (this.#o.commitDelayMs > 0) setTimeout(run, this.#o.commitDelayMs);
    else setImmediate(run);
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    const batch = this.#queue.splice(0, this.#o.maxBatchItems);
    try {
      await this.#ingest(batch);
    } catch (e) {
      const err = new StorageUnavailable('PostgreSQL did not accept the batch', { cause: e });
      for (const w of batch) {
        const list = this.#waiting.get(w.item.id);
        if (list?.includes(w)) {
          list.splice(list.indexOf(w), 1);
          if (!list.length) this.#waiting.delete(w.item.id);
        }
        w.reject(err);
      }
    } finally {
      this.#flushing = false;
      this.#schedule();
    }
  }

  async #ingest(batch: Waiter[]): Promise<void> {
    const s = this.#s;
    const fresh = batch;
    const cols: unknown[][] = [[], [], [], [], [], [], [], []];
    for (const w of fresh) {
      const it = w.item;
      cols[0]!.push(it.id);
      cols[1]!.push(it.kind);
      cols[2]!.push(it.kind === 'retention' ? null : it.subject);
      cols[3]!.push(it.receivedAt);
      cols[4]!.push(it.kind === 'event' ? it.canonical : null);
      cols[5]!.push(it.kind === 'event' ? it.digest : null);
      cols[6]!.push(it.kind === 'event' ? (it.customerHash ?? null) : null);
      cols[7]!.push(it.kind === 'retention' ? it.before : null);
      const list = this.#waiting.get(it.id);
      if (list) list.push(w);
      else this.#waiting.set(it.id, [w]);
    }
    // One round trip: ids already in the log (retries) are not written again and are answered by
    // the check below; an id already pending (a concurrent retry, or a conflicting body) is left
    // alone, and its waiter compares digests with whichever body the sequencer integrates.
    await this.pool.query(
      `WITH ins AS (
         INSERT INTO ${s}.pending (id, kind, subject, received_at, event, digest, customer_hash, before)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::bytea[], $8::text[]) AS u(id)
         WHERE NOT EXISTS (SELECT 1 FROM ${s}.entries e WHERE e.id = u.id)
         ON CONFLICT (id) DO NOTHING RETURNING 1)
       SELECT pg_notify($9, '') FROM (SELECT 1) x`,
      [...cols, `${this.#o.schema}_pending`],
    );
    // Answers retries of integrated events, and integration that raced ahead of the LISTEN.
    this.#checkWaiters();
  }

  #checkWaiters(): void {
    if (this.#checking) {
      this.#recheck = true;
      return;
    }
    this.#checking = true;
    void (async () => {
      try {
        do {
          this.#recheck = false;
          await this.#resolveWaiters();
        } while (this.#recheck && this.#waiting.size);
      } catch {
        // A failed check is retried by the poll timer; waiters time out if it keeps failing.
      } finally {
        this.#checking = false;
      }
    })();
  }

  async #resolveWaiters(): Promise<void> {
    const ids = [...this.#waiting.keys()];
    if (!ids.length) return;
    // The timeouts apply even when the check fails (the database unreachable): a waiter gets its
    // 503 at the timeout instead of hanging for as long as the database is gone.
    try {
      const r = await this.pool.query(
        `SELECT id, seq, kind, digest, receipt, erased_by, CASE WHEN kind <> 'event' THEN body END AS body, leaf
         FROM ${this.#s}.entries WHERE id = ANY($1::text[])`,
        [ids],
      );
      for (const row of r.rows) {
        const list = this.#waiting.get(row.id);
        this.#waiting.delete(row.id);
        for (const w of list ?? []) {
          if (row.kind !== 'event') {
            const erased = row.body ? countRanges(JSON.parse(row.body).erased) : 0;
            w.resolve({ status: 'tombstone', seq: row.seq, leaf: row.leaf, erased });
          } else {
            const o = outcomeOfStored(row, w.item as EventItem);
            w.resolve(o.status === 'ok' ? { ...o, duplicate: false } : o);
          }
        }
      }
    } finally {
      this.#expireWaiters();
    }
  }

  #expireWaiters(): void {
    const now = Date.now();
    let timedOut = 0;
    for (const [id, list] of this.#waiting) {
      const expired = list.filter((w) => now - w.since > this.#o.integrateTimeoutMs);
      if (!expired.length) continue;
      const keep = list.filter((w) => !expired.includes(w));
      if (keep.length) this.#waiting.set(id, keep);
      else this.#waiting.delete(id);
      timedOut += expired.length;
      for (const w of expired)
        w.reject(new StorageUnavailable('no sequencer integrated the event in time; retrying is safe'));
    }
    // The client sees a 503 it may retry; the operator must learn that nothing is sequencing.
    const more = timedOut ? this.#timeouts.next(now) : undefined;
    if (more !== undefined)
      writeLine(
        this.#log,
        `assent-ledger: ${timedOut} item(s) not integrated within ${this.#o.integrateTimeoutMs} ms, answered 503 ERR_STORAGE_UNAVAILABLE (they stay pending): is a sequencer running and reaching schema ${this.#o.schema}?${more}`,
      );
  }

  // ---- sequencer ----

  async #sequencerLoop(): Promise<void> {
    while (!this.#closed) {
      try {
        if (!this.#leader) {
          if (!this.#seqClient) {
            const c = this.#client();
            await c.connect();
            this.#seqClient = c;
          }
          const r = await this.#seqClient.query(
            `SELECT pg_try_advisory_lock(('x' || substr(md5($1), 1, 16))::bit(64)::bigint) AS ok`,
            [this.#lockKey],
          );
          if (!r.rows[0].ok) {
            await this.#checkHolder(this.#seqClient);
            await this.#idle(this.#o.lockPollMs);
            continue;
          }
          this.#leader = true;
          await this.#beat();
          await this.#reload();
        }
        if (this.#stall) await this.#stall;
        if (Date.now() - this.#lastBeat >= this.#beatMs) await this.#beat();
        const n = await this.#integrateOnce();
        if (Date.now() - this.#lastHeadCheck >= this.#o.treeHeadIntervalMs) await this.refreshTreeHead();
        if (n === 0) await this.#idle(Math.min(50, this.#o.treeHeadIntervalMs));
      } catch (e) {
        // Lost the connection or the compare-and-set: drop leadership and start over from disk.
        if (!this.#closed) this.#loopFailed(e);
        this.#leader = false;
        const c = this.#seqClient;
        this.#seqClient = undefined;
        await c?.end().catch(() => {});
        if (!this.#closed) await sleep(this.#o.lockPollMs);
      }
    }
  }

  get #beatMs(): number {
    return Math.min(1000, Math.max(10, Math.floor(this.#o.staleSequencerMs / 4)));
  }

  /** The sequencer's heartbeat, in the database's clock (so hosts' clocks do not matter). */
  async #beat(): Promise<void> {
    await this.#seqClient!.query(
      `UPDATE ${this.#s}.sequencer SET backend_pid = pg_backend_pid(), heartbeat = clock_timestamp()`,
    );
    this.#lastBeat = Date.now();
  }

  /**
   * A follower's check: events pending and the holder's heartbeat stale means the holder is alive
   * to PostgreSQL but not working. End its session; the advisory lock is released with it and the
   * next poll takes it. If the old sequencer wakes up, its connection is gone, and the
   * compare-and-set on the log size would refuse any step it had computed.
   */
  async #checkHolder(c: pg.Client): Promise<void> {
    const now = Date.now();
    if (now - this.#lastHolderCheck < Math.min(1000, this.#o.staleSequencerMs / 2)) return;
    this.#lastHolderCheck = now;
    const r = await c.query<{ holder: number | null; age_ms: number | null; pending: boolean }>(
      `WITH k AS (SELECT ('x' || substr(md5($1), 1, 16))::bit(64)::bigint AS k)
       SELECT (SELECT l.pid FROM pg_locks l, k
               WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                 AND l.classid::bigint = ((k.k >> 32) & 4294967295) AND l.objid::bigint = (k.k & 4294967295)
               LIMIT 1) AS holder,
              (SELECT (extract(epoch FROM clock_timestamp() - heartbeat) * 1000)::bigint FROM ${this.#s}.sequencer) AS age_ms,
              EXISTS (SELECT 1 FROM ${this.#s}.pending) AS pending`,
      [this.#lockKey],
    );
    const row = r.rows[0];
    if (!row?.pending || row.holder === null || row.age_ms === null || row.age_ms <= this.#o.staleSequencerMs)
      return;
    await c.query('SELECT pg_terminate_backend($1)', [row.holder]);
    const more = this.#takeovers.next(now);
    if (more !== undefined)
      writeLine(
        this.#log,
        `assent-ledger: the sequencer (database backend ${row.holder}) sent no heartbeat for ${row.age_ms} ms while events were pending; its session was ended so that another process takes over${more}`,
      );
  }

  /**
   * Test hook: freeze this process's sequencer loop (no steps, no heartbeat) while it keeps its
   * connection and lock, as SIGSTOP would. Returns the function that thaws it.
   * @internal
   */
  stallSequencerForTest(): () => void {
    let thaw!: () => void;
    this.#stall = new Promise<void>((r) => {
      thaw = r;
    });
    return () => {
      this.#stall = undefined;
      thaw();
    };
  }

  /**
   * How long the oldest pending item has waited for a sequencer, in milliseconds (0 when none),
   * measured by the database's clock. `/healthz` reports the ledger degraded past the integrate
   * timeout.
   */
  async pendingAgeMs(): Promise<number> {
    const r = await this.pool.query<{ ms: number | null }>(
      `SELECT (extract(epoch FROM now() - min(queued_at)) * 1000)::bigint AS ms FROM ${this.#s}.pending`,
    );
    return Math.max(0, r.rows[0]?.ms ?? 0);
  }

  /** The integrate timeout: past it an ingest answers 503 and `/healthz` reports degraded. */
  get integrateTimeoutMs(): number {
    return this.#o.integrateTimeoutMs;
  }

  /** One line for a failure of the sequencer loop; a log conflict says what it means. */
  #loopFailed(e: unknown): void {
    const conflict = e instanceof LogConflict;
    const more = (conflict ? this.#conflicts : this.#loopFailures).next();
    if (more === undefined) return;
    writeLine(
      this.#log,
      conflict
        ? `assent-ledger: log conflict: another sequencer wrote to this log (schema ${this.#o.schema}) although this process held the sequencer lock; nothing of this step was written, the log is reloaded${more}: ${oneLine(e)}`
        : `assent-ledger: sequencer failed; it gives up the sequencer lock and starts over from the database${more}: ${oneLine(e)}`,
    );
  }

  #idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }

  async #reload(): Promise<void> {
    const c = this.#seqClient!;
    const size = Number(
      (await c.query(`SELECT value FROM ${this.#s}.meta WHERE key = 'size'`)).rows[0].value,
    );
    this.#range = CompactRange.from(size, await this.#fetchNodes(c, cover(0, size)));
    this.#committed = { size, root: this.#range.root() };
    this.#lastHead = await this.latestTreeHead();
  }

  async #integrateOnce(): Promise<number> {
    const c = this.#seqClient!;
    const s = this.#s;
    // Pending rows whose id is already in the log (a retry that raced its first delivery) are
    // dropped, not appended again.
    const pend = await c.query<PendingRow & { present: boolean }>(
      `SELECT p.n, p.id, p.kind, p.subject, p.received_at, p.event, p.digest, p.customer_hash, p.before,
              e.id IS NOT NULL AS present
       FROM ${s}.pending p LEFT JOIN ${s}.entries e ON e.id = p.id ORDER BY p.n LIMIT $1`,
      [this.#o.maxBatchItems],
    );
    if (!pend.rows.length) return 0;
    const items = pend.rows.filter((r) => !r.present).map(itemOf);
    const range = this.#range!;
    const start = range.size;
    const work = range.clone();
    const erasable = new Map<string, number[]>();
    for (const it of items) {
      if (it.kind === 'erasure') {
        const r = await c.query<{ seq: number }>(
          `SELECT seq FROM ${s}.entries WHERE subject = $1 AND kind = 'event' AND erased_by IS NULL`,
          [it.subject],
        );
        erasable.set(
          it.id,
          r.rows.map((x) => x.seq),
        );
      } else if (it.kind === 'retention') {
        const r = await c.query<{ seq: number }>(
          `SELECT seq FROM ${s}.entries WHERE kind = 'event' AND erased_by IS NULL AND received_at < $1 ORDER BY seq`,
          [it.before],
        );
        erasable.set(
          it.id,
          r.rows.map((x) => x.seq),
        );
      }
    }
    const result = await signReceipts(this.#ctx!.signer, sequence(this.#ctx!, work, items, erasable));
    if (result.erasures.length === 0)
      await this.#commitSimple(
        c,
        start,
        work.size,
        result,
        pend.rows.map((r) => r.n),
      );
    else
      await this.#commitWithErasures(
        c,
        start,
        work.size,
        result,
        items,
        pend.rows.map((r) => r.n),
      );
    this.#range = work;
    this.#committed = { size: work.size, root: work.root() };
    // Erased bodies remain as dead row versions until VACUUM; reclaim them now, in the background.
    // On its own connection: the pool's query timeout would cancel a long VACUUM of a large table.
    if (result.erasures.length) {
      const c = this.#client();
      void c
        .connect()
        .then(() => c.query(`VACUUM ${s}.entries`))
        .catch(() => {})
        .finally(() => c.end().catch(() => {}));
    }
    return pend.rows.length;
  }

  /**
   * The common step, in one statement and so one round trip and one implicit transaction: the
   * compare-and-set on the log size guards every insert, so a step computed on a stale view
   * inserts nothing.
   */
  async #commitSimple(
    c: pg.Client,
    start: number,
    end: number,
    result: Integration,
    ns: number[],
  ): Promise<void> {
    const s = this.#s;
    const rows = result.rows;
    const r = await c.query<{ ok: number }>(
      `WITH cas AS (UPDATE ${s}.meta SET value = $1 WHERE key = 'size' AND value = $2 RETURNING 1),
       e AS (INSERT INTO ${s}.entries (seq, id, kind, subject, received_at, body, leaf, digest, receipt, erased_by)
             SELECT * FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bytea[], $10::bytea[], $11::text[], $12::bigint[])
             WHERE EXISTS (SELECT 1 FROM cas)),
       n AS (INSERT INTO ${s}.nodes (level, idx, hash)
             SELECT * FROM unnest($13::int[], $14::bigint[], $15::bytea[]) WHERE EXISTS (SELECT 1 FROM cas)),
       l AS (INSERT INTO ${s}.links (subject, customer_hash, seq)
             SELECT * FROM unnest($16::text[], $17::bytea[], $18::bigint[]) WHERE EXISTS (SELECT 1 FROM cas)
             ON CONFLICT DO NOTHING),
       d AS (DELETE FROM ${s}.pending WHERE n = ANY($19::bigint[]) AND EXISTS (SELECT 1 FROM cas))
       SELECT (SELECT count(*) FROM cas)::int AS ok, pg_notify($20, $1)`,
      [
        String(end),
        String(start),
        rows.map((x) => x.seq),
        rows.map((x) => x.id),
        rows.map((x) => x.kind),
        rows.map((x) => x.subject),
        rows.map((x) => x.receivedAt),
        rows.map((x) => x.body),
        rows.map((x) => x.leaf),
        rows.map((x) => x.digest),
        rows.map((x) => x.receipt),
        rows.map((x) => x.erasedBy),
        result.nodes.map((x) => x.level),
        result.nodes.map((x) => x.index),
        result.nodes.map((x) => x.hash),
        result.links.map((x) => x.subject),
        result.links.map((x) => x.customerHash),
        result.links.map((x) => x.seq),
        ns,
        `${this.#o.schema}_integrated`,
      ],
    );
    if (r.rows[0]?.ok !== 1) throw new LogConflict('the stored tree size moved: another sequencer wrote');
  }

  /** A step with tombstones: an explicit transaction, since erasure updates earlier rows. */
  async #commitWithErasures(
    c: pg.Client,
    start: number,
    end: number,
    result: Integration,
    items: Item[],
    ns: number[],
  ): Promise<void> {
    const s = this.#s;
    const rows = result.rows;
    await c.query('BEGIN');
    try {
      const cas = await c.query(`UPDATE ${s}.meta SET value = $1 WHERE key = 'size' AND value = $2`, [
        String(end),
        String(start),
      ]);
      if (cas.rowCount !== 1) throw new LogConflict('the stored tree size moved: another sequencer wrote');
      if (rows.length) {
        await c.query(
          `INSERT INTO ${s}.entries (seq, id, kind, subject, received_at, body, leaf, digest, receipt, erased_by)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[], $8::bytea[], $9::text[], $10::bigint[])`,
          [
            rows.map((r) => r.seq),
            rows.map((r) => r.id),
            rows.map((r) => r.kind),
            rows.map((r) => r.subject),
            rows.map((r) => r.receivedAt),
            rows.map((r) => r.body),
            rows.map((r) => r.leaf),
            rows.map((r) => r.digest),
            rows.map((r) => r.receipt),
            rows.map((r) => r.erasedBy),
          ],
        );
      }
      if (result.nodes.length) {
        await c.query(
          `INSERT INTO ${s}.nodes (level, idx, hash) SELECT * FROM unnest($1::int[], $2::bigint[], $3::bytea[])`,
          [
            result.nodes.map((n) => n.level),
            result.nodes.map((n) => n.index),
            result.nodes.map((n) => n.hash),
          ],
        );
      }
      if (result.links.length) {
        await c.query(
          `INSERT INTO ${s}.links (subject, customer_hash, seq) SELECT * FROM unnest($1::text[], $2::bytea[], $3::bigint[])
           ON CONFLICT DO NOTHING`,
          [
            result.links.map((l) => l.subject),
            result.links.map((l) => l.customerHash),
            result.links.map((l) => l.seq),
          ],
        );
      }
      for (const er of result.erasures)
        for (const [a, b] of er.ranges)
          await c.query(
            `UPDATE ${s}.entries SET body = NULL, subject = NULL, receipt = NULL, erased_by = $1
             WHERE seq BETWEEN $2 AND $3 AND erased_by IS NULL AND kind = 'event'`,
            [er.by, a, b],
          );
      const erasedSubjects = items.filter((i) => i.kind === 'erasure').map((i) => i.subject);
      if (erasedSubjects.length)
        await c.query(`DELETE FROM ${s}.links WHERE subject = ANY($1::text[])`, [erasedSubjects]);
      await c.query(`DELETE FROM ${s}.pending WHERE n = ANY($1::bigint[])`, [ns]);
      await c.query('SELECT pg_notify($1, $2)', [`${this.#o.schema}_integrated`, String(end)]);
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    }
  }

  async refreshTreeHead(force = false): Promise<StoredTreeHead | undefined> {
    this.#lastHeadCheck = Date.now();
    if (!this.#leader || !this.#ctx || !this.#committed || !this.#seqClient) return this.latestTreeHead();
    const { size, root } = this.#committed;
    if (!force && !treeHeadDue(this.#lastHead, size)) return this.#lastHead;
    const head = signTreeHead(this.#ctx.signer, size, root);
    await this.#seqClient.query(
      `INSERT INTO ${this.#s}.tree_heads (tree_size, timestamp, root, jws) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [head.treeSize, head.timestamp, head.rootHash, head.jws],
    );
    this.#lastHead = head;
    return head;
  }

  // ---- reads ----

  async #fetchNodes(q: pg.Client | pg.Pool, coords: NodeCoord[]): Promise<Buffer[]> {
    const leaves = coords.filter((c) => c.level === 0).map((c) => c.index);
    const inner = coords.filter((c) => c.level > 0);
    const found = new Map<string, Buffer>();
    if (leaves.length) {
      const r = await q.query(`SELECT seq, leaf FROM ${this.#s}.entries WHERE seq = ANY($1::bigint[])`, [
        leaves,
      ]);
      for (const row of r.rows) found.set(`0/${row.seq}`, row.leaf);
    }
    if (inner.length) {
      const r = await q.query(
        `SELECT n.level, n.idx, n.hash FROM ${this.#s}.nodes n
         JOIN unnest($1::int[], $2::bigint[]) AS w(level, idx) ON n.level = w.level AND n.idx = w.idx`,
        [inner.map((c) => c.level), inner.map((c) => c.index)],
      );
      for (const row of r.rows) found.set(`${row.level}/${row.idx}`, row.hash);
    }
    return coords.map(({ level, index }) => {
      const h = found.get(`${level}/${index}`);
      if (!h) throw new StorageUnavailable(`tree node ${level}/${index} is missing from the database`);
      return h;
    });
  }

  async treeSize(): Promise<number> {
    // Always from the database: a waiter may be answered (NOTIFY) before the sequencer's own
    // COMMIT continuation has run, and a follower knows nothing of the log's size anyway.
    const r = await this.pool.query(`SELECT value FROM ${this.#s}.meta WHERE key = 'size'`);
    return Number(r.rows[0].value);
  }

  async latestTreeHead(): Promise<StoredTreeHead | undefined> {
    const r = await this.pool.query(
      `SELECT tree_size, timestamp, root, jws FROM ${this.#s}.tree_heads ORDER BY tree_size DESC, timestamp DESC LIMIT 1`,
    );
    const row = r.rows[0];
    return row && { treeSize: row.tree_size, timestamp: row.timestamp, rootHash: row.root, jws: row.jws };
  }

  async treeHeads(): Promise<StoredTreeHead[]> {
    const r = await this.pool.query(
      `SELECT tree_size, timestamp, root, jws FROM ${this.#s}.tree_heads ORDER BY tree_size, timestamp`,
    );
    return r.rows.map((row) => ({
      treeSize: row.tree_size,
      timestamp: row.timestamp,
      rootHash: row.root,
      jws: row.jws,
    }));
  }

  nodes(coords: NodeCoord[]): Promise<Buffer[]> {
    return this.#fetchNodes(this.pool, coords);
  }

  async entry(seq: number): Promise<EntryRow | undefined> {
    const r = await this.pool.query<EntryDbRow>(`SELECT * FROM ${this.#s}.entries WHERE seq = $1`, [seq]);
    return r.rows[0] && entryFromRow(r.rows[0]);
  }

  async holdsEvent(id: string, digest: Buffer): Promise<boolean> {
    const r = await this.pool.query(
      `SELECT 1 FROM ${this.#s}.entries WHERE id = $1 AND kind = 'event' AND digest = $2`,
      [id, digest],
    );
    return r.rowCount === 1;
  }

  async scan(from: number, limit: number): Promise<EntryRow[]> {
    const r = await this.pool.query<EntryDbRow>(
      `SELECT * FROM ${this.#s}.entries WHERE seq >= $1 ORDER BY seq LIMIT $2`,
      [from, limit],
    );
    return r.rows.map(entryFromRow);
  }

  async subjectEntries(subjects: string[]): Promise<EntryRow[]> {
    const r = await this.pool.query<EntryDbRow>(
      `SELECT * FROM ${this.#s}.entries WHERE subject = ANY($1::text[]) AND kind = 'event' AND body IS NOT NULL ORDER BY seq`,
      [subjects],
    );
    return r.rows.map(entryFromRow);
  }

  async linkedSubjects(subject: string): Promise<string[]> {
    const r = await this.pool.query<{ subject: string }>(
      `SELECT DISTINCT b.subject FROM ${this.#s}.links a JOIN ${this.#s}.links b ON a.customer_hash = b.customer_hash WHERE a.subject = $1`,
      [subject],
    );
    return [...new Set([subject, ...r.rows.map((x) => x.subject)])];
  }

  async isLinked(subject: string, customerHash: Buffer): Promise<boolean> {
    const r = await this.pool.query(
      `SELECT 1 FROM ${this.#s}.links WHERE subject = $1 AND customer_hash = $2`,
      [subject, customerHash],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async insertToken(t: TokenRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.#s}.tokens (id, hash, scopes, label, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [t.id, t.hash, t.scopes.join(' '), t.label, t.createdAt, t.expiresAt, t.revokedAt],
    );
  }

  async findToken(hash: Buffer): Promise<TokenRecord | undefined> {
    const r = await this.pool.query(`SELECT * FROM ${this.#s}.tokens WHERE hash = $1`, [hash]);
    const t = r.rows[0];
    return t && tokenOf(t);
  }

  async listTokens(): Promise<TokenRecord[]> {
    const r = await this.pool.query(`SELECT * FROM ${this.#s}.tokens ORDER BY created_at`);
    return r.rows.map(tokenOf);
  }

  async revokeToken(id: string, at: string): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE ${this.#s}.tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`,
      [at, id],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async logAccess(a: AccessRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.#s}.access_log (at, who, action, subject_hash, detail) VALUES ($1, $2, $3, $4, $5)`,
      [a.at, a.who, a.action, a.subjectHash, a.detail],
    );
  }

  async accessLog(from: number, limit: number): Promise<AccessRecord[]> {
    const r = await this.pool.query(
      `SELECT * FROM ${this.#s}.access_log WHERE id >= $1 ORDER BY id LIMIT $2`,
      [from, limit],
    );
    return r.rows.map((x) => ({
      id: x.id,
      at: x.at,
      who: x.who,
      action: x.action,
      subjectHash: x.subject_hash,
      detail: x.detail,
    }));
  }

  // Dashboard aggregates: a slice of the received_at index; bodies are text, cast to jsonb here.
  // Erased entries (body NULL) count only as erased.
  async stats(fromIso: string, toIso: string): Promise<StatsRows> {
    const s = this.#s;
    const range = [fromIso, toIso];
    const [days, purposes, methods] = await Promise.all([
      this.pool.query(
        `SELECT substr(received_at, 1, 10) AS day, count(*) AS events,
           count(*) FILTER (WHERE erased_by IS NOT NULL) AS erased
         FROM ${s}.entries WHERE kind = 'event' AND received_at >= $1 AND received_at < $2
         GROUP BY day ORDER BY day`,
        range,
      ),
      this.pool.query(
        `SELECT substr(e.received_at, 1, 10) AS day, p.key AS purpose,
           count(*) FILTER (WHERE p.value ->> 'status' = 'given') AS given,
           count(*) FILTER (WHERE p.value ->> 'status' IN ('given', 'refused', 'withdrawn')) AS decided
         FROM ${s}.entries e CROSS JOIN LATERAL jsonb_each(e.body::jsonb -> 'purposes') p
         WHERE e.kind = 'event' AND e.received_at >= $1 AND e.received_at < $2 AND e.body IS NOT NULL
         GROUP BY day, purpose ORDER BY day, purpose`,
        range,
      ),
      this.pool.query(
        `SELECT body::jsonb ->> 'method' AS method, count(*) AS count
         FROM ${s}.entries WHERE kind = 'event' AND received_at >= $1 AND received_at < $2 AND body IS NOT NULL
         GROUP BY method ORDER BY method`,
        range,
      ),
    ]);
    return { days: days.rows, purposes: purposes.rows, methods: methods.rows };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Give accepted items a moment to be integrated; their senders wait for receipts.
    const until = Date.now() + 5000;
    while ((this.#flushing || this.#queue.length || this.#waiting.size) && Date.now() < until) await sleep(5);
    this.#closed = true;
    this.#wake?.();
    if (this.#poll) clearInterval(this.#poll);
    await this.#loop?.catch(() => {});
    await this.#seqClient?.end().catch(() => {});
    await this.#listener?.end().catch(() => {});
    await this.pool.end().catch(() => {});
    for (const list of this.#waiting.values())
      for (const w of list)
        w.reject(new StorageUnavailable('the ledger closed before the event was integrated'));
    this.#waiting.clear();
  }
}

function tokenOf(t: {
  id: string;
  hash: Buffer;
  scopes: string;
  label: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}): TokenRecord {
  return {
    id: t.id,
    hash: t.hash,
    scopes: t.scopes.split(' '),
    label: t.label,
    createdAt: t.created_at,
    expiresAt: t.expires_at,
    revokedAt: t.revoked_at,
  };
}
