// Gating in real Chromium, with the network recorded twice: by the page (`request` events) and by
// the gated host itself (its request log). Before a purpose is given nothing gated runs or loads;
// after, each runs once and in order; after withdrawal the purpose's cookies are gone.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../../scripts/lib/chromium.js';
import { bundleLoader, type Servers, startServers } from './fixtures/servers.js';

let browser: Browser;
let servers: Servers;
let context: BrowserContext;
let requests: string[];

beforeAll(async () => {
  servers = await startServers(await bundleLoader());
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await servers?.close();
});
afterEach(async () => {
  await context?.close();
});

const open = async (path: string): Promise<Page> => {
  context = await browser.newContext();
  const page = await context.newPage();
  requests = [];
  servers.gatedHits.length = 0;
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => {
    throw e;
  });
  await page.goto(new URL(path, servers.site).href, { waitUntil: 'load' });
  return page;
};
const toGated = () => requests.filter((u) => u.startsWith(servers.gated));
// The page adds one gated script 50 ms after parsing, as a tag manager would. Consent given before
// it exists would queue it after the `async` tag's 600 ms fetch only if that timer fires in time,
// which a loaded CI machine does not promise; waiting for it (before giving consent) makes the
// order deterministic: every non-async gated script is then queued in one pass, in document order,
// and runs before the async one can (see ALL_IN_ORDER).
const lateScriptAdded = (page: Page) =>
  page.waitForFunction(() => [...document.scripts].some((s) => s.text.includes("__ran.push('late')")));
const ranAll = (page: Page, name = 'async') =>
  page.waitForFunction((n) => (window as unknown as { __ran: string[] }).__ran.includes(n), name);
const ran = (page: Page) => page.evaluate(() => (window as unknown as { __ran: string[] }).__ran);
const settle = (page: Page, ms = 900) => page.waitForTimeout(ms);
const styledColor = (page: Page) => page.$eval('#styled', (e) => getComputedStyle(e).color);
const cookieNames = async (page: Page) => ({
  page: (await page.evaluate(() => document.cookie))
    .split(/; */)
    .filter(Boolean)
    .map((c) => c.split('=')[0])
    .sort(),
  jar: (await page.context().cookies()).map((c) => c.name).sort(),
});
type Assent = {
  consent: {
    acceptAll(): void;
    set(c: Record<string, boolean>, method?: string): void;
    withdraw(id: string): void;
    decisions(): Record<string, { status: string; method: string }>;
  };
  enforcement: { gate: { apply(): unknown[] } };
};
const assent = <T>(page: Page, fn: (a: Assent) => T) =>
  page.evaluate(`(${fn.toString()})(window.assent)`) as Promise<Awaited<T>>;

// Document order, except `async` (an async script runs when it arrives): it is inserted in the same
// synchronous pass as `last-inline` and `late`, which therefore always run before it.
const ALL_IN_ORDER = [
  'slow',
  'inline-after-slow',
  'both',
  'ads',
  'module',
  'sri',
  'last-inline',
  'late',
  'async',
];

