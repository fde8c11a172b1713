// The separate-consent dialog in Chromium: a real modal (focus trapped, aria-modal), Escape,
// focus returned to the control that asked, the affirmative act for this purpose alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeConfig } from '../fixtures/config.js';
import { type Harness, harness, open, sel } from './lib/browser.js';
import { storePage } from './lib/page.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
  h.server.route(
    '/checkout',
    storePage({
      config: storeConfig(),
      main: '<button type="button" id="face">Pay with your face</button><output id="answer"></output>',
      head: '<script nonce="bm9uY2UtZm9yLXRlc3Rz" src="/checkout.js" defer></script>',
    }),
  );
  h.server.route('/checkout.js', {
    type: 'text/javascript',
    body: `document.getElementById('face').addEventListener('click', async () => {
      document.getElementById('answer').textContent = await window.assent.requestSeparate('face-payment');
    });`,
  });
});
afterAll(() => h?.close());

const active = (page: import('playwright-core').Page) =>
  page.evaluate(() => {
    let a = document.activeElement;
    while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
    return {
      inDialog: !!a?.closest('[role="dialog"]'),
      id: a?.id ?? '',
      action: a?.getAttribute('data-action') ?? a?.className ?? '',
    };
  });

describe('separate-consent dialog in Chromium', () => {
  it('traps focus, closes on Escape without recording, and returns focus to the trigger', async () => {
    const { page, context } = await open(h, '/checkout');
    await page.locator(`${sel.banner} .x`).click();
    await page.locator('#face').focus();
    await page.keyboard.press('Enter');
    await page.locator(sel.dialog).waitFor();
    expect(await page.locator(sel.dialog).getAttribute('aria-modal')).toBe('true');
    const labelledBy = await page.locator(sel.dialog).getAttribute('aria-labelledby');
    expect(await page.locator(`assent-widget #${labelledBy}`).textContent()).toBe(
      'Separate consent: Face payment',
    );
    const text = await page.locator(sel.dialog).textContent();
    for (const s of [
      'compared with the one you enrolled',
      'cannot be changed',
      'Face image (Sensitive)',
      '1 day',
    ])
      expect(text).toContain(s);
    // Twenty Tabs forwards and backwards never leave the dialog.
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press(i < 10 ? 'Tab' : 'Shift+Tab');
      expect((await active(page)).inDialog).toBe(true);
    }
    await page.keyboard.press('Escape');
    await page.locator(sel.dialog).waitFor({ state: 'detached' });
    expect(await page.locator('#answer').textContent()).toBe('dismissed');
    await page.waitForFunction(() => document.activeElement?.id === 'face');
    expect(await page.evaluate(() => window.assent.get('face-payment'))).toBeUndefined();
    await context.close();
  });

  it('grants this purpose alone on "I agree", and the store stays usable after "I do not agree"', async () => {
    const { page, context } = await open(h, '/checkout');
    await page.locator(`${sel.banner} .x`).click();
    await page.locator('#face').click();
    await page.locator(sel.action('refuse')).click();
    expect(await page.locator('#answer').textContent()).toBe('refused');
    await page.locator('#buy').click();
    expect(await page.locator('#cart').textContent()).toBe('1');
    await page.locator('#face').click();
    await page.locator(sel.action('agree')).click();
    await page.waitForFunction(() => document.getElementById('answer')!.textContent === 'given');
    const d = await page.evaluate(() => window.assent.decisions());
    expect(Object.keys(d)).toEqual(['face-payment']);
    expect(d['face-payment']).toMatchObject({ status: 'given', method: 'separate:dialog' });
    await context.close();
  });
});
