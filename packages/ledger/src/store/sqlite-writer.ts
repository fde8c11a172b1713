// The SQLite ledger's writer thread. On two cores the server's event loop was the bottleneck of
// small requests: HTTP, parsing and sequencing on it, and for every batch also the signatures and
// the inserts and commit. Here a worker thread with its own connection takes the inserts and the
// commit, and signs the receipts of batches sent unsigned (small ones; large ones are signed on the
// signer's threads first, in parallel), so the event loop keeps only what must be sequential.
//
// Batches arrive in seq order. Every batch queued by the time the thread looks is written in one
// transaction (group commit), after checking that the log in the file still ends where the first
// batch starts, and that every later batch starts where the one before it ended. A batch that fails
// makes every later batch of the same epoch fail too: they were sequenced on top of it.
//
// Right after each group's commit the thread also runs the fdatasync of the WAL that makes it
// durable, and only then answers the group's batches: a reply from here means durable. The thread
// waits for the sync (batches arriving meanwhile form the next, larger group) instead of starting
// its next commit beside it. Syncs started by the event loop began only once the busy loop had read
// the commit's reply (0.6 to 0.9 ms later under load) and overlapped the next commits to the same
// file; an asynchronous sync started here right after the commit was slower still (about 9,100
// against 10,200 single-event requests/s), and this one faster (docs/benchmarks.md). A failed sync
// stops the thread from committing or answering anything again, and the store from answering.
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { SIGN_SOURCE } from '../lib/ed25519.js';
import type { CompletedNode } from '../merkle.js';
import type { EntryRow } from '../sequence.js';

/** One sequenced batch for the writer thread. */
export interface WriterBatch {
  epoch: number;
  /** Seq of its first row: where the log in the file must end before the group's first batch. */
  start: number;
  rows: EntryRow[];
  nodes: CompletedNode[];
  links: Array<{ subject: string; customerHash: Buffer; seq: number }>;
  erasures: Array<{ by: number; ranges: Array<[number, number]> }>;
  /** Subjects whose links an erasure in this batch removes. */
  unlink: string[];
  /** Receipt claims (JSON texts) joined by newlines, to sign here; empty when none or signed already. */
  payloads: string;
  /** Per payload, the index of its row (the receipt is stored unless the row was erased). */
  claims: number[];
  /** Set when the batch could not be prepared: the writer fails it and every later one of its epoch. */
  failed?: string;
}

type Reply =
  | { id: number; jws: string }
  | { id: number; error: string; conflict: boolean }
  | { syncFailed: string }
  | { syncRequest: Int32Array; fd: number };

// What crosses to the thread: rows as arrays and every hash in one buffer. Structured cloning of one
// object and one Buffer per row and node cost about twice as much (5 µs per event, both sides).
// Row: [seq, id, kind, subject, receivedAt, body, receipt, erasedBy]; `bin` holds per row its leaf
// hash and (for a consent event) its digest, 64 bytes, then 32 bytes per node; `nodes` is
// [level, index, level, index, ...].
type PackedRow = [number, string, string, string | null, string, string | null, string | null, number | null];

function pack(id: number, b: WriterBatch) {
  const bin = Buffer.allocUnsafe(64 * b.rows.length + 32 * b.nodes.length);
  const rows: PackedRow[] = new Array(b.rows.length);
  for (let i = 0; i < b.rows.length; i++) {
    const r = b.rows[i]!;
    rows[i] = [r.seq, r.id, r.kind, r.subject, r.receivedAt, r.body, r.receipt, r.erasedBy];
    r.leaf.copy(bin, 64 * i);
    r.digest?.copy(bin, 64 * i + 32);
  }
  const nodes: number[] = new Array(2 * b.nodes.length);
  const base = 64 * b.rows.length;
  for (let i = 0; i < b.nodes.length; i++) {
    const n = b.nodes[i]!;
    nodes[2 * i] = n.level;
    nodes[2 * i + 1] = n.index;
    n.hash.copy(bin, base + 32 * i);
  }
  return {
    id,
    epoch: b.epoch,
    start: b.start,
    rows,
    nodes,
    bin,
    links: b.links,
    erasures: b.erasures,
    unlink: b.unlink,
    payloads: b.payloads,
    claims: b.claims,
    failed: b.failed,
  };
}