describe('gating in Chromium', () => {
  it('before consent: no gated script runs, nothing gated loads, no request reaches the gated host', async () => {
    const page = await open('/gated');
    await lateScriptAdded(page);
    await settle(page);
    expect(await ran(page)).toEqual([]);
    expect(toGated()).toEqual([]);
    expect(servers.gatedHits).toEqual([]);
    expect(await page.$eval('iframe', (f) => f.hasAttribute('src'))).toBe(false);
    expect(await page.$eval('#px', (i) => (i as HTMLImageElement).naturalWidth)).toBe(0);
    expect(await styledColor(page)).not.toBe('rgb(1, 2, 3)');
    // 10 scripts (including the one added later), the frame, the image and the stylesheet.
    expect(await assent(page, (a) => a.enforcement.gate.apply().length)).toBe(13);
    expect(await page.locator('.assent-placeholder').evaluate((d) => d.firstChild!.textContent)).toBe(
      'A video hosted by VideoHost, which sets its own cookies.',
    );
  });

  it('after consent: each runs once, scripts in document order, blocking ones awaited', async () => {
    const page = await open('/gated');
    await lateScriptAdded(page);
    await assent(page, (a) => a.consent.acceptAll());
    await ranAll(page);
    await settle(page, 300);
    expect(await ran(page)).toEqual(ALL_IN_ORDER);
    // Applying again, or the same consent again, runs nothing twice.
    await assent(page, (a) => {
      a.enforcement.gate.apply();
      a.consent.acceptAll();
    });
    await settle(page, 300);
    expect(await ran(page)).toEqual(ALL_IN_ORDER);
    const hits = servers.gatedHits.map((h) => h.replace(/\?.*name=([^&]+).*/, '?$1'));
    expect(hits.filter((h) => h.startsWith('/tag.js')).sort()).toEqual(
      [
        '/tag.js?async',
        '/tag.js?ads',
        '/tag.js?both',
        '/tag.js?module',
        '/tag.js?slow',
        '/tag.js?sri',
        '/tag.js?sri',
      ].sort(),
    );
    expect(hits.filter((h) => !h.startsWith('/tag.js')).sort()).toEqual([
      '/frame.html',
      '/pixel.gif',
      '/style.css',
    ]);
    expect(await page.frameLocator('iframe').locator('#inside').textContent()).toBe('third-party frame');
    expect(await page.$eval('#px', (i) => (i as HTMLImageElement).naturalWidth)).toBe(1);
    expect(await styledColor(page)).toBe('rgb(1, 2, 3)');
    expect(await page.locator('.assent-placeholder').count()).toBe(0);
  });

  it('needs every purpose a script names; a later grant runs the rest', async () => {
    const page = await open('/gated');
    await lateScriptAdded(page);
    await assent(page, (a) => a.consent.set({ analytics: true }));
    await ranAll(page);
    expect(await ran(page)).toEqual(ALL_IN_ORDER.filter((n) => n !== 'both' && n !== 'ads'));
    expect(toGated().some((u) => /name=(both|ads)|pixel|frame/.test(u))).toBe(false);
    await assent(page, (a) => a.consent.set({ ads: true }));
    await ranAll(page, 'ads');
    expect((await ran(page)).slice(-2)).toEqual(['both', 'ads']);
    expect(toGated().some((u) => u.includes('/frame.html'))).toBe(false);
  });

  it('on a return visit, stored consent runs the tags on load, once', async () => {
    const page = await open('/gated');
    await lateScriptAdded(page);
    await assent(page, (a) => a.consent.acceptAll());
    await ranAll(page);
    await page.reload({ waitUntil: 'load' });
    // Here consent exists while the page parses, so `late` (added by a timer) races the async
    // tag: wait for both, then check document order without the async tag and that it ran once.
    await ranAll(page, 'async');
    await ranAll(page, 'late');
    await settle(page, 300);
    const again = await ran(page);
    expect(again.filter((n) => n !== 'async')).toEqual(ALL_IN_ORDER.filter((n) => n !== 'async'));
    expect(again.filter((n) => n === 'async')).toEqual(['async']);
    // The async tag is inserted after the blocking ones before it, so it cannot run before them.
    expect(again.indexOf('async')).toBeGreaterThan(again.indexOf('sri'));
  });

  it('the placeholder asks for its own purpose only', async () => {
    const page = await open('/gated');
    await page.getByRole('button', { name: 'Load this content' }).click();
    await expect
      .poll(() => page.frameLocator('iframe').locator('#inside').textContent())
      .toBe('third-party frame');
    const decisions = await assent(page, (a) => a.consent.decisions());
    expect(Object.keys(decisions)).toEqual(['video']);
    expect(decisions.video!.status).toBe('given');
    await settle(page, 300);
    expect(await ran(page)).toEqual([]);
    expect(servers.gatedHits).toEqual(['/frame.html']);
  });

  it('withdrawal deletes the purpose’s cookies on every path and domain, and reloads when configured', async () => {
    // *.localhost resolves to loopback in Chromium, so the page has a parent domain to set cookies on.
    const port = new URL(servers.site).port;
    const page = await open(`http://www.shop.localhost:${port}/store/items/42`);
    await assent(page, (a) => a.consent.acceptAll());
    await ranAll(page);
    const before = await cookieNames(page);
    for (const n of ['_ga', '_ga_ABC123', '_ga_PAGE', '_fbp', 'keep_me', 'assent']) {
      expect(before.page).toContain(n);
      expect(before.jar).toContain(n);
    }
    const jar = await context.cookies();
    expect(jar.find((c) => c.name === '_ga')!.domain).toBe('.shop.localhost');
    expect(jar.find((c) => c.name === '_ga_PAGE')!.path).toBe('/store/items');
    expect(await page.evaluate(() => localStorage.getItem('_ga_ls'))).toBe('1');

    await assent(page, (a) => a.consent.withdraw('analytics'));
    const after = await cookieNames(page);
    for (const n of ['_ga', '_ga_ABC123', '_ga_PAGE']) {
      expect(after.page).not.toContain(n);
      expect(after.jar).not.toContain(n);
    }
    for (const n of ['_fbp', 'keep_me', 'assent']) expect(after.jar).toContain(n);
    expect(await page.evaluate(() => localStorage.getItem('_ga_ls'))).toBeNull();

    // ads has reloadOnWithdraw: the page reloads, and the ads tags do not come back. The reload
    // can destroy the evaluating context before `evaluate` returns; that rejection is the expected
    // outcome, anything else is not. A marker on the old window proves a new document loaded.
    await page.evaluate(() => {
      (window as unknown as { __beforeReload: boolean }).__beforeReload = true;
    });
    await Promise.all([
      page.waitForEvent('load'),
      assent(page, (a) => a.consent.withdraw('ads')).catch((e: Error) => {
        if (!/Execution context was destroyed|navigat/i.test(e.message)) throw e;
      }),
    ]);
    expect(
      await page.evaluate(() => (window as unknown as { __beforeReload?: boolean }).__beforeReload),
    ).toBeUndefined();
    expect(new URL(page.url()).pathname).toBe('/store/items/42');
    await settle(page, 500);
    const final = await cookieNames(page);
    expect(final.page).not.toContain('_fbp');
    expect(final.jar).not.toContain('_fbp');
    expect(final.jar).toContain('keep_me');
    expect(await ran(page)).toEqual([]);
  });
});

