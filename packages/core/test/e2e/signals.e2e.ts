// Google Consent Mode v2 and Global Privacy Control in real Chromium.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../../scripts/lib/chromium.js';
import { bundleLoader, type Servers, startServers } from './fixtures/servers.js';

let browser: Browser;
let servers: Servers;
let context: BrowserContext;

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

const open = async (path: string, gpc = false): Promise<Page> => {
  context = await browser.newContext();
  const page = await context.newPage();
  // Chromium sends no GPC signal of its own; this is how a browser or extension that does looks.
  if (gpc)
    await page.addInitScript(() =>
      Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {
        get: () => true,
        configurable: true,
      }),
    );
  servers.gatedHits.length = 0;
  page.on('pageerror', (e) => {
    throw e;
  });
  await page.goto(`${servers.site}${path}`, { waitUntil: 'load' });
  return page;
};
const ran = (page: Page) => page.evaluate(() => (window as unknown as { __ran: string[] }).__ran);
// biome-ignore lint/suspicious/noExplicitAny: the page's window, typed loosely on purpose.
const evaluate = <T>(page: Page, fn: (w: any) => T) =>
  page.evaluate(`(${fn.toString()})(window)`) as Promise<Awaited<T>>;

const DENIED = {
  ad_storage: 'denied',
  ad_user_data: 'denied',
  ad_personalization: 'denied',
  analytics_storage: 'denied',
  functionality_storage: 'denied',
  personalization_storage: 'denied',
  security_storage: 'denied',
};
type Call = [string, string, Record<string, unknown>?];
const calls = (page: Page) => evaluate(page, (w) => w.__calls as Call[]);

describe('Google Consent Mode v2 in Chromium', () => {
  it('issues the default before any config or event call, then updates to match each decision', async () => {
    const page = await open('/consent-mode');
    const first = await calls(page);
    expect(first[0]).toEqual(['consent', 'default', { ...DENIED, wait_for_update: 500 }]);
    expect(first.slice(1, 3)).toEqual([
      ['set', 'ads_data_redaction', true],
      ['set', 'url_passthrough', true],
    ]);
    const firstTag = first.findIndex((c) => c[0] === 'config' || c[0] === 'event' || c[0] === 'js');
    expect(firstTag).toBeGreaterThan(first.findIndex((c) => c[1] === 'default'));
    // Only the contract purpose is allowed on a first visit: its type is granted, nothing else.
    expect(first.filter((c) => c[1] === 'update')).toEqual([
      [
        'consent',
        'update',
        {
          security_storage: 'granted',
          analytics_storage: 'denied',
          ad_storage: 'denied',
          ad_user_data: 'denied',
          ad_personalization: 'denied',
        },
      ],
    ]);
    expect(first.some((c) => c[0] === 'event')).toBe(false);

    await evaluate(page, (w) => w.assent.consent.set({ analytics: true, ads: false }, 'preferences:save'));
    await page.waitForFunction(() => (window as unknown as { __ran: string[] }).__ran.includes('ga'));
    const after = await calls(page);
    const updates = after.filter((c) => c[1] === 'update');
    expect(updates.at(-1)![2]).toEqual({
      security_storage: 'granted',
      analytics_storage: 'granted',
      ad_storage: 'denied',
      ad_user_data: 'denied',
      ad_personalization: 'denied',
    });
    // The gated Google tag's event comes after the update that granted analytics.
    expect(after.findIndex((c) => c[0] === 'event' && c[1] === 'page_view')).toBeGreaterThan(
      after.lastIndexOf(updates.at(-1)!),
    );
    expect(await ran(page)).toEqual(['ga']);
    const pushed = await evaluate(page, (w) =>
      (w.dataLayer as Record<string, unknown>[]).filter((e) => e.event === 'assent_consent_update'),
    );
    expect(pushed.at(-1)).toEqual({
      event: 'assent_consent_update',
      assent_allowed: { necessary: true, analytics: true, ads: false, video: false },
      assent_decisions: { analytics: 'given', ads: 'refused' },
    });

    await evaluate(page, (w) => w.assent.consent.acceptAll());
    await page.waitForFunction(() => (window as unknown as { __ran: string[] }).__ran.includes('ads'));
    const granted = (await calls(page)).filter((c) => c[1] === 'update').at(-1)![2];
    expect(granted).toEqual({
      security_storage: 'granted',
      analytics_storage: 'granted',
      ad_storage: 'granted',
      ad_user_data: 'granted',
      ad_personalization: 'granted',
    });
  });

  it('on a return visit, updates from stored decisions right after the default, before the Google tag', async () => {
    const page = await open('/consent-mode');
    await evaluate(page, (w) => w.assent.consent.set({ analytics: true, ads: false }));
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => (window as unknown as { __ran: string[] }).__ran.includes('ga'));
    const c = await calls(page);
    expect(c.map((x) => x[0] + ' ' + (x[0] === 'js' ? '' : x[1])).slice(0, 6)).toEqual([
      'consent default',
      'set ads_data_redaction',
      'set url_passthrough',
      'consent update',
      'js ',
      'config G-TEST123',
    ]);
    expect(c[3]![2]).toMatchObject({ analytics_storage: 'granted', ad_storage: 'denied' });
    expect(await ran(page)).toEqual(['ga']);
  });

  it('defines dataLayer and the standard gtag stub when the page has none', async () => {
    const page = await open('/consent-mode-stub');
    const r = await evaluate(page, (w) => ({
      stubAtStart: w.__stubAtStart,
      first: Object.prototype.toString.call(w.dataLayer[0]),
      args: Array.from(w.dataLayer[0] as ArrayLike<unknown>),
    }));
    expect(r.stubAtStart).toBe(true);
    expect(r.first).toBe('[object Arguments]');
    expect(r.args).toEqual(['consent', 'default', { ...DENIED, wait_for_update: 500 }]);
  });
});

