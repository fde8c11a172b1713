// The SQLite writer thread on its own (internal module): every batch of a group must start where
// the one before it ended, and a batch that could not be posted fails the later ones of its epoch.
import { generateKeyPairSync } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntryRow } from '../src/sequence.js';
import { SqliteWriter, type WriterBatch } from '../src/store/sqlite-writer.js';
import { type Fixture, fixture } from './helpers.js';

const row = (seq: number): EntryRow => ({
  seq,
  id: `id-${seq}`,
  kind: 'retention',
  subject: null,
  receivedAt: new Date(0).toISOString(),
  body: null,
  leaf: Buffer.alloc(32, seq),
  digest: null,
  receipt: null,
  erasedBy: null,
});

const batch = (epoch: number, start: number, n: number, over: Partial<WriterBatch> = {}): WriterBatch => ({
  epoch,
  start,
  rows: Array.from({ length: n }, (_, i) => row(start + i)),
  nodes: [],
  links: [],
  erasures: [],
  unlink: [],
  payloads: '',
  claims: [],
  ...over,
});

// A batch whose receipts take the thread a while to sign: batches posted meanwhile queue up and are
// taken together as the next group.
const busy = (epoch: number, start: number): WriterBatch =>
  batch(epoch, start, 1, {
    payloads: new Array(4000).fill('{"a":1}').join('\n'),
    claims: new Array(4000).fill(0),
  });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const settled = (p: Promise<unknown>) =>
  p.then(
    () => ({ ok: true as const }),
    (e: { message?: string; conflict?: boolean }) => ({
      ok: false as const,
      message: e.message,
      conflict: e.conflict,
    }),
  );

describe('SQLite writer thread', () => {
  let fx: Fixture;
  const writers: SqliteWriter[] = [];
  const key = generateKeyPairSync('ed25519').privateKey;
  const open = async (name: string) => {
    const database = `${fx.dir}/${name}.db`;
    // A ledger creates the schema.
    await (await fx.ledger({ database, signingThreads: 0 })).close();
    const w = new SqliteWriter(database, key, 'e30.');
    writers.push(w);
    return { w, database };
  };
  const seqs = (database: string) => {
    const db = new Database(database, { readonly: true });
    try {
      return db
        .prepare<[], { seq: number }>('SELECT seq FROM entries ORDER BY seq')
        .all()
        .map((r) => r.seq);
    } finally {
      db.close();
    }
  };
  beforeAll(async () => {
    fx = await fixture('sqlite');
  });
  afterAll(async () => {
    for (const w of writers) await w.close();
    await fx.cleanup();
  });

  it('refuses a group whose later batch does not start where the one before it ended', async () => {
    const { w, database } = await open('gap');
    await w.write(batch(0, 0, 1));
    const first = settled(w.write(busy(0, 1)));
    await pause(20);
    // Queued behind the busy batch, these two form one group; the second leaves out seq 3.
    const next = settled(w.write(batch(0, 2, 1)));
    const gap = settled(w.write(batch(0, 4, 1)));
    expect(await first).toEqual({ ok: true });
    expect(await next).toMatchObject({ ok: false, conflict: true });
    expect(await gap).toMatchObject({ ok: false, conflict: true });
    expect(seqs(database)).toEqual([0, 1]);
  });

  it('a batch that cannot be posted fails the later batches of its epoch', async () => {
    const { w, database } = await open('unposted');
    await w.write(batch(0, 0, 1));
    // pack() throws on a row without a leaf hash.
    const broken = settled(w.write(batch(0, 1, 1, { rows: [{ ...row(1), leaf: undefined as never }] })));
    const after = settled(w.write(batch(0, 2, 1)));
    expect(await broken).toMatchObject({ ok: false });
    expect(await after).toMatchObject({
      ok: false,
      message: 'an earlier batch failed to commit',
      conflict: false,
    });
    // A new epoch (the store restarted its range from the file) continues the log.
    expect(await settled(w.write(batch(1, 1, 1)))).toEqual({ ok: true });
    expect(seqs(database)).toEqual([0, 1]);
  });

  it('close() waits for every batch posted before it, not for the first reply', async () => {
    const { w, database } = await open('close');
    await w.write(batch(0, 0, 1));
    const first = settled(w.write(busy(0, 1)));
    await pause(20);
    const second = settled(w.write(busy(0, 2)));
    await w.close();
    expect(await first).toEqual({ ok: true });
    expect(await second).toEqual({ ok: true });
    expect(seqs(database)).toEqual([0, 1, 2]);
  });
});
