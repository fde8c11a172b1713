import 'fake-indexeddb/auto';
import { createConsent, createIdbHistory, createMemoryHistory, validateEvent } from '@assent/core';
import { createStore, get, set, values } from 'idb-keyval';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { small } from './fixtures.js';

let db = 0;
const fresh = () => `assent-history-test-${++db}`;
afterEach(() => vi.unstubAllGlobals());

describe('createIdbHistory', () => {
  it('keeps every decision in IndexedDB, oldest first, across instances', async () => {
    const dbName = fresh();
    let t = Date.UTC(2026, 0, 1);
    const consent = createConsent(small(), { history: createIdbHistory({ dbName }), now: () => (t += 1000) });
    consent.set({ analytics: true });
    consent.set({ ads: false });
    consent.withdraw('all');
    await new Promise((r) => setTimeout(r, 20));
    const records = await createIdbHistory({ dbName }).list();
    expect(records.map((r) => r.event.method)).toEqual(['api', 'api', 'api']);
    expect(records.map((r) => r.changed)).toEqual([['analytics'], ['ads'], ['analytics']]);
    for (const r of records) validateEvent(r.event);
    expect(await consent.history?.list()).toEqual(records);
  });

  it('reads and writes the database idb-keyval wrote (earlier versions stored the history through it)', async () => {
    const dbName = fresh();
    let t = Date.UTC(2026, 0, 1);
    const consent = createConsent(small(), { now: () => (t += 1000) });
    const record = (c: NonNullable<ReturnType<typeof consent.set>>) => ({
      event: c.event,
      changed: c.changed,
    });
    const older = record(consent.set({ analytics: true })!);
    const newer = record(consent.set({ ads: true })!);
    const earlier = createStore(dbName, 'records');
    await set(older.event.id, older, earlier);
    const history = createIdbHistory({ dbName });
    expect((await history.list()).map((r) => r.event.id)).toEqual([older.event.id]);
    await history.append(newer);
    expect(await get(newer.event.id, earlier)).toEqual(newer);
    expect((await values(earlier)).map((r) => r.event.id).sort()).toEqual(
      [older.event.id, newer.event.id].sort(),
    );
  });

  it('drops the oldest records beyond maxRecords', async () => {
    const dbName = fresh();
    const history = createIdbHistory({ dbName, maxRecords: 3 });
    let t = Date.UTC(2026, 0, 1);
    const consent = createConsent(small(), { now: () => t });
    const times: string[] = [];
    for (let i = 0; i < 5; i++) {
      t += 1000;
      times.push(new Date(t).toISOString());
      await history.append(consent.set({ analytics: i % 2 === 0 })!);
    }
    expect((await history.list()).map((r) => r.event.at)).toEqual(times.slice(2));
  });

  it('keeps working in memory, with one warning, when IndexedDB is missing', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const warnings: string[] = [];
    const history = createIdbHistory({ dbName: fresh(), onWarning: (m) => warnings.push(m) });
    const consent = createConsent(small(), { history });
    consent.acceptAll();
    consent.rejectAll();
    await Promise.resolve();
    expect((await history.list()).map((r) => r.event.method)).toEqual([
      'banner:accept-all',
      'banner:reject-all',
    ]);
    expect(warnings).toEqual([]);
  });

  it('never rejects when IndexedDB is blocked (open throws or fails)', async () => {
    const warnings: string[] = [];
    vi.stubGlobal('indexedDB', {
      open() {
        throw new DOMException('The user denied permission', 'SecurityError');
      },
    });
    const blocked = createIdbHistory({ dbName: fresh(), onWarning: (m) => warnings.push(m) });
    const consent = createConsent(small(), { history: blocked });
    expect(() => consent.acceptAll()).not.toThrow();
    await expect(blocked.list()).resolves.toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/SecurityError|denied/);

    vi.stubGlobal('indexedDB', {
      open() {
        const req: Record<string, unknown> = { error: new DOMException('quota', 'QuotaExceededError') };
        setTimeout(() => (req.onerror as () => void)?.(), 0);
        return req;
      },
    });
    const failing = createIdbHistory({ dbName: fresh(), onWarning: (m) => warnings.push(m) });
    await expect(
      Promise.resolve(failing.append(consent.set({ analytics: false })!)),
    ).resolves.toBeUndefined();
    await expect(failing.list()).resolves.toHaveLength(1);
    expect(warnings).toHaveLength(2);
  });
});

// A Storage in memory, as Node has no localStorage.
function stubLocalStorage() {
  const m = new Map<string, string>();
  const storage = {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, String(v)),
    removeItem: (k: string) => void m.delete(k),
  };
  vi.stubGlobal('localStorage', storage);
  return m;
}

describe('createIdbHistory journal (a navigation right after a decision)', () => {
  it('journals each record synchronously and clears the journal once IndexedDB holds it', async () => {
    const stored = stubLocalStorage();
    const dbName = fresh();
    const history = createIdbHistory({ dbName });
    const consent = createConsent(small(), { history });
    const change = consent.acceptAll();
    // Before any IndexedDB callback ran: the record is already in localStorage.
    const journaled = JSON.parse(stored.get(`${dbName}-journal`)!);
    expect(journaled.map((r: { event: { id: string } }) => r.event.id)).toEqual([change!.event.id]);
    await new Promise((r) => setTimeout(r, 20));
    expect(stored.has(`${dbName}-journal`)).toBe(false);
    expect((await createIdbHistory({ dbName }).list()).map((r) => r.event.id)).toEqual([change!.event.id]);
  });

  it('moves what an aborted page left in the journal into IndexedDB, once, on the next page', async () => {
    const stored = stubLocalStorage();
    const dbName = fresh();
    let t = Date.UTC(2026, 0, 1);
    const consent = createConsent(small(), { now: () => (t += 1000) });
    const first = consent.rejectAll()!;
    const second = consent.set({ analytics: true })!;
    await createIdbHistory({ dbName }).append(first);
    // The page went away before IndexedDB committed the second record: only the journal has it.
    stored.set(`${dbName}-journal`, JSON.stringify([{ event: second.event, changed: second.changed }]));
    const next = createIdbHistory({ dbName });
    expect((await next.list()).map((r) => r.event.id)).toEqual([first.event.id, second.event.id]);
    expect(stored.has(`${dbName}-journal`)).toBe(false);
    expect(await createIdbHistory({ dbName }).list()).toHaveLength(2);
  });

  it('ignores a corrupt journal and keeps what IndexedDB holds', async () => {
    const stored = stubLocalStorage();
    const dbName = fresh();
    const consent = createConsent(small());
    const kept = consent.acceptAll()!;
    await createIdbHistory({ dbName }).append(kept);
    for (const junk of ['{not json', '{"event":1}', '[1,null,{"event":{}}]']) {
      stored.set(`${dbName}-journal`, junk);
      expect((await createIdbHistory({ dbName }).list()).map((r) => r.event.id)).toEqual([kept.event.id]);
    }
  });
});

describe('createMemoryHistory', () => {
  it('orders by event time and keeps at most maxRecords', async () => {
    const history = createMemoryHistory(2);
    let t = Date.UTC(2026, 0, 1);
    const consent = createConsent(small(), { now: () => t });
    const times: string[] = [];
    // Appended out of order (a clock set back): the list is by time, the oldest dropped.
    for (const [v, dt] of [
      [true, 0],
      [false, -5000],
      [true, 2000],
    ] as const) {
      t += dt;
      times.push(new Date(t).toISOString());
      history.append(consent.set({ analytics: v })!);
    }
    expect((await history.list()).map((r) => r.event.at)).toEqual([times[2], times[0]]);
  });
});
