// The first layer in Chromium: equal prominence measured from computed styles and boxes, no
// layout shift, non-modal, closing records nothing, keyboard use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeConfig } from '../fixtures/config.js';
import { consentCookie, type Harness, harness, open, sel } from './lib/browser.js';
import { contrast } from './lib/contrast.js';
import { NONCE, storePage } from './lib/page.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
  h.server.route('/', storePage({ config: storeConfig() }));
  h.server.route('/zh', storePage({ config: storeConfig(), lang: 'zh-CN' }));
  // A long page with no room below its last link (the store page keeps 12rem free at its end).
  const para = '<p>Longjing from the hills west of Hangzhou, picked in early spring.</p>';
  h.server.route(
    '/long',
    `<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>Lotus Market</title><script type="application/json" data-assent-config>${JSON.stringify(storeConfig())}</script><script nonce="${NONCE}" src="/assent/assent.js" data-floating-button="off"></script></head><body style="margin:0"><main>${para.repeat(30)}<p><a id="mid" href="/tea">Tea</a></p>${para.repeat(30)}</main><footer><a id="last" href="/terms">Terms of sale</a></footer></body></html>`,
  );
});
afterAll(() => h?.close());

const STYLE_KEYS = [
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'color',
  'background-color',
  'border-top-width',
  'border-top-color',
  'border-top-style',
  'padding-top',
  'padding-left',
  'text-decoration-line',
  'text-transform',
  'opacity',
] as const;

