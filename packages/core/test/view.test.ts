import {
  createConsent,
  digestPolicy,
  digestPurposes,
  gpcRefusals,
  HASH_B64URL,
  memoryStorage,
  policyHash,
  purposeHashes,
  readConsent,
  recordConsent,
  separatePurposes,
  sha256,
  SUBJECT_ID,
  type StoredConsent,
  validateEvent,
} from '@assent/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { example, small } from './fixtures.js';

const DAY = 864e5;
const T0 = Date.UTC(2026, 10, 1, 9, 30, 15);

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('digestPurposes', () => {
  it('gives the same definition hashes as purposeHashes, with Web Crypto', async () => {
    const config = example();
    const hashes = await digestPurposes(config);
    expect(hashes).toEqual(purposeHashes(config));
    expect(Object.keys(hashes)).toEqual(config.purposes.map((p) => p.id));
    for (const h of Object.values(hashes)) expect(h).toMatch(HASH_B64URL);
  });

  it('takes another SHA-256 (plain-http origins), and rejects with TypeError when there is none', async () => {
    const config = small();
    vi.stubGlobal('crypto', {});
    const calls: number[] = [];
    const own = (d: Uint8Array) => {
      calls.push(d.length);
      return sha256(d);
    };
    expect(await digestPurposes(config, own)).toEqual(purposeHashes(config));
    expect(calls).toHaveLength(config.purposes.length);
    await expect(digestPurposes(config)).rejects.toThrow(TypeError);
  });
});

describe('readConsent', () => {
  const config = small();
  const base = { hashes: purposeHashes(config), separate: separatePurposes(config) };

  it('answers exactly as createConsent does, for the same stored state', () => {
    const storage = memoryStorage();
    let t = T0;
    const now = () => t;
    const consent = createConsent(config, { storage, now });
    const check = () => {
      const view = readConsent(config, { ...base, stored: storage.load(), now });
      for (const id of [...config.purposes.map((p) => p.id), 'no-such']) {
        expect(view.allows(id), id).toBe(consent.allows(id));
        expect(view.get(id), id).toEqual(consent.get(id));
      }
      expect(view.decisions()).toEqual(consent.decisions());
      expect(view.needsPrompt()).toEqual(consent.needsPrompt());
    };
    check();
    consent.set({ analytics: true, ads: false });
    check();
    consent.grantSeparate('face-payment');
    t += 200 * DAY;
    check();
    t += 200 * DAY;
    check();
    expect(readConsent(config, { ...base, stored: storage.load(), now }).needsPrompt().prompt).toBe(true);
  });

  it('has no subject before a first decision and separates what needs separate consent', () => {
    const view = readConsent(config, base);
    expect(view.subject).toBeUndefined();
    expect(view.separate).toEqual(['face-payment']);
    expect(view.allows('orders')).toBe(true);
    expect(view.allows('analytics')).toBe(false);
    expect(view.needsPrompt().reasons).toEqual([{ kind: 'first-visit', purposes: ['analytics', 'ads'] }]);
  });

  it('drops stored decisions on purposes that are not consent purposes of the config', () => {
    const stored: StoredConsent = {
      subject: 'q3Vb2p0hXk8m0aJ1dQ7v4w',
      decisions: {
        analytics: { status: 'given', at: T0, method: 'api', hash: base.hashes.analytics! },
        orders: { status: 'refused', at: T0, method: 'api', hash: base.hashes.orders! },
        gone: { status: 'given', at: T0, method: 'api', hash: 'AAAAAAAA' },
      },
    };
    const view = readConsent(config, { ...base, stored, now: () => T0 });
    expect(Object.keys(view.decisions())).toEqual(['analytics']);
    expect(view.get('orders')).toBeUndefined();
    expect(view.subject).toBe(stored.subject);
  });

  it('holds back sale and sharing purposes under GPC in an opt-out jurisdiction until the refusal is recorded', () => {
    const gpcConfig = small({
      jurisdictions: { 'US-CA': { model: 'opt-out', sale: ['ads'] } },
    });
    const o = {
      hashes: purposeHashes(gpcConfig),
      separate: separatePurposes(gpcConfig),
      jurisdiction: 'US-CA',
      now: () => T0,
    };
    const without = readConsent(gpcConfig, { ...o, gpc: false });
    expect(without.allows('ads')).toBe(true);
    expect(gpcRefusals(without)).toEqual([]);
    const undecided = readConsent(gpcConfig, { ...o, gpc: true, gpcSince: T0 });
    expect(undecided.allows('ads')).toBe(false);
    expect(undecided.allows('analytics')).toBe(true);
    expect(gpcRefusals(undecided, T0)).toEqual(['ads']);
    // A consent given before the signal was first honoured does not count; one given after does.
    const at = (t: number): StoredConsent => ({
      subject: 'q3Vb2p0hXk8m0aJ1dQ7v4w',
      decisions: { ads: { status: 'given', at: t, method: 'api', hash: o.hashes.ads! } },
    });
    const before = readConsent(gpcConfig, { ...o, gpc: true, gpcSince: T0, stored: at(T0 - 1000) });
    expect(before.allows('ads')).toBe(false);
    expect(gpcRefusals(before, T0)).toEqual(['ads']);
    const after = readConsent(gpcConfig, { ...o, gpc: true, gpcSince: T0, stored: at(T0) });
    expect(after.allows('ads')).toBe(true);
    expect(gpcRefusals(after, T0)).toEqual([]);
  });
});

