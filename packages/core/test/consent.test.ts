import {
  type AssentConfig,
  type ConsentChange,
  createConsent,
  HASH_B64URL,
  memoryStorage,
  purposeHashes,
  SUBJECT_ID,
  validateConfig,
  validateEvent,
} from '@assent/core';
import { describe, expect, it, vi } from 'vitest';
import { example, small } from './fixtures.js';

const DAY = 864e5;
const T0 = Date.UTC(2026, 10, 1, 9, 30, 15, 250);

/** A clock the test moves by hand. */
const clock = (start = T0) => {
  let t = start;
  const now = () => t;
  now.advance = (ms: number) => {
    t += ms;
  };
  return now;
};

const withText = (config: AssentConfig, id: string, description: string): AssentConfig =>
  validateConfig({
    ...config,
    purposes: config.purposes.map((p) =>
      p.id === id ? { ...p, texts: { ...p.texts, en: { ...p.texts.en, description } } } : p,
    ),
  });

describe('createConsent: first visit', () => {
  it('starts with no decision, asks for the banner purposes only, allows contract purposes', () => {
    const consent = createConsent(small(), { now: clock() });
    expect(consent.decisions()).toEqual({});
    expect(consent.get('analytics')).toBeUndefined();
    expect(consent.needsPrompt()).toEqual({
      prompt: true,
      reasons: [{ kind: 'first-visit', purposes: ['analytics', 'ads'] }],
    });
    expect(consent.allows('orders')).toBe(true);
    expect(consent.allows('analytics')).toBe(false);
    expect(consent.allows('face-payment')).toBe(false);
    expect(consent.allows('no-such-purpose')).toBe(false);
    expect(consent.get('orders')).toBeUndefined();
  });

  it('exposes subject, policy, locale and jurisdiction', () => {
    const config = example();
    const consent = createConsent(config, { now: clock() });
    expect(consent.subject).toMatch(SUBJECT_ID);
    expect(consent.policy.version).toBe('2026-11');
    expect(consent.policy.hash).toMatch(HASH_B64URL);
    expect(consent.locale).toBe('zh-CN');
    expect(consent.jurisdiction).toBe('CN');
    expect(consent.rule).toMatchObject({ model: 'opt-in', consentMaxAgeDays: 365, refusalReaskDays: 180 });
    expect(consent.hashes).toEqual(purposeHashes(config));
    // The policy hash is a function of the notice: same config, same hash; another version, another.
    expect(createConsent(config).policy).toEqual(consent.policy);
    const next = validateConfig({ ...config, notice: { ...config.notice, version: '2027-01' } });
    expect(createConsent(next).policy.hash).not.toBe(consent.policy.hash);
  });
});

