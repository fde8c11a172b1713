// `pnpm screenshots`: the README's pictures, taken from the real demo in Chromium. Starts the demo
// (ledger on an in-memory SQLite database + storefront, free ports), photographs the first-visit
// banner and the preference center, records a few decisions from separate browser contexts so the
// dashboard has something to show, then photographs the dashboard. Writes docs/assets/*.png.
// Chinese text needs a CJK font on the machine (Debian: fonts-wqy-zenhei).
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startDemo } from '../examples/storefront/src/index.js';
import { launchChromium } from './lib/chromium.js';

const out = fileURLToPath(new URL('../docs/assets/', import.meta.url));
mkdirSync(out, { recursive: true });

const demo = await startDemo({ storefrontPort: 0, ledgerPort: 0, dataDir: ':memory:' });
const browser = await launchChromium();
try {
  const viewport = { width: 1280, height: 800 };
  // Reduced motion: the pictures show the settled UI, not a frame of its fade-in.
  const reducedMotion = 'reduce' as const;

  // First visit: the banner, in English.
  const first = await browser.newContext({ viewport, reducedMotion, locale: 'en-US' });
  const page = await first.newPage();
  await page.goto(`${demo.storefrontUrl}/?lang=en`);
  const banner = page.getByRole('button', { name: 'Reject all' });
  await banner.waitFor({ state: 'visible', timeout: 20_000 });
  await page.screenshot({ path: `${out}banner.png` });
  await page.getByRole('button', { name: 'Customize' }).click();
  await page.getByRole('button', { name: 'Save' }).first().waitFor({ state: 'visible' });
  await page.screenshot({ path: `${out}preferences.png` });
  await first.close();

  // A handful of shoppers deciding, so the dashboard's charts have data.
  for (const choice of ['Accept all', 'Reject all', 'Accept all', 'Reject all', 'Accept all']) {
    const ctx = await browser.newContext({ viewport, reducedMotion, locale: 'en-US' });
    const p = await ctx.newPage();
    await p.goto(`${demo.storefrontUrl}/?lang=en`);
    const button = p.getByRole('button', { name: choice });
    await button.waitFor({ state: 'visible', timeout: 20_000 });
    await button.click();
    // The decision reaches the ledger from the outbox; wait for its receipt cookie.
    await p.waitForFunction(() => document.cookie.includes('assent_receipt='), undefined, {
      timeout: 20_000,
    });
    await ctx.close();
  }

  // The ledger signs a tree head within a second of new entries: wait until the latest covers the
  // whole log, so the picture does not show a tree head behind the log size.
  const logSize = 5;
  for (let t = Date.now(); ; ) {
    const sth = (await (await fetch(`${demo.ledgerUrl}/v1/log/sth`)).json()) as { treeSize: number };
    if (sth.treeSize >= logSize) break;
    if (Date.now() - t > 20_000) throw new Error(`the signed tree head stayed at ${sth.treeSize}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  const dash = await browser.newContext({ viewport: { width: 1280, height: 1100 }, locale: 'en-US' });
  const d = await dash.newPage();
  await d.goto(`${demo.dashboardUrl}?lang=en#token=${demo.adminToken}`);
  await d.waitForSelector('canvas', { timeout: 20_000 });
  await d.waitForTimeout(500);
  await d.screenshot({ path: `${out}dashboard.png`, fullPage: true });
  await dash.close();
  console.log(`wrote ${out}banner.png, preferences.png, dashboard.png`);
} finally {
  await browser.close();
  await demo.close();
}
