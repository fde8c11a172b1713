import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, flush, setup } from './helpers.js';

afterEach(cleanup);

const row = (t: ReturnType<typeof setup>, id: string) => t.$(`.modal [data-purpose="${id}"]`)!;

describe('preference center', () => {
  it('shows a row per purpose with its categories, grade, retention, recipients and basis', async () => {
    const t = setup();
    t.ui.openPreferences();
    await flush();
    const dialog = t.$('[role="dialog"]')!;
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    const ids = t.$$('.modal [data-purpose]').map((e) => e.getAttribute('data-purpose'));
    expect(ids.sort()).toEqual(
      [
        'ad-partner',
        'analytics',
        'face-payment',
        'marketing-email',
        'order-fulfilment',
        'precise-location',
      ].sort(),
    );
    const analytics = row(t, 'analytics');
    expect(analytics.textContent).toContain('Site analytics');
    expect(analytics.textContent).toContain('Counting visits to improve the store.');
    expect(analytics.textContent).toContain('Browsing history');
    expect(analytics.textContent).toContain('13 months');
    expect(analytics.textContent).toContain('Stats Cloud (dpo@stats.example)');
    expect(analytics.textContent).toContain('Your consent');
    const face = row(t, 'face-payment');
    const tag = face.querySelector('[data-grade]')!;
    expect(tag.getAttribute('data-grade')).toBe('sensitive');
    expect(tag.textContent).toBe('Face image (Sensitive)');
    expect(row(t, 'ad-partner').textContent).toContain('AdNet Ltd (privacy@adnet.example) Singapore');
    expect(row(t, 'precise-location').textContent).toContain('24 hours');
  });

  it('starts every switch off and shows contract purposes as always active', async () => {
    const t = setup();
    t.ui.openPreferences();
    await flush();
    const switches = t.$$('[role="switch"]');
    expect(switches.length).toBe(2);
    for (const s of switches) expect(s.getAttribute('aria-checked')).toBe('false');
    const fixed = row(t, 'order-fulfilment');
    expect(fixed.querySelector('[role="switch"]')).toBeNull();
    expect(fixed.textContent).toContain('Always active');
    expect(fixed.textContent).toContain('Performance of a contract');
    expect(fixed.textContent).toContain('Needed to provide what you asked for');
  });

  it('saves exactly the switched purposes', async () => {
    const t = setup();
    t.ui.openPreferences();
    await flush();
    await t.click('[data-purpose="analytics"] [role="switch"]');
    expect(t.$('[data-purpose="analytics"] [role="switch"]')!.getAttribute('aria-checked')).toBe('true');
    expect(t.consent.decisions()).toEqual({});
    await t.click('[data-action="save"]');
    expect(t.consent.get('analytics')?.status).toBe('given');
    expect(t.consent.get('analytics')?.method).toBe('preferences:save');
    expect(t.consent.get('marketing-email')?.status).toBe('refused');
    expect(t.consent.get('face-payment')).toBeUndefined();
    expect(t.$('[role="dialog"]')).toBeNull();
    expect(t.events.map(([e]) => e)).toEqual(['open', 'close']);
  });

  it('Accept all in the preference center never grants separate purposes', async () => {
    const t = setup();
    t.ui.openPreferences();
    await flush();
    await t.click('.modal [data-action="accept-all"]');
    expect(t.consent.allows('analytics')).toBe(true);
    for (const id of ['ad-partner', 'face-payment', 'precise-location'])
      expect(t.consent.get(id)).toBeUndefined();
  });

  it('lists separate purposes with their status and lets a given one be withdrawn', async () => {
    const t = setup();
    t.consent.grantSeparate('face-payment');
    t.ui.openPreferences();
    await flush();
    const face = row(t, 'face-payment');
    expect(face.textContent).toContain('Given');
    expect(row(t, 'ad-partner').textContent).toContain('Not given');
    (face.querySelector('button.link') as HTMLButtonElement).click();
    await flush();
    expect(t.consent.get('face-payment')?.status).toBe('withdrawn');
    expect(row(t, 'face-payment').textContent).toContain('Withdrawn');
    // The shopper's own act in the preference center, not a storefront's call; and it is said.
    expect(t.consent.get('face-payment')?.method).toBe('preferences:save');
    expect(t.$('.live')!.textContent).toBe('Your choices were saved.');
    // Each action button names its purpose to assistive technology.
    const review = row(t, 'ad-partner').querySelector('button.link')!;
    expect(t.$(`#${review.getAttribute('aria-describedby')}`)!.textContent).toBe('Advertising partner');
  });

  it("says a repeated message again: the live region's text changes each time", async () => {
    const t = setup();
    t.ui.openPreferences();
    await flush();
    await t.click('[data-action="save"]');
    const first = t.$('.live')!.textContent;
    t.ui.openPreferences();
    await flush();
    await t.click('[data-action="save"]');
    const second = t.$('.live')!.textContent;
    expect(first).toBe('Your choices were saved.');
    expect(second).not.toBe(first);
    expect(second!.trim()).toBe(first);
  });

  it('Withdraw all withdraws every given purpose at once', async () => {
    const t = setup();
    t.consent.acceptAll();
    t.consent.grantSeparate('precise-location');
    t.ui.openPreferences();
    await flush();
    expect(t.$$('[role="switch"]').map((s) => s.getAttribute('aria-checked'))).toEqual(['true', 'true']);
    await t.click('[data-action="withdraw-all"]');
    for (const id of ['analytics', 'marketing-email', 'precise-location'])
      expect(t.consent.get(id)).toMatchObject({ status: 'withdrawn', method: 'preferences:save' });
    expect(t.$$('[role="switch"]').map((s) => s.getAttribute('aria-checked'))).toEqual(['false', 'false']);
    expect(t.$('[data-action="withdraw-all"]')).toBeNull();
  });

  it('shows the history and downloads the records as JSON', async () => {
    const t = setup();
    t.consent.set({ analytics: true, 'marketing-email': false }, 'preferences:save');
    t.ui.openPreferences();
    await vi.waitFor(() => expect(t.$$('.hist li').length).toBe(1));
    const items = t.$$('.hist li');
    expect(items[0]!.textContent).toContain('Site analytics \u2013 Given');
    let blob: Blob | undefined;
    const create = vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => {
      blob = b as Blob;
      return 'blob:records';
    });
    const anchorClick = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    await t.click('[data-action="download"]');
    expect(create).toHaveBeenCalledOnce();
    expect(anchorClick).toHaveBeenCalledOnce();
    const records = JSON.parse(await blob!.text());
    expect(records.subject).toBe(t.consent.subject);
    expect(records.locale).toBe('en');
    expect(records.decisions.analytics.status).toBe('given');
    expect(records.decisions.analytics.at).toBe(new Date(t.consent.get('analytics')!.at).toISOString());
    // What each purpose is, as the shopper was shown it.
    const analytics = records.purposes.find((p: { id: string }) => p.id === 'analytics');
    expect(analytics).toMatchObject({ name: 'Site analytics', basis: 'consent', retention: '13 months' });
    expect(records.history).toHaveLength(1);
    expect(records.history[0].event.purposes.analytics.status).toBe('given');
    create.mockRestore();
    anchorClick.mockRestore();
  });

  it('closes on Escape without recording and returns focus', async () => {
    const t = setup();
    const opener = document.createElement('button');
    document.body.append(opener);
    opener.focus();
    t.ui.openPreferences();
    await flush();
    const dialog = t.$('[role="dialog"]')!;
    expect(t.root.activeElement).toBe(dialog);
    dialog.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await flush();
    expect(t.$('[role="dialog"]')).toBeNull();
    await vi.waitFor(() => expect(document.activeElement).toBe(opener));
    expect(t.consent.decisions()).toEqual({});
    opener.remove();
  });

  it('keeps Tab inside the dialog', async () => {
    const t = setup();
    t.ui.openPreferences();
    await flush();
    const dialog = t.$('[role="dialog"]')!;
    const focusable = [...dialog.querySelectorAll<HTMLElement>('button, a[href]')];
    const last = focusable[focusable.length - 1]!;
    last.focus();
    dialog.dispatchEvent(new KeyboardEvent('keydown', { key: 'Tab', bubbles: true, cancelable: true }));
    expect(t.root.activeElement).toBe(focusable[0]);
    dialog.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Tab', shiftKey: true, bubbles: true, cancelable: true }),
    );
    expect(t.root.activeElement).toBe(last);
  });

  it('never skips a heading level, in the preference center and in the dialog above it', async () => {
    const t = setup();
    t.consent.acceptAll();
    t.ui.openPreferences();
    await flush();
    const levels = (root: Element) =>
      [...root.querySelectorAll('h2, h3, h4, h5, h6')].map((h) => Number(h.localName[1]));
    const skips = (ls: number[]) => ls.some((l, i) => i > 0 && l > ls[i - 1]! + 1);
    const prefs = levels(t.$('[role="dialog"]')!);
    expect(prefs[0]).toBe(2);
    expect(prefs).toContain(3);
    expect(skips(prefs)).toBe(false);
    t.ui.requestSeparate('face-payment');
    await flush();
    const dialogs = t.$$('[role="dialog"]');
    expect(dialogs).toHaveLength(2);
    expect(skips(levels(dialogs[1]!))).toBe(false);
  });

  it('holds no focusable element but enabled buttons (what the focus trap moves between)', async () => {
    const t = setup();
    // Everything the dialogs can show: every kind of purpose row, a decision in the history.
    t.consent.set({ analytics: true });
    t.consent.grantSeparate('ad-partner');
    t.ui.openPreferences();
    void t.ui.requestSeparate('face-payment');
    await flush();
    await vi.waitFor(() => expect(t.$$('.hist li').length).toBeGreaterThan(0));
    const dialogs = t.$$('[role="dialog"]');
    expect(dialogs).toHaveLength(2);
    for (const d of dialogs) {
      expect(d.querySelectorAll('button').length).toBeGreaterThan(2);
      const other = 'a, input, select, textarea, iframe, [contenteditable], [tabindex]:not([tabindex="-1"])';
      expect(d.querySelectorAll(other)).toHaveLength(0);
      expect(d.querySelectorAll('button[disabled]')).toHaveLength(0);
    }
  });
});
