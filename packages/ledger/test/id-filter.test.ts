// The Bloom filter of stored ids that spares the idempotency check a database lookup for new ids:
// it must never miss an id that was added (a miss would send a stored id to be sequenced again),
// neither in the filter itself nor in a store that scans an existing file into it.
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdFilter } from '../src/lib/id-filter.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { type Fixture, fixture, makeEvent } from './helpers.js';

describe('IdFilter', () => {
  it('has no false negatives, also past its capacity, and few false positives', () => {
    const f = new IdFilter(2000, true);
    const ids = Array.from({ length: 10_000 }, () => randomUUID());
    for (const id of ids) f.add(id);
    expect(ids.every((id) => f.has(id))).toBe(true);
    const others = Array.from({ length: 10_000 }, () => randomUUID());
    const falsePositives = others.filter((id) => f.has(id)).length;
    // Four segments (2,000, 4,000, 8,000 ids of capacity) at about 1 % each when full.
    expect(falsePositives).toBeLessThan(300);
  });

  it('takes any string, and is complete only when told', () => {
    const f = new IdFilter(10, false);
    expect(f.complete).toBe(false);
    for (const id of ['', 'a', 'é', '\u{1f600}', 'x'.repeat(1000)]) f.add(id);
    expect(['', 'a', 'é', '\u{1f600}', 'x'.repeat(1000)].every((id) => f.has(id))).toBe(true);
    f.markComplete();
    expect(f.complete).toBe(true);
  });
});

describe('SQLite id filter', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await fixture('sqlite');
  });
  afterAll(async () => {
    SqliteStore.idScanChunk = 5_000;
    await fx.cleanup();
  });

  // A ledger on a file that already holds `n` events, reopened so that its id scan takes 2 ids a
  // turn; `scanned()` waits (up to half a second) for that scan to finish.
  async function reopened(name: string, n: number) {
    const database = `${fx.dir}/${name}.db`;
    const a = await fx.ledger({ database });
    const events = Array.from({ length: n }, () => makeEvent());
    const receipts = await a.append(events);
    await a.close();
    SqliteStore.idScanChunk = 2;
    const ledger = await fx.ledger({ database });
    const store = ledger.store as SqliteStore;
    const scanned = async () => {
      for (let i = 0; i < 100 && !store.idFilterCompleteForTest; i++)
        await new Promise((r) => setTimeout(r, 5));
      return store.idFilterCompleteForTest;
    };
    return { ledger, store, events, receipts, scanned };
  }

  it('a reopened ledger scans the stored ids (in several chunks) and answers their retries from the file', async () => {
    const { ledger: b, events, receipts, scanned } = await reopened('reopen', 7);
    expect(await scanned()).toBe(true);
    expect(await b.append([...events].reverse())).toEqual([...receipts].reverse());
    expect(await b.store.treeSize()).toBe(7);
    const fresh = makeEvent();
    const receipt = await b.append([fresh]);
    expect(await b.append([fresh])).toEqual(receipt);
    expect(await b.store.treeSize()).toBe(8);
  });
  it('ids appended while the start-up scan runs are found by their retries, before and after it ends', async () => {
    const {
      ledger: b,
      store,
      events: stored,
      receipts: storedReceipts,
      scanned,
    } = await reopened('during-scan', 9);
    expect(store.idFilterCompleteForTest).toBe(false);
    const during = [makeEvent(), makeEvent()];
    const duringReceipts = await b.append(during);
    expect(await b.append([stored[8]!, during[0]!])).toEqual([storedReceipts[8], duringReceipts[0]]);
    expect(await scanned()).toBe(true);
    expect(await b.append([...during, ...stored])).toEqual([...duringReceipts, ...storedReceipts]);
    expect(await b.store.treeSize()).toBe(11);
    await b.close();
  });

  for (const signingThreads of [0, 1])
    it(`an event reusing a tombstone's id meets its conflict, and a concurrent event still gets its receipt (signingThreads ${signingThreads})`, async () => {
      const database = `${fx.dir}/tombstone-${signingThreads}.db`;
      const l = await fx.ledger({ database, signingThreads });
      const erased = makeEvent();
      await l.append([erased]);
      await l.erase(erased.subject);
      const file = new Database(database, { readonly: true });
      const tombstone = file.prepare("SELECT id FROM entries WHERE kind = 'erasure'").pluck().get() as string;
      file.close();
      expect(tombstone).toMatch(/\S/);
      const size = await l.store.treeSize();
      const other = makeEvent();
      const [ok, clash] = await Promise.allSettled([
        l.append([other]),
        l.append([makeEvent({ id: tombstone })]),
      ]);
      expect(ok.status).toBe('fulfilled');
      expect(clash).toMatchObject({ status: 'rejected', reason: { code: 'ERR_EVENT_CONFLICT' } });
      // The first event's leaf only: the clash added none, and the store is not broken.
      expect(await l.store.treeSize()).toBe(size + 1);
      expect(await l.append([other])).toEqual((ok as PromiseFulfilledResult<unknown>).value);
      await l.close();
    });
});
