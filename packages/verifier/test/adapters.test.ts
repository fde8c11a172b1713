import type { AddressInfo } from 'node:net';
import * as node from '@assent/verifier';
import * as web from '@assent/verifier/web';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { HASH_A, ISSUER, makeKey, receiptClaims, signReceipt } from './helpers.js';
import { json, startServer } from './server.js';

const key = makeKey();

describe('consentFromRequest and gpcFromRequest', () => {
  it('reads the header first, then the cookie, from Fetch and Node requests', () => {
    const r = 'aaa.bbb.ccc';
    const fetchReq = (headers: Record<string, string>) => new Request('https://shop.example/', { headers });
    expect(node.consentFromRequest(fetchReq({ 'Assent-Receipt': r }))).toEqual({ receipt: r, gpc: false });
    expect(node.consentFromRequest(fetchReq({ cookie: `a=1; assent_receipt=${r}; b=2` })).receipt).toBe(r);
    expect(node.consentFromRequest(fetchReq({ cookie: `assent_receipt="${r}"` })).receipt).toBe(r);
    expect(
      node.consentFromRequest(fetchReq({ cookie: 'x_assent_receipt=zzz; assent_receiptx=1' })).receipt,
    ).toBe(undefined);
    expect(
      node.consentFromRequest(fetchReq({ 'assent-receipt': 'from.header.x', cookie: `assent_receipt=${r}` }))
        .receipt,
    ).toBe('from.header.x');
    expect(node.consentFromRequest(fetchReq({}))).toEqual({ receipt: undefined, gpc: false });
    expect(node.consentFromRequest({ headers: { cookie: `assent_receipt=${r}`, 'sec-gpc': '1' } })).toEqual({
      receipt: r,
      gpc: true,
    });
    expect(web.consentFromRequest({ headers: { 'assent-receipt': r } }).receipt).toBe(r);
  });

  it('treats exactly Sec-GPC: 1 as the signal', () => {
    const gpc = (value?: string) =>
      node.gpcFromRequest(
        new Request('https://x/', { headers: value === undefined ? {} : { 'Sec-GPC': value } }),
      );
    expect(gpc('1')).toBe(true);
    expect(gpc(' 1 ')).toBe(true);
    for (const v of [undefined, '0', 'true', '1, 1', '11', 'yes']) expect(gpc(v)).toBe(false);
    expect(node.gpcFromRequest({ headers: { 'sec-gpc': ['1', '1'] } })).toBe(false);
    expect(() => node.gpcFromRequest({} as never)).toThrow(TypeError);
  });
});

