// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://shop.example/"}
// Two tabs share one IndexedDB outbox, one receipt store and one cookie jar: whichever tab delivers
// last must not put an older decision's receipt in the cookie over a newer one.
import 'fake-indexeddb/auto';
import { createConsent } from '@assent/core';
import { createIdbSyncStore, createSync, decodeJws, readReceiptCookie } from '@assent/core/sync';
import { consentFromRequest } from '@assent/verifier';
import { expect, it } from 'vitest';
import { small } from './fixtures.js';
import { createNet, startLedger, until } from './sync-helpers.js';

it('a second tab delivering an older decision leaves the newer receipt in the cookie', async () => {
  const ledger = await startLedger();
  const net = createNet();
  net.offline = true;
  const opts = { ledgerUrl: ledger.url, fetch: net.fetch, retryBaseMs: 60_000, onWarning: () => {} };
  const consentA = createConsent(small());
  const tabA = createSync({ ...opts, consent: consentA, store: createIdbSyncStore({ dbName: 'tabs' }) });
  try {
    const e1 = consentA.set({ analytics: true, ads: true })!.event;
    await until(async () => (await tabA.pending()).length === 1);
    // Tab B opens on the same subject (the consent cookie is shared) and loads E1 from the outbox.
    const consentB = { ...consentA, subscribe: () => () => {} } as typeof consentA;
    const tabB = createSync({ ...opts, consent: consentB, store: createIdbSyncStore({ dbName: 'tabs' }) });
    try {
      await until(async () => (await tabB.pending()).length === 1);
      await new Promise((r) => setTimeout(r, 1100)); // E2 is a second later
      const e2 = consentA.set({ analytics: false, ads: false })!.event;
      expect(e2.at > e1.at).toBe(true);
      await until(async () => (await tabA.pending()).length === 2);
      net.offline = false;
      await tabA.flush();
      expect(decodeJws(readReceiptCookie()!)!.claims.jti).toBe(e2.id);
      const got: boolean[] = [];
      tabB.on('receipt', (d) => got.push(d.cookie));
      await tabB.flush();
      // Tab B did get E1's receipt, but kept it out of the cookie.
      expect(got).toEqual([false]);
      expect(decodeJws(readReceiptCookie()!)!.claims.jti).toBe(e2.id);
      const req = consentFromRequest({ headers: { cookie: document.cookie } });
      expect(decodeJws(req.receipt!)!.claims.jti).toBe(e2.id);
      expect((await ledger.entries()).filter((e) => e.subject === consentA.subject).map((e) => e.id)).toEqual(
        [e1.id, e2.id],
      );
    } finally {
      tabB.stop();
    }
  } finally {
    tabA.stop();
    await ledger.close();
  }
});

it('a tab does not fill a cookie another tab emptied while its withdrawal still waits', async () => {
  const ledger = await startLedger();
  const netA = createNet();
  const netB = createNet();
  const opts = { ledgerUrl: ledger.url, retryBaseMs: 60_000, onWarning: () => {} };
  const consentA = createConsent(small());
  const tabA = createSync({
    ...opts,
    fetch: netA.fetch,
    consent: consentA,
    store: createIdbSyncStore({ dbName: 'tabs2' }),
  });
  try {
    consentA.set({ analytics: true });
    await tabA.flush();
    const r0 = decodeJws(readReceiptCookie()!)!.claims;
    expect(r0.cns).toMatchObject({ analytics: { status: 'given' } });
    netA.offline = true;
    netB.offline = true;
    const e1 = consentA.set({ analytics: true, ads: true })!.event;
    await until(async () => (await tabA.pending()).length === 1);
    const consentB = { ...consentA, subscribe: () => () => {} } as typeof consentA;
    const tabB = createSync({
      ...opts,
      fetch: netB.fetch,
      consent: consentB,
      store: createIdbSyncStore({ dbName: 'tabs2' }),
    });
    try {
      await until(async () => (await tabB.pending()).length === 1);
      await new Promise((r) => setTimeout(r, 1100));
      // Tab A withdraws: the cookie's grant goes at once; the withdrawal waits, offline.
      const e2 = consentA.set({ analytics: false, ads: false })!.event;
      expect(readReceiptCookie()).toBeUndefined();
      await until(async () => (await tabA.pending()).length === 2);
      // Tab B comes back first, with only E1 in its memory.
      netB.offline = false;
      await tabB.flush();
      // Never E1's grant: B sees E2 waiting in the shared outbox, so it delivers E2 as well, and
      // the cookie ends with the withdrawal.
      expect(decodeJws(readReceiptCookie()!)!.claims.jti).toBe(e2.id);
      expect((await ledger.entries()).filter((e) => e.subject === consentA.subject).map((e) => e.id)).toEqual(
        [r0.jti, e1.id, e2.id],
      );
    } finally {
      tabB.stop();
    }
  } finally {
    tabA.stop();
    await ledger.close();
  }
});