describe('createConsent: decisions', () => {
  it('accept all gives the banner purposes and never a separate one', () => {
    const now = clock();
    const consent = createConsent(small(), { now });
    const change = consent.acceptAll()!;
    expect(change.method).toBe('banner:accept-all');
    expect(change.changed).toEqual(['analytics', 'ads']);
    expect(consent.get('analytics')).toEqual({
      status: 'given',
      at: Math.floor(T0 / 1000) * 1000,
      method: 'banner:accept-all',
      hash: consent.hashes.analytics,
    });
    expect(consent.get('face-payment')).toBeUndefined();
    expect(consent.allows('face-payment')).toBe(false);
    expect(consent.needsPrompt().prompt).toBe(false);
  });

  it('builds each event as a full snapshot the ledger accepts', () => {
    const consent = createConsent(small(), { now: clock(), locale: 'en', jurisdiction: 'US-CA', gpc: true });
    consent.set({ analytics: true });
    const change = consent.set({ ads: false }, 'preferences:save')!;
    const event = validateEvent(change.event);
    expect(event).toMatchObject({
      subject: consent.subject,
      policy: consent.policy,
      method: 'preferences:save',
      locale: 'en',
      jurisdiction: 'US-CA',
      gpc: true,
      widget: '0.1.0',
      at: new Date(T0).toISOString(),
    });
    expect(event.purposes).toEqual({
      analytics: { status: 'given', hash: consent.hashes.analytics },
      ads: { status: 'refused', hash: consent.hashes.ads },
    });
  });

  it('reject all refuses every banner purpose, withdraws what was given, leaves unasked separate ones alone', () => {
    const consent = createConsent(small(), { now: clock() });
    consent.set({ analytics: true });
    const change = consent.rejectAll()!;
    expect(change.method).toBe('banner:reject-all');
    expect(consent.get('analytics')?.status).toBe('withdrawn');
    expect(consent.get('ads')?.status).toBe('refused');
    expect(consent.get('face-payment')).toBeUndefined();
    consent.grantSeparate('face-payment');
    consent.rejectAll();
    expect(consent.get('face-payment')?.status).toBe('withdrawn');
  });

  it('set gives and refuses; false after true withdraws', () => {
    const consent = createConsent(small(), { now: clock() });
    expect(consent.set({ analytics: true, ads: false })?.changed).toEqual(['analytics', 'ads']);
    expect(consent.allows('analytics')).toBe(true);
    expect(consent.allows('ads')).toBe(false);
    expect(consent.set({ analytics: false })?.changed).toEqual(['analytics']);
    expect(consent.get('analytics')?.status).toBe('withdrawn');
    expect(consent.get('analytics')?.method).toBe('api');
    // Re-confirming records a new decision but changes nothing.
    expect(consent.set({ ads: false })?.changed).toEqual([]);
    expect(consent.set({})).toBeUndefined();
  });

  it('refuses wrong arguments with TypeError and records nothing', () => {
    const consent = createConsent(small(), { now: clock() });
    expect(() => consent.set({ orders: false })).toThrow(TypeError);
    expect(() => consent.set({ 'no-such': true })).toThrow(TypeError);
    expect(() => consent.set({ analytics: true, 'face-payment': true })).toThrow(/grantSeparate/);
    expect(() => consent.set({ analytics: true }, 'telepathy' as 'api')).toThrow(TypeError);
    expect(() => consent.grantSeparate('analytics')).toThrow(TypeError);
    expect(() => consent.refuseSeparate('orders')).toThrow(TypeError);
    expect(() => consent.withdraw('orders')).toThrow(TypeError);
    expect(consent.decisions()).toEqual({});
  });

  it('grants and refuses separate purposes only through their own calls', () => {
    const consent = createConsent(small(), { now: clock() });
    expect(consent.grantSeparate('face-payment')?.method).toBe('separate:dialog');
    expect(consent.allows('face-payment')).toBe(true);
    // A separate purpose already given may be confirmed by a preference-center save.
    expect(consent.set({ 'face-payment': true }, 'preferences:save')?.changed).toEqual([]);
    consent.refuseSeparate('face-payment');
    expect(consent.get('face-payment')?.status).toBe('withdrawn');
    consent.refuseSeparate('face-payment');
    expect(consent.get('face-payment')?.status).toBe('refused');
    expect(() => consent.set({ 'face-payment': true })).toThrow(TypeError);
  });

  it('withdraw stops a purpose at once; withdraw("all") stops every one', () => {
    const consent = createConsent(small(), { now: clock() });
    consent.acceptAll();
    consent.grantSeparate('face-payment');
    expect(consent.withdraw('ads')?.changed).toEqual(['ads']);
    expect(consent.allows('ads')).toBe(false);
    expect(consent.withdraw('ads')).toBeUndefined();
    const all = consent.withdraw('all', 'preferences:save')!;
    expect(all.changed).toEqual(['analytics', 'face-payment']);
    for (const id of ['analytics', 'ads', 'face-payment']) expect(consent.allows(id)).toBe(false);
    expect(consent.allows('orders')).toBe(true);
  });
});

