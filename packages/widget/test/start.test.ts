import { type Consent, createConsent, memoryStorage, policyHash } from '@assent/core';
import { loadUi, startAssent } from '@assent/widget';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { storeConfig } from './fixtures/config.js';
import { cleanup, flush } from './helpers.js';

type W = Window & { dataLayer?: unknown[]; gtag?: unknown };
const w = window as W;

beforeEach(() => {
  w.dataLayer = undefined;
  w.gtag = undefined;
  localStorage.clear();
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const consentCalls = () =>
  (w.dataLayer ?? [])
    .filter((a) => typeof (a as { length?: number }).length === 'number')
    .map((a) => [...(a as unknown[])])
    .filter((a) => a[0] === 'consent') as ['consent', string, Record<string, unknown>][];

function start(extra: Partial<Parameters<typeof startAssent>[0]> = {}) {
  const load = vi.fn(loadUi);
  const storage = extra.storage ?? memoryStorage();
  const api = startAssent({ config: storeConfig(), loadUi: load, storage, ...extra });
  const events: [string, unknown][] = [];
  for (const e of ['ready', 'change', 'banner', 'open', 'close', 'separate', 'error'] as const)
    api.on(e, (d) => events.push([e, d]));
  return { api, load, storage, events };
}

/** A returning visitor: decisions stored, and the config digest kept by an earlier page. */
async function returning(decide: (c: ReturnType<typeof createConsent>) => unknown, config = storeConfig()) {
  const storage = memoryStorage();
  decide(createConsent(config, { storage }));
  await (await loadUi()).read({ config, storage });
  return storage;
}

const shadow = () => document.querySelector('assent-widget')?.shadowRoot;

describe('startAssent', () => {
  it('on a first visit loads the UI and shows the banner', async () => {
    const { api, load, events } = start();
    // Nothing is allowed before the definitions are checked, not even a contract purpose.
    expect(api.allows('order-fulfilment')).toBe(false);
    await api.ready;
    expect(api.allows('analytics')).toBe(false);
    expect(api.allows('order-fulfilment')).toBe(true);
    await vi.waitFor(() => expect(shadow()?.querySelector('.banner')).toBeTruthy());
    expect(load).toHaveBeenCalledOnce();
    const ready = events.find(([e]) => e === 'ready')![1] as { prompt: boolean };
    expect(ready.prompt).toBe(true);
    expect(events.map(([e]) => e)).toContain('banner');
    // Consent Mode: the default comes first, every type denied.
    const [first] = consentCalls();
    expect(first?.[1]).toBe('default');
    expect(first?.[2].analytics_storage).toBe('denied');
    expect(first?.[2].ad_storage).toBe('denied');
  });

  it('on a return visit with a valid decision never loads the UI, and applies it synchronously', async () => {
    const storage = memoryStorage();
    // The first page: the decision is recorded through the widget, which keeps the config digest.
    const first = start({ storage, floatingButton: 'off' });
    await vi.waitFor(() => expect(shadow()?.querySelector('.banner')).toBeTruthy());
    await first.api.set({ analytics: true, 'marketing-email': false });
    expect(first.load).toHaveBeenCalledOnce();
    cleanup();
    w.dataLayer = undefined;
    w.gtag = undefined;
    const { api, load } = start({ storage });
    expect(api.allows('analytics')).toBe(true);
    expect(api.get('analytics')?.status).toBe('given');
    await flush();
    await flush();
    expect(load).not.toHaveBeenCalled();
    expect(document.querySelector('assent-widget')).toBeNull();
    const update = consentCalls().find((c) => c[1] === 'update');
    expect(update?.[2].analytics_storage).toBe('granted');
    expect(update?.[2].ad_storage).toBe('denied');
  });

  it('a changed config is digested again by the module once, then read from the device', async () => {
    const storage = await returning((c) => c.set({ analytics: true, 'marketing-email': false }));
    const changed = storeConfig();
    const face = changed.purposes.find((p) => p.id === 'face-payment')!;
    face.texts.en = { ...face.texts.en!, description: 'Pay with your face, now faster.' };
    const second = start({ storage, config: changed, floatingButton: 'off' });
    // Nothing is allowed until the new definitions are checked.
    expect(second.api.allows('analytics')).toBe(false);
    await second.api.ready;
    expect(second.load).toHaveBeenCalledOnce();
    expect(second.api.allows('analytics')).toBe(true);
    cleanup();
    const third = start({ storage, config: changed, floatingButton: 'off' });
    expect(third.api.allows('analytics')).toBe(true);
    await flush();
    expect(third.load).not.toHaveBeenCalled();
  });

  it('keeps the policy hash with the answers: events a returning visitor records carry it', async () => {
    const storage = await returning((c) => c.set({ analytics: true, 'marketing-email': false }));
    const kept = JSON.parse(localStorage.getItem('assent-state')!);
    expect(kept.p).toBe(policyHash(storeConfig()));
    expect(kept.c).toBe(JSON.stringify(storeConfig()));
    expect(kept.k).toBe(JSON.stringify(storage.load()));
    // The events a returning visitor records carry it, though the UI module was never loaded.
    const first = start({ storage, floatingButton: 'off' });
    expect(first.api.allows('analytics')).toBe(true);
    expect(first.load).not.toHaveBeenCalled();
    const change = await first.api.rejectAll();
    expect(change?.event.policy.hash).toBe(policyHash(storeConfig()));
    // The module keeps the new answers with the decision they come from.
    expect(JSON.parse(localStorage.getItem('assent-state')!).k).toBe(JSON.stringify(storage.load()));
    cleanup();
    const second = start({ storage, floatingButton: 'off' });
    expect(second.api.get('analytics')?.status).toBe('withdrawn');
    expect(second.api.allows('analytics')).toBe(false);
    await flush();
    expect(second.load).not.toHaveBeenCalled();
  });

  it('answers from what is kept only for the same decision, region, GPC signal and time', async () => {
    const config = storeConfig();
    config.jurisdictions = { 'US-CA': { model: 'opt-out', sale: ['marketing-email'] } };
    const storage = await returning((c) => c.set({ analytics: true, 'marketing-email': true }), config);
    const kept = localStorage.getItem('assent-state')!;
    // Answers without the module, synchronously, with the same inputs.
    const same = start({ storage, config, floatingButton: 'off' });
    expect(same.api.allows('analytics')).toBe(true);
    await flush();
    expect(same.load).not.toHaveBeenCalled();
    cleanup();
    const miss = async (o: Partial<Parameters<typeof startAssent>[0]>, why: string) => {
      localStorage.setItem('assent-state', kept);
      const t = start({ storage, config, floatingButton: 'off', ...o });
      // Nothing is allowed before the module has read the decision itself.
      expect(t.api.allows('analytics'), why).toBe(false);
      await t.api.ready;
      expect(t.load, why).toHaveBeenCalledOnce();
      const allowed = t.api.allows('analytics');
      cleanup();
      return allowed;
    };
    // Another decision (made in another tab): the module reads the new one.
    const other = memoryStorage();
    createConsent(config, { storage: other }).set({ analytics: false, 'marketing-email': true });
    expect(await miss({ storage: other }, 'another decision')).toBe(false);
    // Another region.
    expect(await miss({ region: 'US-CA' }, 'another region')).toBe(true);
    // Expired answers: a consent past consentMaxAgeDays is asked again.
    localStorage.setItem('assent-state', JSON.stringify({ ...JSON.parse(kept), u: Date.now() - 1 }));
    const late = start({ storage, config, floatingButton: 'off' });
    expect(late.api.allows('analytics')).toBe(false);
    await late.api.ready;
    expect(late.load).toHaveBeenCalledOnce();
    cleanup();
    // The Global Privacy Control signal switched on.
    Object.defineProperty(navigator, 'globalPrivacyControl', { value: true, configurable: true });
    try {
      expect(await miss({}, 'GPC switched on')).toBe(true);
    } finally {
      Reflect.deleteProperty(navigator, 'globalPrivacyControl');
    }
    // Kept by an earlier version (no policy hash) or garbled: a miss, never an error.
    localStorage.setItem('assent-state', '{"c":');
    const garbled = start({ storage, config, floatingButton: 'off' });
    await garbled.api.ready;
    expect(garbled.load).toHaveBeenCalledOnce();
    expect(garbled.api.allows('analytics')).toBe(true);
  });

  it('with localStorage blocked, reads the decision through the module on every page, and grants what it says', async () => {
    const storage = await returning((c) => c.set({ analytics: true, 'marketing-email': false }));
    const blocked = vi.spyOn(window, 'localStorage', 'get').mockImplementation(() => {
      throw new DOMException('blocked', 'SecurityError');
    });
    try {
      for (let page = 0; page < 2; page++) {
        const t = start({ storage, floatingButton: 'off' });
        expect(t.api.allows('analytics')).toBe(false);
        await t.api.ready;
        expect(t.load).toHaveBeenCalledOnce();
        expect(t.api.allows('analytics')).toBe(true);
        expect(t.api.allows('marketing-email')).toBe(false);
        expect(t.events.find(([e]) => e === 'ready')![1]).toMatchObject({ prompt: false });
        cleanup();
      }
    } finally {
      blocked.mockRestore();
    }
  });

  it('keeps answers valid until the first decision expires or is to be asked again', async () => {
    const config = storeConfig();
    const storage = await returning((c) => {
      c.set({ analytics: true });
      c.set({ 'marketing-email': false });
    }, config);
    const kept = JSON.parse(localStorage.getItem('assent-state')!);
    const d = storage.load()!.decisions;
    const rule = { consentMaxAgeDays: 365, refusalReaskDays: 180 };
    expect(kept.u).toBe(
      Math.min(
        d.analytics!.at + rule.consentMaxAgeDays * 864e5,
        d['marketing-email']!.at + rule.refusalReaskDays * 864e5,
      ),
    );
    // Past that moment the loader asks the module, which asks the shopper again.
    vi.useFakeTimers({ now: kept.u + 1, toFake: ['Date'] });
    try {
      const t = start({ storage, config, floatingButton: 'off' });
      await t.api.ready;
      expect(t.load).toHaveBeenCalledOnce();
      expect(t.events.find(([e]) => e === 'ready')![1]).toMatchObject({ prompt: true });
    } finally {
      vi.useRealTimers();
    }
  });

  it('reads no localStorage on a first visit (its first access per page is a synchronous round trip)', async () => {
    const spy = vi.spyOn(window, 'localStorage', 'get');
    // Only the loader: the UI module never arrives.
    const api = startAssent({
      config: storeConfig(),
      loadUi: () => new Promise(() => {}),
      storage: memoryStorage(),
    });
    await flush();
    expect(api.allows('analytics')).toBe(false);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('keeps nothing on the device before a first decision', async () => {
    const { api } = start();
    await api.ready;
    expect(localStorage.length).toBe(0);
    await api.rejectAll();
    expect(JSON.parse(localStorage.getItem('assent-state')!).c).toBe(JSON.stringify(storeConfig()));
  });

  it('records API decisions with method api and emits change with the consent event', async () => {
    const storage = await returning((c) => c.rejectAll());
    const { api, events } = start({ storage });
    await api.acceptAll();
    const change = events.find(([e]) => e === 'change')![1] as {
      changed: string[];
      method: string;
      event: { method: string; purposes: Record<string, { status: string }> };
    };
    expect(change.method).toBe('api');
    expect(change.changed.sort()).toEqual(['analytics', 'marketing-email']);
    expect(change.event.purposes.analytics?.status).toBe('given');
    expect(change.event.purposes['face-payment']).toBeUndefined();
    expect(api.allows('face-payment')).toBe(false);
    const last = consentCalls().at(-1)!;
    expect(last[1]).toBe('update');
    expect(last[2].analytics_storage).toBe('granted');
    await api.withdraw('all');
    expect(api.get('analytics')?.status).toBe('withdrawn');
    expect(consentCalls().at(-1)![2].analytics_storage).toBe('denied');
    await expect(api.set({ 'face-payment': true })).rejects.toThrow(TypeError);
  });

  it('writes decisions made without the UI to the history by loading it', async () => {
    const storage = await returning((c) => c.rejectAll());
    const { api, load } = start({ storage });
    expect(load).not.toHaveBeenCalled();
    await api.set({ analytics: true });
    await vi.waitFor(() => expect(load).toHaveBeenCalledOnce());
    const list = await (api.consent as Consent).history!.list();
    expect(list.map((r) => r.event.method)).toEqual(['api']);
  });

  it('with a config promise, starts when it arrives and issues its Consent Mode default then', async () => {
    let resolve!: (c: ReturnType<typeof storeConfig>) => void;
    const { api, events } = start({ config: new Promise((r) => (resolve = r)) });
    // Nothing before the config: one without a consentMode block leaves gtag alone.
    expect(consentCalls()).toEqual([]);
    expect(api.consent).toBeUndefined();
    const accepted = api.acceptAll();
    resolve(storeConfig());
    await api.ready;
    expect(consentCalls()[0]?.[1]).toBe('default');
    expect(consentCalls()[0]?.[2].analytics_storage).toBe('denied');
    await accepted;
    expect(api.allows('analytics')).toBe(true);
    expect(events.filter(([e]) => e === 'ready')).toHaveLength(1);
  });

  it('reports a config that fails to load and grants nothing', async () => {
    const { api, events, load } = start({ config: Promise.reject(new Error('HTTP 404')) });
    await expect(api.ready).rejects.toThrow('HTTP 404');
    await flush();
    expect(events.find(([e]) => e === 'error')).toBeTruthy();
    expect(api.allows('analytics')).toBe(false);
    expect(load).not.toHaveBeenCalled();
  });

  it('replays ready to late listeners', async () => {
    const { api } = start();
    await api.ready;
    const late = vi.fn();
    api.on('ready', late);
    await flush();
    expect(late).toHaveBeenCalledOnce();
    const off = api.on('change', late);
    off();
    await api.rejectAll();
    expect(late).toHaveBeenCalledOnce();
  });

  it('draws the floating button, which opens the preference center in one click', async () => {
    const storage = await returning((c) => c.rejectAll());
    const { events, load } = start({ storage });
    await flush();
    expect(load).not.toHaveBeenCalled();
    const button = document.querySelector('assent-settings')!.shadowRoot!.querySelector('button')!;
    expect(button.textContent).toBe('Privacy settings');
    button.click();
    await vi.waitFor(() => expect(shadow()?.querySelector('[role="dialog"]')).toBeTruthy());
    expect(load).toHaveBeenCalledOnce();
    expect(events.map(([e]) => e)).toContain('open');
  });

  it('requestSeparate loads the UI and resolves with the answer', async () => {
    const storage = await returning((c) => c.rejectAll());
    const { api } = start({ storage });
    const answer = api.requestSeparate('face-payment');
    await vi.waitFor(() => expect(shadow()?.querySelector('[role="dialog"]')).toBeTruthy());
    api.close();
    await expect(answer).resolves.toBe('dismissed');
  });

  it('honours Global Privacy Control in an opt-out jurisdiction and says so in the preference center', async () => {
    const config = storeConfig();
    config.jurisdictions = {
      'US-CA': { model: 'opt-out', sale: ['marketing-email'], targetedAds: ['marketing-email'] },
    };
    Object.defineProperty(navigator, 'globalPrivacyControl', { value: true, configurable: true });
    try {
      const { api, events, load } = start({ config, region: 'US-CA' });
      await api.ready;
      // The loader holds the GPC purpose back at once; the decision module records the refusal.
      expect(api.allows('marketing-email')).toBe(false);
      expect(load).toHaveBeenCalled();
      await vi.waitFor(() =>
        expect(api.get('marketing-email')).toMatchObject({ status: 'refused', method: 'gpc' }),
      );
      expect(api.allows('marketing-email')).toBe(false);
      // Opt-out: what GPC does not cover stays allowed.
      expect(api.allows('analytics')).toBe(true);
      await flush();
      expect(events.find(([e]) => e === 'ready')).toBeTruthy();
      await api.open();
      await vi.waitFor(() =>
        expect(shadow()?.querySelector('[role="dialog"]')?.textContent).toContain('Global Privacy Control'),
      );
    } finally {
      Reflect.deleteProperty(navigator, 'globalPrivacyControl');
    }
  });

  it('in an opt-out jurisdiction, a returning GPC visitor gets no banner and downloads the loader only', async () => {
    const config = storeConfig();
    config.jurisdictions = {
      'US-CA': { model: 'opt-out', sale: ['marketing-email'], targetedAds: ['marketing-email'] },
    };
    Object.defineProperty(navigator, 'globalPrivacyControl', { value: true, configurable: true });
    try {
      const storage = memoryStorage();
      const first = start({ config, region: 'US-CA', storage, floatingButton: 'off' });
      await first.api.ready;
      await vi.waitFor(() => expect(first.api.get('marketing-email')).toMatchObject({ status: 'refused' }));
      await flush();
      cleanup();
      // The refusal GPC recorded is one decision among undecided purposes: no reason to ask.
      const second = start({ config, region: 'US-CA', storage, floatingButton: 'off' });
      await second.api.ready;
      expect(second.events.find(([e]) => e === 'ready')![1]).toMatchObject({ prompt: false });
      expect(second.load).not.toHaveBeenCalled();
      expect(second.api.allows('analytics')).toBe(true);
      expect(second.api.allows('marketing-email')).toBe(false);
    } finally {
      Reflect.deleteProperty(navigator, 'globalPrivacyControl');
    }
  });

  it('clears what refused purposes left whenever the module reads a returning decision', async () => {
    const storage = await returning((c) => c.set({ analytics: false, 'marketing-email': false }));
    // Written by a tag in another tab, or by the server: the analytics purpose lists both.
    // biome-ignore lint/suspicious/noDocumentCookie: a cookie as a tag would leave it
    document.cookie = '_stats=1; path=/';
    // biome-ignore lint/suspicious/noDocumentCookie: a cookie as a tag would leave it
    document.cookie = '_stats_x=1; path=/';
    localStorage.clear();
    const t = start({ storage, floatingButton: 'off' });
    await t.api.ready;
    expect(t.load).toHaveBeenCalledOnce();
    expect(document.cookie).not.toMatch(/_stats/);
  });

  it('after a withdrawal that reloads the page, the next page reads with the module and clears what the tag wrote meanwhile', async () => {
    const config = storeConfig();
    Object.assign(config.purposes[1]!, { reloadOnWithdraw: true });
    const storage = await returning((c) => c.set({ analytics: true, 'marketing-email': false }), config);
    const reload = vi.spyOn(location, 'reload').mockImplementation(() => {});
    const first = start({ storage, config, floatingButton: 'off' });
    await first.api.ready;
    expect(first.load).not.toHaveBeenCalled();
    await first.api.withdraw('analytics');
    expect(reload).toHaveBeenCalledOnce();
    // The tag ran until the page went, and wrote its cookie again.
    // biome-ignore lint/suspicious/noDocumentCookie: a cookie as the tag would leave it
    document.cookie = '_stats=2; path=/';
    cleanup();
    const second = start({ storage, config, floatingButton: 'off' });
    await second.api.ready;
    expect(second.load).toHaveBeenCalledOnce();
    expect(document.cookie).not.toMatch(/_stats/);
    expect(second.api.allows('analytics')).toBe(false);
    // And the page after that answers from what is kept again.
    cleanup();
    const third = start({ storage, config, floatingButton: 'off' });
    await third.api.ready;
    expect(third.load).not.toHaveBeenCalled();
  });

  it('reports a UI that fails to load, grants nothing, and tries again on the next request', async () => {
    const load = vi.fn().mockRejectedValueOnce(new Error('offline')).mockImplementation(loadUi);
    const api = startAssent({ config: storeConfig(), loadUi: load, storage: memoryStorage() });
    const errors: unknown[] = [];
    api.on('error', (e) => errors.push(e));
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(api.decisions()).toEqual({});
    expect(api.allows('analytics')).toBe(false);
    await api.open();
    await vi.waitFor(() => expect(shadow()?.querySelector('[role="dialog"]')).toBeTruthy());
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('throws TypeError without loadUi', () => {
    expect(() => startAssent({ config: storeConfig() } as never)).toThrow(/loadUi/);
  });
});
