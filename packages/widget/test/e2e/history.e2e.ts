// The history in IndexedDB and "Download my records", and re-consent after a definition changes,
// across real reloads in Chromium.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeConfig } from '../fixtures/config.js';
import { type Harness, harness, open, sel } from './lib/browser.js';
import { storePage } from './lib/page.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
  h.server.route('/', storePage({ config: storeConfig() }));
  const changed = storeConfig();
  changed.purposes[1]!.texts.en!.description = 'Counting visits and clicks to improve the store.';
  h.server.route('/v2', storePage({ config: changed }));
});
afterAll(() => h?.close());

describe('history and re-consent in Chromium', () => {
  it('keeps the history in IndexedDB across reloads and downloads the records as JSON', async () => {
    const { page, context } = await open(h, '/');
    await page.locator(sel.action('reject-all')).click();
    await page.locator(sel.settings).click();
    await page.locator('assent-widget [data-purpose="analytics"] [role="switch"]').click();
    await page.locator(sel.action('save')).click();
    await page.reload();
    await page.locator(sel.settings).click();
    await page.locator(sel.dialog).waitFor();
    const items = page.locator('assent-widget .hist li');
    await items.nth(1).waitFor();
    expect(await items.count()).toBe(2);
    // Newest first: the save that gave analytics, then the banner's reject all.
    expect(await items.nth(0).textContent()).toContain('Site analytics \u2013 Given');
    expect(await items.nth(1).textContent()).toContain('Site analytics \u2013 Refused');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator(sel.action('download')).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^assent-records-[\w-]{22}\.json$/);
    const records = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(records.subject).toBe(await page.evaluate(() => window.assent.consent!.subject));
    expect(records.controller.name).toBe('Lotus Market');
    expect(records.decisions.analytics.status).toBe('given');
    expect(records.history.map((r: { event: { method: string } }) => r.event.method)).toEqual([
      'preferences:save',
      'banner:reject-all',
    ]);
    await context.close();
  });

  it('asks again only for the purpose whose definition changed', async () => {
    const { page, context } = await open(h, '/');
    await page.locator(sel.action('accept-all')).click();
    await page.locator(sel.banner).waitFor({ state: 'detached' });
    await page.goto(`${h.server.origin}/v2`);
    await page.locator(sel.banner).waitFor();
    expect(await page.locator(sel.banner).textContent()).toContain(
      'We changed how we use your data for: Site analytics. Please choose again for these.',
    );
    const state = await page.evaluate(() => ({
      analytics: window.assent.get('analytics')?.status,
      marketing: window.assent.get('marketing-email')?.status,
      allows: window.assent.allows('analytics'),
    }));
    expect(state).toEqual({ analytics: 'expired', marketing: 'given', allows: false });
    await context.close();
  });
});
