// The sync module's pure parts: compaction policy, backoff, merge, answer classification, JWS decoding.
import { type ConsentEvent, createEvent, createSubjectId, type Decision } from '@assent/core';
import { backoffMs, compactable, decodeJws, mergeDecisions, postEvents } from '@assent/core/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const H1 = 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0';
const H2 = '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU';
const subject = createSubjectId();
let clock = Date.UTC(2026, 0, 1);
const tick = () => {
  clock += 1000;
  return new Date(clock);
};
const ev = (purposes: Record<string, 'given' | 'refused'>, over: Partial<ConsentEvent> = {}): ConsentEvent =>
  createEvent({
    subject,
    policy: { version: 'v1', hash: H1 },
    purposes: Object.fromEntries(Object.entries(purposes).map(([id, status]) => [id, { status, hash: H1 }])),
    method: 'api',
    locale: 'en',
    jurisdiction: 'GB',
    gpc: false,
    widget: 't',
    at: tick(),
    ...over,
  });

describe('compactable', () => {
  it('drops the oldest snapshots whose every purpose a later event carries, until max remain', () => {
    const a = ev({ analytics: 'given', ads: 'given' });
    const b = ev({ analytics: 'refused', ads: 'given' });
    const c = ev({ analytics: 'given' });
    const d = ev({ ads: 'refused' });
    expect(compactable([a, b, c, d], 4)).toEqual([]);
    expect(compactable([a, b, c, d], 3)).toEqual([a.id]);
    expect(compactable([a, b, c, d], 2)).toEqual([a.id, b.id]);
    // c and d are the latest decision on a purpose each: they stay beyond any limit.
    expect(compactable([a, b, c, d], 1)).toEqual([a.id, b.id]);
  });

  it('never drops an event carrying a link token, and compares only events of the same subject', () => {
    const link = ev({}, { link: 'a.b.c' });
    const other = ev({ analytics: 'given' }, { subject: createSubjectId() });
    const a = ev({ analytics: 'given' });
    const b = ev({ analytics: 'refused' });
    expect(compactable([link, other, a, b], 1)).toEqual([a.id]);
  });

  it('property: what remains still holds the latest decision on every purpose, and links', () => {
    const ids = ['a', 'b', 'c', 'd'];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            p: fc.subarray(ids),
            given: fc.boolean(),
            link: fc.boolean(),
          }),
          { maxLength: 30 },
        ),
        fc.integer({ min: 0, max: 30 }),
        (specs, max) => {
          const events = specs.map((s) =>
            ev(
              Object.fromEntries(s.p.map((id) => [id, s.given ? 'given' : 'refused'])),
              s.link ? { link: 'x.y.z' } : {},
            ),
          );
          const drop = new Set(compactable(events, max));
          const kept = events.filter((e) => !drop.has(e.id));
          const latest = (list: ConsentEvent[]) => {
            const out: Record<string, string> = {};
            for (const e of list)
              for (const [id, s] of Object.entries(e.purposes)) out[id] = `${e.id}:${s.status}`;
            return out;
          };
          expect(latest(kept)).toEqual(latest(events));
          expect(kept.filter((e) => e.link)).toHaveLength(events.filter((e) => e.link).length);
          // Dropping stops at the limit.
          if (drop.size) expect(kept.length).toBeGreaterThanOrEqual(Math.min(max, events.length));
        },
      ),
    );
  });
});

describe('backoffMs', () => {
  it('doubles from the base, stays in the upper half of each step, and is capped', () => {
    expect(backoffMs(0, 1000, 300_000, () => 0)).toBe(500);
    expect(backoffMs(0, 1000, 300_000, () => 1)).toBe(1000);
    expect(backoffMs(3, 1000, 300_000, () => 0.5)).toBe(6000);
    expect(backoffMs(30, 1000, 300_000, () => 1)).toBe(300_000);
    expect(backoffMs(1e6, 1000, 300_000, () => 0)).toBe(150_000);
    for (let i = 0; i < 50; i++) {
      const d = backoffMs(i % 12, 1000, 60_000);
      const step = Math.min(60_000, 1000 * 2 ** (i % 12));
      expect(d).toBeGreaterThanOrEqual(step / 2);
      expect(d).toBeLessThanOrEqual(step);
    }
  });
});

