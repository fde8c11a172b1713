// WCAG 2.2 AA in Chromium: axe-core finds no violations in the banner, the preference center or
// the separate-consent dialog (English, Chinese, Arabic); right-to-left layout; 200% zoom;
// reduced motion; contrast of every text in the widget.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arabicConfig, storeConfig } from '../fixtures/config.js';
import { type Harness, harness, open, sel } from './lib/browser.js';
import { contrast } from './lib/contrast.js';
import { storePage } from './lib/page.js';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let h: Harness;
beforeAll(async () => {
  h = await harness();
  h.server.route('/', storePage({ config: storeConfig() }));
  h.server.route('/zh', storePage({ config: storeConfig(), lang: 'zh-CN' }));
  h.server.route('/ar', storePage({ config: arabicConfig(), lang: 'ar' }));
  // An Arabic config that leaves the floating button's label to the built-in English one.
  const plain = arabicConfig();
  delete (plain.ui!.texts.ar as Partial<Record<string, string>>).settings;
  delete (plain.ui!.texts.en as Partial<Record<string, string>> | undefined)?.settings;
  h.server.route('/ar-en-label', storePage({ config: plain, lang: 'ar' }));
});
afterAll(() => h?.close());

interface AxeResult {
  violations: { id: string; impact: string; nodes: { target: unknown; failureSummary: string }[] }[];
  passes: { id: string }[];
}

/** Run axe-core against the widget's shadow tree only, once its fade-in has finished. */
async function axe(page: Page): Promise<AxeResult> {
  await page.waitForFunction(
    () => document.querySelector('assent-widget')!.shadowRoot!.getAnimations().length === 0,
  );
  await page.evaluate(AXE);
  return page.evaluate(async (tags) => {
    const w = window as unknown as { axe: { run: (ctx: unknown, o: unknown) => Promise<AxeResult> } };
    const r = await w.axe.run(
      {
        include: [
          { fromShadowDom: ['assent-widget', '.r'] },
          { fromShadowDom: ['assent-settings', 'button'] },
        ],
      },
      { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations', 'passes'] },
    );
    return {
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
      })),
      passes: r.passes.map((p) => ({ id: p.id })),
    };
  }, TAGS);
}

