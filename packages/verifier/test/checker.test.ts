import type { ServerResponse } from 'node:http';
import * as node from '@assent/verifier';
import * as web from '@assent/verifier/web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HASH_A, HASH_B, ISSUER, makeKey, receiptClaims, signReceipt } from './helpers.js';
import { json, startServer, type TestServer } from './server.js';

let ledger: TestServer;
beforeAll(async () => {
  ledger = await startServer();
});
afterAll(() => ledger.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([
  ['node', node],
  ['web', web],
] as const)('createConsentChecker (%s entry)', (_name, v) => {
  const key = makeKey();
  const jwks = v.createLocalJwks([key.publicJwk]);
  // A key set that counts lookups, to see when a receipt is verified rather than served from cache.
  const counting = () => {
    const set = {
      runtime: jwks.runtime,
      calls: 0,
      get: (kid: string) => {
        set.calls++;
        return jwks.get(kid);
      },
    };
    return set;
  };

  it('allows only a valid receipt whose purpose is given', async () => {
    const checker = v.createConsentChecker({ jwks, issuer: ISSUER });
    const claims = receiptClaims();
    const receipt = signReceipt(key, claims);
    expect(await checker.check(receipt, 'ads')).toEqual({
      allowed: true,
      status: 'given',
      reason: 'given',
      receiptId: claims.jti,
      subject: claims.sub,
      gpc: false,
    });
    expect(await checker.check(receipt, 'analytics')).toMatchObject({
      allowed: false,
      status: 'refused',
      reason: 'not-given',
    });
    expect(await checker.check(receipt, 'email')).toMatchObject({ allowed: false, reason: 'purpose-absent' });
    expect(await checker.check(undefined, 'ads')).toMatchObject({ allowed: false, reason: 'no-receipt' });
    expect(await checker.check('', 'ads')).toMatchObject({ allowed: false, reason: 'no-receipt' });
    const expired = signReceipt(key, { iat: 1, exp: 2 });
    expect(await checker.check(expired, 'ads')).toEqual({
      allowed: false,
      status: undefined,
      reason: 'invalid-receipt',
      receiptId: undefined,
      subject: undefined,
      code: 'ERR_TOKEN_EXPIRED',
    });
    const forged = signReceipt(makeKey(), {}, { kid: key.kid });
    expect(await checker.check(forged, 'ads')).toMatchObject({
      allowed: false,
      code: 'ERR_SIGNATURE_INVALID',
    });
    const withdrawn = signReceipt(key, { cns: { ads: { status: 'withdrawn', hash: HASH_A } } });
    expect(await checker.check(withdrawn, 'ads')).toMatchObject({ allowed: false, status: 'withdrawn' });
  });

  it('refuses consent given for an old purpose definition (attack: old definition hash)', async () => {
    const receipt = signReceipt(key); // ads given for HASH_A
    const current = v.createConsentChecker({
      jwks,
      issuer: ISSUER,
      purposes: { ads: HASH_A, analytics: HASH_B },
    });
    expect(await current.check(receipt, 'ads')).toMatchObject({ allowed: true, reason: 'given' });
    const changed = v.createConsentChecker({ jwks, issuer: ISSUER, purposes: { ads: HASH_B } });
    expect(await changed.check(receipt, 'ads')).toMatchObject({
      allowed: false,
      status: 'given',
      reason: 'definition-changed',
    });
    expect(await changed.check(receipt, 'analytics')).toMatchObject({
      allowed: false,
      reason: 'purpose-unknown',
    });
  });

  it('caches verified receipts in a bounded LRU', async () => {
    const set = counting();
    const checker = v.createConsentChecker({ jwks: set, issuer: ISSUER, cacheMaxEntries: 2 });
    const [a, b, c] = [signReceipt(key), signReceipt(key), signReceipt(key)];
    const first = await checker.check(a, 'ads');
    expect(await checker.check(a, 'ads')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(set.calls).toBe(1);
    await checker.check(b, 'ads'); // a, b
    await checker.check(a, 'ads'); // b, a (hit)
    await checker.check(c, 'ads'); // a, c: b evicted
    expect(set.calls).toBe(3);
    await checker.check(a, 'ads');
    expect(set.calls).toBe(3);
    await checker.check(b, 'ads');
    expect(set.calls).toBe(4);
    const uncached = counting();
    const off = v.createConsentChecker({ jwks: uncached, issuer: ISSUER, cacheMaxEntries: 0 });
    await off.check(a, 'ads');
    await off.check(a, 'ads');
    expect(uncached.calls).toBe(2);
  });

  it('bounds the cache by bytes as well as entries', async () => {
    const set = counting();
    const receipts = [signReceipt(key), signReceipt(key), signReceipt(key)];
    // Room for two entries of this size, not three.
    const budget = Math.ceil(2.5 * (receipts[0]!.length * 2 + 512));
    const checker = v.createConsentChecker({ jwks: set, issuer: ISSUER, cacheMaxBytes: budget });
    for (const r of receipts) await checker.check(r, 'ads');
    expect(set.calls).toBe(3);
    await checker.check(receipts[2]!, 'ads');
    await checker.check(receipts[1]!, 'ads');
    expect(set.calls).toBe(3);
    await checker.check(receipts[0]!, 'ads'); // evicted first
    expect(set.calls).toBe(4);
    // A receipt beyond the per-entry limit is verified every time.
    const huge = signReceipt(key, { pol: { version: 'x'.repeat(9000), hash: HASH_A } });
    await checker.check(huge, 'ads');
    await checker.check(huge, 'ads');
    expect(set.calls).toBe(6);
  });

  it('stops trusting a cached receipt once it expires', async () => {
    const now = Math.floor(Date.now() / 1000);
    const receipt = signReceipt(key, { iat: now - 10, exp: now + 1 });
    const checker = v.createConsentChecker({ jwks, issuer: ISSUER, clockToleranceSeconds: 0 });
    expect(await checker.check(receipt, 'ads')).toMatchObject({ allowed: true });
    await sleep((now + 1) * 1000 - Date.now() + 50);
    expect(await checker.check(receipt, 'ads')).toMatchObject({ allowed: false, code: 'ERR_TOKEN_EXPIRED' });
  });

  describe('checkOnline', () => {
    const respond = (handler: (res: ServerResponse, path: string, auth?: string) => void) => {
      ledger.requests.length = 0;
      ledger.handler = (req, res) => handler(res, req.url ?? '', req.headers.authorization);
    };
    const online = (extra: Partial<node.ConsentCheckerOptions> = {}) =>
      v.createConsentChecker({ jwks, issuer: ISSUER, ledgerUrl: ledger.url, ledgerToken: 'tok', ...extra });

    it('asks the documented endpoint and honours a newer withdrawal', async () => {
      const claims = receiptClaims({ seq: 10 });
      const receipt = signReceipt(key, claims);
      let seen: [string, string | undefined] = ['', undefined];
      respond((res, path, auth) => {
        seen = [path, auth];
        json(res, {
          subject: claims.sub,
          purposes: { ads: { status: 'withdrawn', hash: HASH_A, at: '2025-01-01T00:00:00.000Z', seq: 11 } },
        });
      });
      expect(await online().checkOnline(receipt, 'ads')).toEqual({
        allowed: false,
        status: 'withdrawn',
        reason: 'superseded',
        receiptId: claims.jti,
        subject: claims.sub,
        // Another event decided and the ledger did not report its gpc: unknown, not the receipt's.
        gpc: undefined,
      });
      expect(seen).toEqual([`/v1/subjects/${claims.sub}/consent`, 'Bearer tok']);
      // The offline check still says yes: only the ledger knows about the withdrawal.
      expect(await online().check(receipt, 'ads')).toMatchObject({ allowed: true });
    });

    it("keeps the receipt when it is the ledger's current decision, and follows the ledger otherwise", async () => {
      const claims = receiptClaims({ seq: 10 });
      const receipt = signReceipt(key, claims);
      const entry = { status: 'given', hash: HASH_A, at: '2025-01-01T00:00:00.000Z', seq: 10 };
      respond((res) => json(res, { subject: claims.sub, purposes: { ads: entry } }));
      expect(await online().checkOnline(receipt, 'ads')).toMatchObject({ allowed: true, reason: 'given' });
      // A later decision on a linked device may sit earlier in the log: the ledger's pick wins.
      respond((res) =>
        json(res, { subject: claims.sub, purposes: { ads: { ...entry, status: 'refused', seq: 4 } } }),
      );
      expect(await online().checkOnline(receipt, 'ads')).toMatchObject({
        allowed: false,
        status: 'refused',
        reason: 'superseded',
      });
      // Nothing on record (erased, or an unknown subject): consent cannot be confirmed.
      respond((res) => json(res, { error: 'not found' }, 404));
      expect(await online().checkOnline(receipt, 'ads')).toMatchObject({
        allowed: false,
        reason: 'unknown-to-ledger',
      });
      respond((res) => json(res, { subject: claims.sub, purposes: {} }));
      expect(await online().checkOnline(receipt, 'ads')).toMatchObject({
        allowed: false,
        reason: 'unknown-to-ledger',
      });
      // A newer `given` for the current definition allows a purpose the receipt refused.
      respond((res) =>
        json(res, {
          subject: claims.sub,
          purposes: { analytics: { ...entry, status: 'given', hash: HASH_B, seq: 12 } },
        }),
      );
      expect(
        await online({ purposes: { analytics: HASH_B } }).checkOnline(receipt, 'analytics'),
      ).toMatchObject({
        allowed: true,
        status: 'given',
      });
      expect(
        await online({ purposes: { analytics: HASH_A } }).checkOnline(receipt, 'analytics'),
      ).toMatchObject({
        allowed: false,
        reason: 'definition-changed',
      });
    });

    it('fails closed when the ledger cannot answer, unless told to trust the receipt', async () => {
      const claims = receiptClaims();
      const receipt = signReceipt(key, claims);
      respond((res) => res.writeHead(503).end());
      expect(await online().checkOnline(receipt, 'ads')).toMatchObject({
        allowed: false,
        reason: 'ledger-unavailable',
        code: 'ERR_LEDGER_UNAVAILABLE',
      });
      expect(await online({ onLedgerError: 'receipt' }).checkOnline(receipt, 'ads')).toMatchObject({
        allowed: true,
      });
      respond((res) => json(res, { subject: 'someone-else', purposes: {} }));
      expect(await online().checkOnline(receipt, 'ads')).toMatchObject({ reason: 'ledger-unavailable' });
      respond((res) => json(res, { subject: claims.sub, purposes: { ads: { status: 'maybe', seq: 'x' } } }));
      expect(await online().checkOnline(receipt, 'ads')).toMatchObject({ reason: 'ledger-unavailable' });
      respond(() => {});
      expect(await online({ ledgerTimeoutMs: 100 }).checkOnline(receipt, 'ads')).toMatchObject({
        reason: 'ledger-unavailable',
      });
      // An invalid receipt is refused without asking the ledger.
      respond((res) => json(res, {}));
      expect(await online().checkOnline('x.y.z', 'ads')).toMatchObject({ reason: 'invalid-receipt' });
      expect(ledger.requests.length).toBe(0);
    });
  });

  it('looks purposes up as own properties: constructor is purpose-absent, toString a wrong argument (audit #5)', async () => {
    const claims = receiptClaims();
    const receipt = signReceipt(key, claims);
    for (const checker of [
      v.createConsentChecker({ jwks, issuer: ISSUER }),
      v.createConsentChecker({ jwks, issuer: ISSUER, cacheMaxEntries: 0 }),
    ]) {
      for (const id of ['constructor', 'marketing']) {
        expect(await checker.check(receipt, id), id).toEqual({
          allowed: false,
          status: undefined,
          reason: 'purpose-absent',
          receiptId: claims.jti,
          subject: claims.sub,
          gpc: false,
        });
      }
    }
    // A receipt that does hold `constructor` is read normally.
    const own = signReceipt(key, { cns: { constructor: { status: 'given' as const, hash: HASH_A } } });
    expect(await v.createConsentChecker({ jwks, issuer: ISSUER }).check(own, 'constructor')).toMatchObject({
      allowed: true,
      reason: 'given',
    });
    // Ids the grammar refuses (`__proto__`, `toString` with a capital) are wrong arguments.
    for (const id of ['__proto__', 'toString', 'hasOwnProperty']) {
      await expect(v.createConsentChecker({ jwks, issuer: ISSUER }).check(receipt, id)).rejects.toThrow(
        TypeError,
      );
    }
  });

  it("binds a check to a subject: another shopper's receipt is refused (subject-mismatch)", async () => {
    const checker = v.createConsentChecker({ jwks, issuer: ISSUER, ledgerUrl: ledger.url });
    const mine = receiptClaims();
    const theirs = receiptClaims();
    const other = signReceipt(key, theirs);
    const own = signReceipt(key, mine);
    // Unbound (the old behaviour): any valid receipt allows.
    expect(await checker.check(other, 'ads')).toMatchObject({ allowed: true, subject: theirs.sub });
    // Bound: cached or not, the receipt's sub must be one of the customer's subjects.
    for (let i = 0; i < 2; i++) {
      expect(await checker.check(other, 'ads', { subject: mine.sub })).toEqual({
        allowed: false,
        status: undefined,
        reason: 'subject-mismatch',
        receiptId: theirs.jti,
        subject: theirs.sub,
        gpc: false,
      });
    }
    expect(await checker.check(own, 'ads', { subject: mine.sub })).toMatchObject({ allowed: true });
    expect(await checker.check(other, 'ads', { subject: [mine.sub, theirs.sub] })).toMatchObject({
      allowed: true,
    });
    expect(await checker.check(own, 'ads', { subject: [] })).toMatchObject({ reason: 'subject-mismatch' });
    // A refusal in someone else's receipt is still a mismatch, not their refusal.
    expect(await checker.check(other, 'analytics', { subject: mine.sub })).toMatchObject({
      reason: 'subject-mismatch',
    });
    // No receipt or an invalid one keeps its own reason.
    expect(await checker.check(undefined, 'ads', { subject: mine.sub })).toMatchObject({
      reason: 'no-receipt',
    });
    // checkOnline refuses before asking the ledger about the other subject.
    ledger.requests.length = 0;
    ledger.handler = (_req, res) => json(res, { subject: theirs.sub, purposes: {} });
    expect(await checker.checkOnline(other, 'ads', { subject: mine.sub })).toMatchObject({
      allowed: false,
      reason: 'subject-mismatch',
    });
    expect(ledger.requests.length).toBe(0);
    // A customer id in place of a device subject id is a wrong argument.
    await expect(checker.check(own, 'ads', { subject: 'customer-42' })).rejects.toThrow(/subject/);
    await expect(checker.check(own, 'ads', { subject: [mine.sub, 7] as never })).rejects.toThrow(/subject/);
    await expect(checker.check(own, 'ads', 'x' as never)).rejects.toThrow(TypeError);
  });

  it('throws TypeError for wrong arguments', async () => {
    expect(() => v.createConsentChecker({ jwks } as never)).toThrow(/issuer/);
    expect(() => v.createConsentChecker({ issuer: ISSUER } as never)).toThrow(/keys or jwks/);
    expect(() => v.createConsentChecker({ jwks, issuer: ISSUER, purposes: { ads: 'x' } })).toThrow(
      /purposes.ads/,
    );
    expect(() => v.createConsentChecker({ jwks, issuer: ISSUER, cacheMaxEntries: -1 })).toThrow(
      /cacheMaxEntries/,
    );
    expect(() => v.createConsentChecker({ jwks, issuer: ISSUER, ledgerUrl: 'nope' })).toThrow(/ledgerUrl/);
    const checker = v.createConsentChecker({ jwks, issuer: ISSUER });
    await expect(checker.check(signReceipt(key), 'Not An Id')).rejects.toThrow(/purposeId/);
    await expect(checker.checkOnline(signReceipt(key), 'ads')).rejects.toThrow(/ledgerUrl/);
  });
});