describe('mergeDecisions', () => {
  const T = Date.UTC(2026, 1, 1, 10, 0, 0);
  const local = (status: Decision['status'], at: number, hash = H1): Decision => ({
    status,
    at,
    method: 'api',
    hash,
  });
  const remote = (status: string, at: number, hash = H1) => ({
    status,
    hash,
    at: new Date(at).toISOString(),
    seq: 1,
  });

  it('adopts newer different remote decisions, keeps newer local ones, ignores equal ones', () => {
    const r = mergeDecisions(
      { analytics: local('given', T), ads: local('given', T + 60_000), mail: local('refused', T) },
      {
        analytics: remote('refused', T + 5000),
        ads: remote('refused', T),
        mail: remote('refused', T + 9000),
        face: remote('given', T),
        unknown: remote('given', T),
      },
      ['analytics', 'ads', 'mail', 'face', 'none'],
    );
    expect(r.apply).toEqual({
      analytics: { status: 'refused', hash: H1, at: T + 5000 },
      face: { status: 'given', hash: H1, at: T },
    });
    expect(r.newerLocal).toEqual(['ads']);
  });

  it('compares whole seconds (a tie keeps the device decision) and treats a hash prefix as the same', () => {
    const r = mergeDecisions(
      { analytics: local('given', T), ads: local('refused', T, H2.slice(0, 8)) },
      { analytics: remote('refused', T + 999), ads: remote('refused', T + 1000, H2) },
      ['analytics', 'ads'],
    );
    expect(r.apply).toEqual({});
    expect(r.newerLocal).toEqual(['analytics']);
  });

  it('ignores malformed remote entries and bodies, and reports local decisions as newer', () => {
    const bad = [
      { status: 'maybe', hash: H1, at: new Date(T).toISOString() },
      { status: 'given', hash: 'short', at: new Date(T).toISOString() },
      { status: 'given', hash: H1, at: 'yesterday' },
      null,
    ];
    for (const x of bad) {
      const r = mergeDecisions({ a: local('given', T - 1e9) }, { a: x }, ['a']);
      expect(r).toEqual({ apply: {}, newerLocal: ['a'] });
    }
    expect(mergeDecisions({}, 'nonsense', ['a'])).toEqual({ apply: {}, newerLocal: [] });
    expect(mergeDecisions({}, null, ['a'])).toEqual({ apply: {}, newerLocal: [] });
  });
});

describe('postEvents', () => {
  const fake = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    (async () =>
      ({
        status,
        ok: status < 300,
        headers: { get: (n: string) => headers[n] ?? null },
        json: async () => body,
      }) as unknown as Response) as unknown as typeof fetch;
  const two = [ev({ a: 'given' }), ev({ a: 'refused' })];

  it('classifies answers: receipts, per-event refusals, request refusals, retries', async () => {
    expect(await postEvents(fake(200, { receipts: ['r1', 'r2'] }), 'u', two, false)).toEqual({
      kind: 'receipts',
      receipts: ['r1', 'r2'],
    });
    expect(
      await postEvents(
        fake(409, {
          error: { code: 'ERR_EVENT_CONFLICT', message: 'm', path: '$[1].id' },
          receipts: ['r1', null],
        }),
        'u',
        two,
        false,
      ),
    ).toEqual({
      kind: 'receipts',
      receipts: ['r1', null],
      error: { code: 'ERR_EVENT_CONFLICT', message: 'm', status: 409, path: '$[1].id' },
    });
    expect(
      await postEvents(
        fake(400, { error: { code: 'ERR_EVENT_INVALID', message: 'm', path: '$[1].at' } }),
        'u',
        two,
        false,
      ),
    ).toMatchObject({ kind: 'refused', index: 1, error: { code: 'ERR_EVENT_INVALID', path: '$[1].at' } });
    const noPath = await postEvents(fake(404, 'not json'), 'u', two, false);
    expect(noPath).toEqual({
      kind: 'refused',
      error: { code: 'HTTP_404', message: 'the ledger answered 404', status: 404 },
    });
    expect(await postEvents(fake(429, {}, { 'retry-after': '7' }), 'u', two, false)).toMatchObject({
      kind: 'retry',
      retryAfterMs: 7000,
    });
    expect((await postEvents(fake(503, {}), 'u', two, false)).kind).toBe('retry');
    // A 200 whose receipts do not match the request is not trusted: try again.
    expect((await postEvents(fake(200, { receipts: ['r1'] }), 'u', two, false)).kind).toBe('retry');
    const throwing = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    expect(await postEvents(throwing, 'u', two, true)).toEqual({
      kind: 'retry',
      message: 'TypeError: Failed to fetch',
    });
  });
});

describe('decodeJws', () => {
  it('reads header and claims of a compact JWS, and nothing else', () => {
    const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    expect(decodeJws(`${b({ alg: 'EdDSA' })}.${b({ sub: 's' })}.sig`)).toEqual({
      header: { alg: 'EdDSA' },
      claims: { sub: 's' },
    });
    for (const bad of [
      '',
      'a.b',
      `${b({})}.${b({})}`,
      `${b({})}.${b({})}.s.x`,
      `${b({})}.bm90IGpzb24.s`,
      '!!.!!.!!',
    ])
      expect(decodeJws(bad)).toBeUndefined();
  });
});
