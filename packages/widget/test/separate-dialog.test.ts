import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, flush, setup } from './helpers.js';

afterEach(cleanup);

describe('separate-consent dialog', () => {
  it('states purpose, necessity, impact, data, retention and recipient, in a modal', async () => {
    const t = setup();
    const answer = t.ui.requestSeparate('ad-partner');
    await flush();
    const dialog = t.$('[role="dialog"]')!;
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(t.$(`#${dialog.getAttribute('aria-labelledby')}`)!.textContent).toBe(
      'Separate consent: Advertising partner',
    );
    const text = dialog.textContent!;
    expect(text).toContain('Why it is needed');
    expect(text).toContain('Only needed to show you our ads elsewhere.');
    expect(text).toContain('What it means for you');
    expect(text).toContain('AdNet learns which products you viewed.');
    expect(text).toContain('Browsing history');
    expect(text).toContain('90 days');
    expect(text).toContain('AdNet Ltd (privacy@adnet.example) Singapore');
    expect(t.root.activeElement).toBe(dialog);
    await t.click('[data-action="agree"]');
    await expect(answer).resolves.toBe('given');
    expect(t.consent.get('ad-partner')).toMatchObject({ status: 'given', method: 'separate:dialog' });
    expect(t.consent.get('face-payment')).toBeUndefined();
    expect(t.events).toContainEqual(['separate', { id: 'ad-partner', answer: 'given' }]);
  });

  it('records a refusal for this purpose alone', async () => {
    const t = setup();
    t.consent.set({ analytics: true });
    const answer = t.ui.requestSeparate('face-payment');
    await flush();
    await t.click('[data-action="refuse"]');
    await expect(answer).resolves.toBe('refused');
    expect(t.consent.get('face-payment')?.status).toBe('refused');
    expect(t.consent.allows('analytics')).toBe(true);
  });

  it('Escape dismisses without recording and the promise says so', async () => {
    const t = setup();
    const answer = t.ui.requestSeparate('face-payment');
    await flush();
    t.$('[role="dialog"]')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await expect(answer).resolves.toBe('dismissed');
    expect(t.consent.decisions()).toEqual({});
    await flush();
    expect(t.$('[role="dialog"]')).toBeNull();
  });

  it('ignores untrusted clicks on "I agree"', async () => {
    const t = setup(undefined, { isTrusted: (e) => e.isTrusted === true });
    const answer = t.ui.requestSeparate('face-payment');
    await flush();
    await t.click('[data-action="agree"]');
    expect(t.consent.get('face-payment')).toBeUndefined();
    t.ui.close();
    await expect(answer).resolves.toBe('dismissed');
  });

  it('resolves at once when consent is already given', async () => {
    const t = setup();
    t.consent.grantSeparate('precise-location');
    await expect(t.ui.requestSeparate('precise-location')).resolves.toBe('given');
    await flush();
    expect(t.$('[role="dialog"]')).toBeNull();
  });

  it('rejects purposes that are not separate-consent purposes', async () => {
    const t = setup();
    await expect(t.ui.requestSeparate('analytics')).rejects.toThrow(TypeError);
    await expect(t.ui.requestSeparate('order-fulfilment')).rejects.toThrow(TypeError);
    await expect(t.ui.requestSeparate('nope')).rejects.toThrow(/not a separate-consent purpose/);
  });

  it('asks for an ordinary purpose alone with requestConsent', async () => {
    const t = setup();
    const answer = t.ui.requestConsent('analytics');
    await flush();
    expect(t.$('#assent-st')!.textContent).toBe('Your consent: Site analytics');
    await t.click('[data-action="agree"]');
    await expect(answer).resolves.toBe('given');
    expect(t.consent.get('analytics')).toMatchObject({ status: 'given', method: 'separate:dialog' });
    expect(t.consent.get('marketing-email')).toBeUndefined();
  });

  it('opens from the preference center and returns there', async () => {
    const t = setup();
    t.ui.openPreferences();
    await flush();
    const review = t.$('[data-purpose="precise-location"] button.link')!;
    review.focus();
    review.click();
    await flush();
    expect(t.$$('[role="dialog"]').length).toBe(2);
    await t.click('[data-action="agree"]');
    expect(t.consent.get('precise-location')?.status).toBe('given');
    expect(t.$$('[role="dialog"]').length).toBe(1);
    await vi.waitFor(() =>
      expect(t.root.activeElement?.closest('[data-purpose]')?.getAttribute('data-purpose')).toBe(
        'precise-location',
      ),
    );
  });
});

describe('closing from the API', () => {
  it('close() says what it closed: the preference center (close) and an open request (separate, dismissed)', async () => {
    const t = setup();
    t.ui.openPreferences();
    const answer = t.ui.requestSeparate('face-payment');
    await flush();
    t.ui.close();
    await expect(answer).resolves.toBe('dismissed');
    await flush();
    expect(t.$('[role="dialog"]')).toBeNull();
    expect(t.events).toContainEqual(['close', undefined]);
    expect(t.events).toContainEqual(['separate', { id: 'face-payment', answer: 'dismissed' }]);
    // Nothing was open the second time: nothing more is said.
    const said = t.events.length;
    t.ui.close();
    expect(t.events).toHaveLength(said);
  });

  it('a request replaced by another is answered dismissed, and says so', async () => {
    const t = setup();
    const first = t.ui.requestSeparate('face-payment');
    const second = t.ui.requestSeparate('ad-partner');
    await expect(first).resolves.toBe('dismissed');
    expect(t.events).toContainEqual(['separate', { id: 'face-payment', answer: 'dismissed' }]);
    await flush();
    expect(t.$('#assent-st')!.textContent).toBe('Separate consent: Advertising partner');
    t.ui.close();
    await expect(second).resolves.toBe('dismissed');
  });
});