describe('Global Privacy Control in Chromium', () => {
  it('in an opt-out jurisdiction, refuses the sale/sharing purposes with method gpc; the rest runs', async () => {
    const page = await open('/gated?region=US-CA', true);
    await page.waitForFunction(() => (window as unknown as { __ran: string[] }).__ran.includes('async'));
    await page.waitForTimeout(300);
    const state = await evaluate(page, (w) => ({
      gpc: w.assent.enforcement.gpc,
      ads: w.assent.consent.decisions().ads,
      event: w.assent.events[0],
      jurisdiction: w.assent.consent.jurisdiction,
    }));
    expect(state.gpc).toEqual({ honoured: true, refused: ['ads'] });
    expect(state.ads).toMatchObject({ status: 'refused', method: 'gpc' });
    expect(state.event).toMatchObject({ method: 'gpc', gpc: true, jurisdiction: 'US-CA' });
    expect(state.event.purposes.ads.status).toBe('refused');
    // Opt-out model: analytics runs without a banner; ads stays blocked, and its host is never asked.
    expect(await ran(page)).not.toContain('ads');
    expect(await ran(page)).toContain('slow');
    expect(servers.gatedHits.some((h) => h.includes('name=ads') || h.includes('pixel'))).toBe(false);

    // The shopper may still opt in explicitly, and that choice survives the next page load.
    await evaluate(page, (w) => w.assent.consent.set({ ads: true }, 'preferences:save'));
    await page.waitForFunction(() => (window as unknown as { __ran: string[] }).__ran.includes('ads'));
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => (window as unknown as { __ran: string[] }).__ran.includes('ads'));
    const again = await evaluate(page, (w) => ({
      gpc: w.assent.enforcement.gpc,
      events: w.assent.events.length,
    }));
    expect(again).toEqual({ gpc: { honoured: true, refused: [] }, events: 0 });
  });

  it('without the signal, an opt-out jurisdiction runs everything by default', async () => {
    const page = await open('/gated?region=US-CA');
    await page.waitForFunction(() => (window as unknown as { __ran: string[] }).__ran.includes('async'));
    expect(await ran(page)).toContain('ads');
    expect(await evaluate(page, (w) => w.assent.enforcement.gpc)).toEqual({ honoured: false, refused: [] });
  });

  it('in an opt-in jurisdiction, changes nothing but records the signal with each decision', async () => {
    const page = await open('/gated?region=de', true);
    await page.waitForTimeout(500);
    expect(await ran(page)).toEqual([]);
    expect(servers.gatedHits).toEqual([]);
    const before = await evaluate(page, (w) => ({
      gpc: w.assent.enforcement.gpc,
      decisions: w.assent.consent.decisions(),
      jurisdiction: w.assent.consent.jurisdiction,
    }));
    expect(before).toEqual({ gpc: { honoured: false, refused: [] }, decisions: {}, jurisdiction: 'EU' });
    await evaluate(page, (w) => w.assent.consent.acceptAll());
    const event = await evaluate(page, (w) => w.assent.events[0]);
    expect(event).toMatchObject({ method: 'banner:accept-all', gpc: true, jurisdiction: 'EU' });
    expect(event.purposes.ads.status).toBe('given');
  });
});
