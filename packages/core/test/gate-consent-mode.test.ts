import { Window } from 'happy-dom';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CONSENT_MODE_TYPES,
  connectConsentMode,
  consentModeDefault,
  consentModeState,
  consentModeUpdate,
  consentModeUpdateOf,
  pushConsentModeUpdate,
} from '@assent/core';
import { fakeConsent } from './gate-fake.js';

type GWin = globalThis.Window & { dataLayer?: unknown[]; gtag?: (...a: unknown[]) => void };
const windows: Window[] = [];
afterEach(async () => {
  for (const w of windows.splice(0)) await w.happyDOM.close();
});
const page = () => {
  const w = new Window({ url: 'https://shop.example.com/' });
  windows.push(w);
  return w as unknown as GWin;
};
// dataLayer entries as arrays, whether gtag pushed an Arguments object or not.
const entries = (w: GWin) =>
  w.dataLayer!.map((e) =>
    Object.prototype.toString.call(e) === '[object Arguments]' ? [...(e as unknown[])] : e,
  );
const allDenied = Object.fromEntries(CONSENT_MODE_TYPES.map((t) => [t, 'denied']));

const purposes = [
  { id: 'necessary', consentMode: ['security_storage' as const] },
  { id: 'analytics', consentMode: ['analytics_storage' as const] },
  { id: 'ads', consentMode: ['ad_storage' as const, 'ad_user_data' as const, 'ad_personalization' as const] },
  { id: 'remarketing', consentMode: ['ad_storage' as const] },
  { id: 'email' },
];

describe('consentModeDefault', () => {
  it('defines dataLayer and the standard gtag stub, which pushes Arguments objects', () => {
    const w = page();
    consentModeDefault({}, w);
    expect(Array.isArray(w.dataLayer)).toBe(true);
    expect(typeof w.gtag).toBe('function');
    expect(Object.prototype.toString.call(w.dataLayer![0])).toBe('[object Arguments]');
    expect(entries(w)).toEqual([['consent', 'default', allDenied]]);
  });

  it("uses the page's own gtag and dataLayer when they exist", () => {
    const w = page();
    const calls: unknown[][] = [];
    const existing: unknown[] = ['earlier'];
    w.dataLayer = existing;
    w.gtag = (...a) => calls.push(a);
    consentModeDefault({ urlPassthrough: true }, w);
    expect(w.dataLayer).toBe(existing);
    expect(calls).toEqual([
      ['consent', 'default', allDenied],
      ['set', 'url_passthrough', true],
    ]);
  });

  it('sets regional defaults with wait_for_update, and the set options', () => {
    const w = page();
    consentModeDefault(
      {
        defaults: { security_storage: 'granted' },
        waitForUpdateMs: 500,
        regions: [
          { region: ['US-CA', 'US-VA'], defaults: { analytics_storage: 'granted', ad_storage: 'granted' } },
          { region: ['CN'], waitForUpdateMs: 2000 },
        ],
        adsDataRedaction: true,
        urlPassthrough: false,
      },
      w,
    );
    expect(entries(w)).toEqual([
      ['consent', 'default', { ...allDenied, security_storage: 'granted', wait_for_update: 500 }],
      [
        'consent',
        'default',
        {
          ...allDenied,
          security_storage: 'granted',
          analytics_storage: 'granted',
          ad_storage: 'granted',
          wait_for_update: 500,
          region: ['US-CA', 'US-VA'],
        },
      ],
      [
        'consent',
        'default',
        { ...allDenied, security_storage: 'granted', wait_for_update: 2000, region: ['CN'] },
      ],
      ['set', 'ads_data_redaction', true],
      ['set', 'url_passthrough', false],
    ]);
  });
});

describe('consentModeState', () => {
  it('grants a type when any allowed purpose maps to it and leaves unmapped types out', () => {
    expect(consentModeState((id) => id === 'remarketing' || id === 'necessary', purposes)).toEqual({
      security_storage: 'granted',
      analytics_storage: 'denied',
      ad_storage: 'granted',
      ad_user_data: 'denied',
      ad_personalization: 'denied',
    });
    expect(consentModeState(() => false, [{ id: 'x' }])).toEqual({});
  });
});

describe('consentModeUpdate and connectConsentMode', () => {
  it('updates with the decisions and pushes assent_consent_update for GTM', () => {
    const w = page();
    const consent = fakeConsent({ necessary: true });
    consent.set({ analytics: true, ads: false });
    consentModeUpdate(consent, purposes, w);
    expect(entries(w)).toEqual([
      [
        'consent',
        'update',
        {
          security_storage: 'granted',
          analytics_storage: 'granted',
          ad_storage: 'denied',
          ad_user_data: 'denied',
          ad_personalization: 'denied',
        },
      ],
      {
        event: 'assent_consent_update',
        assent_allowed: { necessary: true, analytics: true, ads: false, remarketing: false, email: false },
        assent_decisions: { analytics: 'given', ads: 'refused' },
      },
    ]);
  });

  it('consentModeUpdateOf gives the same update as plain data (JSON round trip), which pushConsentModeUpdate issues', () => {
    const consent = fakeConsent({ necessary: true });
    consent.set({ analytics: true, ads: false });
    const direct = page();
    consentModeUpdate(consent, purposes, direct);
    const kept = JSON.parse(JSON.stringify(consentModeUpdateOf(consent, purposes)));
    expect(kept.state.analytics_storage).toBe('granted');
    expect(kept.event.assent_allowed).toEqual({
      necessary: true,
      analytics: true,
      ads: false,
      remarketing: false,
      email: false,
    });
    const replayed = page();
    pushConsentModeUpdate(kept, replayed);
    expect(entries(replayed)).toEqual(entries(direct));
    // It reads the consent when called: a later change gives another update.
    consent.set({ analytics: false });
    expect(consentModeUpdateOf(consent, purposes).state.analytics_storage).toBe('denied');
  });

  it('on a first visit, sends the default and what is true now, then an update per change', () => {
    const w = page();
    const consent = fakeConsent({ necessary: true });
    connectConsentMode(consent, purposes, { waitForUpdateMs: 500 }, w);
    const first = entries(w) as unknown[][];
    expect(first.map((e) => e[1])).toEqual(['default', 'update', undefined]);
    expect(first[1]![2]).toEqual({
      security_storage: 'granted',
      analytics_storage: 'denied',
      ad_storage: 'denied',
      ad_user_data: 'denied',
      ad_personalization: 'denied',
    });
    consent.set({ ads: true });
    consent.set({ ads: false });
    const updates = entries(w).filter((e) => Array.isArray(e) && e[1] === 'update') as unknown[][];
    expect(updates.map((u) => (u[2] as Record<string, string>).ad_storage)).toEqual([
      'denied',
      'granted',
      'denied',
    ]);
  });

  it('on a return visit, updates from the stored decisions right after the default', () => {
    const w = page();
    const consent = fakeConsent();
    consent.set({ analytics: true });
    const stop = connectConsentMode(consent, purposes, {}, w);
    const e = entries(w) as unknown[][];
    expect(e[0]!.slice(0, 2)).toEqual(['consent', 'default']);
    expect(e[1]!.slice(0, 2)).toEqual(['consent', 'update']);
    expect((e[1]![2] as Record<string, string>).analytics_storage).toBe('granted');
    stop();
    const n = entries(w).length;
    consent.set({ analytics: false });
    expect(entries(w)).toHaveLength(n);
  });
});
