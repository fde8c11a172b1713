// The shopper's journey through the demo storefront in real Chromium, with the real ledger on a
// temporary SQLite file (startDemo, as `pnpm start` runs it): first visit and banner; customise
// with analytics on and ads off; recommendations generic until personalisation is allowed; face
// payment through the separate dialog at checkout; withdraw everything from the floating button;
// the backend stops personalising on the next request. Checked on the page, in the ledger (events,
// receipts, signed tree head, inclusion proofs) and through the verifier.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReceiptClaims } from '@assent/core';
import {
  createConsentChecker,
  createLocalJwks,
  verifyInclusion,
  verifyReceipt,
  verifyTreeHead,
} from '@assent/verifier';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../scripts/lib/chromium.js';
import { type Demo, startDemo } from '../src/index.js';

const sel = {
  banner: 'assent-widget .banner',
  dialog: 'assent-widget [role="dialog"]',
  action: (a: string) => `assent-widget [data-action="${a}"]`,
  settings: 'assent-settings button',
};

let demo: Demo;
let dir: string;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
const WIDGET_DIST = fileURLToPath(new URL('../../../packages/widget/dist/browser/', import.meta.url));
const violations: string[] = [];
const failedRequests: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-journey-'));
  // A private copy of the widget's built browser files, so a `pnpm build` running meanwhile (on a
  // developer's machine) cannot hand the browser a half-written file.
  const widgetDir = join(dir, 'widget');
  cpSync(WIDGET_DIST, widgetDir, { recursive: true });
  for (const file of ['assent.js', 'assent-ui.js', 'assent-sync.js']) {
    if (!existsSync(join(widgetDir, file)))
      throw new Error(`${file} is missing from ${WIDGET_DIST}: run \`pnpm build\` first`);
  }
  demo = await startDemo({ storefrontPort: 0, ledgerPort: 0, dataDir: join(dir, 'data'), widgetDir });
  browser = await launchChromium();
  // Every profile reports the CSP violations its pages see (init scripts are injected by the
  // browser, so the policy itself does not block this listener).
  ctx = await newDevice();
  page = watch(await ctx.newPage());
});

/** Record the page's CSP violations and uncaught errors (checked by the last test). */
function watch(p: Page): Page {
  p.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|CSP violation/.test(m.text()))
      violations.push(m.text());
  });
  p.on('pageerror', (e) => pageErrors.push(e.message));
  p.on('requestfailed', (r) => {
    // Requests a navigation cancels (a recommendations fetch, say) are not failures.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED')
      failedRequests.push(`${r.url()}: ${r.failure()?.errorText}`);
  });
  p.on('response', (r) => {
    if (r.status() >= 400 && !r.url().includes('/api/'))
      failedRequests.push(`${r.url()}: HTTP ${r.status()}`);
  });
  return p;
}

/** A fresh browser profile: another shopper, or the same shopper's other device. */
async function newDevice(options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  const c = await browser.newContext({ locale: 'en-US', ...options });
  await c.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return c;
}

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const en = (id: string) => demo.config.purposes.find((p) => p.id === id)!.texts['en']!.name!;

function claimsOf(receipt: string): ReceiptClaims {
  return JSON.parse(Buffer.from(receipt.split('.')[1]!, 'base64url').toString('utf8')) as ReceiptClaims;
}

async function cookie(name: string): Promise<string | undefined> {
  return (await ctx.cookies()).find((c) => c.name === name)?.value;
}

/** Wait until the widget holds a receipt from the ledger for which `ok` is true; return it. */
async function receiptWhere(ok: (c: ReceiptClaims) => boolean, what: string): Promise<string> {
  let last: string | undefined;
  for (let i = 0; i < 100; i++) {
    last = await cookie('assent_receipt');
    if (last && ok(claimsOf(last))) return last;
    await page.waitForTimeout(100);
  }
  throw new Error(`no receipt where ${what}; last: ${last ? JSON.stringify(claimsOf(last).cns) : 'none'}`);
}

async function recommendations(): Promise<{ personalised: boolean; reason?: string; detail?: string }> {
  return page.evaluate(async () => (await fetch('/api/recommendations?product=celadon-cup')).json());
}

/** The methods of a subject's events in the ledger; undefined while the ledger asks us to slow down. */
async function historyMethods(subject: string): Promise<string[] | undefined> {
  const res = await fetch(`${demo.ledgerUrl}/v1/subjects/${subject}/history`, {
    headers: { authorization: `Bearer ${demo.adminToken}` },
  });
  if (res.status === 429) return undefined;
  expect(res.status).toBe(200);
  return ((await res.json()) as { events: { method: string }[] }).events.map((e) => e.method);
}

