// Isolation and security in Chromium: a strict nonce-based CSP with zero violations, config and
// translation strings with markup shown as text, consent changed only by trusted events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileConfig, PAYLOAD, storeConfig } from '../fixtures/config.js';
import { consentCookie, type Harness, harness, open, sel } from './lib/browser.js';
import { STRICT_CSP, storePage } from './lib/page.js';

let h: Harness;
const csp = { 'content-security-policy': STRICT_CSP };
beforeAll(async () => {
  h = await harness();
  h.server.route('/strict', { body: storePage({ config: storeConfig() }), headers: csp });
  h.server.route('/strict-url', { body: storePage({ configUrl: '/assent.config.json' }), headers: csp });
  h.server.route('/assent.config.json', { body: JSON.stringify(storeConfig()), type: 'application/json' });
  h.server.route('/hostile', { body: storePage({ config: hostileConfig() }), headers: csp });
  h.server.route('/open', storePage({ config: storeConfig() }));
});
afterAll(() => h?.close());

const violations = async (page: import('playwright-core').Page) =>
  page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);

describe('security in Chromium', () => {
  for (const path of ['/strict', '/strict-url'])
    it(`runs every flow under a strict CSP with zero violations (${path})`, async () => {
      const { page, context, watch } = await open(h, path);
      await page.locator(sel.banner).waitFor();
      // Styles applied (constructable stylesheets): the banner is fixed to the bottom.
      expect(await page.locator(sel.banner).evaluate((el) => getComputedStyle(el).position)).toBe('fixed');
      await page.locator(sel.action('customize')).click();
      await page.locator(sel.dialog).waitFor();
      await page.locator(sel.action('save')).click();
      await page.locator(sel.settings).click();
      await page.locator(sel.dialog).waitFor();
      await page.keyboard.press('Escape');
      const answer = page.evaluate(() => window.assent.requestSeparate('face-payment'));
      await page.locator(sel.action('agree')).click();
      expect(await answer).toBe('given');
      expect(await violations(page)).toEqual([]);
      expect(watch.csp).toEqual([]);
      expect(watch.errors).toEqual([]);
      // The listener does see violations: an inline style attribute is one under this policy.
      await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<p style="color:red">x</p>'));
      await page.waitForFunction(() => (window as unknown as { __csp: string[] }).__csp.length > 0);
      expect((await violations(page))[0]).toMatch(/^style-src/);
      await context.close();
    });

  it('shows markup and script from config and translations as text', async () => {
    const { page, context, watch } = await open(h, '/hostile');
    await page.locator(sel.banner).waitFor();
    expect(await page.locator(`${sel.banner} .ctl`).textContent()).toBe(`Evil ${PAYLOAD}`);
    expect(await page.locator(sel.action('accept-all')).first().textContent()).toBe(`OK ${PAYLOAD}`);
    await page.locator(sel.action('customize')).click();
    await page.locator(sel.dialog).waitFor();
    expect(
      await page.locator('assent-widget [data-purpose="analytics"] .ph > :first-child').textContent(),
    ).toBe(`Stats ${PAYLOAD}`);
    expect(await page.locator('assent-widget img, assent-widget script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(h.server.requests.filter((r) => r === '/x')).toEqual([]);
    expect(await violations(page)).toEqual([]);
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it('ignores clicks made by page scripts; only the shopper or the documented API decide', async () => {
    const { page, context } = await open(h, '/open');
    await page.locator(sel.banner).waitFor();
    await page.evaluate(() => {
      const root = document.querySelector('assent-widget')!.shadowRoot!;
      (root.querySelector('[data-action="accept-all"]') as HTMLButtonElement).click();
      root
        .querySelector('[data-action="accept-all"]')!
        .dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true }));
    });
    await page.waitForTimeout(100);
    expect(await page.evaluate(() => window.assent.decisions())).toEqual({});
    expect(await consentCookie(context)).toBeUndefined();
    expect(await page.locator(sel.banner).isVisible()).toBe(true);
    // The separate dialog too.
    const answer = page.evaluate(() => window.assent.requestSeparate('face-payment'));
    await page.locator(sel.action('agree')).waitFor();
    await page.evaluate(() =>
      (
        document
          .querySelector('assent-widget')!
          .shadowRoot!.querySelector('[data-action="agree"]') as HTMLButtonElement
      ).click(),
    );
    expect(await page.evaluate(() => window.assent.allows('face-payment'))).toBe(false);
    // A real click (trusted input from the browser) works.
    await page.locator(sel.action('agree')).click();
    expect(await answer).toBe('given');
    expect(await page.evaluate(() => window.assent.allows('face-payment'))).toBe(true);
    await context.close();
  });
});