describe('accessibility in Chromium', () => {
  for (const path of ['/', '/zh', '/ar'])
    it(`axe finds no violations in the banner, preference center and dialog (${path})`, async () => {
      const { page, context } = await open(h, path);
      await page.locator(sel.banner).waitFor();
      const banner = await axe(page);
      expect(banner.violations).toEqual([]);
      // The checks that matter ran, rather than passing vacuously.
      expect(banner.passes.map((p) => p.id)).toEqual(
        expect.arrayContaining(['color-contrast', 'button-name']),
      );
      await page.locator(sel.action('customize')).click();
      await page.locator(sel.dialog).waitFor();
      const prefs = await axe(page);
      expect(prefs.violations).toEqual([]);
      expect(prefs.passes.map((p) => p.id)).toEqual(
        expect.arrayContaining([
          'aria-required-attr',
          'aria-valid-attr-value',
          'button-name',
          'color-contrast',
        ]),
      );
      await page.keyboard.press('Escape');
      await page.evaluate(() => void window.assent.requestSeparate('face-payment'));
      await page.locator(sel.dialog).waitFor();
      const dialog = await axe(page);
      expect(dialog.violations).toEqual([]);
      await context.close();
    });

  it('lays Arabic out right to left', async () => {
    const { page, context } = await open(h, '/ar');
    await page.locator(sel.banner).waitFor();
    const layout = await page.locator(`${sel.banner}`).evaluate((el) => {
      const root = el.closest('.r')!;
      const xs = [...el.querySelectorAll('.actions > *')].map((b) => b.getBoundingClientRect().left);
      const close = el.querySelector('.x')!.getBoundingClientRect();
      const box = el.getBoundingClientRect();
      return {
        dir: root.getAttribute('dir'),
        direction: getComputedStyle(el).direction,
        textAlign: getComputedStyle(el.querySelector('p')!).textAlign,
        xs,
        closeOnLeft: close.left - box.left < box.right - close.right,
      };
    });
    expect(layout.dir).toBe('rtl');
    expect(layout.direction).toBe('rtl');
    expect(layout.textAlign).toBe('start');
    // The first button (Accept all) is the rightmost: reading order runs right to left.
    expect(layout.xs[0]).toBeGreaterThan(layout.xs[1]!);
    expect(layout.xs[1]).toBeGreaterThan(layout.xs[2]!);
    expect(layout.closeOnLeft).toBe(true);
    // The floating button steps aside while the banner shows (it would cover its buttons).
    await page.locator(sel.settings).waitFor({ state: 'hidden' });
    await page.locator(`${sel.banner} .x`).click();
    await page.locator(sel.settings).waitFor();
    expect(await page.locator(sel.settings).textContent()).toBe('إعدادات الخصوصية');
    const button = await page.locator(sel.settings).boundingBox();
    expect(button!.x).toBeGreaterThan(640);
    await context.close();
  });

  it('keeps the floating button at the end of a right-to-left page even with the English label', async () => {
    const { page, context } = await open(h, '/ar-en-label');
    await page.locator(`${sel.banner} .x`).click();
    await page.locator(sel.settings).waitFor();
    expect(await page.locator(sel.settings).textContent()).toContain('Privacy settings');
    const button = await page.locator(sel.settings).boundingBox();
    expect(button!.x).toBeGreaterThan(640);
    await context.close();
  });

  it('stays usable at 200% zoom: no horizontal scrolling, every control reachable', async () => {
    // 200% zoom of a 1280x720 window is a 640x360 CSS-pixel viewport.
    const { page, context } = await open(h, '/', {
      viewport: { width: 640, height: 360 },
      deviceScaleFactor: 2,
    });
    await page.locator(sel.banner).waitFor();
    const fits = async (s: string) =>
      page.locator(s).evaluate((el) => ({
        scrollWidth: el.scrollWidth,
        clientWidth: el.clientWidth,
        fitsHeight: el.getBoundingClientRect().height <= window.innerHeight + 1,
      }));
    const banner = await fits(sel.banner);
    expect(banner.scrollWidth).toBeLessThanOrEqual(banner.clientWidth);
    expect(banner.fitsHeight).toBe(true);
    for (const a of ['accept-all', 'reject-all', 'customize']) {
      await page.locator(sel.action(a)).scrollIntoViewIfNeeded();
      expect(await page.locator(sel.action(a)).isVisible()).toBe(true);
    }
    await page.locator(sel.action('customize')).click();
    const modal = await fits(`${sel.dialog}`);
    expect(modal.scrollWidth).toBeLessThanOrEqual(modal.clientWidth);
    expect(modal.fitsHeight).toBe(true);
    await page.locator(sel.action('save')).scrollIntoViewIfNeeded();
    await page.locator(sel.action('save')).click();
    await page.locator(sel.dialog).waitFor({ state: 'detached' });
    expect(await page.evaluate(() => window.assent.get('analytics')?.status)).toBe('refused');
    await context.close();
  });

  it('reflows at 400% zoom: the preference center and the dialog need no horizontal scrolling', async () => {
    // 400% zoom of a 1280x720 window is a 320x180 CSS-pixel viewport (WCAG 1.4.10).
    for (const path of ['/', '/zh']) {
      const { page, context } = await open(h, path, { viewport: { width: 320, height: 180 } });
      await page.locator(`${sel.banner} .x`).click();
      await page.evaluate(() => window.assent.open());
      await page.locator(sel.dialog).waitFor();
      const wide = () =>
        page.evaluate(() =>
          [...document.querySelector('assent-widget')!.shadowRoot!.querySelectorAll('.modal')].map(
            (m) => m.scrollWidth - m.clientWidth,
          ),
        );
      expect(await wide()).toEqual([0]);
      await page.locator('assent-widget [data-purpose="face-payment"] button.link').click();
      await page.locator(`${sel.dialog} >> nth=1`).waitFor();
      expect(await wide()).toEqual([0, 0]);
      await context.close();
    }
  });

  it('does not animate when reduced motion is asked for', async () => {
    const still = await open(h, '/', { reducedMotion: 'reduce' });
    await still.page.locator(sel.banner).waitFor();
    expect(await still.page.locator(sel.banner).evaluate((el) => getComputedStyle(el).animationName)).toBe(
      'none',
    );
    await still.context.close();
    const moving = await open(h, '/', { reducedMotion: 'no-preference' });
    await moving.page.locator(sel.banner).waitFor();
    expect(await moving.page.locator(sel.banner).evaluate((el) => getComputedStyle(el).animationName)).toBe(
      'assent-in',
    );
    await moving.context.close();
  });

  it('gives every text in the widget a contrast of at least 4.5:1', async () => {
    const { page, context } = await open(h, '/');
    await page.locator(sel.action('customize')).click();
    await page.locator(sel.dialog).waitFor();
    const pairs = await page.evaluate(() => {
      const root = document.querySelector('assent-widget')!.shadowRoot!;
      const bg = (el: Element | null): string => {
        for (; el; el = el.parentElement) {
          const c = getComputedStyle(el).backgroundColor;
          if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c;
        }
        return 'rgb(255, 255, 255)';
      };
      return [...root.querySelectorAll('.modal *')]
        .filter((el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim()))
        .map((el) => ({ text: el.textContent!.slice(0, 30), fg: getComputedStyle(el).color, bg: bg(el) }));
    });
    expect(pairs.length).toBeGreaterThan(20);
    for (const p of pairs) expect({ ...p, ok: contrast(p.fg, p.bg) >= 4.5 }).toMatchObject({ ok: true });
    await context.close();
  });
});
