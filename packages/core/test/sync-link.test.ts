// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://shop.example/"}
// Signed-in shoppers across devices, against a real ledger that trusts the storefront's link key:
// a decision made on one device shows on the other after sign-in, newest decision per purpose
// winning, and newer decisions of the device are sent up.
import 'fake-indexeddb/auto';
import { type Consent, createConsent, memoryStorage, purposeHashes } from '@assent/core';
import {
  createIdbSyncStore,
  createMemorySyncStore,
  createSync,
  decodeJws,
  type LinkResult,
  readReceiptCookie,
  type Sync,
  type SyncErrorDetail,
  type SyncStore,
} from '@assent/core/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { small } from './fixtures.js';
import { createNet, type Net, posted, startLedger, type TestLedger, until } from './sync-helpers.js';

let ledger: TestLedger;
const syncs: Sync[] = [];
let n = 0;
beforeAll(async () => {
  ledger = await startLedger();
});
afterAll(async () => {
  await ledger?.close();
});
afterEach(() => {
  for (const s of syncs.splice(0)) s.stop();
});

const customer = () => `customer-${++n}@shop.example`;
const device = (
  net = createNet(),
  consent: Consent = createConsent(small()),
  store: SyncStore = createMemorySyncStore(),
) => {
  const sync = createSync({
    ledgerUrl: ledger.url,
    consent,
    fetch: net.fetch,
    store,
    retryBaseMs: 20,
    retryMaxMs: 100,
    onWarning: () => {},
  });
  syncs.push(sync);
  const errors: SyncErrorDetail[] = [];
  sync.on('sync-error', (e) => errors.push(e));
  return { net, consent, sync, errors };
};
const remote = async (subject: string, token: string) => {
  const res = await createNet().fetch(`${ledger.url}/v1/subjects/${subject}/consent`, {
    headers: { authorization: `Link ${token}` },
  });
  return ((await res.json()) as { purposes: Record<string, { status: string }> }).purposes;
};
const linkEvents = (net: Net) => posted(net).filter((e) => (e as { link?: string }).link);

