// consent.apply: decisions adopted from another device keep their own time and definition hash,
// are recorded with method `sync` as one change, and follow the same rules as local decisions.
import { type ConsentChange, createConsent, memoryStorage, purposeHashes, validateEvent } from '@assent/core';
import { describe, expect, it } from 'vitest';
import { small } from './fixtures.js';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

describe('consent.apply', () => {
  it('adopts remote decisions with their time and hash, method sync, and notifies once', () => {
    const config = small();
    const hashes = purposeHashes(config);
    const storage = memoryStorage();
    const consent = createConsent(config, { storage, now: () => T0 + 5 * 864e5 });
    const changes: ConsentChange[] = [];
    consent.subscribe((c) => changes.push(c));
    const change = consent.apply({
      ads: { status: 'refused', at: T0 + 1234, hash: hashes.ads! },
      analytics: { status: 'given', at: T0, hash: hashes.analytics! },
    });
    expect(changes).toEqual([change]);
    expect(change?.method).toBe('sync');
    expect(change?.changed.sort()).toEqual(['ads', 'analytics']);
    expect(consent.get('ads')).toEqual({
      status: 'refused',
      at: T0 + 1000,
      method: 'sync',
      hash: hashes.ads,
    });
    expect(consent.get('analytics')?.at).toBe(T0);
    expect(consent.allows('analytics')).toBe(true);
    expect(consent.needsPrompt().prompt).toBe(false);
    // The event is recorded now, with the full snapshot, and is valid on the wire.
    validateEvent(change!.event);
    expect(change!.event.at).toBe(new Date(T0 + 5 * 864e5).toISOString());
    expect(change!.event.purposes).toEqual({
      ads: { status: 'refused', hash: hashes.ads },
      analytics: { status: 'given', hash: hashes.analytics },
    });
    // Persisted: a reload sees the adopted decisions.
    expect(createConsent(config, { storage }).get('ads')?.status).toBe('refused');
  });

  it('reports as changed only what differs, and keeps an old hash (consent for an old definition is expired)', () => {
    const config = small();
    const hashes = purposeHashes(config);
    const consent = createConsent(config, { now: () => T0 });
    consent.set({ ads: false });
    const old = 'A'.repeat(43);
    const change = consent.apply({
      ads: { status: 'refused', at: T0 - 1000, hash: hashes.ads! },
      analytics: { status: 'given', at: T0 - 1000, hash: old },
    });
    expect(change?.changed).toEqual(['analytics']);
    expect(consent.get('analytics')).toMatchObject({ status: 'expired', hash: old });
    expect(consent.allows('analytics')).toBe(false);
    expect(consent.needsPrompt().reasons.map((r) => r.kind)).toContain('definition-changed');
  });

  it('throws TypeError for an unknown purpose and records nothing for an empty set', () => {
    const consent = createConsent(small());
    expect(() => consent.apply({ nope: { status: 'given', at: T0, hash: 'x'.repeat(43) } })).toThrow(
      TypeError,
    );
    expect(consent.apply({})).toBeUndefined();
    expect(consent.decisions()).toEqual({});
  });
});