describe('createConsent: re-consent', () => {
  it('expires given consent after consentMaxAgeDays, and only then', () => {
    const now = clock();
    const storage = memoryStorage();
    createConsent(small(), { now, storage }).acceptAll();
    // Decisions keep whole seconds (as the cookie does), so allow the sub-second part of T0.
    now.advance(365 * DAY - 1000);
    const fresh = createConsent(small(), { now, storage });
    expect(fresh.allows('analytics')).toBe(true);
    expect(fresh.needsPrompt().prompt).toBe(false);
    now.advance(2000);
    const later = createConsent(small(), { now, storage });
    expect(later.get('analytics')?.status).toBe('expired');
    expect(later.allows('analytics')).toBe(false);
    expect(later.needsPrompt().reasons).toEqual([{ kind: 'expired', purposes: ['analytics', 'ads'] }]);
    // An expired consent is reported as such in the next event.
    expect(later.set({ ads: true })?.event.purposes.analytics?.status).toBe('expired');
  });

  it('re-asks a refusal only after refusalReaskDays', () => {
    const now = clock();
    const storage = memoryStorage();
    const consent = createConsent(small(), { now, storage });
    consent.set({ analytics: true, ads: false });
    now.advance(180 * DAY - 1000);
    expect(consent.needsPrompt().prompt).toBe(false);
    now.advance(2000);
    expect(consent.needsPrompt()).toEqual({ prompt: true, reasons: [{ kind: 'reask', purposes: ['ads'] }] });
    expect(consent.allows('ads')).toBe(false);
  });

  it('re-asks only the purpose whose definition changed', () => {
    const now = clock();
    const storage = memoryStorage();
    const config = small();
    createConsent(config, { now, storage }).set({ analytics: true, ads: true });
    const changed = withText(config, 'ads', 'Ads, now with a new partner');
    const consent = createConsent(changed, { now, storage });
    expect(consent.hashes.analytics).toBe(purposeHashes(config).analytics);
    expect(consent.hashes.ads).not.toBe(purposeHashes(config).ads);
    expect(consent.allows('analytics')).toBe(true);
    expect(consent.allows('ads')).toBe(false);
    expect(consent.get('ads')).toMatchObject({ status: 'expired', hash: purposeHashes(config).ads });
    expect(consent.needsPrompt().reasons).toEqual([{ kind: 'definition-changed', purposes: ['ads'] }]);
    consent.set({ ads: true });
    expect(consent.allows('ads')).toBe(true);
    expect(consent.needsPrompt().prompt).toBe(false);
  });

  it('keeps a refusal across a changed definition until the re-ask interval', () => {
    const now = clock();
    const storage = memoryStorage();
    createConsent(small(), { now, storage }).set({ analytics: true, ads: false });
    const consent = createConsent(withText(small(), 'ads', 'new text'), { now, storage });
    expect(consent.get('ads')?.status).toBe('refused');
    expect(consent.needsPrompt().prompt).toBe(false);
  });

  it('asks for a purpose added after the shopper decided', () => {
    const now = clock();
    const storage = memoryStorage();
    const config = small();
    createConsent(config, { now, storage }).acceptAll();
    const more = validateConfig({
      ...config,
      purposes: [...config.purposes, { ...config.purposes[1]!, id: 'surveys' }],
    });
    expect(createConsent(more, { now, storage }).needsPrompt().reasons).toEqual([
      { kind: 'definition-changed', purposes: ['surveys'] },
    ]);
  });
});

