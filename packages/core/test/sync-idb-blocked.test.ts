// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://shop.example/"}
// A blocked IndexedDB: another connection (an older tab) holds the outbox database open while a
// version change waits on it, so every later open() queues behind it and never settles. Sync must
// give up on IndexedDB, warn once, and carry on in memory.
import 'fake-indexeddb/auto';
import { createConsent } from '@assent/core';
import { createIdbSyncStore, createSync } from '@assent/core/sync';
import { expect, it } from 'vitest';
import { small } from './fixtures.js';
import { createNet, posted, startLedger } from './sync-helpers.js';

const open = (name: string, version?: number) =>
  new Promise<IDBDatabase>((resolve, reject) => {
    const r = version ? indexedDB.open(name, version) : indexedDB.open(name);
    r.onupgradeneeded = () => {
      if (!r.result.objectStoreNames.contains('kv')) r.result.createObjectStore('kv');
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });

it('a blocked IndexedDB open falls back to memory with one warning, and delivery goes on', async () => {
  const ledger = await startLedger();
  const net = createNet();
  const warnings: string[] = [];
  const held = await open('blk-outbox'); // an old tab's connection that ignores versionchange
  let blocked = false;
  const upgrade = indexedDB.open('blk-outbox', 2); // newer code in another tab: waits on it
  upgrade.onblocked = () => {
    blocked = true;
  };
  const consent = createConsent(small());
  const sync = createSync({
    ledgerUrl: ledger.url,
    consent,
    fetch: net.fetch,
    store: createIdbSyncStore({ dbName: 'blk', openTimeoutMs: 200, onWarning: (m) => warnings.push(m) }),
    onWarning: (m) => warnings.push(m),
  });
  try {
    const e = consent.set({ analytics: true })!.event;
    // Without the timeout this never settles; the race makes the test fail instead of hang.
    const outcome = await Promise.race([
      sync.flush().then(() => 'flushed'),
      new Promise((r) => setTimeout(() => r('stalled'), 5000)),
    ]);
    expect(blocked).toBe(true);
    expect(outcome).toBe('flushed');
    expect(posted(net).map((x) => x.id)).toEqual([e.id]);
    expect(await sync.pending()).toEqual([]);
    expect((await sync.receipts()).map((r) => r.id)).toEqual([e.id]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/IndexedDB blk-outbox unavailable.*200 ms/);
  } finally {
    sync.stop();
    held.close();
    await ledger.close();
  }
});

it('openTimeoutMs must be a positive integer', () => {
  for (const openTimeoutMs of [0, -1, 1.5, Number.NaN, 2 ** 31])
    expect(() => createIdbSyncStore({ openTimeoutMs })).toThrow(/openTimeoutMs/);
});
