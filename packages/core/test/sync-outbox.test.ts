// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://shop.example/"}
// Delivery against a real ledger (SQLite on a temporary file): written down before sent, exactly
// once and in order through outages and reloads, refusals set aside while the rest drains, the
// outbox bounded, and broken or corrupt IndexedDB recovered from.
import 'fake-indexeddb/auto';
import { type Consent, createConsent, type ConsentEvent, memoryStorage } from '@assent/core';
import {
  createIdbSyncStore,
  createMemorySyncStore,
  createSync,
  MAX_REJECTED,
  type Sync,
  type SyncErrorDetail,
} from '@assent/core/sync';
import { createStore, entries, get, set } from 'idb-keyval';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { small } from './fixtures.js';
import { createNet, type Net, posted, startLedger, type TestLedger, until } from './sync-helpers.js';

let ledger: TestLedger;
let db = 0;
const syncs: Sync[] = [];
beforeAll(async () => {
  ledger = await startLedger();
});
afterAll(async () => {
  await ledger?.close();
});
afterEach(() => {
  for (const s of syncs.splice(0)) s.stop();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const fresh = () => `sync-outbox-${++db}`;
const start = (consent: Consent, net: Net, extra: Partial<Parameters<typeof createSync>[0]> = {}) => {
  const s = createSync({
    ledgerUrl: ledger.url,
    consent,
    fetch: net.fetch,
    retryBaseMs: 20,
    retryMaxMs: 100,
    onWarning: () => {},
    ...extra,
  });
  syncs.push(s);
  return s;
};
const idsOf = (events: { id: string }[]) => events.map((e) => e.id);
const inLedger = async (subject: string) => (await ledger.entries()).filter((e) => e.subject === subject);

describe('createSync: delivery', () => {
  it('writes each event to IndexedDB before it is sent, and removes it once the receipt is kept', async () => {
    const dbName = fresh();
    const net = createNet();
    const onDisk: boolean[] = [];
    const outboxDb = createStore(`${dbName}-outbox`, 'kv');
    net.onRequest = async (r) => {
      if (r.url.endsWith('/v1/events'))
        for (const e of JSON.parse(r.body) as ConsentEvent[])
          onDisk.push((await get<{ event: ConsentEvent }>(e.id, outboxDb))?.event.id === e.id);
    };
    const consent = createConsent(small());
    const sync = start(consent, net, { store: createIdbSyncStore({ dbName }) });
    const receipts: string[] = [];
    sync.on('receipt', (r) => receipts.push(r.event.id));
    const a = consent.acceptAll()!.event;
    const b = consent.set({ ads: false })!.event;
    await until(async () => receipts.length === 2);
    expect(onDisk.length).toBeGreaterThanOrEqual(2);
    expect(onDisk.every(Boolean)).toBe(true);
    expect(idsOf(await inLedger(consent.subject))).toEqual([a.id, b.id]);
    expect(await sync.pending()).toEqual([]);
    expect((await entries(outboxDb)).filter(([k]) => !String(k).startsWith('~'))).toEqual([]);
    const kept = await sync.receipts();
    expect(kept.map((r) => r.id)).toEqual([a.id, b.id]);
    expect(kept.every((r) => r.verified)).toBe(true);
    // Receipts live in IndexedDB: a new sync on the same store (a reload) lists them.
    sync.stop();
    const again = start(createConsent(small()), net, { store: createIdbSyncStore({ dbName }) });
    expect((await again.receipts()).map((r) => r.id)).toEqual([a.id, b.id]);
  });

  it('a delivery under way leaves out an event whose IndexedDB write has not finished', async () => {
    // A slow disk: each outbox write lands 40 ms after it was asked for.
    const memory = createMemorySyncStore();
    const written = new Set<string>();
    const slow: typeof memory.outbox = {
      ...memory.outbox,
      async set(k, v) {
        await new Promise((r) => setTimeout(r, 40));
        await memory.outbox.set(k, v);
        written.add(k);
      },
    };
    const net = createNet();
    const consent = createConsent(small());
    let b: ConsentEvent | undefined;
    const sentUnwritten: string[] = [];
    net.onRequest = async (r) => {
      if (!r.url.endsWith('/v1/events')) return;
      for (const e of JSON.parse(r.body) as ConsentEvent[]) if (!written.has(e.id)) sentUnwritten.push(e.id);
      // While the first request is under way, the shopper decides again.
      b ??= consent.set({ ads: false })!.event;
    };
    const sync = start(consent, net, { store: { outbox: slow, receipts: memory.receipts } });
    const receipts: string[] = [];
    sync.on('receipt', (x) => receipts.push(x.event.id));
    const a = consent.acceptAll()!.event;
    await until(async () => receipts.length === 2);
    expect(sentUnwritten).toEqual([]);
    expect(receipts).toEqual([a.id, b!.id]);
    expect(idsOf(await inLedger(consent.subject))).toEqual([a.id, b!.id]);
  });

  it('offline through two reloads: events wait, then reach the ledger exactly once and in order', async () => {
    const dbName = fresh();
    const net = createNet();
    net.offline = true;
    const storage = memoryStorage();
    const made: string[] = [];
    const page = () => {
      const consent = createConsent(small(), { storage });
      consent.subscribe((c) => made.push(c.event.id));
      return { consent, sync: start(consent, net, { store: createIdbSyncStore({ dbName }) }) };
    };
    let p = page();
    p.consent.acceptAll();
    p.consent.set({ analytics: false });
    await p.sync.flush();
    expect(idsOf(await p.sync.pending())).toEqual(made);
    for (let reload = 0; reload < 2; reload++) {
      p.sync.stop();
      p = page();
      expect(idsOf(await p.sync.pending())).toEqual(made);
    }
    p.consent.set({ ads: false });
    p.consent.set({ analytics: true });
    await p.sync.flush();
    expect(made).toHaveLength(4);
    expect(idsOf(await p.sync.pending())).toEqual(made);
    expect(await inLedger(p.consent.subject)).toEqual([]);
    net.offline = false;
    window.dispatchEvent(new Event('online'));
    await until(async () => (await p.sync.pending()).length === 0);
    expect(idsOf(await inLedger(p.consent.subject))).toEqual(made);
    const seqs = (await inLedger(p.consent.subject)).map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  });

  it('retries on a timer with backoff while the ledger fails, and resumes by itself', async () => {
    const net = createNet();
    let failures = 0;
    net.intercept = (r) => {
      if (r.url.endsWith('/v1/events') && failures < 3) {
        failures++;
        return { status: 503, body: { error: { code: 'ERR_STORAGE_UNAVAILABLE', message: 'down' } } };
      }
      return undefined;
    };
    const consent = createConsent(small());
    const sync = start(consent, net, { store: createMemorySyncStore() });
    const e = consent.rejectAll()!.event;
    await until(async () => (await sync.pending()).length === 0);
    expect(failures).toBe(3);
    expect(posted(net).filter((x) => x.id === e.id)).toHaveLength(4);
    expect(idsOf(await inLedger(consent.subject))).toEqual([e.id]);
  });

  it('honours Retry-After on 429', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const net = createNet();
    let limited = true;
    net.intercept = (r) =>
      limited && r.url.endsWith('/v1/events')
        ? {
            status: 429,
            body: { error: { code: 'ERR_RATE_LIMITED', message: 'slow' } },
            headers: { 'retry-after': '30' },
          }
        : undefined;
    const consent = createConsent(small());
    // Retry-After is honoured up to retryMaxMs (100 ms in these tests).
    const sync = start(consent, net, { store: createMemorySyncStore(), retryMaxMs: 60_000 });
    consent.acceptAll();
    await sync.flush();
    limited = false;
    const before = net.requests.length;
    await vi.advanceTimersByTimeAsync(29_000);
    expect(net.requests.length).toBe(before);
    await vi.advanceTimersByTimeAsync(1_500);
    vi.useRealTimers();
    await until(async () => (await sync.pending()).length === 0);
    expect(net.requests.length).toBeGreaterThan(before);
  });
});

describe('createSync: refusals', () => {
  it('sets aside an event the ledger refuses (4xx), reports it once, and drains the rest', async () => {
    const storage = memoryStorage();
    const net = createNet();
    net.offline = true;
    // An event from a clock an hour fast: the ledger refuses it (ERR_EVENT_CLOCK_SKEW, `$[i].at`).
    const skewed = createConsent(small(), { storage, now: () => Date.now() + 3_600_000 });
    const bad = skewed.set({ analytics: true })!.event;
    const consent = createConsent(small(), { storage });
    const sync = start(consent, net, { store: createMemorySyncStore(), backlog: [{ event: bad }] });
    const errors: SyncErrorDetail[] = [];
    sync.on('sync-error', (e) => errors.push(e));
    const good = [consent.set({ ads: true })!.event, consent.set({ ads: false })!.event];
    await sync.flush();
    net.offline = false;
    await sync.flush();
    await until(async () => (await sync.pending()).length === 0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'ERR_EVENT_CLOCK_SKEW', status: 400, event: { id: bad.id } });
    expect(errors[0]!.path).toMatch(/^\$\[\d+\]\.at$/);
    expect(idsOf(await inLedger(consent.subject))).toEqual(idsOf(good));
    expect(await sync.rejected()).toEqual([
      { event: bad, error: expect.objectContaining({ code: 'ERR_EVENT_CLOCK_SKEW' }) },
    ]);
    // Set aside means never sent again.
    const sends = posted(net).filter((e) => e.id === bad.id).length;
    consent.set({ analytics: false });
    await sync.flush();
    expect(posted(net).filter((e) => e.id === bad.id)).toHaveLength(sends);
  });

  it('finds the event at fault by sending singly when the refusal names none', async () => {
    const net = createNet();
    const consent = createConsent(small());
    let badId = '';
    net.intercept = (r) =>
      r.url.endsWith('/v1/events') && r.body.includes(badId)
        ? { status: 422, body: { error: { code: 'ERR_NOPE', message: 'no' } } }
        : undefined;
    net.offline = true;
    const sync = start(consent, net, { store: createMemorySyncStore() });
    const errors: SyncErrorDetail[] = [];
    sync.on('sync-error', (e) => errors.push(e));
    const events = [
      consent.acceptAll()!.event,
      consent.set({ ads: false })!.event,
      consent.rejectAll()!.event,
    ];
    badId = events[1]!.id;
    await sync.flush();
    net.offline = false;
    await sync.flush();
    expect(errors.map((e) => [e.code, e.event?.id])).toEqual([['ERR_NOPE', badId]]);
    expect(idsOf(await inLedger(consent.subject))).toEqual([events[0]!.id, events[2]!.id]);
    expect(await sync.pending()).toEqual([]);
  });

  it('sets aside an event whose id the ledger holds with another body (409), keeping the others', async () => {
    const net = createNet();
    const consent = createConsent(small());
    const first = createSync({
      ledgerUrl: ledger.url,
      consent,
      fetch: net.fetch,
      store: createMemorySyncStore(),
    });
    syncs.push(first);
    const a = consent.acceptAll()!.event;
    await until(async () => (await first.pending()).length === 0);
    first.stop();
    const forged: ConsentEvent = {
      ...a,
      purposes: { ...a.purposes, ads: { ...a.purposes.ads!, status: 'refused' } },
    };
    const sync = start(consent, net, { store: createMemorySyncStore(), backlog: [{ event: forged }] });
    const errors: SyncErrorDetail[] = [];
    sync.on('sync-error', (e) => errors.push(e));
    const b = consent.set({ analytics: false })!.event;
    await until(async () => (await sync.pending()).length === 0);
    expect(errors.map((e) => [e.code, e.status, e.event?.id])).toEqual([['ERR_EVENT_CONFLICT', 409, a.id]]);
    expect(idsOf(await inLedger(consent.subject))).toEqual([a.id, b.id]);
  });

  it(`keeps only the newest ${MAX_REJECTED} refused events`, async () => {
    const net = createNet();
    net.intercept = (r) =>
      r.url.endsWith('/v1/events')
        ? { status: 400, body: { error: { code: 'ERR_X', message: 'x', path: '$[0]' } } }
        : undefined;
    const consent = createConsent(small());
    const sync = start(consent, net, { store: createMemorySyncStore() });
    const made: string[] = [];
    for (let i = 0; i < MAX_REJECTED + 5; i++) {
      made.push(consent.set({ analytics: i % 2 === 0 })!.event.id);
      await sync.flush();
    }
    expect(idsOf((await sync.rejected()).map((r) => r.event))).toEqual(made.slice(5));
  });
});