describe('recordConsent', () => {
  const config = small();

  it('adds decisions to a view: recorded into it, saved, with a subject made on the first decision', () => {
    const view = readConsent(config, {
      hashes: purposeHashes(config),
      separate: separatePurposes(config),
      now: () => T0,
    });
    const saved: StoredConsent[] = [];
    const consent = recordConsent(view, {
      policyHash: policyHash(config, view.hashes),
      storage: { save: (s) => saved.push(s) },
      now: () => T0,
    });
    expect(consent.subject).toMatch(SUBJECT_ID);
    const change = consent.acceptAll()!;
    expect(change.changed).toEqual(['analytics', 'ads']);
    expect(view.allows('analytics')).toBe(true);
    expect(view.needsPrompt().prompt).toBe(false);
    expect(saved).toHaveLength(1);
    expect(saved[0]!.subject).toBe(consent.subject);
    expect(Object.keys(saved[0]!.decisions)).toEqual(['analytics', 'ads']);
    expect(validateEvent(change.event).subject).toBe(consent.subject);
    expect(consent.policy).toEqual({ version: 'v1', hash: policyHash(config) });
    expect(() => consent.set({ 'face-payment': true })).toThrow(/grantSeparate/);
  });

  it('needs the policy hash: it carries no SHA-256 of its own', () => {
    const view = readConsent(config, { hashes: purposeHashes(config), separate: separatePurposes(config) });
    expect(() => recordConsent(view, {} as never)).toThrow(/policyHash is required/);
    expect(() => recordConsent(view, undefined as never)).toThrow(TypeError);
  });

  it('digestPolicy (Web Crypto, or a given sha256) equals the synchronous policyHash', async () => {
    const hashes = await digestPurposes(config);
    expect(await digestPolicy(config, hashes)).toBe(policyHash(config, hashes));
    expect(await digestPolicy(config, hashes, sha256)).toBe(policyHash(config, hashes));
    // Another notice version, another hash.
    const next = { ...config, notice: { ...config.notice, version: 'v2' } };
    expect(await digestPolicy(next, hashes)).not.toBe(await digestPolicy(config, hashes));
    vi.stubGlobal('crypto', {});
    await expect(digestPolicy(config, hashes)).rejects.toThrow(/pass a sha256/);
    expect(await digestPolicy(config, hashes, sha256)).toBe(policyHash(config, hashes));
  });

  it('createConsent uses given hashes instead of computing them', () => {
    const hashes = { ...purposeHashes(config), analytics: 'X'.repeat(43) };
    const consent = createConsent(config, { hashes, now: () => T0 });
    expect(consent.hashes.analytics).toBe('X'.repeat(43));
    expect(consent.acceptAll()!.event.purposes.analytics!.hash).toBe('X'.repeat(43));
  });
});
