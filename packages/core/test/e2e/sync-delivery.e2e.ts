// Sync in real Chromium against a real ledger (SQLite on a temporary file): offline through
// reloads, then every event exactly once and in order, with the latest receipt in the cookie that
// the verifier accepts; a 4xx sets one event aside while the rest drains; and consent follows a
// signed-in shopper from one browser to another.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerEntry } from '@assent/core';
import { createKeyStore, createLedger, type Ledger } from '@assent/ledger';
import { consentFromRequest, createLinkToken, createLocalJwks, verifyReceipt } from '@assent/verifier';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../../scripts/lib/chromium.js';
import { type Gate, type Site, startGate, startSite } from './sync-server.js';

let browser: Browser;
let site: Site;
let gate: Gate;
let ledger: Ledger;
let ledgerUrl: string;
let dir: string;
const contexts: BrowserContext[] = [];
const storefront = generateKeyPairSync('ed25519');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-sync-e2e-'));
  site = await startSite('');
  ledger = await createLedger({
    database: join(dir, 'ledger.db'),
    keys: createKeyStore(),
    corsOrigins: [site.url],
    linkKeys: { keys: [{ ...storefront.publicKey.export({ format: 'jwk' }), kid: 'shop-1' }] },
    rateLimit: false,
  });
  ledgerUrl = await ledger.listen(0, '127.0.0.1');
  // The page reaches the ledger through a gate the test can shut (see startGate).
  gate = await startGate(ledgerUrl);
  site.ledger = gate.url;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
  await gate?.close();
  await ledger?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close();
});

type T = {
  consent: {
    subject: string;
    acceptAll(): { event: { id: string } };
    rejectAll(): { event: { id: string } };
    set(c: Record<string, boolean>): { event: { id: string } };
    get(id: string): { status: string; method: string } | undefined;
    needsPrompt(): { prompt: boolean };
  };
  sync: {
    pending(): Promise<{ id: string }[]>;
    rejected(): Promise<{ event: { id: string }; error: { code: string } }[]>;
    receipts(): Promise<{ id: string; jws: string; verified: boolean }[]>;
    link(token: string): Promise<{ status: string; applied: string[] }>;
    flush(): Promise<void>;
  };
  errors: { code: string; status?: number; event?: string }[];
  receipts: { event: string; verified: boolean; cookie: boolean }[];
};
const run = <R>(page: Page, fn: (t: T) => R) =>
  page.evaluate(`(${fn.toString()})(window.t)`) as Promise<Awaited<R>>;

async function open(context?: BrowserContext): Promise<Page> {
  const ctx = context ?? (await browser.newContext());
  if (!context) contexts.push(ctx);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => {
    throw e;
  });
  await page.goto(site.url, { waitUntil: 'load' });
  return page;
}
const pending = (page: Page) => run(page, (t) => t.sync.pending().then((p) => p.map((e) => e.id)));
async function drained(page: Page) {
  await expect.poll(() => pending(page), { timeout: 20_000, interval: 100 }).toEqual([]);
}
async function entries(subject: string): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  for await (const line of ledger.export('native')) out.push(JSON.parse(line));
  return out.filter((e) => e.subject === subject);
}
const verify = (jws: string) =>
  verifyReceipt(jws, { jwks: createLocalJwks(ledger.jwks()), issuer: ledgerUrl });
const givenIn = (cns: Record<string, { status: string }>) =>
  Object.keys(cns)
    .filter((id) => cns[id]!.status === 'given')
    .sort();