describe.each([
  ['node', node],
  ['web', web],
] as const)('adapters (%s entry)', (_name, v) => {
  const checker = v.createConsentChecker({ jwks: v.createLocalJwks([key.publicJwk]), issuer: ISSUER });

  it('Fetch API: a plain Request', async () => {
    const consentOf = v.createFetchConsent(checker, { gpcPurposes: ['ads'] });
    const claims = receiptClaims();
    const receipt = signReceipt(key, claims);
    const consent = consentOf(
      new Request('https://shop.example/', { headers: { 'Assent-Receipt': receipt } }),
    );
    expect(consent.receipt).toBe(receipt);
    expect(await consent.check('ads')).toMatchObject({ allowed: true, receiptId: claims.jti });
    const withGpc = consentOf(
      new Request('https://shop.example/', { headers: { 'Assent-Receipt': receipt, 'Sec-GPC': '1' } }),
    );
    expect(await withGpc.check('ads')).toMatchObject({ allowed: false, reason: 'gpc' });
    // GPC opts out only of the purposes listed.
    const other = signReceipt(key, { cns: { email: { status: 'given', hash: HASH_A } } });
    const email = consentOf(
      new Request('https://x/', { headers: { cookie: `assent_receipt=${other}`, 'Sec-GPC': '1' } }),
    );
    expect(await email.check('email')).toMatchObject({ allowed: true });
    expect(() => v.createFetchConsent({} as never)).toThrow(TypeError);
  });

  it('Hono', async () => {
    const consentOf = v.createFetchConsent(checker);
    const app = new Hono<{ Variables: { consent: node.RequestConsent } }>();
    app.use('*', async (c, next) => {
      c.set('consent', consentOf(c.req.raw));
      await next();
    });
    app.get('/recommendations', async (c) => {
      const d = await c.get('consent').check('ads');
      return d.allowed
        ? c.json({ personalised: true })
        : c.json({ personalised: false, reason: d.reason }, 200);
    });
    const receipt = signReceipt(key);
    const yes = await app.request('/recommendations', { headers: { cookie: `assent_receipt=${receipt}` } });
    expect(await yes.json()).toEqual({ personalised: true });
    const no = await app.request('/recommendations');
    expect(await no.json()).toEqual({ personalised: false, reason: 'no-receipt' });
    const refused = await app.request('/recommendations', {
      headers: { 'Assent-Receipt': signReceipt(key, { cns: { ads: { status: 'refused', hash: HASH_A } } }) },
    });
    expect(await refused.json()).toEqual({ personalised: false, reason: 'not-given' });
  });

  describe('Express middleware on loopback', () => {
    const app = express();
    app.use(v.createConsentMiddleware(checker, { gpcPurposes: ['ads'] }));
    app.get('/use/:purpose', async (req, res) => {
      const d = await req.consent!.check(req.params.purpose);
      res.json({ ...d, signal: req.consent!.gpc });
    });
    const server = app.listen(0, '127.0.0.1');
    afterAll(() => new Promise<void>((r) => server.close(() => r())));
    const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    it('puts consent on the request', async () => {
      await new Promise<void>((r) => (server.listening ? r() : server.once('listening', () => r())));
      const claims = receiptClaims();
      const receipt = signReceipt(key, claims);
      const ok = await (
        await fetch(`${url()}/use/ads`, { headers: { cookie: `assent_receipt=${receipt}` } })
      ).json();
      expect(ok).toMatchObject({ signal: false, allowed: true, reason: 'given', receiptId: claims.jti });
      // A consent given before the signal appeared: the signal overrides it.
      const gpc = await (
        await fetch(`${url()}/use/ads`, { headers: { cookie: `assent_receipt=${receipt}`, 'Sec-GPC': '1' } })
      ).json();
      expect(gpc).toMatchObject({ signal: true, allowed: false, reason: 'gpc' });
      // An explicit opt-in made while the signal was present (the receipt's gpc claim) stands.
      const optIn = signReceipt(key, { ...receiptClaims(), gpc: true });
      expect(
        await (
          await fetch(`${url()}/use/ads`, { headers: { 'Assent-Receipt': optIn, 'Sec-GPC': '1' } })
        ).json(),
      ).toMatchObject({ signal: true, allowed: true, reason: 'given', gpc: true });
      // ... but only for what it gives: a refusal under the signal is still a refusal.
      const refusedUnderGpc = signReceipt(key, {
        ...receiptClaims(),
        gpc: true,
        cns: { ads: { status: 'refused', hash: HASH_A } },
      });
      expect(
        await (
          await fetch(`${url()}/use/ads`, { headers: { 'Assent-Receipt': refusedUnderGpc, 'Sec-GPC': '1' } })
        ).json(),
      ).toMatchObject({ allowed: false, reason: 'gpc' });
      // Purposes the signal does not cover follow the receipt alone.
      expect(
        await (
          await fetch(`${url()}/use/analytics`, { headers: { 'Assent-Receipt': receipt, 'Sec-GPC': '1' } })
        ).json(),
      ).toMatchObject({ allowed: false, reason: 'not-given' });
      const refused = await (
        await fetch(`${url()}/use/analytics`, { headers: { 'Assent-Receipt': receipt } })
      ).json();
      expect(refused).toMatchObject({ allowed: false, status: 'refused', reason: 'not-given' });
      const forged = await (
        await fetch(`${url()}/use/ads`, { headers: { 'Assent-Receipt': `${receipt}x` } })
      ).json();
      expect(forged).toMatchObject({ allowed: false, reason: 'invalid-receipt' });
    });
  });

  it('binds checks to the subjects of the signed-in customer (subject option)', async () => {
    const mine = receiptClaims();
    const theirs = receiptClaims();
    const users: Record<string, string[]> = { alice: [mine.sub] };
    let calls = 0;
    const consentOf = v.createFetchConsent(checker, {
      subject: async (request) => {
        calls++;
        const user = request.headers.get('x-user');
        return user === null ? undefined : (users[user] ?? []);
      },
    });
    const req = (receipt: string, user?: string) =>
      consentOf(
        new Request('https://shop.example/', {
          headers:
            user === undefined
              ? { 'Assent-Receipt': receipt }
              : { 'Assent-Receipt': receipt, 'x-user': user },
        }),
      );
    const alice = req(signReceipt(key, theirs), 'alice');
    expect(await alice.check('ads')).toMatchObject({ allowed: false, reason: 'subject-mismatch' });
    expect(await alice.check('analytics')).toMatchObject({ reason: 'subject-mismatch' });
    expect(calls).toBe(1); // resolved once per request
    expect(await req(signReceipt(key, mine), 'alice').check('ads')).toMatchObject({ allowed: true });
    // An account with no linked device: nothing matches.
    expect(await req(signReceipt(key, mine), 'bob').check('ads')).toMatchObject({
      reason: 'subject-mismatch',
    });
    // Anonymous: no binding, the receipt is the only identity.
    expect(await req(signReceipt(key, theirs)).check('ads')).toMatchObject({ allowed: true });
    // A per-call subject wins over the resolver.
    expect(await alice.check('ads', { subject: theirs.sub })).toMatchObject({ allowed: true });
    expect(() => v.createFetchConsent(checker, { subject: 'x' as never })).toThrow(/subject/);
    // Express: the resolver gets the request object.
    const app = express();
    app.use(
      v.createConsentMiddleware(checker, {
        subject: (r: express.Request) => (r.get('x-user') === 'alice' ? [mine.sub] : undefined),
      }),
    );
    app.get('/ads', async (r, res) => {
      res.json(await r.consent!.check('ads'));
    });
    const server = app.listen(0, '127.0.0.1');
    try {
      await new Promise<void>((r) => (server.listening ? r() : server.once('listening', () => r())));
      const at = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ads`;
      const get = async (receipt: string) =>
        (await fetch(at, { headers: { 'Assent-Receipt': receipt, 'x-user': 'alice' } })).json();
      expect(await get(signReceipt(key, theirs))).toMatchObject({
        allowed: false,
        reason: 'subject-mismatch',
      });
      expect(await get(signReceipt(key, mine))).toMatchObject({ allowed: true, reason: 'given' });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("checkOnline under GPC: a newer ledger decision does not inherit the receipt's gpc flag", async () => {
    const ledger = await startServer();
    try {
      const online = v.createConsentChecker({
        jwks: v.createLocalJwks([key.publicJwk]),
        issuer: ISSUER,
        purposes: { ads: HASH_A },
        ledgerUrl: ledger.url,
      });
      const consentOf = v.createFetchConsent(online, { gpcPurposes: ['ads'] });
      // A decision made under the signal that REFUSES ads (seq 5); later a linked device without
      // GPC gives ads (seq 9), which the ledger reports as current.
      const claims = receiptClaims({
        seq: 5,
        gpc: true,
        mth: 'gpc',
        cns: { ads: { status: 'refused', hash: HASH_A } },
      });
      const receipt = signReceipt(key, claims);
      const given = { status: 'given', hash: HASH_A, at: '2026-11-29T10:00:00.000Z', seq: 9 };
      let answer: object = { ads: given };
      ledger.handler = (_req, res) => json(res, { subject: claims.sub, purposes: answer });
      const req = () =>
        consentOf(
          new Request('https://shop.example/', { headers: { 'Assent-Receipt': receipt, 'Sec-GPC': '1' } }),
        );
      expect(await req().check('ads')).toMatchObject({ allowed: false, reason: 'gpc' });
      // The ledger does not say whether seq 9 was made under the signal: fail safe.
      expect(await req().checkOnline('ads')).toMatchObject({ allowed: false, reason: 'gpc' });
      expect(await online.checkOnline(receipt, 'ads')).toMatchObject({ allowed: true, gpc: undefined });
      // The ledger says it was not.
      answer = { ads: { ...given, gpc: false } };
      expect(await req().checkOnline('ads')).toMatchObject({ allowed: false, reason: 'gpc' });
      expect(await online.checkOnline(receipt, 'ads')).toMatchObject({ allowed: true, gpc: false });
      // A given made under the signal is an opt-in the signal does not override.
      answer = { ads: { ...given, gpc: true } };
      expect(await req().checkOnline('ads')).toMatchObject({ allowed: true, reason: 'given', gpc: true });
      // A gpc of another type is a malformed answer.
      answer = { ads: { ...given, gpc: 'yes' } };
      expect(await online.checkOnline(receipt, 'ads')).toMatchObject({
        allowed: false,
        reason: 'ledger-unavailable',
      });
      // Without the signal, the ledger's given allows as before.
      answer = { ads: given };
      expect(
        await consentOf(
          new Request('https://shop.example/', { headers: { 'Assent-Receipt': receipt } }),
        ).checkOnline('ads'),
      ).toMatchObject({ allowed: true, reason: 'given' });
    } finally {
      await ledger.close();
    }
  });
});
