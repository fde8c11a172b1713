// The real script tag against the real ledger (SQLite on a temporary file, started here): every
// decision reaches the ledger once and in order, the `assent_receipt` cookie holds the latest
// receipt and the verifier accepts exactly the given purposes; a returning visitor's waiting events
// are delivered by the next page (the flag), with nothing fetched once they are; a signed-in
// shopper's refusal follows them to a fresh browser; a 4xx fires `sync-error` through `assent.on`.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AssentConfig, LedgerEntry } from '@assent/core';
import { createKeyStore, createLedger, type Ledger } from '@assent/ledger';
import { consentFromRequest, createConsentChecker, createLinkToken, createLocalJwks } from '@assent/verifier';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGate } from '../../../core/test/e2e/sync-server.js';
import { storeConfig } from '../fixtures/config.js';
import { type Harness, harness, open, sel, settled } from './lib/browser.js';
import { storePage } from './lib/page.js';

let h: Harness;
let ledger: Ledger;
let ledgerUrl: string;
let dir: string;
const storefront = generateKeyPairSync('ed25519');
const CONSENT_PURPOSES = ['analytics', 'marketing-email', 'ad-partner', 'face-payment', 'precise-location'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-widget-sync-'));
  h = await harness();
  ledger = await createLedger({
    database: join(dir, 'ledger.db'),
    keys: createKeyStore(),
    corsOrigins: [h.server.origin],
    linkKeys: { keys: [{ ...storefront.publicKey.export({ format: 'jwk' }), kid: 'shop-1' }] },
    rateLimit: false,
  });
  ledgerUrl = await ledger.listen(0, '127.0.0.1');
  const config: AssentConfig = { ...storeConfig(), ledgerUrl };
  h.server.route('/', storePage({ config }));
  h.server.route('/plain', storePage({ config: storeConfig() }));
});
afterAll(async () => {
  await h?.close();
  await ledger?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function entries(subject: string): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  for await (const line of ledger.export('native')) out.push(JSON.parse(line));
  return out.filter((e) => e.subject === subject);
}
const subjectOf = (page: Page) => page.evaluate(() => window.assent.consent?.subject ?? '');
const receiptCookie = async (ctx: BrowserContext) =>
  (await ctx.cookies(h.server.origin)).find((c) => c.name === 'assent_receipt')?.value;
const flag = (page: Page) => page.evaluate(() => localStorage.getItem('assent-outbox'));
const fetched = (file: string) => h.server.requests.filter((r) => r.startsWith(`/assent/${file}`)).length;

describe('the script tag with a ledger', () => {
  it('first visit: Reject all, then Customize; both events once, in order; the cookie receipt grants exactly what was given', async () => {
    const { page, context, watch } = await open(h, '/');
    await page.locator(sel.action('reject-all')).click();
    await page.locator(sel.settings).click();
    await page.locator('assent-widget [data-purpose="analytics"] [role="switch"]').click();
    await page.locator(sel.action('save')).click();
    const subject = await subjectOf(page);
    await expect
      .poll(async () => (await entries(subject)).map((e) => e.method), { timeout: 15_000 })
      .toEqual(['banner:reject-all', 'preferences:save']);
    const got = await entries(subject);
    expect(got[1]!.seq).toBeGreaterThan(got[0]!.seq);
    expect(got.map((e) => e.purposes.analytics?.status)).toEqual(['refused', 'given']);
    // The ledger's events are the widget's, ids and all.
    const history = await page.evaluate(() =>
      (
        window.assent.consent as unknown as { history: { list(): Promise<{ event: { id: string } }[]> } }
      ).history
        .list()
        .then((l) => l.map((r) => r.event.id)),
    );
    expect(got.map((e) => e.id)).toEqual(history);

    const checker = createConsentChecker({ jwks: createLocalJwks(ledger.jwks()), issuer: ledgerUrl });
    const cookieReceipt = async () =>
      consentFromRequest({ headers: { cookie: `assent=x; assent_receipt=${await receiptCookie(context)}` } })
        .receipt;
    // The ledger holds both events before the page has handled the second answer (its signature is
    // checked against the JWKS first): wait until the cookie carries the latest receipt.
    await expect
      .poll(async () => (await checker.check((await cookieReceipt()) ?? '', 'analytics')).receiptId, {
        timeout: 10_000,
      })
      .toBe(got[1]!.id);
    const receipt = await cookieReceipt();
    const allowed: string[] = [];
    for (const id of CONSENT_PURPOSES) if ((await checker.check(receipt!, id)).allowed) allowed.push(id);
    expect(allowed).toEqual(['analytics']);
    expect((await checker.check(receipt!, 'analytics')).receiptId).toBe(got[1]!.id);
    // Drained: nothing waits, so the next page fetches neither module.
    await expect.poll(() => flag(page)).toBeNull();

    if (!(await page.locator(sel.dialog).count())) await page.locator(sel.settings).click();
    // The preference center's history shows each decision's receipt; the download includes them.
    const items = page.locator('assent-widget .hist li');
    await expect.poll(() => page.locator('assent-widget .hist [data-receipt]').count()).toBe(2);
    expect(await items.nth(0).textContent()).toContain(`receipt no. ${got[1]!.seq}`);
    expect(await items.nth(1).textContent()).toContain(`receipt no. ${got[0]!.seq}`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator(sel.action('download')).click(),
    ]);
    const records = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(records.receipts.map((r: { id: string; verified: boolean }) => [r.id, r.verified])).toEqual([
      [got[0]!.id, true],
      [got[1]!.id, true],
    ]);
    expect(records.receipts[1].jws).toBe(await receiptCookie(context));

    const before = [fetched('assent-ui.js'), fetched('assent-sync.js')];
    await page.reload({ waitUntil: 'load' });
    await settled(page);
    expect([fetched('assent-ui.js'), fetched('assent-sync.js')]).toEqual(before);
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it('a decision the ledger could not take waits for the next page, which fetches sync at idle and delivers it once', async () => {
    // A gate in front of the ledger: while closed, nothing reaches it, not even the beacon the
    // page sends as it closes (route interception does not see those).
    const gate = await startGate(ledgerUrl);
    h.server.route('/gated', storePage({ config: { ...storeConfig(), ledgerUrl: gate.url } }));
    try {
      const ctx = await h.browser.newContext();
      gate.open = false;
      const { page } = await open(h, '/gated', {}, ctx);
      const change = await page.evaluate(() => window.assent.rejectAll());
      const subject = await subjectOf(page);
      // Sync loaded and tried, and the ledger could not be reached.
      await expect.poll(() => gate.refused.length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(await flag(page)).toBe('1');
      await page.close();
      // Whatever the closing page sent was refused too: the ledger has nothing yet.
      expect(await entries(subject)).toEqual([]);
      gate.open = true;

      const before = fetched('assent-sync.js');
      const { page: next } = await open(h, '/gated', {}, ctx);
      // A returning visitor: no banner, but something waits, so sync comes at idle and drains it.
      await expect.poll(() => fetched('assent-sync.js'), { timeout: 10_000 }).toBeGreaterThan(before);
      await expect.poll(() => flag(next), { timeout: 15_000 }).toBeNull();
      expect((await entries(subject)).map((e) => e.id)).toEqual([change!.event.id]);
      expect(await receiptCookie(ctx)).toBeTruthy();
      expect(await next.locator(sel.banner).count()).toBe(0);
      await ctx.close();
    } finally {
      await gate.close();
    }
  });

  it('device A refuses marketing; device B, a fresh browser, links and shows it refused without a banner', async () => {
    const customerId = 'mei@shop.example';
    const token = (subject: string) =>
      createLinkToken({ customerId, subject, key: storefront.privateKey, kid: 'shop-1' });

    const a = await open(h, '/');
    await a.page.locator(sel.action('reject-all')).click();
    const subjectA = await subjectOf(a.page);
    const linkedA = await a.page.evaluate((t) => window.assent.link(t), await token(subjectA));
    expect(linkedA.status).toBe('merged');
    // The decision, then the link event (no purposes; the ledger keeps only a keyed hash of the customer).
    expect(
      (await entries(subjectA)).map((e) => [e.method, e.purposes['marketing-email']?.status, !!e.link]),
    ).toEqual([
      ['banner:reject-all', 'refused', false],
      ['sync', undefined, false],
    ]);
    await a.context.close();

    const b = await open(h, '/');
    await b.page.locator(sel.banner).waitFor();
    const subjectB = await subjectOf(b.page);
    expect(subjectB).not.toBe(subjectA);
    const events: string[] = [];
    await b.page.exposeFunction('__linked', (s: string) => events.push(s));
    await b.page.evaluate(() =>
      window.assent.on('linked', (r) =>
        (window as unknown as { __linked(s: string): void }).__linked(r.status),
      ),
    );
    const linked = await b.page.evaluate((t) => window.assent.link(t), await token(subjectB));
    expect(linked.status).toBe('merged');
    expect(linked.applied).toContain('marketing-email');
    expect(events).toEqual(['merged']);
    // The adopted decisions answer the banner: it goes.
    await b.page.locator(sel.banner).waitFor({ state: 'detached' });
    expect(await b.page.evaluate(() => window.assent.get('marketing-email'))).toMatchObject({
      status: 'refused',
      method: 'sync',
    });
    // A later page of device B: no banner, marketing shown refused.
    await b.page.reload({ waitUntil: 'load' });
    await settled(b.page);
    expect(await b.page.locator(sel.banner).count()).toBe(0);
    await b.page.locator(sel.settings).click();
    const row = b.page.locator('assent-widget [data-purpose="marketing-email"] [role="switch"]');
    expect(await row.getAttribute('aria-checked')).toBe('false');
    await b.context.close();
  });

  it('a 4xx from the ledger fires sync-error through assent.on', async () => {
    const ctx = await h.browser.newContext();
    await ctx.route(`${ledgerUrl}/v1/events`, (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 400,
            contentType: 'application/json',
            headers: { 'access-control-allow-origin': h.server.origin },
            body: JSON.stringify({ error: { code: 'ERR_EVENT_INVALID', message: 'refused by the test' } }),
          })
        : route.continue(),
    );
    const { page } = await open(h, '/', {}, ctx);
    await page.evaluate(() => {
      const w = window as unknown as { errs: unknown[] };
      w.errs = [];
      window.assent.on('sync-error', (e) => w.errs.push({ code: e.code, status: e.status, id: e.event?.id }));
    });
    const change = await page.evaluate(() => window.assent.rejectAll());
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { errs: unknown[] }).errs), { timeout: 15_000 })
      .toEqual([{ code: 'ERR_EVENT_INVALID', status: 400, id: change!.event.id }]);
    // Set aside, not retried: the outbox is empty and the flag cleared.
    await expect.poll(() => flag(page)).toBeNull();
    expect(await entries(await subjectOf(page))).toEqual([]);
    await ctx.close();
  });

  it('without a ledgerUrl nothing is fetched for sync, and link rejects', async () => {
    const before = fetched('assent-sync.js');
    const { page, context } = await open(h, '/plain');
    await page.evaluate(() => window.assent.acceptAll());
    const err = await page.evaluate(() =>
      window.assent.link('a.b.c').then(
        () => 'resolved',
        (e: Error) => e.message,
      ),
    );
    expect(err).toMatch(/ledgerUrl/);
    await settled(page);
    expect(fetched('assent-sync.js')).toBe(before);
    expect(await flag(page)).toBeNull();
    await context.close();
  });
});