describe('sync in Chromium', () => {
  it('offline (ledger blocked): decide, reload twice, decide again; back online: each event once, in order, cookie holds the latest receipt', async () => {
    const ctx = await browser.newContext();
    contexts.push(ctx);
    let blocked = 0;
    const block = `${gate.url}/**`;
    await ctx.route(block, (route) => {
      blocked++;
      return route.abort('internetdisconnected');
    });
    // What the page sends while unloading escapes route interception: the gate stops that.
    gate.open = false;
    gate.refused.length = 0;
    let page = await open(ctx);
    const subject = await run(page, (t) => t.consent.subject);
    const e1 = await run(page, (t) => t.consent.acceptAll().event.id);
    await expect.poll(() => blocked).toBeGreaterThan(0);
    await page.reload({ waitUntil: 'load' });
    await page.reload({ waitUntil: 'load' });
    const e2 = await run(page, (t) => t.consent.set({ analytics: false }).event.id);
    expect(await pending(page)).toEqual([e1, e2]);
    await page.waitForTimeout(500);
    expect(await entries(subject)).toEqual([]);
    // No receipt yet, so no receipt cookie.
    expect((await ctx.cookies(site.url)).map((c) => c.name)).not.toContain('assent_receipt');

    // The reloads handed what was waiting to the browser as beacons; none got through.
    expect(gate.refused.filter((r) => r === 'POST /v1/events').length).toBeGreaterThan(0);
    gate.open = true;
    await ctx.unroute(block);
    await drained(page);
    const got = await entries(subject);
    expect(got.map((e) => e.id)).toEqual([e1, e2]);
    expect(got[1]!.seq).toBeGreaterThan(got[0]!.seq);
    expect(got.map((e) => e.purposes.analytics?.status)).toEqual(['given', 'withdrawn']);

    const cookie = (await ctx.cookies(site.url)).find((c) => c.name === 'assent_receipt')!;
    expect(cookie).toMatchObject({ path: '/', sameSite: 'Lax', secure: false, httpOnly: false });
    expect(cookie.expires - Date.now() / 1000).toBeGreaterThan(360 * 86_400);
    // What the retailer's backend receives with the next request, and what it checks.
    const { receipt } = consentFromRequest({
      headers: { cookie: `assent=x; assent_receipt=${cookie.value}` },
    });
    const claims = await verify(receipt!);
    expect(claims).toMatchObject({ jti: e2, sub: subject, seq: got[1]!.seq });
    expect(givenIn(claims.cns)).toEqual(['marketing']);
    expect(claims.cns.analytics?.status).toBe('withdrawn');
    // Checked in the browser too (Chromium has Ed25519 in Web Crypto), and kept in IndexedDB.
    const kept = await run(page, (t) => t.sync.receipts());
    expect(kept.map((r) => [r.id, r.verified])).toEqual([
      [e1, true],
      [e2, true],
    ]);
    expect(kept[1]!.jws).toBe(cookie.value);
    // A reload finds the receipts and sends nothing again.
    await page.close();
    page = await open(ctx);
    await page.waitForTimeout(300);
    expect((await run(page, (t) => t.sync.receipts())).map((r) => r.id)).toEqual([e1, e2]);
    expect((await entries(subject)).map((e) => e.id)).toEqual([e1, e2]);
  });

  it('a 4xx from the ledger: sync-error fires for that event, it is set aside, and the rest drains', async () => {
    const ctx = await browser.newContext();
    contexts.push(ctx);
    const events = `${gate.url}/v1/events`;
    let bad = '';
    let offline = true;
    await ctx.route(events, async (route) => {
      const req = route.request();
      if (offline) return route.abort('internetdisconnected');
      const batch = req.method() === 'POST' ? (JSON.parse(req.postData() ?? '[]') as { id: string }[]) : [];
      const i = batch.findIndex((e) => e.id === bad);
      if (i < 0) return route.continue();
      return route.fulfill({
        status: 400,
        contentType: 'application/json',
        headers: { 'access-control-allow-origin': site.url },
        body: JSON.stringify({
          error: { code: 'ERR_EVENT_INVALID', message: 'refused by the test', path: `$[${i}].purposes` },
        }),
      });
    });
    const page = await open(ctx);
    const subject = await run(page, (t) => t.consent.subject);
    const e1 = await run(page, (t) => t.consent.acceptAll().event.id);
    bad = await run(page, (t) => t.consent.set({ marketing: false }).event.id);
    const e3 = await run(page, (t) => t.consent.set({ analytics: false }).event.id);
    // And one the real ledger refuses: a link token that expired long ago.
    const expired = await createLinkToken({
      customerId: 'someone@shop.example',
      subject,
      key: storefront.privateKey,
      kid: 'shop-1',
      now: Date.now() - 3_600_000,
    });
    const linking = page.evaluate(`window.t.sync.link(${JSON.stringify(expired)})`);
    offline = false;
    await run(page, (t) => t.sync.flush());
    expect(((await linking) as { status: string }).status).toBe('failed');
    await drained(page);
    expect((await entries(subject)).map((e) => e.id)).toEqual([e1, e3]);
    const errors = await run(page, (t) => t.errors);
    expect(errors).toEqual([
      { code: 'ERR_EVENT_INVALID', status: 400, event: bad },
      expect.objectContaining({ code: 'ERR_LINK_INVALID', status: 400 }),
    ]);
    expect((await run(page, (t) => t.sync.rejected())).map((r) => r.error.code)).toEqual([
      'ERR_EVENT_INVALID',
      'ERR_LINK_INVALID',
    ]);
    // The cookie holds the receipt of the newest decision that was recorded.
    const cookie = (await ctx.cookies(site.url)).find((c) => c.name === 'assent_receipt')!;
    expect((await verify(cookie.value)).jti).toBe(e3);
  });

  it('across browsers: refused on device A, device B shows marketing refused after sign-in without asking', async () => {
    const customerId = `shopper-${Date.now()}@shop.example`;
    const token = (subject: string) =>
      createLinkToken({ customerId, subject, key: storefront.privateKey, kid: 'shop-1' });
    const a = await open();
    await run(a, (t) => t.consent.set({ analytics: true, marketing: false }));
    const aSubject = await run(a, (t) => t.consent.subject);
    const linkedA = await a.evaluate(`window.t.sync.link(${JSON.stringify(await token(aSubject))})`);
    expect(linkedA).toMatchObject({ status: 'merged', applied: [] });

    const b = await open();
    expect(await run(b, (t) => t.consent.needsPrompt().prompt)).toBe(true);
    const bSubject = await run(b, (t) => t.consent.subject);
    expect(bSubject).not.toBe(aSubject);
    const linkedB = await b.evaluate(`window.t.sync.link(${JSON.stringify(await token(bSubject))})`);
    expect(linkedB).toMatchObject({ status: 'merged', applied: ['analytics', 'marketing'] });
    expect(
      await run(b, (t) => [t.consent.get('marketing')?.status, t.consent.get('marketing')?.method]),
    ).toEqual(['refused', 'sync']);
    expect(await run(b, (t) => t.consent.needsPrompt().prompt)).toBe(false);
    // Kept in device B's own cookie: the next page still does not ask.
    await drained(b);
    await b.reload({ waitUntil: 'load' });
    expect(await run(b, (t) => [t.consent.get('marketing')?.status, t.consent.needsPrompt().prompt])).toEqual(
      ['refused', false],
    );
    const cookie = (await b.context().cookies(site.url)).find((c) => c.name === 'assent_receipt')!;
    const claims = await verify(cookie.value);
    expect(claims.sub).toBe(bSubject);
    expect(claims.mth).toBe('sync');
    expect(givenIn(claims.cns)).toEqual(['analytics']);
  });
});