async function ledgerJson<T>(path: string): Promise<T> {
  const res = await fetch(`${demo.ledgerUrl}${path}`, {
    headers: { authorization: `Bearer ${demo.adminToken}` },
  });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

describe('shopper journey', () => {
  let subject: string;

  it('first visit: the banner, nothing gated runs, recommendations are generic', async () => {
    await page.goto(`${demo.storefrontUrl}/products/celadon-cup`);
    await page.locator(sel.banner).waitFor();
    for (const a of ['accept-all', 'reject-all', 'customize'])
      expect(await page.locator(sel.action(a)).isVisible()).toBe(true);
    await page.locator('#recommendations[aria-busy="false"]').waitFor();
    expect(await page.locator('#recommendations').getAttribute('data-personalised')).toBe('false');
    expect(await page.locator('#recommendations').getAttribute('data-reason')).toBe('no-receipt');
    expect(demo.storefront.tagHits).toEqual([]);
    expect(await cookie('assent_receipt')).toBeUndefined();
  });

  it('customise: analytics on, ads off; only the analytics tag runs; still no personalisation', async () => {
    await page.locator(sel.action('customize')).click();
    await page.locator(sel.dialog).waitFor();
    const analytics = page.locator('assent-widget [role="switch"][aria-labelledby="assent-p-analytics"]');
    await analytics.click();
    expect(await analytics.getAttribute('aria-checked')).toBe('true');
    const ads = page.locator('assent-widget [role="switch"][aria-labelledby="assent-p-ads-partner"]');
    // The advertising partner needs separate consent: it has no toggle here, only a review button.
    expect(await ads.count()).toBe(0);
    await page.locator(sel.action('save')).click();
    await page.locator(sel.dialog).waitFor({ state: 'detached' });

    await expect.poll(() => demo.storefront.tagHits.map((h) => h.tag)).toEqual(['analytics']);
    const receipt = await receiptWhere((c) => c.cns['analytics']?.status === 'given', 'analytics is given');
    const claims = claimsOf(receipt);
    subject = claims.sub;
    expect(claims.cns['ads-partner']?.status).not.toBe('given');
    expect(claims.cns['personalization']?.status).not.toBe('given');
    expect(claims.mth).toBe('preferences:save');
    expect(await recommendations()).toMatchObject({ personalised: false, reason: 'not-given' });
    // A reload runs the analytics tag again, never the ad tag.
    await page.reload();
    await expect.poll(() => demo.storefront.tagHits.filter((h) => h.tag === 'analytics').length).toBe(2);
    expect(demo.storefront.tagHits.some((h) => h.tag === 'ads')).toBe(false);
    expect(await page.locator(sel.banner).count()).toBe(0);
  });

  it('recommendations are personalised once personalisation is allowed', async () => {
    await page.locator(sel.settings).click();
    await page.locator(sel.dialog).waitFor();
    await page.locator('assent-widget [role="switch"][aria-labelledby="assent-p-personalization"]').click();
    await page.locator(sel.action('save')).click();
    await page.locator(sel.dialog).waitFor({ state: 'detached' });
    await receiptWhere((c) => c.cns['personalization']?.status === 'given', 'personalization is given');
    await expect.poll(async () => (await recommendations()).personalised).toBe(true);
    await page.reload();
    await page.locator('#recommendations[data-personalised="true"]').waitFor();
    expect(await page.locator('#rec-note').textContent()).toContain('Picked for you');
  });

  it('checkout with face payment through the separate dialog', async () => {
    await page.locator('form.add button[type="submit"]').click();
    await page.waitForURL('**/cart');
    await page.goto(`${demo.storefrontUrl}/checkout`);
    await page.locator('input[name="address"], textarea[name="address"]').fill('100 Example Road, Shanghai');
    await page.locator('input[name="payment"][value="face"]').check();
    await page.locator('#pay').click();
    const dialog = page.locator(sel.dialog);
    await dialog.waitFor();
    expect(await dialog.getAttribute('aria-modal')).toBe('true');
    expect(await dialog.textContent()).toContain(en('face-payment'));
    await page.locator(sel.action('agree')).click();
    await page.waitForURL('**/orders/*');
    expect(await page.locator('[data-testid="paid-with"]').textContent()).toContain('Face payment');
    const receipt = await receiptWhere(
      (c) => c.cns['face-payment']?.status === 'given',
      'face-payment is given',
    );
    expect(claimsOf(receipt).mth).toBe('separate:dialog');
    const order = demo.storefront.orders.all().at(-1)!;
    expect(order).toMatchObject({ payment: 'face', consentSubject: subject });
  });

  it('withdraw everything from the floating button; the backend stops personalising', async () => {
    await page.goto(`${demo.storefrontUrl}/products/celadon-cup`);
    await page.locator('#recommendations[data-personalised="true"]').waitFor();
    await page.locator(sel.settings).click();
    await page.locator(sel.dialog).waitFor();
    await page.locator(sel.action('withdraw-all')).click();
    const receipt = await receiptWhere(
      (c) => Object.values(c.cns).every((p) => p.status !== 'given'),
      'nothing is given',
    );
    expect(claimsOf(receipt).cns['personalization']?.status).toBe('withdrawn');
    expect(claimsOf(receipt).cns['face-payment']?.status).toBe('withdrawn');
    // The very next request is generic, and the browsing profile is gone.
    expect(await recommendations()).toMatchObject({
      personalised: false,
      reason: 'not-given',
      detail: 'withdrawn',
    });
    expect(demo.storefront.recommender.profiles()).not.toContain(subject);
    // The shop still works: card payment needs no consent.
    expect(demo.storefront.tagHits.some((h) => h.tag === 'ads')).toBe(false);
  });

  it('the ledger holds every decision, signed and provably in the log; the verifier agrees', async () => {
    const history = await ledgerJson<{
      events: { seq: number; method: string; purposes: Record<string, { status: string }> }[];
    }>(`/v1/subjects/${subject}/history`);
    const methods = history.events.map((e) => e.method);
    expect(methods).toContain('preferences:save');
    expect(methods).toContain('separate:dialog');
    expect(history.events.at(-1)!.purposes['personalization']!.status).toBe('withdrawn');

    const keys = demo.ledger.jwks();
    const receipt = (await cookie('assent_receipt'))!;
    const claims = await verifyReceipt(receipt, { keys, issuer: demo.ledgerUrl });
    expect(claims.sub).toBe(subject);

    let head = await verifyTreeHead((await ledgerJson<{ sth: string }>('/v1/log/sth')).sth, { keys });
    for (let i = 0; i < 50 && head.treeSize <= claims.seq; i++) {
      await new Promise((r) => setTimeout(r, 100));
      head = await verifyTreeHead((await ledgerJson<{ sth: string }>('/v1/log/sth')).sth, { keys });
    }
    for (const e of history.events) {
      const { proof, leafHash } = await ledgerJson<{ proof: string[]; leafHash: string }>(
        `/v1/log/inclusion?seq=${e.seq}&treeSize=${head.treeSize}`,
      );
      verifyInclusion({ leafHash, index: e.seq, treeSize: head.treeSize, proof, rootHash: head.rootHash });
    }
    const { proof } = await ledgerJson<{ proof: string[] }>(
      `/v1/log/inclusion?seq=${claims.seq}&treeSize=${head.treeSize}`,
    );
    verifyInclusion({
      leafHash: claims.lh,
      index: claims.seq,
      treeSize: head.treeSize,
      proof,
      rootHash: head.rootHash,
    });

    const checker = createConsentChecker({
      jwks: createLocalJwks(keys),
      issuer: demo.ledgerUrl,
      purposes: demo.storefront.consent.hashes,
    });
    for (const id of ['analytics', 'personalization', 'face-payment', 'ads-partner']) {
      expect((await checker.check(receipt, id)).allowed, id).toBe(false);
    }
  });
});

describe('asked at the moment they are needed, and refusing never blocks the purchase', () => {
  let other: BrowserContext;
  let p: Page;
  const where = { latitude: 31.2304, longitude: 121.4737 };

  beforeAll(async () => {
    other = await newDevice({ geolocation: where });
    await other.grantPermissions(['geolocation'], { origin: demo.storefrontUrl });
    p = watch(await other.newPage());
    await p.goto(`${demo.storefrontUrl}/products/teapot-yixing`);
    await p.locator(sel.action('reject-all')).click();
    await p.locator(sel.banner).waitFor({ state: 'detached' });
  });
  afterAll(() => other?.close());

  const answer = async (a: 'agree' | 'refuse', purpose: string) => {
    const dialog = p.locator(sel.dialog);
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(en(purpose));
    await p.locator(sel.action(a)).click();
    // Closed, or already asking the next question in the same dialog.
    await expect
      .poll(async () => (await dialog.count()) === 0 || !(await dialog.textContent())?.includes(en(purpose)))
      .toBe(true);
  };

  it('newsletter: asks for marketing e-mail in a dialog; no means no subscription', async () => {
    const email = p.locator('#newsletter input[name="email"]');
    const status = p.locator('#newsletter-status');
    await email.fill('shopper@example.com');
    await p.locator('#newsletter button[type="submit"]').click();
    await answer('refuse', 'marketing-email');
    await expect.poll(() => status.textContent()).toContain('only send marketing emails with your consent');
    expect(demo.storefront.subscribers.map((s) => s.email)).not.toContain('shopper@example.com');

    await p.locator('#newsletter button[type="submit"]').click();
    await answer('agree', 'marketing-email');
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toContain('Subscribed');
    expect(demo.storefront.subscribers.map((s) => s.email)).toContain('shopper@example.com');
  });

  it('checkout: refusing location or face falls back to address and card; the order goes through', async () => {
    await p.locator('form.add button[type="submit"]').click();
    await p.waitForURL('**/cart');
    await p.goto(`${demo.storefrontUrl}/checkout`);
    const status = p.locator('#checkout-status');
    const before = demo.storefront.orders.all().length;

    await p.locator('input[name="delivery"][value="location"]').check();
    await p.locator('input[name="payment"][value="face"]').check();
    await p.locator('#pay').click();
    await answer('refuse', 'precise-location');
    expect(await status.textContent()).toContain('Precise location was not allowed');
    expect(await p.locator('input[name="delivery"][value="address"]').isChecked()).toBe(true);

    await p.locator('input[name="delivery"][value="location"]').check();
    await p.locator('#pay').click();
    await answer('agree', 'precise-location');
    await answer('refuse', 'face-payment');
    expect(await status.textContent()).toContain('Face payment was not allowed');
    expect(await p.locator('input[name="payment"][value="card"]').isChecked()).toBe(true);
    expect(demo.storefront.orders.all()).toHaveLength(before);

    // Pay by card to the precise location, which stays allowed (asked again only if the widget wants to).
    await p.locator('#pay').click();
    await Promise.race([
      p.waitForURL('**/orders/*'),
      p
        .locator(sel.dialog)
        .waitFor()
        .then(() => p.locator(sel.action('agree')).click()),
    ]);
    await p.waitForURL('**/orders/*');
    expect(await p.locator('[data-testid="paid-with"]').textContent()).toContain('Card');
    const order = demo.storefront.orders.all().at(-1)!;
    expect(order.payment).toBe('card');
    expect(order.delivery).toEqual({ mode: 'location', lat: where.latitude, lon: where.longitude });
    expect(await p.locator('main').textContent()).toContain('31.2304');
  });
});

describe('signed in on two devices', () => {
  it('device A refuses marketing and signs in; device B signs in and shows it refused without a banner', async () => {
    const account = 'Sam Taylor';
    const signIn = async (p: Page) => {
      await p.goto(`${demo.storefrontUrl}/signin`);
      await p.getByRole('button', { name: `Sign in as ${account}` }).click();
      await p.waitForURL(`${demo.storefrontUrl}/`);
    };

    const a = await newDevice();
    const pa = watch(await a.newPage());
    await pa.goto(`${demo.storefrontUrl}/`);
    await pa.locator(sel.action('reject-all')).click();
    await pa.locator(sel.banner).waitFor({ state: 'detached' });
    const subjectA = await pa.evaluate(
      () => (window as unknown as { assent: { consent?: { subject?: string } } }).assent.consent?.subject,
    );
    expect(subjectA).toBeTruthy();
    await signIn(pa);
    // The page now carries a link token for A's subject; the widget links it at idle.
    expect(await pa.locator('script[data-link-token]').count()).toBe(1);
    await expect
      .poll(async () => (await historyMethods(subjectA!)) ?? [], { timeout: 15_000, interval: 500 })
      .toContain('sync');
    await a.close();

    const b = await newDevice();
    const pb = watch(await b.newPage());
    await signIn(pb);
    // No decision on B yet, so no subject for the server: the page asks /api/link-token itself.
    expect(await pb.locator('script[data-link-token]').count()).toBe(0);
    // The config arrives by fetch, after `load`: wait for the merged decision itself, not for a
    // banner that may not have been drawn yet.
    const marketing = () =>
      pb.evaluate(() =>
        (window as unknown as { assent?: { get(id: string): unknown } }).assent?.get('marketing-email'),
      );
    await expect
      .poll(marketing, { timeout: 15_000, interval: 200 })
      .toMatchObject({ status: 'refused', method: 'sync' });
    await pb.locator(sel.banner).waitFor({ state: 'detached', timeout: 15_000 });
    await pb.reload();
    // Once the loader is ready it has decided whether to ask: it must not.
    const prompt = await pb.evaluate(async () => {
      const a = (
        window as unknown as {
          assent: { ready: Promise<unknown>; consent: { needsPrompt(): { prompt: boolean } } };
        }
      ).assent;
      await a.ready;
      return a.consent.needsPrompt().prompt;
    });
    expect(prompt).toBe(false);
    expect(await marketing()).toMatchObject({ status: 'refused' });
    expect(await pb.locator(sel.banner).count()).toBe(0);
    await b.close();
  });
});

describe('along the way', () => {
  it('no page raised a CSP violation or an uncaught error, and no file failed to load', () => {
    expect(violations).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(failedRequests).toEqual([]);
  });
});