describe('banner in Chromium', () => {
  for (const [path, lang] of [
    ['/', 'en'],
    ['/zh', 'zh-CN'],
  ] as const)
    it(`gives Accept all, Reject all and Customize equal prominence (${lang})`, async () => {
      const { page, context } = await open(h, path);
      await page.locator(sel.banner).waitFor();
      const buttons = await page.locator(`${sel.banner} .actions > *`).evaluateAll(
        (els, keys) => {
          return els.map((el) => {
            const cs = getComputedStyle(el);
            const box = el.getBoundingClientRect();
            return {
              action: el.getAttribute('data-action'),
              tag: el.tagName,
              style: Object.fromEntries(keys.map((k) => [k, cs.getPropertyValue(k)])),
              width: box.width,
              height: box.height,
              top: box.top,
            };
          });
        },
        STYLE_KEYS as unknown as string[],
      );
      expect(buttons.map((b) => b.action)).toEqual(['accept-all', 'reject-all', 'customize']);
      const [a, ...rest] = buttons;
      for (const b of rest) {
        expect(b.tag).toBe(a!.tag);
        expect(b.style).toEqual(a!.style);
        expect(Math.abs(b.width - a!.width)).toBeLessThan(1);
        expect(Math.abs(b.height - a!.height)).toBeLessThan(1);
        expect(b.top).toBe(a!.top);
      }
      expect(a!.height).toBeGreaterThanOrEqual(44);
      expect(contrast(a!.style.color!, a!.style['background-color']!)).toBeGreaterThanOrEqual(4.5);
      await context.close();
    });

  it('causes no layout shift (CLS 0) and leaves the store usable', async () => {
    const { page, context } = await open(h, '/');
    await page.locator(sel.banner).waitFor();
    await page.waitForTimeout(500);
    const cls = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          let sum = 0;
          new PerformanceObserver((list) => {
            for (const e of list.getEntries() as (PerformanceEntry & {
              value: number;
              hadRecentInput: boolean;
            })[])
              if (!e.hadRecentInput) sum += e.value;
          }).observe({ type: 'layout-shift', buffered: true });
          setTimeout(() => resolve(sum), 200);
        }),
    );
    expect(cls).toBe(0);
    // The measurement itself works: pushing the page down is seen as a shift.
    const control = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          let sum = 0;
          new PerformanceObserver((list) => {
            for (const e of list.getEntries() as (PerformanceEntry & { value: number })[]) sum += e.value;
          }).observe({ type: 'layout-shift' });
          const d = document.createElement('div');
          d.style.height = '200px';
          document.querySelector('main')!.prepend(d);
          setTimeout(() => resolve(sum), 300);
        }),
    );
    expect(control).toBeGreaterThan(0);
    // Non-modal: the page behind it keeps working while it is shown.
    await page.locator('#buy').click();
    expect(await page.locator('#cart').textContent()).toBe('1');
    expect(await page.locator(sel.banner).isVisible()).toBe(true);
    await context.close();
  });

  it('records nothing when closed', async () => {
    const { page, context } = await open(h, '/');
    await page.locator(`${sel.banner} .x`).click();
    await page.locator(sel.banner).waitFor({ state: 'detached' });
    expect(await consentCookie(context)).toBeUndefined();
    expect(await page.evaluate(() => Object.keys(window.assent.decisions()))).toEqual([]);
    await page.reload();
    await page.locator(sel.banner).waitFor();
    await context.close();
  });

  it('runs the whole preference flow from the keyboard, ending on the settings button', async () => {
    const { page, context } = await open(h, '/');
    await page.locator(sel.banner).waitFor();
    const focused = () =>
      page.evaluate(() => {
        let a = document.activeElement;
        while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
        return {
          action: a?.getAttribute('data-action') ?? '',
          role: a?.getAttribute('role') ?? '',
          purpose: a?.closest('[data-purpose]')?.getAttribute('data-purpose') ?? '',
        };
      });
    const tabTo = async (match: (f: Awaited<ReturnType<typeof focused>>) => boolean) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        if (match(await focused())) return;
      }
      throw new Error('not reached by Tab');
    };
    await tabTo((f) => f.action === 'customize');
    await page.keyboard.press('Enter');
    await page.locator(sel.dialog).waitFor();
    await tabTo((f) => f.role === 'switch' && f.purpose === 'analytics');
    await page.keyboard.press('Space');
    expect(
      await page
        .locator('assent-widget [data-purpose="analytics"] [role="switch"]')
        .getAttribute('aria-checked'),
    ).toBe('true');
    await tabTo((f) => f.action === 'save');
    await page.keyboard.press('Enter');
    await page.locator(sel.dialog).waitFor({ state: 'detached' });
    expect(await page.evaluate(() => window.assent.get('analytics')?.status)).toBe('given');
    expect(await page.evaluate(() => window.assent.get('marketing-email')?.status)).toBe('refused');
    await page.waitForFunction(() => document.activeElement?.localName === 'assent-settings');
    // The settings button reopens it with one key press.
    await page.keyboard.press('Enter');
    await page.locator(sel.dialog).waitFor();
    await context.close();
  });

  it('comes first in the Tab order and works from the keyboard with visible focus', async () => {
    const { page, context } = await open(h, '/');
    await page.locator(sel.banner).waitFor();
    const focused = async () =>
      page.evaluate(() => {
        let a = document.activeElement;
        while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
        const cs = a ? getComputedStyle(a) : undefined;
        return {
          text: a?.textContent ?? '',
          action: a?.getAttribute('data-action') ?? null,
          outline: cs ? `${cs.outlineStyle} ${cs.outlineWidth}` : '',
        };
      });
    await page.keyboard.press('Tab');
    expect((await focused()).text).toBe('Read the full privacy notice');
    await page.keyboard.press('Tab');
    const accept = await focused();
    expect(accept.action).toBe('accept-all');
    expect(accept.outline).toBe('solid 3px');
    await page.keyboard.press('Tab');
    expect((await focused()).action).toBe('reject-all');
    await page.keyboard.press('Enter');
    await page.locator(sel.banner).waitFor({ state: 'detached' });
    expect(await page.evaluate(() => window.assent.get('analytics')?.status)).toBe('refused');
    await context.close();
  });

  it('never hides what Tab focuses on the page under the banner (WCAG 2.4.11), and gives the page back after', async () => {
    const { page, context, watch } = await open(h, '/long', { viewport: { width: 390, height: 800 } });
    await page.locator(sel.banner).waitFor();
    const hidden = (id: string) =>
      page.evaluate((id) => {
        const r = document.getElementById(id)!.getBoundingClientRect();
        return (
          document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)?.localName === 'assent-widget'
        );
      }, id);
    const tabTo = async (id: string) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate((id) => document.activeElement?.id === id, id)) return;
      }
      throw new Error(`${id} not reached by Tab`);
    };
    await tabTo('mid');
    expect(await hidden('mid')).toBe(false);
    // The last link of the page: without room at the end it could not scroll out from under it.
    await tabTo('last');
    expect(await hidden('last')).toBe(false);
    await page.locator(sel.action('reject-all')).click();
    await page.locator(sel.banner).waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.documentElement.style.scrollPaddingBottom)).toBe('');
    expect(await page.evaluate(() => document.body.lastElementChild?.localName)).toBe('footer');
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it('keeps focus in the preference center after Withdraw all by keyboard; Escape then closes it', async () => {
    const { page, context } = await open(h, '/');
    await page.locator(sel.action('accept-all')).click();
    await page.locator(sel.banner).waitFor({ state: 'detached' });
    await page.locator(sel.settings).focus();
    await page.keyboard.press('Enter');
    await page.locator(sel.dialog).waitFor();
    await page.locator(sel.action('withdraw-all')).focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.assent.get('analytics')?.status === 'withdrawn');
    await page.locator(sel.action('withdraw-all')).waitFor({ state: 'detached' });
    const inDialog = () =>
      page.evaluate(() => {
        let a = document.activeElement;
        while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
        return !!a?.closest('[role="dialog"]');
      });
    expect(await inDialog()).toBe(true);
    await page.keyboard.press('Escape');
    await page.locator(sel.dialog).waitFor({ state: 'detached' });
    await context.close();
  });
});
