import { afterEach, describe, expect, it } from 'vitest';
import { storeConfig } from './fixtures/config.js';
import { cleanup, flush, setup } from './helpers.js';

afterEach(cleanup);

describe('banner', () => {
  it('names the controller, summarises, links the notice and offers three identical buttons', async () => {
    const t = setup();
    t.ui.showBanner();
    await flush();
    const banner = t.$('section.banner')!;
    expect(banner.getAttribute('aria-labelledby')).toBe('assent-bt');
    expect(t.$('#assent-bt')!.textContent).toBe('Your privacy choices');
    expect(t.$('.banner .ctl')!.textContent).toBe('Lotus Market');
    expect(banner.textContent).toContain('We ask for your consent');
    expect(t.$<HTMLAnchorElement>('.banner a')!.getAttribute('href')).toBe('/privacy');
    const buttons = t.$$('.banner .actions > *');
    expect(buttons.map((b) => b.getAttribute('data-action'))).toEqual([
      'accept-all',
      'reject-all',
      'customize',
    ]);
    expect(buttons.map((b) => b.textContent)).toEqual(['Accept all', 'Reject all', 'Customize']);
    // Equal prominence in markup: the same element and the same class for all three.
    expect(new Set(buttons.map((b) => `${b.tagName}.${b.className}`)).size).toBe(1);
    expect(banner.getAttribute('aria-modal')).toBeNull();
  });

  it('shows all three buttons even when ui.buttons leaves one out; the list only orders them', async () => {
    const config = storeConfig();
    config.ui = { texts: {}, buttons: ['customize', 'accept-all'] };
    const t = setup(config);
    t.ui.showBanner();
    await flush();
    expect(t.$$('.banner .actions > *').map((b) => b.getAttribute('data-action'))).toEqual([
      'customize',
      'accept-all',
      'reject-all',
    ]);
  });

  it('Accept all gives every consent purpose except the separate ones', async () => {
    const t = setup();
    t.ui.showBanner();
    await flush();
    await t.click('[data-action="accept-all"]');
    expect(t.consent.get('analytics')?.status).toBe('given');
    expect(t.consent.get('marketing-email')?.status).toBe('given');
    expect(t.consent.get('analytics')?.method).toBe('banner:accept-all');
    for (const id of ['ad-partner', 'face-payment', 'precise-location'])
      expect(t.consent.allows(id)).toBe(false);
    expect(t.$('section.banner')).toBeNull();
  });

  it('Reject all refuses every consent purpose and keeps contract purposes', async () => {
    const t = setup();
    t.ui.showBanner();
    await flush();
    await t.click('[data-action="reject-all"]');
    expect(t.consent.get('analytics')?.status).toBe('refused');
    expect(t.consent.get('analytics')?.method).toBe('banner:reject-all');
    expect(t.consent.allows('order-fulfilment')).toBe(true);
    expect(t.consent.needsPrompt().prompt).toBe(false);
  });

  it('closing records nothing', async () => {
    const t = setup();
    t.ui.showBanner();
    await flush();
    await t.click('.banner .x');
    expect(t.$('section.banner')).toBeNull();
    expect(t.consent.decisions()).toEqual({});
    expect(t.storage.state).toBeUndefined();
    expect(t.consent.needsPrompt().prompt).toBe(true);
  });

  it('ignores untrusted clicks: a page script cannot accept for the shopper', async () => {
    const t = setup(undefined, { isTrusted: undefined });
    t.ui.showBanner();
    await flush();
    await t.click('[data-action="accept-all"]');
    expect(t.consent.decisions()).toEqual({});
    expect(t.$('section.banner')).not.toBeNull();
  });

  it('names the purposes whose definition changed when asking again', async () => {
    const t = setup();
    t.ui.showBanner([{ kind: 'definition-changed', purposes: ['analytics', 'marketing-email'] }]);
    await flush();
    expect(t.$('section.banner')!.textContent).toContain('Site analytics, Marketing e-mail');
  });

  it('names the purposes whose consent expired, and those refused long enough ago to ask again', async () => {
    const t = setup();
    t.ui.showBanner([
      { kind: 'expired', purposes: ['analytics'] },
      { kind: 'reask', purposes: ['marketing-email'] },
    ]);
    await flush();
    const text = t.$('section.banner')!.textContent!;
    expect(text).toContain('Your consent to Site analytics has expired.');
    expect(text).toContain('Some time ago you declined Marketing e-mail. You can choose again.');
  });

  it('emits banner when shown', async () => {
    const t = setup();
    t.ui.showBanner();
    await flush();
    expect(t.events.map(([e]) => e)).toContain('banner');
  });

  it('follows the configured button order', async () => {
    const t = setup(
      Object.assign((await import('./fixtures/config.js')).storeConfig(), {
        ui: { buttons: ['reject-all', 'customize', 'accept-all'], texts: {} },
      }),
    );
    t.ui.showBanner();
    await flush();
    expect(t.$$('.banner .btn').map((b) => b.getAttribute('data-action'))).toEqual([
      'reject-all',
      'customize',
      'accept-all',
    ]);
  });
});