describe('gating under a strict CSP', () => {
  it('runs gated scripts that carry the nonce, and only those', async () => {
    context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    servers.gatedHits.length = 0;
    await page.goto(`${servers.site}/csp?csp`, { waitUntil: 'load' });
    expect(
      (await page.request.get(`${servers.site}/csp?csp`)).headers()['content-security-policy'],
    ).toContain("script-src 'nonce-");
    await settle(page, 300);
    expect(await ran(page)).toEqual([]);
    expect(servers.gatedHits).toEqual([]);
    // The placeholder is built with DOM calls only, so it works (and violates nothing) here too.
    await page.getByRole('button', { name: 'Load this content' }).click();
    await expect
      .poll(() => page.frameLocator('iframe').locator('#inside').textContent())
      .toBe('third-party frame');
    await assent(page, (a) => a.consent.set({ analytics: true }));
    await page.waitForFunction(() => (window as unknown as { __ran: string[] }).__ran.length >= 3);
    await settle(page, 300);
    expect(await ran(page)).toEqual(['external-nonce', 'inline-nonce', 'module-nonce']);
    expect(await styledColor(page)).toBe('rgb(1, 2, 3)');
    // The one violation is the gated script the page gave no nonce: proof the CSP is in force.
    const csp = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
    expect(csp).toEqual(['script-src-elem inline']);
  });
});
