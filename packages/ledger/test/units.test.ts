// Small pieces: ISO 8601 durations, rate-limit keys and buckets, token minting.
import { mintToken, subtractDuration } from '@assent/ledger';
import { describe, expect, it } from 'vitest';
import { addressKey, RateLimiter } from '../src/rate-limit.js';
import { Throttled } from '../src/lib/log.js';

describe('subtractDuration', () => {
  const from = new Date('2026-03-31T12:00:00.000Z');
  it('subtracts calendar and clock units', () => {
    expect(subtractDuration('P1Y', from).toISOString()).toBe('2025-03-31T12:00:00.000Z');
    expect(subtractDuration('P1M', from).toISOString()).toBe('2026-03-03T12:00:00.000Z');
    expect(subtractDuration('P2W', from).toISOString()).toBe('2026-03-17T12:00:00.000Z');
    expect(subtractDuration('P1DT1H30M15S', from).toISOString()).toBe('2026-03-30T10:29:45.000Z');
    expect(subtractDuration('PT0S', from).toISOString()).toBe(from.toISOString());
  });
  it('refuses what is not an ISO 8601 duration', () => {
    for (const bad of ['', 'P', 'PT', '1Y', 'P1.5Y', 'P-1D', 'two years', 'P1H'])
      expect(() => subtractDuration(bad, from)).toThrow(TypeError);
  });
});

describe('rate limits', () => {
  it('groups IPv6 clients by /64 and normalises IPv4-mapped addresses', () => {
    expect(addressKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0DB8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey(undefined)).toBe('unknown');
  });
  it('allows bursts up to the limit, refills over the window, and says how long to wait', () => {
    const rl = new RateLimiter({ limit: 3, windowSeconds: 60 });
    const t = 1_000_000;
    expect([rl.take('a', 1, t), rl.take('a', 1, t), rl.take('a', 1, t)]).toEqual([0, 0, 0]);
    expect(rl.take('a', 1, t)).toBe(20);
    expect(rl.take('b', 1, t)).toBe(0);
    expect(rl.take('a', 1, t + 20_000)).toBe(0);
    expect(rl.take('a', 5, t + 20_000)).toBe(60); // a cost over the limit waits for a full bucket
    expect(() => new RateLimiter({ limit: 0, windowSeconds: 1 })).toThrow(TypeError);
  });
});

describe('mintToken', () => {
  it('makes unguessable tokens and stores only their hash', () => {
    const a = mintToken(['audit', 'audit', 'erase'], { label: 'x', expiresInSeconds: 60, now: new Date(0) });
    const b = mintToken(['audit']);
    expect(a.token).not.toBe(b.token);
    expect(a.record.scopes).toEqual(['audit', 'erase']);
    expect(a.record.expiresAt).toBe('1970-01-01T00:01:00.000Z');
    expect(a.record.hash.toString('hex')).not.toContain(Buffer.from(a.token).toString('hex'));
    expect(a.token.slice(4, 16)).toBe(a.record.id);
    expect(() => mintToken([])).toThrow(TypeError);
    expect(() => mintToken(['root'])).toThrow(/unknown scope root/);
    expect(() => mintToken(['audit'], { expiresInSeconds: 0 })).toThrow(TypeError);
  });

  it('never makes an id that a command line would read as an option', () => {
    // One id in 64 started with '-' before: 2,000 ids all pass by chance with probability 2e-14.
    const ids = Array.from({ length: 2000 }, () => mintToken(['audit']).record.id);
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
    expect(ids.every((id) => /^[A-Za-z0-9_][A-Za-z0-9_-]{11}$/.test(id))).toBe(true);
  });
});

describe('Throttled (repeated failure lines)', () => {
  it('lets one line through per 10 s and counts the ones it held back', () => {
    const t = new Throttled();
    expect(t.next(1_000)).toBe('');
    expect(t.next(5_000)).toBeUndefined();
    expect(t.next(10_999)).toBeUndefined();
    expect(t.next(11_000)).toBe(' (2 more since the last line)');
    expect(t.next(21_000)).toBe('');
  });
});
