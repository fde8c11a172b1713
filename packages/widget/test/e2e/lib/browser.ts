// Chromium for the widget's e2e tests: one browser per test file, a fresh context per test, the
// bundles built from the current source before the first test.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../../../../scripts/lib/chromium.js';
import { buildWidget } from '../../../scripts/build.js';
import { STORE_CSS, STORE_JS } from './page.js';
import { startServer, type TestServer } from './server.js';

let built: Promise<void> | undefined;

export interface Harness {
  browser: Browser;
  server: TestServer;
  close(): Promise<void>;
}

export async function harness(): Promise<Harness> {
  built ||= buildWidget('widget:browser');
  await built;
  const [browser, server] = await Promise.all([launchChromium(), startServer()]);
  server.route('/store.css', { body: STORE_CSS, type: 'text/css' });
  server.route('/store.js', { body: STORE_JS, type: 'text/javascript' });
  server.route('/favicon.ico', { body: '', type: 'image/x-icon' });
  server.route('/privacy', '<!doctype html><title>Privacy notice</title><h1>Privacy notice</h1>');
  return {
    browser,
    server,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Errors and CSP reports a page produced; checked at the end of each test. */
export interface Watch {
  errors: string[];
  csp: string[];
}

export async function open(
  h: Harness,
  path: string,
  options: Parameters<Browser['newContext']>[0] = {},
  context?: BrowserContext,
): Promise<{ page: Page; context: BrowserContext; watch: Watch }> {
  const ctx = context ?? (await h.browser.newContext(options));
  const page = await ctx.newPage();
  const watch: Watch = { errors: [], csp: [] };
  page.on('pageerror', (e) => watch.errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') watch.errors.push(m.text());
    if (/Content[- ]Security[- ]Policy/i.test(m.text())) watch.csp.push(m.text());
  });
  // Collect violations from inside the page too, from the very start.
  await page.addInitScript(() => {
    (window as unknown as { __csp: string[] }).__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  await page.goto(h.server.origin + path);
  return { page, context: ctx, watch };
}

/** Locators pierce open shadow roots; these name the widget's parts. */
export const sel = {
  banner: 'assent-widget .banner',
  dialog: 'assent-widget [role="dialog"]',
  action: (a: string) => `assent-widget [data-action="${a}"]`,
  settings: 'assent-settings button',
};

/** The `assent` cookie's value, or undefined. */
export async function consentCookie(ctx: BrowserContext): Promise<string | undefined> {
  return (await ctx.cookies()).find((c) => c.name === 'assent')?.value;
}

declare global {
  interface Window {
    assent: import('@assent/widget').AssentApi;
  }
}

/**
 * Before asserting that something did not happen: the loader is ready, the page has been idle
 * (the loader defers optional work to an idle callback), and the requests that work would have
 * sent have had time to arrive. Better than a bare sleep on a loaded machine.
 */
export async function settled(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await window.assent.ready;
    await new Promise((r) => requestIdleCallback(r, { timeout: 3000 }));
  });
  await page.waitForTimeout(200);
}
