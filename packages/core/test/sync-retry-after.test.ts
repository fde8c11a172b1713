// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://shop.example/"}
// Retry-After in both of its forms (RFC 9110 §10.2.3), and never a delay setTimeout overflows on:
// a delay over 2^31-1 ms fires at once, so a huge Retry-After would become a tight retry loop.
import { createConsent } from '@assent/core';
import { createMemorySyncStore, createSync, MAX_TIMEOUT_MS, retryAfterMs } from '@assent/core/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { small } from './fixtures.js';
import { createNet, posted, startLedger, type TestLedger } from './sync-helpers.js';

describe('retryAfterMs', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  it('reads delta-seconds and HTTP-dates', () => {
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs(' 120 ', now)).toBe(120_000);
    expect(retryAfterMs(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 12:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs(new Date(now - 5_000).toUTCString(), now)).toBeLessThanOrEqual(0);
  });
  it('caps at the longest setTimeout delay', () => {
    expect(MAX_TIMEOUT_MS).toBe(2 ** 31 - 1);
    expect(retryAfterMs('3000000', now)).toBe(MAX_TIMEOUT_MS);
    expect(retryAfterMs(new Date(now + 40 * 86_400_000).toUTCString(), now)).toBe(MAX_TIMEOUT_MS);
  });
  it('is NaN for an absent or unreadable header', () => {
    for (const h of [null, undefined, '', '-5', '1.5', 'soon', '0x10'])
      expect(retryAfterMs(h, now)).toBeNaN();
  });
});

describe('createSync: Retry-After', () => {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await startLedger();
  });
  afterAll(() => ledger.close());

  // Records the delays asked of setTimeout while one decision meets a busy ledger.
  async function run(status: number, retryAfter: string, options: { retryMaxMs?: number } = {}) {
    const net = createNet();
    net.intercept = (r) =>
      r.url.endsWith('/v1/events')
        ? {
            status,
            body: { error: { code: 'ERR_BUSY', message: 'busy' } },
            headers: { 'retry-after': retryAfter },
          }
        : undefined;
    const delays: number[] = [];
    const real = globalThis.setTimeout;
    globalThis.setTimeout = ((f: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return real(f, ms);
    }) as typeof setTimeout;
    const consent = createConsent(small());
    const sync = createSync({
      ledgerUrl: ledger.url,
      consent,
      fetch: net.fetch,
      store: createMemorySyncStore(),
      onWarning: () => {},
      ...options,
    });
    try {
      consent.set({ analytics: true });
      await sync.flush();
      await new Promise((r) => real(r, 300));
    } finally {
      globalThis.setTimeout = real;
      sync.stop();
    }
    return { delays, posts: posted(net).length };
  }

  it('waits as long as delta-seconds say', async () => {
    const { delays, posts } = await run(503, '2');
    expect(delays).toContain(2000);
    expect(posts).toBe(1);
  });

  it('waits until an HTTP-date', async () => {
    const { delays, posts } = await run(429, new Date(Date.now() + 30_000).toUTCString());
    expect(delays.some((d) => d > 28_000 && d <= 30_000)).toBe(true);
    expect(posts).toBe(1);
  });

  it('caps a huge Retry-After at retryMaxMs instead of looping', async () => {
    const { delays, posts } = await run(503, '3000000');
    expect(posts).toBe(1);
    expect(Math.max(...delays)).toBe(300_000);
    const custom = await run(503, '3000000', { retryMaxMs: 60_000 });
    expect(custom.posts).toBe(1);
    expect(Math.max(...custom.delays)).toBe(60_000);
  });

  it('refuses a retryMaxMs setTimeout would overflow on', () => {
    const consent = createConsent(small());
    for (const retryMaxMs of [2 ** 31, 1e12])
      expect(() =>
        createSync({ ledgerUrl: ledger.url, consent, store: createMemorySyncStore(), retryMaxMs }),
      ).toThrow(/retryMaxMs/);
    const ok = createSync({
      ledgerUrl: ledger.url,
      consent,
      store: createMemorySyncStore(),
      retryMaxMs: MAX_TIMEOUT_MS,
      fetch: async () => Response.error(),
    });
    ok.stop();
  });
});