const SOURCE = `
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads');
const fs = require('node:fs');
${SIGN_SOURCE}
const Database = require(workerData.driver);
const signer = createSign(workerData.key, workerData.sodium, require);
const prefix = workerData.prefix;
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
db.pragma('secure_delete = ON');
db.pragma('wal_autocheckpoint = 0');
const q = {
  size: db.prepare('SELECT COALESCE(MAX(seq) + 1, 0) AS size FROM entries').pluck(),
  insert: db.prepare('INSERT INTO entries (seq, id, kind, subject, received_at, body, leaf, digest, receipt, erased_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
  node: db.prepare('INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)'),
  link: db.prepare('INSERT OR IGNORE INTO links (subject, customer_hash, seq) VALUES (?, ?, ?)'),
  erase: db.prepare("UPDATE entries SET body = NULL, subject = NULL, receipt = NULL, erased_by = ? WHERE seq BETWEEN ? AND ? AND erased_by IS NULL AND kind = 'event'"),
  unlink: db.prepare('DELETE FROM links WHERE subject = ?'),
};
class Conflict extends Error {}
const write = db.transaction((group) => {
  // Every batch, not only the first: one missing from the middle would otherwise leave a gap.
  let size = q.size.get();
  for (const b of group) {
    if (b.start !== size) throw new Conflict('the database log moved under this process');
    size = b.start + b.rows.length;
    const bin = Buffer.from(b.bin.buffer, b.bin.byteOffset, b.bin.byteLength);
    for (let i = 0; i < b.rows.length; i++) {
      const e = b.rows[i];
      const o = 64 * i;
      q.insert.run(e[0], e[1], e[2], e[3], e[4], e[5], bin.subarray(o, o + 32), e[2] === 'event' ? bin.subarray(o + 32, o + 64) : null, e[6], e[7]);
    }
    const base = 64 * b.rows.length;
    for (let i = 0; i < b.nodes.length; i += 2) q.node.run(b.nodes[i], b.nodes[i + 1], bin.subarray(base + 16 * i, base + 16 * i + 32));
    for (const l of b.links) q.link.run(l.subject, l.customerHash, l.seq);
    for (const er of b.erasures) for (const [a, z] of er.ranges) q.erase.run(er.by, a, z);
    for (const s of b.unlink) q.unlink.run(s);
  }
});
let scratch = Buffer.allocUnsafe(4096);
function signAll(b) {
  const payloads = b.payloads.split('\\n');
  let out = '';
  for (let i = 0; i < payloads.length; i++) {
    const input = prefix + Buffer.from(payloads[i], 'utf8').toString('base64url');
    if (scratch.length < input.length) scratch = Buffer.allocUnsafe(input.length * 2);
    const n = scratch.write(input, 0, 'latin1');
    const jws = input + '.' + signer.sign(scratch.subarray(0, n));
    const row = b.rows[b.claims[i]];
    if (row[7] === null) row[6] = jws;
    out += (i ? '\\n' : '') + jws;
  }
  return out;
}
// The WAL sync, right after each group's commit and before its answers (see the module comment).
// One at a time, on this thread: after a failure nothing is committed or answered again, since the
// kernel may have dropped pages that later commits build on.
const wal = workerData.file + '-wal';
let walFd;
let syncFailed = false;
// Test hook: the fault tests replace fdatasync in the main thread's node:fs. With syncOnMain this
// thread posts the sync (of its own descriptor: descriptors belong to the process) to the main
// thread and blocks until the main thread has run it there and written the outcome to shared memory.
const hook = workerData.syncOnMain ? new Int32Array(new SharedArrayBuffer(8)) : undefined;
function fdatasync(fd) {
  if (!hook) return fs.fdatasyncSync(fd);
  Atomics.store(hook, 0, 0);
  parentPort.postMessage({ syncRequest: hook, fd });
  Atomics.wait(hook, 0, 0);
  if (Atomics.load(hook, 1) !== 0) throw new Error('fdatasync failed (test hook)');
}
function syncWal() {
  // The WAL keeps its inode while connections are open; reopen if it ever changed.
  if (walFd === undefined || fs.fstatSync(walFd).ino !== fs.statSync(wal).ino) {
    if (walFd !== undefined) fs.closeSync(walFd);
    walFd = undefined;
    walFd = fs.openSync(wal, 'r');
  }
  fdatasync(walFd);
}
let dead = -1;
const close = () => {
  signer.close();
  db.close();
  if (walFd !== undefined) fs.closeSync(walFd);
  parentPort.postMessage('closed');
};
parentPort.on('message', (first) => {
  if (first === 'close') return close();
  // Group commit: take every batch already queued behind this one, up to a close (which comes after
  // the group is written).
  const group = [first];
  let closing = false;
  for (let m; (m = receiveMessageOnPort(parentPort)); ) {
    if (m.message === 'close') {
      closing = true;
      break;
    }
    group.push(m.message);
  }
  writeGroup(group);
  if (closing) close();
});
function writeGroup(group) {
  const ok = [];
  for (const b of group) {
    if (syncFailed) {
      parentPort.postMessage({ id: b.id, error: 'fsync of the write-ahead log failed', conflict: false });
      continue;
    }
    if (b.epoch <= dead) {
      parentPort.postMessage({ id: b.id, error: 'an earlier batch failed to commit', conflict: false });
      continue;
    }
    try {
      if (b.failed) throw new Error(b.failed);
      b.jws = b.payloads ? signAll(b) : '';
      ok.push(b);
    } catch (e) {
      dead = b.epoch;
      parentPort.postMessage({ id: b.id, error: String(e && e.message), conflict: false });
    }
  }
  const live = ok.filter((b) => b.epoch > dead);
  for (const b of ok) if (b.epoch <= dead) parentPort.postMessage({ id: b.id, error: 'an earlier batch failed to commit', conflict: false });
  if (!live.length) return;
  try {
    write.immediate(live);
    // Old page images of erased bodies live on in the WAL until a checkpoint; truncate it.
    if (live.some((b) => b.erasures.length)) db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (e) {
    for (const b of live) dead = Math.max(dead, b.epoch);
    for (const b of live) parentPort.postMessage({ id: b.id, error: String(e && e.message), conflict: e instanceof Conflict });
    return;
  }
  try {
    syncWal();
  } catch (e) {
    syncFailed = true;
    parentPort.postMessage({ syncFailed: String((e && e.message) || e) });
    return;
  }
  for (const b of live) parentPort.postMessage({ id: b.id, jws: b.jws });
}
`;

