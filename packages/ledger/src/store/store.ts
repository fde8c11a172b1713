// What the HTTP layer and the CLI need from storage. Two implementations: SQLite (one process,
// group commit in the process) and PostgreSQL (many ingest processes, one sequencer at a time).
import type { NodeCoord } from '../merkle.js';
import type { EntryRow, Item } from '../sequence.js';

/** The result of appending one item. */
export type Outcome =
  | { status: 'ok'; seq: number; receipt: string; duplicate: boolean }
  | { status: 'tombstone'; seq: number; leaf: Buffer; erased: number }
  | { status: 'conflict' }
  | { status: 'erased' };

/** A signed tree head as stored. */
export interface StoredTreeHead {
  treeSize: number;
  rootHash: Buffer;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  jws: string;
}

/** An API token as stored: only the SHA-256 of the secret. */
export interface TokenRecord {
  id: string;
  hash: Buffer;
  scopes: string[];
  label: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** One access-log record: who read which personal data, when. */
export interface AccessRecord {
  id?: number;
  at: string;
  /** `token:<id>`, `link:<keyed subject hash>`, `cli:<user>`. */
  who: string;
  /** `consent`, `history`, `export`, `erase`. */
  action: string;
  /** Keyed hash of the subject read, when the read concerned one subject. */
  subjectHash: string | null;
  detail: string | null;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Why the store refuses every write for the rest of its life (a failed WAL sync, a lost writer
   * thread), or undefined while it works. `/healthz` reports it.
   */
  readonly broken?: Error;
  /** Append through the group commit; resolves once the items are durable in the log. */
  append(items: Item[]): Promise<Outcome[]>;
  /** Size of the durable log. */
  treeSize(): Promise<number>;
  latestTreeHead(): Promise<StoredTreeHead | undefined>;
  /** Every stored tree head, by tree size. */
  treeHeads(): Promise<StoredTreeHead[]>;
  /** Hashes of perfect subtrees; level 0 is a leaf. */
  nodes(coords: NodeCoord[]): Promise<Buffer[]>;
  entry(seq: number): Promise<EntryRow | undefined>;
  /**
   * Whether the log holds a consent event with this id and this idempotency digest (its body
   * erased or not), so that a request for it is a retry. Committed rows only: an event still
   * waiting for its commit (or, on PostgreSQL, for the sequencer) is not held yet.
   */
  holdsEvent(id: string, digest: Buffer): Promise<boolean>;
  /** Entries with seq >= from, in order. */
  scan(from: number, limit: number): Promise<EntryRow[]>;
  /** Unerased consent entries of these subjects, by seq. */
  subjectEntries(subjects: string[]): Promise<EntryRow[]>;
  /** The subject and every subject sharing a linked customer with it. */
  linkedSubjects(subject: string): Promise<string[]>;
  /** Whether a customer (keyed hash) is linked to the subject. */
  isLinked(subject: string, customerHash: Buffer): Promise<boolean>;
  insertToken(token: TokenRecord): Promise<void>;
  findToken(hash: Buffer): Promise<TokenRecord | undefined>;
  listTokens(): Promise<TokenRecord[]>;
  revokeToken(id: string, at: string): Promise<boolean>;
  logAccess(record: AccessRecord): Promise<void>;
  accessLog(from: number, limit: number): Promise<AccessRecord[]>;
  /** Sign and store a tree head now if the log grew (or `force`). */
  refreshTreeHead(force?: boolean): Promise<StoredTreeHead | undefined>;
  /** Dashboard aggregates over consent events received in `[fromIso, toIso)`, by UTC day. */
  stats(fromIso: string, toIso: string): Promise<StatsRows>;
  close(): Promise<void>;
}

/**
 * Aggregates behind the dashboard, grouped by the UTC day of `receivedAt` (the ledger's clock, not
 * the device's). Only days with data appear. Erased events count in `days` (as `events` and
 * `erased`) but not in `purposes` or `methods`, whose content went with the body.
 */
export interface StatsRows {
  /** Consent events received per day, and how many of them have had their body erased since. */
  days: Array<{ day: string; events: number; erased: number }>;
  /** Per day and purpose: snapshots with status `given`, and with `given`, `refused` or `withdrawn`. */
  purposes: Array<{ day: string; purpose: string; given: number; decided: number }>;
  /** Events per decision method over the whole range. */
  methods: Array<{ method: string; count: number }>;
}

/** Group-commit and timing knobs shared by both stores. */
export interface CommitOptions {
  /** Extra wait before a batch commits, to gather more requests; default 0 (next event-loop turn). */
  commitDelayMs?: number;
  /** Largest batch one transaction takes; default 2048 items. */
  maxBatchItems?: number;
  /** How often a new signed tree head is made while the log grows; default 1000. */
  treeHeadIntervalMs?: number;
}

/** An `entries` row as both stores return it (same column names and types in SQLite and PostgreSQL). */
export interface EntryDbRow {
  seq: number;
  id: string;
  kind: EntryRow['kind'];
  subject: string | null;
  received_at: string;
  body: string | null;
  leaf: Buffer;
  digest: Buffer | null;
  receipt: string | null;
  erased_by: number | null;
}

/** Maps an `entries` row to the store-neutral {@link EntryRow}. */
export const entryFromRow = (r: EntryDbRow): EntryRow => ({
  seq: r.seq,
  id: r.id,
  kind: r.kind,
  subject: r.subject,
  receivedAt: r.received_at,
  body: r.body,
  leaf: r.leaf,
  digest: r.digest,
  receipt: r.receipt,
  erasedBy: r.erased_by,
});