describe('sync.link', () => {
  it('device A refuses; device B, after sign-in, shows the refusal without asking again', async () => {
    const who = customer();
    const a = device();
    const refusal = a.consent.rejectAll()!.event;
    await until(async () => (await a.sync.receipts()).length === 1);
    expect(decodeJws(readReceiptCookie()!)?.claims.jti).toBe(refusal.id);
    expect((await a.sync.link(await ledger.linkToken(a.consent.subject, who))).status).toBe('merged');
    // The link event (no decisions) leaves the receipt cookie of the refusal alone.
    expect(decodeJws(readReceiptCookie()!)?.claims.jti).toBe(refusal.id);

    const b = device();
    expect(b.consent.needsPrompt().prompt).toBe(true);
    const linked: LinkResult[] = [];
    b.sync.on('linked', (r) => linked.push(r));
    const result = await b.sync.link(await ledger.linkToken(b.consent.subject, who));
    expect(result).toEqual({ status: 'merged', applied: ['analytics', 'ads'], sent: [] });
    expect(linked).toEqual([result]);
    expect(b.consent.get('ads')).toMatchObject({
      status: 'refused',
      method: 'sync',
      at: a.consent.get('ads')!.at,
    });
    expect(b.consent.get('analytics')?.status).toBe('refused');
    expect(b.consent.needsPrompt()).toEqual({ prompt: false, reasons: [] });
    // B records the adoption as its own `sync` event, with a receipt for its own subject.
    await until(async () => (await b.sync.pending()).length === 0);
    const bEvents = (await ledger.entries()).filter((e) => e.subject === b.consent.subject);
    expect(bEvents.map((e) => [e.method, Object.keys(e.purposes).length])).toEqual([
      ['sync', 0],
      ['sync', 2],
    ]);
    expect((await b.sync.receipts()).length).toBe(2);
    expect(b.errors).toEqual([]);
  });

  it('newest decision per purpose wins, and a newer decision of this device is sent up', async () => {
    const who = customer();
    // Device A decided a minute ago.
    const a = device(createNet(), createConsent(small(), { now: () => Date.now() - 60_000 }));
    a.consent.rejectAll();
    await a.sync.link(await ledger.linkToken(a.consent.subject, who));
    // Device B decided analytics later than A did, but that decision never reached the ledger (it
    // was made before sync ran): it is kept, and sent up; A's refusal of ads is adopted.
    const hashes = purposeHashes(small());
    const later = Date.now() + 5000 - (Date.now() % 1000);
    const storage = memoryStorage();
    storage.save({
      subject: createConsent(small()).subject,
      decisions: {
        analytics: { status: 'given', at: later, method: 'preferences:save', hash: hashes.analytics! },
      },
    });
    const b = device(createNet(), createConsent(small(), { storage }));
    const token = await ledger.linkToken(b.consent.subject, who);
    const result = await b.sync.link(token);
    expect(result).toEqual({ status: 'merged', applied: ['ads'], sent: ['analytics'] });
    expect(b.consent.get('analytics')?.status).toBe('given');
    expect(b.consent.get('ads')?.status).toBe('refused');
    await until(async () => (await b.sync.pending()).length === 0);
    expect(await remote(b.consent.subject, token)).toMatchObject({
      analytics: { status: 'given' },
      ads: { status: 'refused' },
    });
    // And device A, next time it syncs, adopts B's newer decision.
    const again = await a.sync.link(await ledger.linkToken(a.consent.subject, who));
    expect(again.applied).toEqual(['analytics']);
    expect(a.consent.get('analytics')?.status).toBe('given');
  });

  it('sends up a newer local decision by itself when nothing is to be adopted', async () => {
    const who = customer();
    const b = device(createNet(), createConsent(small(), { storage: memoryStorage() }));
    b.sync.stop();
    b.consent.set({ analytics: true });
    // A fresh sync on a consent whose decision never went out.
    const c = device(createNet(), b.consent);
    const token = await ledger.linkToken(b.consent.subject, who);
    expect(await c.sync.link(token)).toEqual({ status: 'merged', applied: [], sent: ['analytics'] });
    await until(async () => (await c.sync.pending()).length === 0);
    expect((await remote(b.consent.subject, token)).analytics?.status).toBe('given');
  });

  it('offline: the link waits in the outbox and completes by itself when the ledger is back', async () => {
    const who = customer();
    const a = device();
    a.consent.acceptAll();
    a.consent.set({ ads: false });
    await a.sync.link(await ledger.linkToken(a.consent.subject, who));

    const dbName = `sync-link-${++n}`;
    const net = createNet();
    net.offline = true;
    const b = device(net, createConsent(small()), createIdbSyncStore({ dbName }));
    const linked: LinkResult[] = [];
    b.sync.on('linked', (r) => linked.push(r));
    expect(await b.sync.link(await ledger.linkToken(b.consent.subject, who))).toEqual({
      status: 'deferred',
      applied: [],
      sent: [],
    });
    expect((await b.sync.pending()).map((e) => e.method)).toEqual(['sync']);
    net.offline = false;
    window.dispatchEvent(new Event('online'));
    await until(() => linked.length === 1);
    expect(linked[0]).toEqual({ status: 'merged', applied: ['analytics', 'ads'], sent: [] });
    expect(b.consent.allows('analytics')).toBe(true);
    expect(b.consent.allows('ads')).toBe(false);
  });

  it('on later pages of the same customer, fetches again without another link event', async () => {
    const who = customer();
    const store = createMemorySyncStore();
    const storage = memoryStorage();
    const net = createNet();
    const first = device(net, createConsent(small(), { storage }), store);
    const accepted = first.consent.acceptAll()!.event;
    await until(async () => (await first.sync.receipts()).length === 1);
    await first.sync.link(await ledger.linkToken(first.consent.subject, who));
    // The link event carries no decisions: the cookie keeps the receipt that grants.
    expect(decodeJws(readReceiptCookie()!)?.claims.jti).toBe(accepted.id);
    first.sync.stop();
    const second = device(net, createConsent(small(), { storage }), store);
    expect((await second.sync.link(await ledger.linkToken(second.consent.subject, who))).status).toBe(
      'merged',
    );
    expect(linkEvents(net)).toHaveLength(1);
    expect(net.requests.filter((r) => r.url.endsWith('/consent'))).toHaveLength(2);
    // Another customer on this device (a different account) is linked anew.
    await second.sync.link(await ledger.linkToken(second.consent.subject, customer()));
    expect(linkEvents(net)).toHaveLength(2);
  });

  it('fails, with sync-error and nothing thrown, for a token of another device or an expired one', async () => {
    const d = device();
    const otherDevice = await ledger.linkToken(createConsent(small()).subject, customer());
    expect(await d.sync.link(otherDevice)).toEqual({ status: 'failed', applied: [], sent: [] });
    expect(d.errors.map((e) => e.code)).toEqual(['ERR_LINK_INVALID']);
    expect(d.net.requests.filter((r) => r.method === 'POST')).toEqual([]);

    const expired = await ledger.linkToken(d.consent.subject, customer(), { now: Date.now() - 3_600_000 });
    expect((await d.sync.link(expired)).status).toBe('failed');
    expect(d.errors.map((e) => e.code)).toEqual(['ERR_LINK_INVALID', 'ERR_LINK_INVALID']);
    expect(d.errors[1]!.status).toBe(400);
    // Set aside without the token, which holds the customer id in plaintext.
    const rejected = await d.sync.rejected();
    expect(rejected.map((r) => r.event.id)).toEqual([d.errors[1]!.event!.id]);
    expect(d.errors[1]!.event!.link).toBe(expired);
    expect(rejected[0]!.event).not.toHaveProperty('link');
    expect(() => d.sync.link('not a token')).toThrow(TypeError);
    expect(() => d.sync.link(undefined as unknown as string)).toThrow(/token/);
  });
});
