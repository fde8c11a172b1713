// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://shop.example/"}
// Receipts on the device: checked (event, subject, purposes, and the Ed25519 signature against the
// ledger's JWKS where Web Crypto has it), kept, and the latest in the `assent_receipt` cookie that
// the verifier's consentFromRequest reads.
import 'fake-indexeddb/auto';
import {
  type AssentConfig,
  type Consent,
  type ConsentEvent,
  createConsent,
  validateConfig,
} from '@assent/core';
import {
  createMemorySyncStore,
  createReceiptCheck,
  createSync,
  MAX_RECEIPT_COOKIE_BYTES,
  RECEIPT_COOKIE,
  readReceiptCookie,
  type ReceiptDetail,
  type Sync,
  type SyncErrorDetail,
  writeReceiptCookie,
} from '@assent/core/sync';
import { AssentError, ReceiptInvalid } from '@assent/core/protocol';
import { consentFromRequest, createLocalJwks, verifyReceipt } from '@assent/verifier';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { small } from './fixtures.js';
import { createNet, type Net, response, startLedger, type TestLedger, until } from './sync-helpers.js';

let ledger: TestLedger;
let other: TestLedger;
const syncs: Sync[] = [];
beforeAll(async () => {
  [ledger, other] = await Promise.all([startLedger(), startLedger()]);
});
afterAll(async () => {
  await Promise.all([ledger?.close(), other?.close()]);
});
beforeEach(() => {
  // biome-ignore lint/suspicious/noDocumentCookie: clearing the test document's cookie jar
  document.cookie = `${RECEIPT_COOKIE}=;Path=/;Max-Age=0`;
});
afterEach(() => {
  for (const s of syncs.splice(0)) s.stop();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const start = (consent: Consent, net: Net, extra: Partial<Parameters<typeof createSync>[0]> = {}) => {
  const s = createSync({
    ledgerUrl: ledger.url,
    consent,
    fetch: net.fetch,
    store: createMemorySyncStore(),
    retryBaseMs: 20,
    retryMaxMs: 100,
    onWarning: () => {},
    ...extra,
  });
  syncs.push(s);
  return s;
};
const cookieWrites = () => {
  const writes: string[] = [];
  let proto = Object.getPrototypeOf(document);
  while (!Object.getOwnPropertyDescriptor(proto, 'cookie')) proto = Object.getPrototypeOf(proto);
  const desc = Object.getOwnPropertyDescriptor(proto, 'cookie')!;
  vi.spyOn(document, 'cookie', 'set').mockImplementation(function (this: Document, v: string) {
    if (v.startsWith(`${RECEIPT_COOKIE}=`)) writes.push(v);
    desc.set!.call(this, v);
  });
  return writes;
};
const verify = (jws: string) =>
  verifyReceipt(jws, { jwks: createLocalJwks(ledger.ledger.jwks()), issuer: ledger.url });
const given = (cns: Record<string, { status: string }>) =>
  Object.keys(cns)
    .filter((id) => cns[id]!.status === 'given')
    .sort();

describe('the assent_receipt cookie', () => {
  it('holds the latest receipt, which the verifier reads and accepts for exactly the given purposes', async () => {
    const writes = cookieWrites();
    const consent = createConsent(small());
    const sync = start(consent, createNet());
    const details: ReceiptDetail[] = [];
    sync.on('receipt', (d) => details.push(d));
    consent.acceptAll();
    consent.set({ ads: false });
    consent.grantSeparate('face-payment');
    await until(() => details.length === 3);
    const latest = details[2]!.receipt;
    // Receipts of a batch: only the newest decision's goes to the cookie.
    expect(details.at(-1)!.cookie).toBe(true);
    expect(readReceiptCookie()).toBe(latest);
    const { receipt } = consentFromRequest({ headers: { cookie: `other=1; ${document.cookie}` } });
    expect(receipt).toBe(latest);
    const claims = await verify(receipt!);
    expect(claims.jti).toBe(details[2]!.event.id);
    expect(claims.sub).toBe(consent.subject);
    expect(given(claims.cns)).toEqual(['analytics', 'face-payment']);
    expect(claims.cns.ads?.status).toBe('withdrawn');
    // Written as a first-party, Lax, Secure (https) cookie until the receipt expires.
    const last = writes.at(-1)!;
    expect(last).toContain(`${RECEIPT_COOKIE}=${latest};`);
    expect(last).toMatch(/;Path=\/;/);
    expect(last).toMatch(/;SameSite=Lax/);
    expect(last).toMatch(/;Secure$/);
    const maxAge = Number(/Max-Age=(\d+)/.exec(last)![1]);
    expect(Math.abs(maxAge - (claims.exp - Math.floor(Date.now() / 1000)))).toBeLessThanOrEqual(2);
  });

  it('goes at once when an offline decision takes back what it grants, and comes back with the new receipt', async () => {
    const net = createNet();
    const consent = createConsent(small());
    const sync = start(consent, net);
    consent.acceptAll();
    await until(() => readReceiptCookie() !== undefined);
    net.offline = true;
    // Granting more leaves the (narrower) receipt in place: it still tells no lie.
    consent.grantSeparate('face-payment');
    expect(readReceiptCookie()).toBeDefined();
    consent.withdraw('analytics');
    expect(readReceiptCookie()).toBeUndefined();
    net.offline = false;
    await sync.flush();
    const claims = await verify(readReceiptCookie()!);
    expect(claims.cns.analytics?.status).toBe('withdrawn');
    expect(given(claims.cns)).toEqual(['ads', 'face-payment']);
  });

  it('is written once for a batch: never with an older receipt while a newer decision waits', async () => {
    const net = createNet();
    net.offline = true;
    const consent = createConsent(small());
    const sync = start(consent, net);
    consent.acceptAll();
    const e2 = consent.set({ ads: false })!.event;
    await sync.flush();
    const writes = cookieWrites();
    net.offline = false;
    await sync.flush();
    const written = writes.filter((w) => !w.startsWith(`${RECEIPT_COOKIE}=;`));
    expect(written).toHaveLength(1);
    expect((await verify(readReceiptCookie()!)).jti).toBe(e2.id);
  });

  it(`is deleted, not written, for a receipt over ${MAX_RECEIPT_COOKIE_BYTES} bytes`, async () => {
    const base = small();
    const many: AssentConfig = validateConfig({
      ...base,
      purposes: [
        ...base.purposes,
        ...Array.from({ length: 40 }, (_, i) => ({
          id: `purpose-with-a-rather-long-identifier-number-${String(i).padStart(3, '0')}`,
          basis: 'consent',
          categories: ['browsing'],
          retention: 'P1M',
          texts: { en: { name: `P${i}`, description: 'd' } },
        })),
      ],
    });
    const warnings: string[] = [];
    const consent = createConsent(many);
    const sync = start(consent, createNet(), { onWarning: (m) => warnings.push(m) });
    const details: ReceiptDetail[] = [];
    sync.on('receipt', (d) => details.push(d));
    consent.set({ analytics: true });
    await until(() => details.length === 1);
    expect(readReceiptCookie()).toBe(details[0]!.receipt);
    consent.acceptAll();
    await until(() => details.length === 2);
    expect(details[1]!.receipt.length).toBeGreaterThan(MAX_RECEIPT_COOKIE_BYTES);
    expect(details[1]!.cookie).toBe(false);
    expect(readReceiptCookie()).toBeUndefined();
    expect(warnings.join()).toMatch(/too large for the cookie/);
    // Still kept on the device, for the Assent-Receipt header.
    expect((await sync.receipts()).at(-1)!.jws).toBe(details[1]!.receipt);
  });

  it('writeReceiptCookie: the bound is inclusive; over it the cookie is deleted', () => {
    expect(writeReceiptCookie('a'.repeat(MAX_RECEIPT_COOKIE_BYTES), Date.now() / 1000 + 60)).toBe(true);
    expect(readReceiptCookie()).toHaveLength(MAX_RECEIPT_COOKIE_BYTES);
    expect(writeReceiptCookie('a'.repeat(MAX_RECEIPT_COOKIE_BYTES + 1), Date.now() / 1000 + 60)).toBe(false);
    expect(readReceiptCookie()).toBeUndefined();
  });

  it('writeReceiptCookie: an expired receipt deletes the cookie and says it was not written', () => {
    expect(writeReceiptCookie('b'.repeat(10), Date.now() / 1000 + 60)).toBe(true);
    expect(writeReceiptCookie('c'.repeat(10), Date.now() / 1000 - 1)).toBe(false);
    expect(readReceiptCookie()).toBeUndefined();
  });

  it('is left alone with cookie: false', async () => {
    const consent = createConsent(small());
    const sync = start(consent, createNet(), { cookie: false });
    consent.acceptAll();
    await until(async () => (await sync.receipts()).length === 1);
    expect(readReceiptCookie()).toBeUndefined();
  });
});

describe('receipt checks', () => {
  // Sync with the ledger's answers rewritten: `f` gets the events posted and the real receipts.
  const withAnswers = (
    f: (events: ConsentEvent[], receipts: (string | null)[]) => Promise<(string | null)[]>,
  ) => {
    const net = createNet();
    const fetchFn = (async (u: string, init: RequestInit) => {
      const res = await net.fetch(u, init);
      if (!u.endsWith('/v1/events') || res.status !== 200) return res;
      const { receipts } = (await res.json()) as { receipts: (string | null)[] };
      return response(200, JSON.stringify({ receipts: await f(JSON.parse(init.body as string), receipts) }));
    }) as typeof fetch;
    const consent = createConsent(small());
    const sync = start(consent, net, { fetch: fetchFn });
    const errors: SyncErrorDetail[] = [];
    sync.on('sync-error', (e) => errors.push(e));
    return { net, consent, sync, errors };
  };
  const refused = async (t: ReturnType<typeof withAnswers>, why: RegExp) => {
    const e = t.consent.acceptAll()!.event;
    await until(async () => t.errors.length > 0 && (await t.sync.pending()).length === 0);
    expect(t.errors).toEqual([expect.objectContaining({ code: 'ERR_RECEIPT_INVALID', event: e })]);
    expect(t.errors[0]!.message).toMatch(why);
    // Untrusted: neither kept nor put in the cookie. (The ledger did record the event.)
    expect(await t.sync.receipts()).toEqual([]);
    expect(readReceiptCookie()).toBeUndefined();
    expect((await ledger.entries()).some((x) => x.id === e.id)).toBe(true);
  };
  const flip = (s: string) => s.slice(0, -2) + (s.at(-2) === 'A' ? 'B' : 'A') + s.at(-1);

  it('refuses a receipt whose signature does not verify', async () => {
    await refused(
      withAnswers(async (_, r) => r.map((x) => x && flip(x))),
      /signature that does not verify/,
    );
  });

  it('refuses a receipt for another event', async () => {
    const foreign = (await other.ledger.append([createConsent(small()).acceptAll()!.event]))[0]!;
    await refused(
      withAnswers(async (_, r) => r.map(() => foreign)),
      /names another event/,
    );
  });

  it('refuses a receipt that does not confirm a purpose of the event', async () => {
    await refused(
      withAnswers(async (events, r) => {
        const changed = events.map((e) => ({
          ...e,
          purposes: { ...e.purposes, ads: { ...e.purposes.ads!, status: 'refused' as const } },
        }));
        return [...(await other.ledger.append(changed)).slice(0, r.length)];
      }),
      /does not confirm ads/,
    );
  });

  it('refuses a receipt signed by a key the ledger does not publish', async () => {
    const t = withAnswers(async (events) => other.ledger.append(events));
    await refused(t, /a key the ledger does not publish/);
  });

  // createReceiptCheck itself: each way a receipt can be wrong rejects with ReceiptInvalid.
  describe('createReceiptCheck rejects with ReceiptInvalid (ERR_RECEIPT_INVALID)', () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const parts = (jws: string) => {
      const [h, p, sig] = jws.split('.');
      return {
        header: JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>,
        claims: JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>,
        sig: sig!,
      };
    };
    // Re-encodes header and claims after `edit`, keeping the (now stale) signature: the structural
    // checks must refuse these before any signature is looked at.
    const tamper =
      (edit: (h: Record<string, unknown>, c: Record<string, unknown>) => void) => (jws: string) => {
        const { header, claims, sig } = parts(jws);
        edit(header, claims);
        return `${b64(header)}.${b64(claims)}.${sig}`;
      };
    const cases: [string, (jws: string, event: ConsentEvent) => string | Promise<string>, RegExp][] = [
      ['not a compact JWS', () => 'not-a-jws', /is not a compact JWS/],
      ['a JWS with four parts', (jws) => `${jws}.x`, /is not a compact JWS/],
      [
        'claims that are not JSON',
        (jws) => jws.replace(/\.[^.]+\./, `.${Buffer.from('{').toString('base64url')}.`),
        /is not a compact JWS/,
      ],
      ['alg none', tamper((h) => (h.alg = 'none')), /is not signed with EdDSA/],
      ['alg ES256', tamper((h) => (h.alg = 'ES256')), /is not signed with EdDSA/],
      ['another typ', tamper((h) => (h.typ = 'JWT')), /is not an assent-receipt\+jwt/],
      ['no kid', tamper((h) => delete h.kid), /is not an assent-receipt\+jwt/],
      [
        'another jti',
        tamper((_, c) => (c.jti = '00000000-0000-4000-8000-000000000000')),
        /names another event/,
      ],
      ['another sub', tamper((_, c) => (c.sub = 'AAAAAAAAAAAAAAAAAAAAAA')), /names another event/],
      ['no seq', tamper((_, c) => delete c.seq), /names another event/],
      [
        'a purpose missing',
        tamper((_, c) => delete (c.cns as Record<string, unknown>).ads),
        /does not confirm ads/,
      ],
      [
        'a purpose hash changed',
        tamper((_, c) => {
          const ads = (c.cns as Record<string, { hash: string }>).ads!;
          ads.hash = `${ads.hash.startsWith('A') ? 'B' : 'A'}${ads.hash.slice(1)}`;
        }),
        /does not confirm ads/,
      ],
      [
        'a purpose more than the event has',
        tamper((_, c) => {
          const cns = c.cns as Record<string, { status: string; hash: string }>;
          cns.extra = { status: 'given', hash: cns.ads!.hash };
        }),
        /names purposes the event does not/,
      ],
      [
        'another policy version',
        tamper((_, c) => ((c.pol as { version: string }).version = 'another')),
        /names another policy/,
      ],
      [
        'another policy hash',
        tamper((_, c) => {
          const pol = c.pol as { hash: string };
          pol.hash = `${pol.hash.startsWith('A') ? 'B' : 'A'}${pol.hash.slice(1)}`;
        }),
        /names another policy/,
      ],
      ['another method', tamper((_, c) => (c.mth = 'separate:dialog')), /names another method/],
      ['an expiry in the past', tamper((_, c) => (c.exp = Math.floor(Date.now() / 1000) - 1)), /has expired/],
      ['a signature that does not verify', (jws) => flip(jws), /signature that does not verify/],
    ];
    for (const [name, make, why] of cases)
      it(name, async () => {
        const net = createNet();
        const check = createReceiptCheck(`${ledger.url}/.well-known/jwks.json`, net.fetch);
        const event = createConsent(small()).acceptAll()!.event;
        const [receipt] = await ledger.ledger.append([event]);
        // The untouched receipt passes, so each case fails only because of its own change.
        await expect(check(receipt!, event)).resolves.toMatchObject({ verified: true });
        const e = await check(await make(receipt!, event), event).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(e).toBeInstanceOf(ReceiptInvalid);
        expect(e).toBeInstanceOf(AssentError);
        expect(e).toMatchObject({ code: 'ERR_RECEIPT_INVALID', name: 'ReceiptInvalid' });
        expect((e as Error).message).toMatch(why);
      });
  });

  it('asks for the JWKS again for an unknown kid, at most every 30 s: a rotated-in key is found', async () => {
    const net = createNet();
    let jwks = other.ledger.jwks();
    net.intercept = (r) => (r.url.endsWith('/jwks.json') ? { status: 200, body: jwks } : undefined);
    let t = Date.now();
    const check = createReceiptCheck(`${ledger.url}/.well-known/jwks.json`, net.fetch, () => t);
    const fetches = () => net.requests.filter((r) => r.url.endsWith('/jwks.json')).length;
    const event = createConsent(small()).acceptAll()!.event;
    const [receipt] = await ledger.ledger.append([event]);
    // Unknown in a JWKS fetched for this very receipt: refused.
    await expect(check(receipt!, event)).rejects.toThrow(/does not publish/);
    // 10 s later the JWKS is too recent to ask again, and the key may have been rotated in since:
    // the receipt is kept, unverified, rather than thrown away.
    t += 10_000;
    await expect(check(receipt!, event)).resolves.toMatchObject({
      verified: false,
      claims: { jti: event.id },
    });
    expect(fetches()).toBe(1);
    // The ledger rotates in the key; 30 s after the last fetch, an unknown kid fetches again.
    jwks = { keys: [...jwks.keys, ...ledger.ledger.jwks().keys] };
    t += 21_000;
    await expect(check(receipt!, event)).resolves.toMatchObject({
      verified: true,
      claims: { jti: event.id },
    });
    expect(fetches()).toBe(2);
  });

  it('keeps a receipt unverified when the JWKS cannot be fetched, and says so', async () => {
    const net = createNet();
    net.intercept = (r) => (r.url.endsWith('/jwks.json') ? { status: 503, body: {} } : undefined);
    const consent = createConsent(small());
    const sync = start(consent, net);
    const details: ReceiptDetail[] = [];
    sync.on('receipt', (d) => details.push(d));
    consent.acceptAll();
    await until(() => details.length === 1);
    expect(details[0]!.verified).toBe(false);
    expect((await sync.receipts())[0]!.verified).toBe(false);
    expect(readReceiptCookie()).toBe(details[0]!.receipt);
    // The next receipt asks for the JWKS again (a failure is not cached).
    net.intercept = undefined;
    consent.set({ ads: false });
    await until(() => details.length === 2);
    expect(details[1]!.verified).toBe(true);
  });

  it('keeps receipts unverified where Web Crypto has no Ed25519', async () => {
    const subtle = crypto.subtle;
    vi.spyOn(subtle, 'importKey').mockRejectedValue(
      new DOMException('Unrecognized name', 'NotSupportedError'),
    );
    vi.resetModules();
    const fresh = await import('@assent/core/sync');
    expect(await fresh.supportsEd25519()).toBe(false);
    const net = createNet();
    const consent = createConsent(small());
    const sync = fresh.createSync({
      ledgerUrl: ledger.url,
      consent,
      fetch: net.fetch,
      store: fresh.createMemorySyncStore(),
    });
    syncs.push(sync);
    consent.acceptAll();
    await until(async () => (await sync.receipts()).length === 1);
    expect((await sync.receipts())[0]!.verified).toBe(false);
    expect(net.requests.some((r) => r.url.endsWith('/jwks.json'))).toBe(false);
  });
});