describe('createSync: limits and storage', () => {
  it('compacts older snapshots beyond maxOutboxEvents, never the latest decision per purpose', async () => {
    const net = createNet();
    net.offline = true;
    const consent = createConsent(small());
    const sync = start(consent, net, { store: createMemorySyncStore(), maxOutboxEvents: 3 });
    for (let i = 0; i < 8; i++) consent.set({ analytics: i % 2 === 0, ads: i % 3 === 0 });
    const last = consent.set({ ads: false })!.event;
    await sync.flush();
    const waiting = await sync.pending();
    expect(waiting).toHaveLength(3);
    expect(waiting.at(-1)!.id).toBe(last.id);
    net.offline = false;
    await sync.flush();
    const got = await inLedger(consent.subject);
    expect(idsOf(got)).toEqual(idsOf(waiting));
    expect(got.at(-1)!.purposes).toEqual(last.purposes);
  });

  it('recovers from corrupt IndexedDB content: drops it with a warning, never throws, keeps working', async () => {
    const dbName = fresh();
    const outboxDb = createStore(`${dbName}-outbox`, 'kv');
    const receiptsDb = createStore(`${dbName}-receipts`, 'kv');
    await set('garbage', 'not an entry', outboxDb);
    await set('00000000-0000-4000-8000-000000000000', { event: 42, n: 'x' }, outboxDb);
    await set('~link', 'not a link record', outboxDb);
    await set('r1', { id: 'r1', jws: 17 }, receiptsDb);
    const warnings: string[] = [];
    const net = createNet();
    const consent = createConsent(small());
    const sync = start(consent, net, {
      store: createIdbSyncStore({ dbName }),
      onWarning: (m) => warnings.push(m),
    });
    expect(await sync.pending()).toEqual([]);
    expect(await sync.receipts()).toEqual([]);
    const e = consent.acceptAll()!.event;
    await until(async () => (await sync.receipts()).length === 1);
    expect((await sync.receipts())[0]!.id).toBe(e.id);
    expect(warnings.join('\n')).toMatch(/unreadable outbox entries/);
    expect(warnings.join('\n')).toMatch(/unreadable receipts/);
    expect((await entries(outboxDb)).map(([k]) => k)).toEqual(['~link']);
    // A link record that is not one is ignored: linking still works.
    const token = await ledger.linkToken(consent.subject, 'corrupt-meta@shop.example');
    expect((await sync.link(token)).status).toBe('merged');
  });

  it('falls back to memory when IndexedDB is missing or its database is not ours', async () => {
    const dbName = fresh();
    // A database of that name with another object store: idb-keyval's transaction fails.
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.open(`${dbName}-outbox`, 1);
      req.onupgradeneeded = () => req.result.createObjectStore('other');
      req.onsuccess = () => {
        req.result.close();
        resolve();
      };
      req.onerror = () => reject(req.error);
    });
    for (const missing of [false, true]) {
      if (missing) vi.stubGlobal('indexedDB', undefined);
      const warnings: string[] = [];
      const net = createNet();
      const consent = createConsent(small());
      const sync = start(consent, net, {
        store: createIdbSyncStore({ dbName: missing ? fresh() : dbName, onWarning: (m) => warnings.push(m) }),
      });
      const e = consent.acceptAll()!.event;
      await until(async () => (await sync.receipts()).length === 1);
      expect(idsOf(await inLedger(consent.subject))).toEqual([e.id]);
      // A broken database is worth one warning; no IndexedDB at all is simply memory.
      expect(warnings.length).toBe(missing ? 0 : 1);
      expect(warnings.every((w) => /kept in memory/.test(w))).toBe(true);
    }
  });

  it('sends with keepalive while the page is hidden, and by beacon when it is unloaded', async () => {
    const net = createNet();
    const keepalive: boolean[] = [];
    const inner = net.fetch;
    net.fetch = ((u: string, init: RequestInit) => {
      if (u.endsWith('/v1/events')) keepalive.push(!!init.keepalive);
      return inner(u, init);
    }) as typeof fetch;
    const beacons: { url: string; body: string; type: string }[] = [];
    const reads: Promise<void>[] = [];
    vi.stubGlobal('navigator', {
      ...navigator,
      sendBeacon: (url: string, blob: Blob) => {
        reads.push(blob.text().then((body) => void beacons.push({ url, body, type: blob.type })));
        return true;
      },
    });
    const consent = createConsent(small());
    const sync = start(consent, net, { store: createMemorySyncStore() });
    consent.acceptAll();
    await until(async () => (await sync.pending()).length === 0);
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    consent.set({ ads: false });
    await until(async () => (await sync.pending()).length === 0);
    expect(keepalive).toEqual([false, true]);
    Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });

    net.offline = true;
    const e = consent.rejectAll()!.event;
    await sync.flush();
    window.dispatchEvent(new Event('pagehide'));
    await Promise.all(reads);
    expect(beacons).toHaveLength(1);
    expect(beacons[0]!.url).toBe(`${ledger.url}/v1/events`);
    expect(beacons[0]!.type).toBe('text/plain');
    expect(idsOf(JSON.parse(beacons[0]!.body))).toEqual([e.id]);
    // The beacon's fate is unknown: the event stays queued for the next page.
    expect(idsOf(await sync.pending())).toEqual([e.id]);
  });

  it('never throws into the page: throwing fetch and listeners are contained', async () => {
    const warnings: string[] = [];
    const consent = createConsent(small());
    const sync = start(
      consent,
      {
        fetch: (() => {
          throw new Error('boom');
        }) as unknown as typeof fetch,
      } as Net,
      { store: createMemorySyncStore(), onWarning: (m) => warnings.push(m) },
    );
    sync.on('sync-error', () => {
      throw new Error('listener');
    });
    expect(() => consent.acceptAll()).not.toThrow();
    await expect(sync.flush()).resolves.toBeUndefined();
    expect(await sync.pending()).toHaveLength(1);
  });

  it('rejects wrong options with TypeError naming the option', () => {
    const consent = createConsent(small());
    const ok = { ledgerUrl: 'https://ledger.example', consent };
    expect(() => createSync({ ...ok, ledgerUrl: 'ftp://x' })).toThrow(/ledgerUrl/);
    expect(() => createSync({ ...ok, ledgerUrl: 'not a url' })).toThrow(TypeError);
    expect(() => createSync({ ...ok, consent: {} as Consent })).toThrow(/consent/);
    expect(() => createSync({ ...ok, maxOutboxEvents: 0 })).toThrow(/maxOutboxEvents/);
    expect(() => createSync({ ...ok, retryBaseMs: 1.5 })).toThrow(/retryBaseMs/);
    expect(() => createSync({ ...ok, fetch: 3 as unknown as typeof fetch })).toThrow(/fetch/);
  });
});
