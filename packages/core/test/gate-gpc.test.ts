import { Window } from 'happy-dom';
import { afterEach, describe, expect, it } from 'vitest';
import { applyGpc, gpcSince, readGpc, resolveJurisdiction } from '@assent/core';

const windows: Window[] = [];
afterEach(async () => {
  for (const w of windows.splice(0)) await w.happyDOM.close();
});
const page = () => {
  const w = new Window({ url: 'https://shop.example.com/' });
  windows.push(w);
  return w as unknown as globalThis.Window;
};

type D = { status: string; at: number };
const consentWith = (model: string, gpc: boolean, decisions: Record<string, D> = {}) => {
  const calls: [Record<string, boolean>, string][] = [];
  return {
    calls,
    gpc,
    config: {
      purposes: [
        { id: 'orders', basis: 'contract' },
        { id: 'ads-partner', basis: 'consent' },
        { id: 'retargeting', basis: 'consent' },
        { id: 'analytics', basis: 'consent' },
      ],
    },
    rule: {
      model,
      // A contract purpose in a sale list is lint's to report; GPC cannot refuse it.
      sale: ['ads-partner', 'orders'],
      sharing: ['ads-partner', 'retargeting'],
      targetedAds: ['retargeting'],
    },
    decisions: () => ({ ...decisions }),
    set(choices: Record<string, boolean>, method: 'gpc') {
      calls.push([choices, method]);
      for (const [id, v] of Object.entries(choices))
        decisions[id] = { status: v ? 'given' : 'refused', at: Date.now() };
    },
  };
};

describe('readGpc', () => {
  it('is true only for globalPrivacyControl === true', () => {
    for (const [v, want] of [
      [true, true],
      [false, false],
      ['1', false],
      [1, false],
      [undefined, false],
    ] as const)
      expect(readGpc({ globalPrivacyControl: v } as unknown as Navigator)).toBe(want);
  });
});

describe('gpcSince', () => {
  it('reads the time GPC was first honoured only while the signal is sent, never touching localStorage without it', () => {
    const w = page();
    w.localStorage.setItem('assent-gpc', '1767225600000');
    let reads = 0;
    const storage = w.localStorage;
    Object.defineProperty(w, 'localStorage', {
      get: () => {
        reads++;
        return storage;
      },
    });
    Object.defineProperty(w.navigator, 'globalPrivacyControl', { value: false, configurable: true });
    expect(gpcSince(w)).toBeUndefined();
    expect(reads).toBe(0);
    Object.defineProperty(w.navigator, 'globalPrivacyControl', { value: true, configurable: true });
    expect(gpcSince(w)).toBe(1767225600000);
    expect(reads).toBe(1);
    storage.removeItem('assent-gpc');
    expect(gpcSince(w)).toBeUndefined();
  });
});

describe('applyGpc', () => {
  it('refuses the sale, sharing and targeted-advertising consent purposes with method gpc when opt-out', () => {
    const w = page();
    const c = consentWith('opt-out', true, { analytics: { status: 'given', at: 0 } });
    const r = applyGpc(c, w);
    expect(r).toEqual({ honoured: true, refused: ['ads-partner', 'retargeting'] });
    expect(c.calls).toEqual([[{ 'ads-partner': false, retargeting: false }, 'gpc']]);
  });

  it('changes nothing in an opt-in jurisdiction or without the signal', () => {
    for (const [model, gpc] of [
      ['opt-in', true],
      ['opt-out', false],
    ] as const) {
      const c = consentWith(model, gpc);
      expect(applyGpc(c, page())).toEqual({ honoured: false, refused: [] });
      expect(c.calls).toEqual([]);
    }
  });

  it('overrides a consent given before the signal was first honoured, keeps one given after', () => {
    const w = page();
    const before = Date.now() - 60_000;
    const c = consentWith('opt-out', true, { 'ads-partner': { status: 'given', at: before } });
    expect(applyGpc(c, w).refused).toEqual(['ads-partner', 'retargeting']);
    const honouredAt = Number(w.localStorage.getItem('assent-gpc'));
    expect(honouredAt).toBeGreaterThan(before);
    // The shopper then opts in explicitly; on the next page load that choice stands.
    const again = consentWith('opt-out', true, {
      'ads-partner': { status: 'given', at: honouredAt + 1000 },
      retargeting: { status: 'refused', at: honouredAt },
    });
    expect(applyGpc(again, w)).toEqual({ honoured: true, refused: [] });
    expect(again.calls).toEqual([]);
  });

  it('without storage, overrides earlier consent every time (the shopper’s side)', () => {
    const w = page();
    Object.defineProperty(w, 'localStorage', {
      get() {
        throw new DOMException('blocked', 'SecurityError');
      },
    });
    const c = consentWith('opt-out', true, { 'ads-partner': { status: 'given', at: Date.now() - 5000 } });
    expect(applyGpc(c, w).refused).toContain('ads-partner');
  });

  it('is not honoured when the rule names no purposes', () => {
    const c = { ...consentWith('opt-out', true), rule: { model: 'opt-out' } };
    expect(applyGpc(c, page())).toEqual({ honoured: false, refused: [] });
  });
});

describe('resolveJurisdiction', () => {
  const config = {
    jurisdictions: { CN: {}, EU: {}, US: {}, 'US-CA': {}, default: {} },
    defaultJurisdiction: 'CN',
  };

  it('takes the first well-formed region, normalised', () => {
    expect(resolveJurisdiction(config, 'us-ca', 'CN')).toBe('US-CA');
    expect(resolveJurisdiction(config, undefined, ' cn ')).toBe('CN');
    expect(resolveJurisdiction(config, null, 'not a region', 'US-TX')).toBe('US-TX');
    expect(resolveJurisdiction(config, '', 'U')).toBe('CN');
  });

  it('maps EU and EEA countries to EU rules when the country has none', () => {
    for (const c of ['DE', 'FR', 'GR', 'NO', 'IS', 'LI', 'FR-75'])
      expect(resolveJurisdiction(config, c)).toBe('EU');
    expect(resolveJurisdiction({ jurisdictions: { EU: {}, DE: {} } }, 'DE')).toBe('DE');
    expect(resolveJurisdiction({ jurisdictions: {} }, 'DE')).toBe('DE');
    for (const c of ['GB', 'CH', 'US', 'EL']) expect(resolveJurisdiction(config, c)).toBe(c);
  });

  it('falls back to the default jurisdiction, else ZZ', () => {
    expect(resolveJurisdiction(config)).toBe('CN');
    expect(resolveJurisdiction({})).toBe('ZZ');
  });
});
