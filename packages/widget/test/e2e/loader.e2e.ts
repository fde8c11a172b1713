// The script-tag loader in Chromium: what is downloaded when, the API, Consent Mode, gating and
// withdrawal with immediate effect.
import { policyHash, purposeHashes } from '@assent/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeConfig } from '../fixtures/config.js';
import { consentCookie, type Harness, harness, open, sel, settled } from './lib/browser.js';
import { storePage } from './lib/page.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
  const config = storeConfig();
  h.server.route('/', storePage({ config }));
  h.server.route('/by-url', storePage({ configUrl: '/assent.config.json' }));
  h.server.route('/assent.config.json', { body: JSON.stringify(config), type: 'application/json' });
  h.server.route(
    '/gtag-first',
    storePage({ config, head: '<script nonce="bm9uY2UtZm9yLXRlc3Rz" src="/fake-gtag.js"></script>' }),
  );
  // data-config: without `data-consent-mode` the default waits for the config, and a config
  // without a `consentMode` block leaves gtag alone; with it the default precedes every tag.
  const plain = storeConfig();
  delete plain.consentMode;
  h.server.route('/plain.config.json', { body: JSON.stringify(plain), type: 'application/json' });
  const gtagFirst = '<script nonce="bm9uY2UtZm9yLXRlc3Rz" src="/fake-gtag.js"></script>';
  h.server.route('/by-url-plain', storePage({ configUrl: '/plain.config.json', head: gtagFirst }));
  h.server.route(
    '/twice',
    // As a page that followed an example literally: a second tag further down the page.
    storePage({
      config,
      main: '<a href="/privacy" data-assent-open>Privacy settings</a><script nonce="bm9uY2UtZm9yLXRlc3Rz" src="/assent/assent.js" data-floating-button="off"></script>',
    }),
  );
  h.server.route('/by-url-gtag', storePage({ configUrl: '/assent.config.json', head: gtagFirst }));
  h.server.route(
    '/by-url-early',
    storePage({ configUrl: '/assent.config.json', attrs: 'data-consent-mode', head: gtagFirst }),
  );
  h.server.route('/fake-gtag.js', {
    type: 'text/javascript',
    // Google's snippet: its own dataLayer and gtag unless the page has them already.
    body: "window.dataLayer = window.dataLayer || []; window.gtag = window.gtag || function () { dataLayer.push(arguments); }; gtag('config', 'G-TEST'); gtag('event', 'page_view');",
  });
  h.server.route(
    '/gated',
    storePage({
      config,
      main: `<script type="text/plain" data-assent="analytics" data-src="/stats.js" nonce="bm9uY2UtZm9yLXRlc3Rz"></script>`,
    }),
  );
  h.server.route(
    '/embed',
    storePage({
      config,
      main: '<iframe title="Tea harvest video" data-assent="analytics" data-src="/video.html" data-assent-placeholder="This video counts views."></iframe>',
    }),
  );
  h.server.route(
    '/embed-zh',
    storePage({
      config,
      lang: 'zh-CN',
      main: '<iframe title="茶园视频" data-assent="analytics" data-src="/video.html" data-assent-placeholder="此视频统计观看次数。"></iframe>',
    }),
  );
  h.server.route('/video.html', '<!doctype html><title>video</title><p>video</p>');
  h.server.route('/stats.js', {
    type: 'text/javascript',
    body: "window.statsRuns = (window.statsRuns || 0) + 1; document.cookie = '_stats=1; path=/'; document.cookie = '_stats_id=2; path=/';",
  });
});
afterAll(() => h?.close());

const uiRequests = () => h.server.requests.filter((r) => r.includes('assent-ui.js')).length;