describe('createConsent: jurisdictions', () => {
  const optOut = () =>
    small({ jurisdictions: { 'US-CA': { model: 'opt-out', sale: ['ads'] }, default: { model: 'opt-in' } } });

  it('in an opt-out jurisdiction allows banner purposes until refused, never separate ones', () => {
    const consent = createConsent(optOut(), { now: clock(), jurisdiction: 'US-CA' });
    expect(consent.rule.model).toBe('opt-out');
    expect(consent.rule.sale).toEqual(['ads']);
    expect(consent.needsPrompt().prompt).toBe(false);
    expect(consent.allows('ads')).toBe(true);
    expect(consent.allows('face-payment')).toBe(false);
    consent.withdraw('ads', 'gpc');
    expect(consent.get('ads')).toMatchObject({ status: 'refused', method: 'gpc' });
    expect(consent.allows('ads')).toBe(false);
  });

  it('in an opt-out jurisdiction, one recorded decision does not make the others a reason to ask', () => {
    const now = clock();
    const storage = memoryStorage();
    // A Global Privacy Control refusal, or a storefront's own call, records one purpose alone.
    createConsent(optOut(), { now, storage, jurisdiction: 'US-CA' }).withdraw('ads', 'gpc');
    const again = createConsent(optOut(), { now, storage, jurisdiction: 'US-CA' });
    expect(again.needsPrompt()).toEqual({ prompt: false, reasons: [] });
    expect(again.allows('analytics')).toBe(true);
    expect(again.allows('ads')).toBe(false);
    // Where consent is opt-in, the same stored state leaves the undecided purpose to be asked.
    const optIn = createConsent(optOut(), { now, storage, jurisdiction: 'DE' });
    expect(optIn.needsPrompt().reasons).toEqual([{ kind: 'definition-changed', purposes: ['analytics'] }]);
  });

  it('falls back from the region to its country, then to the default rule', () => {
    expect(createConsent(optOut(), { jurisdiction: 'US' }).rule.model).toBe('opt-in');
    const byCountry = small({ jurisdictions: { US: { model: 'opt-out', consentMaxAgeDays: 200 } } });
    expect(createConsent(byCountry, { jurisdiction: 'US-TX' }).rule).toMatchObject({
      model: 'opt-out',
      consentMaxAgeDays: 200,
      refusalReaskDays: 180,
    });
    expect(createConsent(byCountry).jurisdiction).toBe('ZZ');
  });
});

describe('createConsent: notifications and failures', () => {
  it('notifies subscribers until they unsubscribe, and survives a throwing one', async () => {
    const warnings: string[] = [];
    const consent = createConsent(small(), { now: clock(), onWarning: (m) => warnings.push(m) });
    const seen: ConsentChange[] = [];
    consent.subscribe(() => {
      throw new Error('listener bug');
    });
    const off = consent.subscribe((c) => seen.push(c));
    consent.set({ analytics: true });
    off();
    consent.set({ ads: true });
    expect(seen.map((c) => c.changed)).toEqual([['analytics']]);
    expect(seen[0]!.decisions.analytics?.status).toBe('given');
    await Promise.resolve();
    expect(warnings.join()).toMatch(/listener bug/);
  });

  it('appends every change to the history, and reports a failing history instead of throwing', async () => {
    const appended: ConsentChange[] = [];
    const warnings: string[] = [];
    const consent = createConsent(small(), {
      now: clock(),
      history: { append: (c) => void appended.push(c as ConsentChange), list: async () => [] },
    });
    consent.acceptAll();
    expect(appended).toHaveLength(1);
    const broken = createConsent(small(), {
      onWarning: (m) => warnings.push(m),
      history: { append: () => Promise.reject(new Error('quota')), list: async () => [] },
    });
    expect(() => broken.acceptAll()).not.toThrow();
    await new Promise((r) => setTimeout(r, 0));
    expect(warnings.join()).toMatch(/quota/);
  });

  it('keeps working when storage throws on load and on save', async () => {
    const warnings: string[] = [];
    const consent = createConsent(small(), {
      onWarning: (m) => warnings.push(m),
      storage: {
        load: () => {
          throw new Error('blocked');
        },
        save: () => {
          throw new Error('sandboxed');
        },
      },
    });
    expect(consent.subject).toMatch(SUBJECT_ID);
    consent.set({ analytics: true });
    expect(consent.allows('analytics')).toBe(true);
    expect(warnings.join()).toMatch(/blocked.*sandboxed/);
  });

  it('persists the subject and decisions, ignoring stored purposes the config no longer has', () => {
    const storage = memoryStorage();
    const first = createConsent(small(), { storage, now: clock() });
    first.set({ analytics: true });
    storage.state!.decisions.gone = { status: 'given', at: T0, method: 'api', hash: 'x'.repeat(43) };
    const second = createConsent(small(), { storage, now: clock() });
    expect(second.subject).toBe(first.subject);
    expect(second.decisions()).toEqual(first.decisions());
    expect(second.get('gone')).toBeUndefined();
  });

  it('defaults gpc to the browser signal', () => {
    vi.stubGlobal('navigator', { globalPrivacyControl: true });
    try {
      expect(createConsent(small()).gpc).toBe(true);
      expect(createConsent(small(), { gpc: false }).gpc).toBe(false);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(createConsent(small()).gpc).toBe(false);
  });
});