/** Failure reported by the writer thread. */
export class WriterError extends Error {
  /** The log in the file moved under this process (another writer). */
  readonly conflict: boolean;
  constructor(message: string, conflict: boolean) {
    super(message);
    this.conflict = conflict;
  }
}

/** The WAL sync failed on the writer thread: nothing may be acknowledged any more. */
export class WriterSyncError extends Error {}

/** The writer thread of one SQLite ledger file. */
export class SqliteWriter {
  /**
   * @internal Test hook, not API: the thread asks the main thread to run each fdatasync through
   * `node:fs` there, where the durability-fault tests replace it to make syncs fail or wait.
   */
  static syncOnMainForTest = false;
  readonly #worker: Worker;
  readonly #jobs = new Map<number, { resolve: (jws: string) => void; reject: (e: unknown) => void }>();
  #next = 0;
  #failed: Error | undefined;
  #closing = false;

  /**
   * `prefix` is `base64url(JWS header).` of the receipts it signs with `key`, through libsodium
   * when `sodiumPath` (the signer's `sodium-native`) is given. `onFail` hears once if the thread
   * stops or fails other than through close(): batches it had may have committed without an answer,
   * so the store must stop trusting what it has not synced.
   */
  constructor(
    file: string,
    key: KeyObject,
    prefix: string,
    onFail?: (e: Error) => void,
    sodiumPath?: string,
  ) {
    this.#worker = new Worker(SOURCE, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        file,
        key,
        prefix,
        sodium: sodiumPath ?? null,
        syncOnMain: SqliteWriter.syncOnMainForTest,
      },
    });
    this.#worker.on('message', (m: Reply | 'closed') => {
      if (m === 'closed') return;
      if ('syncFailed' in m)
        return fail(new WriterSyncError(`fsync of the write-ahead log failed: ${m.syncFailed}`));
      if ('syncRequest' in m) {
        const flag = m.syncRequest;
        const answer = (err: unknown) => {
          Atomics.store(flag, 1, err ? 1 : 0);
          Atomics.store(flag, 0, 1);
          Atomics.notify(flag, 0);
        };
        try {
          fs.fdatasync(m.fd, answer);
        } catch (e) {
          answer(e);
        }
        return;
      }
      const job = this.#jobs.get(m.id);
      this.#jobs.delete(m.id);
      if (!job) return;
      if ('jws' in m) job.resolve(m.jws);
      else job.reject(new WriterError(m.error, m.conflict));
    });
    const fail = (e: Error) => {
      if (this.#failed) return;
      this.#failed = e;
      // Tell the store before its batches hear of the failure, so nothing is answered in between.
      if (!this.#closing) onFail?.(e);
      for (const job of this.#jobs.values()) job.reject(e);
      this.#jobs.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', () => fail(new Error('the SQLite writer thread stopped')));
  }

  /**
   * Write a batch (signing its payloads first, if any); resolves, once committed and the WAL
   * synced after the commit, to the receipts of its payloads joined by newlines.
   */
  write(batch: WriterBatch): Promise<string> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#next++;
    try {
      this.#worker.postMessage(pack(id, batch));
    } catch (e) {
      // The batch never reached the thread, but later ones of its epoch were sequenced on top of it:
      // post an empty failed marker so the thread fails them too (the reply to id -1 is dropped).
      const failed = String((e as Error)?.message ?? e);
      try {
        this.#worker.postMessage(
          pack(-1, {
            ...batch,
            rows: [],
            nodes: [],
            links: [],
            erasures: [],
            unlink: [],
            payloads: '',
            claims: [],
            failed,
          }),
        );
      } catch {}
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      this.#jobs.set(id, { resolve, reject });
    });
  }

  /** @internal Test hook, not API: stop the thread as a crash would. */
  async terminateForTest(): Promise<void> {
    await this.#worker.terminate();
  }

  /** Close the connection (after every queued batch) and stop the thread. */
  async close(): Promise<void> {
    this.#closing = true;
    if (!this.#failed) {
      // Only the 'closed' reply means every batch queued before close() was written: replies to
      // those batches may still arrive first.
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#worker.off('message', onMessage);
          this.#worker.off('exit', done);
          resolve();
        };
        const onMessage = (m: unknown) => {
          if (m === 'closed') done();
        };
        this.#worker.on('message', onMessage);
        this.#worker.once('exit', done);
        this.#worker.postMessage('close');
      });
    }
    await this.#worker.terminate();
  }
}