describe('loader in Chromium', () => {
  it('first visit: loads the UI and shows the banner; a returning visitor downloads the loader only', async () => {
    const start = h.server.requests.length;
    const { page, context, watch } = await open(h, '/');
    await page.locator(sel.banner).waitFor();
    expect(uiRequests()).toBe(1);
    await page.locator(sel.action('reject-all')).click();
    await page.locator(sel.banner).waitFor({ state: 'detached' });
    expect(await consentCookie(context)).toMatch(/^1\./);
    const before = h.server.requests.length;
    await page.reload();
    await page.waitForFunction(
      () => (window as unknown as { assent?: { consent?: unknown } }).assent?.consent,
    );
    await settled(page);
    const after = h.server.requests.slice(before);
    expect(after.some((r) => r.includes('assent.js'))).toBe(true);
    expect(after.some((r) => r.includes('assent-ui.js'))).toBe(false);
    // With Web Crypto (a secure context), the JavaScript SHA-256 is never fetched.
    expect(h.server.requests.slice(start).some((r) => r.includes('assent-sha256.js'))).toBe(false);
    expect(await page.locator('assent-widget').count()).toBe(0);
    expect(await page.evaluate(() => window.assent.allows('analytics'))).toBe(false);
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it('reads the config from data-config', async () => {
    const { page, context } = await open(h, '/by-url');
    await page.locator(sel.banner).waitFor();
    expect(h.server.requests).toContain('/assent.config.json');
    expect(await page.locator(`${sel.banner} .ctl`).textContent()).toBe('Lotus Market');
    await context.close();
  });

  it('issues the Consent Mode default before any Google tag call, and updates after decisions', async () => {
    const { page, context } = await open(h, '/gtag-first');
    const calls = async () =>
      page.evaluate(() =>
        (window as unknown as { dataLayer: unknown[] }).dataLayer
          .filter((a) => typeof (a as { length?: number }).length === 'number')
          .map((a) => JSON.parse(JSON.stringify([...(a as unknown[])]))),
      );
    const first = await calls();
    expect(first[0]?.[0]).toBe('consent');
    expect(first[0]?.[1]).toBe('default');
    expect(first[0]?.[2].ad_storage).toBe('denied');
    expect(first.findIndex((c) => c[0] === 'config')).toBeGreaterThan(0);
    await page.locator(sel.action('accept-all')).click();
    const last = (await calls()).at(-1);
    expect(last?.[1]).toBe('update');
    expect(last?.[2].analytics_storage).toBe('granted');
    expect(last?.[2].ad_storage).toBe('denied');
    await context.close();
  });

  it('runs once when the loader tag is on the page twice: one widget, one banner, one floating button', async () => {
    const { page, context, watch } = await open(h, '/twice');
    await page.locator(sel.banner).waitFor();
    await page.locator(sel.action('reject-all')).click();
    await page.locator(sel.settings).waitFor();
    expect(await page.locator('assent-widget').count()).toBe(1);
    expect(await page.locator('assent-settings').count()).toBe(1);
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it('data-config: a config without consentMode leaves gtag alone, before and after a decision', async () => {
    const { page, context } = await open(h, '/by-url-plain');
    await page.locator(sel.banner).waitFor();
    await page.locator(sel.action('accept-all')).click();
    await page.waitForFunction(() => window.assent.allows('analytics'));
    const consent = await page.evaluate(() =>
      (window as unknown as { dataLayer: ArrayLike<unknown>[] }).dataLayer
        .filter((a) => a[0] === 'consent')
        .map((a) => JSON.stringify([...(a as unknown[])])),
    );
    expect(consent).toEqual([]);
    await context.close();
  });

  it('data-config: the default waits for a config with consentMode, unless data-consent-mode asks for it first', async () => {
    const kinds = (page: import('playwright-core').Page) =>
      page.evaluate(() =>
        (window as unknown as { dataLayer: ArrayLike<unknown>[] }).dataLayer
          .filter((a) => typeof a.length === 'number')
          .map((a) => `${a[0]}:${a[1]}`),
      );
    // Without the attribute the tag's own calls come first; the default follows with the config.
    let { page, context } = await open(h, '/by-url-gtag');
    await page.locator(sel.banner).waitFor();
    let seen = await kinds(page);
    expect(seen.indexOf('consent:default')).toBeGreaterThan(seen.indexOf('config:G-TEST'));
    await context.close();
    ({ page, context } = await open(h, '/by-url-early'));
    await page.locator(sel.banner).waitFor();
    seen = await kinds(page);
    expect(seen[0]).toBe('consent:default');
    expect(seen.indexOf('config:G-TEST')).toBeGreaterThan(0);
    await page.locator(sel.action('accept-all')).click();
    await page.waitForFunction(() =>
      (window as unknown as { dataLayer: ArrayLike<unknown>[] }).dataLayer.some(
        (a) => a[0] === 'consent' && a[1] === 'update',
      ),
    );
    await context.close();
  });

  it('runs gated scripts only after consent and clears their cookies on withdrawal, in two clicks', async () => {
    const { page, context } = await open(h, '/gated');
    await page.locator(sel.banner).waitFor();
    expect(h.server.requests.filter((r) => r === '/stats.js')).toHaveLength(0);
    expect(
      await page.evaluate(() => (window as unknown as { statsRuns?: number }).statsRuns),
    ).toBeUndefined();
    await page.locator(sel.action('accept-all')).click();
    await page.waitForFunction(() => (window as unknown as { statsRuns?: number }).statsRuns === 1);
    expect((await context.cookies()).map((c) => c.name).sort()).toEqual(['_stats', '_stats_id', 'assent']);
    // Withdraw: one click opens the preference center, one more withdraws everything.
    await page.locator(sel.settings).click();
    await page.locator(sel.action('withdraw-all')).click();
    await page.waitForFunction(() => !document.cookie.includes('_stats'));
    expect((await context.cookies()).map((c) => c.name)).toEqual(['assent']);
    expect(await page.evaluate(() => window.assent.get('analytics')?.status)).toBe('withdrawn');
    const update = await page.evaluate(() => {
      const dl = (window as unknown as { dataLayer: unknown[] }).dataLayer;
      return [
        ...(dl.filter((a) => typeof (a as { length?: number }).length === 'number').at(-1) as unknown[]),
      ];
    });
    expect(update[1]).toBe('update');
    expect((update[2] as Record<string, string>).analytics_storage).toBe('denied');
    // The gated script ran exactly once.
    expect(await page.evaluate(() => (window as unknown as { statsRuns?: number }).statsRuns)).toBe(1);
    await context.close();
  });

  it('asks for one purpose from a "Load this content" placeholder, then loads the frame', async () => {
    const { page, context } = await open(h, '/embed');
    await page.locator(`${sel.banner} .x`).click();
    const box = page.locator('.assent-placeholder');
    expect(await box.textContent()).toContain('This video counts views.');
    expect(await box.locator('button').textContent()).toBe('Load this content');
    expect(h.server.requests).not.toContain('/video.html');
    await box.locator('button').click();
    expect(await page.locator('assent-widget #assent-st').textContent()).toBe('Your consent: Site analytics');
    await page.locator(sel.action('agree')).click();
    await page.waitForFunction(() => document.querySelector('iframe')?.getAttribute('src') === '/video.html');
    await page.frameLocator('iframe').locator('p').waitFor();
    expect(h.server.requests).toContain('/video.html');
    expect(await page.locator('.assent-placeholder').count()).toBe(0);
    expect(await page.evaluate(() => Object.keys(window.assent.decisions()))).toEqual(['analytics']);
    // Answered in the one-purpose dialog, not in the preference center.
    expect(await page.evaluate(() => window.assent.get('analytics')?.method)).toBe('separate:dialog');
    await context.close();
  });

  it("labels the placeholder in the page's language", async () => {
    const { page, context } = await open(h, '/embed-zh');
    await page.locator(sel.banner).waitFor();
    expect(await page.locator('.assent-placeholder button').textContent()).toBe('加载此内容');
    await context.close();
  });

  it('opens the preference center from a [data-assent-open] link and exposes the API', async () => {
    const { page, context } = await open(h, '/');
    await page.locator(sel.banner).waitFor();
    await page.locator('a[data-assent-open]').click();
    await page.locator(sel.dialog).waitFor();
    expect(page.url()).not.toContain('#privacy');
    await page.keyboard.press('Escape');
    await page.locator(sel.dialog).waitFor({ state: 'detached' });
    const result = await page.evaluate(async () => {
      const seen: string[] = [];
      window.assent.on('change', (c) => seen.push(`${c.method}:${c.changed.join(',')}`));
      await window.assent.set({ analytics: true });
      return { seen, allows: window.assent.allows('analytics'), version: window.assent.version };
    });
    expect(result.seen).toEqual(['api:analytics']);
    expect(result.allows).toBe(true);
    expect(result.version).toMatch(/^\d+\.\d+\.\d+/);
    await context.close();
  });

  it('return visit: only the loader; a decision through the API loads the module and is recorded', async () => {
    const { page, context, watch } = await open(h, '/gated');
    await page.locator(sel.action('reject-all')).click();
    await page.locator(sel.banner).waitFor({ state: 'detached' });
    const before = h.server.requests.length;
    await page.reload();
    await page.waitForFunction(() => window.assent.consent !== undefined);
    await settled(page);
    expect(h.server.requests.slice(before).filter((r) => r.includes('assent-ui.js'))).toEqual([]);
    expect(await page.evaluate(() => window.assent.allows('analytics'))).toBe(false);
    const change = await page.evaluate(async () => {
      const c = await window.assent.acceptAll();
      return { method: c?.method, changed: c?.changed, status: window.assent.get('analytics')?.status };
    });
    expect(change).toEqual({ method: 'api', changed: ['analytics', 'marketing-email'], status: 'given' });
    expect(h.server.requests.slice(before).filter((r) => r.includes('assent-ui.js'))).toHaveLength(1);
    await page.waitForFunction(() => (window as unknown as { statsRuns?: number }).statsRuns === 1);
    expect(await consentCookie(context)).toMatch(/\|analytics:g5/);
    // The next page applies it from the loader alone, and runs the tag at once.
    const again = h.server.requests.length;
    await page.reload();
    await page.waitForFunction(() => (window as unknown as { statsRuns?: number }).statsRuns === 1);
    expect(h.server.requests.slice(again).filter((r) => r.includes('assent-ui.js'))).toEqual([]);
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it('without Web Crypto (plain http), hashes definitions with the lazily loaded JavaScript SHA-256', async () => {
    const context = await h.browser.newContext();
    await context.addInitScript(() => {
      Object.defineProperty(Crypto.prototype, 'subtle', { get: () => undefined, configurable: true });
    });
    const before = h.server.requests.length;
    const { page, watch } = await open(h, '/gated', {}, context);
    expect(await page.evaluate(() => crypto.subtle)).toBeUndefined();
    await page.locator(sel.action('accept-all')).click();
    await page.waitForFunction(() => (window as unknown as { statsRuns?: number }).statsRuns === 1);
    const hashes = await page.evaluate(() => window.assent.consent?.hashes);
    expect(hashes).toEqual(purposeHashes(storeConfig()));
    // Fetched once, from next to assent-ui.js, only because Web Crypto is missing here.
    expect(h.server.requests.slice(before).filter((r) => r.includes('assent-sha256.js'))).toHaveLength(1);
    const policy = await page.evaluate(
      () => (window.assent.consent as unknown as { policy: { hash: string } }).policy,
    );
    expect(policy.hash).toBe(policyHash(storeConfig()));
    await page.reload();
    await page.waitForFunction(() => (window as unknown as { statsRuns?: number }).statsRuns === 1);
    expect(await page.evaluate(() => window.assent.get('analytics')?.status)).toBe('given');
    expect(watch.errors).toEqual([]);
    await context.close();
  });
});
