// The HTTP layer's answers to the inputs and loads an audit found it mishandling: durations out of
// the Date range, malformed percent-encoding, CORS on rate-limited answers, reads and writes in
// separate per-subject buckets, batches larger than the per-subject limit, error paths, the
// failure log, and a retry that carries a link the first attempt did not. Everything that goes
// through a store runs on SQLite and on PostgreSQL, like ledger.test.ts: the rate limits, the
// failure log and link retries sit on the store's answers (its receipts, its tree size, its token
// table), and a difference there is exactly what the audit fixes must not have. SQLite only: the CLI
// next to a file and a store that breaks (a lost WAL); see those blocks.
import { generateKeyPairSync } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createSubjectId } from '@assent/core/protocol';
import { type LedgerOptions, LogConflict, subtractDuration } from '@assent/ledger';
import { createLinkToken } from '@assent/verifier';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { routeOf } from '../src/http/failure-log.js';
import { RateLimiter } from '../src/rate-limit.js';
import { type Backend, type Fixture, fixture, get, HASH_A, type Json, makeEvent, runCli } from './helpers.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function send(url: string, method: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
}

describe('durations out of range (audit #5)', () => {
  it('subtractDuration throws TypeError when the result is before the earliest Date', () => {
    const from = new Date('2026-03-31T12:00:00.000Z');
    for (const d of ['P999999Y', 'PT99999999999999999999S', 'P99999999999D'])
      expect(() => subtractDuration(d, from), d).toThrow(TypeError);
    // The far end of what is representable still works.
    expect(subtractDuration('P270000Y', from).getUTCFullYear()).toBe(2026 - 270000);
  });
});

describe.each(['sqlite', 'postgres'] as const satisfies readonly Backend[])(
  'the HTTP layer (%s)',
  (backend) => {
    let fx: Fixture;
    beforeAll(async () => {
      fx = await fixture(backend);
    });
    afterAll(async () => {
      await fx?.cleanup();
    });

    describe('durations out of range (audit #5)', () => {
      it('POST /v1/purge answers 400 ERR_DURATION_INVALID, not 500', async () => {
        const l = await fx.ledger();
        const url = await l.listen(0);
        const admin = (await l.createToken({ scopes: ['admin'] })).token;
        for (const olderThan of ['P999999Y', 'PT99999999999999999999S']) {
          const r = await send(`${url}/v1/purge`, 'POST', bearer(admin), { olderThan });
          expect(r.status, olderThan).toBe(400);
          expect(r.body.error).toMatchObject({ code: 'ERR_DURATION_INVALID', path: '$.olderThan' });
        }
        expect(await l.store.treeSize()).toBe(0);
      });
    });

    describe('malformed percent-encoding in a path segment (audit #4)', () => {
      it('answers 400 with the code and path of the segment, not 500', async () => {
        const l = await fx.ledger();
        const url = await l.listen(0);
        const reader = (await l.createToken({ scopes: ['read:subject'] })).token;
        const admin = (await l.createToken({ scopes: ['admin'] })).token;
        const audit = (await l.createToken({ scopes: ['audit'] })).token;
        const cases: Array<[string, string, string, string, string]> = [
          ['GET', '/v1/subjects/%E0%A4%A/consent', reader, 'ERR_SUBJECT_INVALID', 'subject'],
          ['GET', '/v1/subjects/%ZZ/history', reader, 'ERR_SUBJECT_INVALID', 'subject'],
          ['DELETE', '/v1/subjects/%E0%A4', admin, 'ERR_SUBJECT_INVALID', 'subject'],
          ['DELETE', '/v1/tokens/%ZZ', admin, 'ERR_PARAM_INVALID', 'id'],
          ['GET', '/v1/dashboard/subjects/%ZZ/history', audit, 'ERR_SUBJECT_INVALID', 'subject'],
        ];
        for (const [method, path, token, code, at] of cases) {
          const r = await send(`${url}${path}`, method, bearer(token));
          expect(r.status, `${method} ${path}`).toBe(400);
          expect(r.body.error).toMatchObject({ code, path: at });
        }
        // Still serving.
        expect((await get(`${url}/healthz`)).status).toBe(200);
      });
    });

    describe('CORS headers on a 429 from the per-address limit (audit #7)', () => {
      it('a browser on an allowed origin can read the 429 and its Retry-After', async () => {
        const l = await fx.ledger({
          corsOrigins: ['https://shop.example'],
          rateLimit: { perAddress: { limit: 2, windowSeconds: 60 }, perSubject: false },
        });
        const url = await l.listen(0);
        const origin = { origin: 'https://shop.example' };
        const statuses: number[] = [];
        let limited: Awaited<ReturnType<typeof send>> | undefined;
        for (let i = 0; i < 3; i++) {
          const r = await send(`${url}/v1/events`, 'POST', origin, [makeEvent()]);
          statuses.push(r.status);
          if (r.status === 429) limited = r;
        }
        expect(statuses).toEqual([200, 200, 429]);
        expect(limited!.headers.get('access-control-allow-origin')).toBe('https://shop.example');
        expect(limited!.headers.get('access-control-expose-headers')).toBe('Retry-After');
        expect(limited!.headers.get('vary')).toBe('Origin');
        expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        // A public resource answers any origin, limited or not.
        const health = await get(`${url}/healthz`, { origin: 'https://elsewhere.example' });
        expect(health.status).toBe(429);
        expect(health.headers.get('access-control-allow-origin')).toBe('*');
        // An origin off the list is still refused, and still counted by the address limit.
        const other = await send(`${url}/v1/events`, 'POST', { origin: 'https://evil.example' }, [
          makeEvent(),
        ]);
        expect(other.status).toBe(429);
        expect(other.headers.get('access-control-allow-origin')).toBeNull();
      });
    });

    describe('reads and writes of a subject take from separate buckets (audit #2)', () => {
      it("a backend's reads never make the shopper's withdrawal wait, nor events the reads", async () => {
        const l = await fx.ledger({
          rateLimit: { perAddress: false, perSubject: { limit: 3, windowSeconds: 60 } },
        });
        const url = await l.listen(0);
        const reader = bearer((await l.createToken({ scopes: ['read:subject'] })).token);
        const audit = bearer((await l.createToken({ scopes: ['audit'] })).token);
        const subject = createSubjectId();
        const given = { analytics: { status: 'given' as const, hash: HASH_A } };
        expect(
          (await send(`${url}/v1/events`, 'POST', {}, [makeEvent({ subject, purposes: given })])).status,
        ).toBe(200);
        const reads: number[] = [];
        for (let i = 0; i < 3; i++)
          reads.push((await get(`${url}/v1/subjects/${subject}/consent`, reader)).status);
        expect(reads).toEqual([200, 200, 200]);
        const over = await get(`${url}/v1/subjects/${subject}/history`, reader);
        expect(over.status).toBe(429);
        expect(over.body.error.code).toBe('ERR_RATE_LIMITED');
        expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        // The dashboard's lookup reads from the same read bucket.
        expect((await get(`${url}/v1/dashboard/subjects/${subject}/history`, audit)).status).toBe(429);

        // The withdrawal goes through: reads took nothing from the event bucket.
        const withdrawn = { analytics: { status: 'withdrawn' as const, hash: HASH_A } };
        const w = await send(`${url}/v1/events`, 'POST', {}, [makeEvent({ subject, purposes: withdrawn })]);
        expect(w.status).toBe(200);
        expect((await send(`${url}/v1/events`, 'POST', {}, [makeEvent({ subject })])).status).toBe(200);
        // The event bucket has its own limit of 3.
        expect((await send(`${url}/v1/events`, 'POST', {}, [makeEvent({ subject })])).status).toBe(429);

        // The other way round: a subject whose event bucket is empty can still be read.
        const busy = createSubjectId();
        for (let i = 0; i < 3; i++)
          expect((await send(`${url}/v1/events`, 'POST', {}, [makeEvent({ subject: busy })])).status).toBe(
            200,
          );
        expect((await send(`${url}/v1/events`, 'POST', {}, [makeEvent({ subject: busy })])).status).toBe(429);
        const read = await get(`${url}/v1/subjects/${busy}/history`, reader);
        expect(read.status).toBe(200);
        expect(read.body.events).toHaveLength(3);
      });
    });

    describe('a request with more events for one subject than the per-subject limit (audit #3)', () => {
      it('POST /v1/events admits such a batch (no 429 that could never pass) and limits what follows', async () => {
        const l = await fx.ledger({
          rateLimit: { perAddress: false, perSubject: { limit: 5, windowSeconds: 60 } },
        });
        const url = await l.listen(0);
        const subject = createSubjectId();
        const before = await l.store.treeSize();
        const batch = Array.from({ length: 6 }, () => makeEvent({ subject }));
        const r = await send(`${url}/v1/events`, 'POST', {}, batch);
        expect(r.status).toBe(200);
        expect(r.body.receipts).toHaveLength(6);
        // The batch left the bucket in debt: the subject's next event waits until it is paid.
        const next = await send(`${url}/v1/events`, 'POST', {}, [makeEvent({ subject })]);
        expect(next.status).toBe(429);
        // 1 token owed plus 1 needed, at 5 per minute: 24 s.
        expect(Number(next.headers.get('retry-after'))).toBe(24);
        expect(await l.store.treeSize()).toBe(before + 6);
      });

      it("a request refused for one subject spends none of its other subjects' budget", async () => {
        const l = await fx.ledger({
          rateLimit: { perAddress: false, perSubject: { limit: 2, windowSeconds: 60 } },
        });
        const url = await l.listen(0);
        const [x, y] = [createSubjectId(), createSubjectId()];
        const post = (subjects: string[]) =>
          send(
            `${url}/v1/events`,
            'POST',
            {},
            subjects.map((subject) => makeEvent({ subject })),
          );
        expect((await post([y, y])).status).toBe(200);
        const refused = await post([x, y]);
        expect(refused.status).toBe(429);
        // Y's wait: one token at 2 per minute.
        expect(Number(refused.headers.get('retry-after'))).toBe(30);
        expect((await post([x, x])).status).toBe(200);
      });
    });

    describe('error paths and messages (audit #12)', () => {
      it('POST /v1/tokens names expiresInSeconds, with a clear message, when it is out of range', async () => {
        const l = await fx.ledger();
        const url = await l.listen(0);
        const admin = bearer((await l.createToken({ scopes: ['admin'] })).token);
        for (const expiresInSeconds of [1e300, 9007199254740991, 3_155_760_001, 0, -5, 1.5, '90', null]) {
          const r = await send(`${url}/v1/tokens`, 'POST', admin, { scopes: ['audit'], expiresInSeconds });
          expect(r.status, String(expiresInSeconds)).toBe(400);
          expect(r.body.error).toMatchObject({
            code: 'ERR_TOKEN_REQUEST_INVALID',
            path: '$.expiresInSeconds',
          });
          expect(r.body.error.message).toContain('expiresInSeconds must be a positive integer');
        }
        const ok = await send(`${url}/v1/tokens`, 'POST', admin, {
          scopes: ['audit'],
          expiresInSeconds: 3_155_760_000,
        });
        expect(ok.status).toBe(201);
        expect(Date.parse(ok.body.expiresAt) - Date.parse(ok.body.createdAt)).toBe(3_155_760_000_000);
        const scopes = await send(`${url}/v1/tokens`, 'POST', admin, { scopes: ['root'] });
        expect(scopes.body.error).toMatchObject({ code: 'ERR_TOKEN_REQUEST_INVALID', path: '$.scopes' });
      });

      it('GET /v1/stats names the day that is not a date', async () => {
        const l = await fx.ledger();
        const url = await l.listen(0);
        const audit = bearer((await l.createToken({ scopes: ['audit'] })).token);
        for (const [query, at] of [
          ['from=2026-13-01&to=2026-12-31', 'from'],
          ['from=2026-01-01&to=2026-00-10', 'to'],
          ['to=2026-02-30', 'to'],
        ] as const) {
          const r = await get(`${url}/v1/stats?${query}`, audit);
          expect(r.status, query).toBe(400);
          expect(r.body.error).toEqual({
            code: 'ERR_PARAM_INVALID',
            message: `${at}: must be a date as YYYY-MM-DD`,
            path: at,
          });
        }
      });
    });

    describe('the failure log (audit #6)', () => {
      it('writes one line per 500, with route and stack, without subject ids, query or body', async () => {
        const lines: string[] = [];
        const l = await fx.ledger({ log: (line) => lines.push(line) });
        const url = await l.listen(0);
        const reader = bearer((await l.createToken({ scopes: ['read:subject'] })).token);
        const store = l.store as unknown as Record<string, unknown>;
        store.subjectEntries = async () => {
          throw new Error('boom-read');
        };
        const subject = createSubjectId();
        const r = await get(`${url}/v1/subjects/${subject}/consent?note=secret-query`, reader);
        expect(r.status).toBe(500);
        expect(r.body.error).toEqual({ code: 'ERR_INTERNAL', message: 'internal error', path: null });
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(
          /^assent-ledger: 500 ERR_INTERNAL on GET \/v1\/subjects\/:subject\/consent: Error: boom-read at /,
        );
        expect(lines[0]).not.toContain('\n');
        expect(lines[0]).not.toContain(subject);
        expect(lines[0]).not.toContain('secret-query');

        store.append = async () => {
          throw new Error('boom-write');
        };
        const ev = makeEvent();
        expect((await send(`${url}/v1/events`, 'POST', {}, [ev])).status).toBe(500);
        expect(lines).toHaveLength(2);
        expect(lines[1]).toContain('500 ERR_INTERNAL on POST /v1/events: Error: boom-write');
        for (const personal of [ev.id, ev.subject]) expect(lines[1]).not.toContain(personal);
        // 4xx answers are the client's business, not the operator's.
        expect((await get(`${url}/v1/subjects/nope/consent`, reader)).status).toBe(400);
        expect((await get(`${url}/v1/nothing-here`)).status).toBe(404);
        expect(lines).toHaveLength(2);
      });

      it('writes a line when another process moved the log, at most one per 10 s', async () => {
        const lines: string[] = [];
        const l = await fx.ledger({ log: (line) => lines.push(line) });
        const url = await l.listen(0);
        (l.store as unknown as Record<string, unknown>).append = async () => {
          throw new LogConflict('the database log moved under this process');
        };
        for (let i = 0; i < 3; i++) {
          const r = await send(`${url}/v1/events`, 'POST', {}, [makeEvent()]);
          expect(r.status).toBe(503);
          expect(r.body.error.code).toBe('ERR_LOG_CONFLICT');
        }
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain('assent-ledger: log conflict: another process wrote to this ledger');
        expect(lines[0]).toContain('the database log moved under this process');
      });

      it('writes to stderr by default, and refuses a log that is not a function', async () => {
        const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
        try {
          const l = await fx.ledger();
          const url = await l.listen(0);
          (l.store as unknown as Record<string, unknown>).treeSize = async () => {
            throw new Error('boom-health');
          };
          expect((await get(`${url}/healthz`)).status).toBe(500);
          const written = spy.mock.calls.map((c) => String(c[0])).filter((t) => t.includes('boom-health'));
          expect(written).toHaveLength(1);
          expect(written[0]).toMatch(
            /^assent-ledger: 500 ERR_INTERNAL on GET \/healthz: Error: boom-health at .*\n$/,
          );
        } finally {
          spy.mockRestore();
        }
        await expect(fx.ledger({ log: 'stderr' as never })).rejects.toThrow(/log must be a function/);
      });
    });

    describe('a retry that carries a link the first attempt did not (audit #10, protocol.md 3.1)', () => {
      it('is answered with the stored receipt and links nothing; a new event with the link does', async () => {
        const storefront = generateKeyPairSync('ed25519');
        const jwk = { ...storefront.publicKey.export({ format: 'jwk' }), kid: 'shop-1' };
        const l = await fx.ledger({ linkKeys: { keys: [jwk] } });
        const url = await l.listen(0);
        const link = (subject: string) =>
          createLinkToken({ customerId: 'cust-42', subject, key: storefront.privateKey, kid: 'shop-1' });
        const [a, b] = [createSubjectId(), createSubjectId()];
        expect(
          (await send(`${url}/v1/events`, 'POST', {}, [makeEvent({ subject: a, link: await link(a) })]))
            .status,
        ).toBe(200);
        const first = makeEvent({ subject: b });
        const r1 = await send(`${url}/v1/events`, 'POST', {}, [first]);
        const size = await l.store.treeSize();
        const retry = await send(`${url}/v1/events`, 'POST', {}, [{ ...first, link: await link(b) }]);
        // Byte-identical receipt, no new entry: a retry.
        expect(retry.status).toBe(200);
        expect(retry.body.receipts).toEqual(r1.body.receipts);
        expect(await l.store.treeSize()).toBe(size);
        // ...and no link: A's link token cannot read B.
        const asA = { authorization: `Link ${await link(a)}` };
        expect((await get(`${url}/v1/subjects/${b}/history`, asA)).status).toBe(403);
        // A retry's link is ignored even when it does not verify (here: it names another subject): the
        // stored receipt, nothing linked.
        const wrong = await send(`${url}/v1/events`, 'POST', {}, [{ ...first, link: await link(a) }]);
        expect(wrong.status).toBe(200);
        expect(wrong.body.receipts).toEqual(r1.body.receipts);
        expect(await l.store.treeSize()).toBe(size);
        expect((await get(`${url}/v1/subjects/${b}/history`, asA)).status).toBe(403);
        // The documented way: the link travels with a new event.
        expect(
          (await send(`${url}/v1/events`, 'POST', {}, [makeEvent({ subject: b, link: await link(b) })]))
            .status,
        ).toBe(200);
        const read = await get(`${url}/v1/subjects/${b}/history`, asA);
        expect(read.status).toBe(200);
        expect([...read.body.subjects].sort()).toEqual([a, b].sort());
      });
    });
  },
);

// SQLite only. The CLI's purge opens the default SQLite file in its working directory; and a store
// that breaks for good (its `broken` state, 503 until restart) exists only on SQLite, where a lost
// WAL or a failed fsync leaves the open connection unusable. PostgreSQL has no such state: a failed
// query fails that request and the next one tries again (postgres.test.ts covers those answers).
describe('on SQLite only', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await fixture('sqlite');
  });
  afterAll(async () => {
    await fx?.cleanup();
  });
  /** A ledger on its own SQLite file whose store is broken: its WAL is gone before the next commit. */
  async function brokenLedger(name: string, options: LedgerOptions = {}) {
    const database = join(fx.dir, `${name}.db`);
    const l = await fx.ledger({ database, signingThreads: 0, ...options });
    const url = await l.listen(0);
    expect((await send(`${url}/v1/events`, 'POST', {}, [makeEvent()])).status).toBe(200);
    unlinkSync(`${database}-wal`);
    return { l, url };
  }

  describe('durations out of range (audit #5)', () => {
    it('the CLI purge treats it as a usage error (exit 2)', async () => {
      const r = await runCli(['purge', '--older-than', 'P999999Y'], {
        cwd: fx.dir,
        env: { ASSENT_LEDGER_KEY: JSON.stringify(fx.keys) },
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('P999999Y');
    });
  });

  describe('error paths and messages (audit #12)', () => {
    it('the 503 of /healthz has an error body with path null, like every error', async () => {
      const { l, url } = await brokenLedger('healthz-broken', { log: () => {} });
      await expect(l.append([makeEvent()])).rejects.toMatchObject({ code: 'ERR_STORAGE_UNAVAILABLE' });
      const h = await get(`${url}/healthz`);
      expect(h.status).toBe(503);
      expect(h.body.error).toEqual({
        code: 'ERR_STORAGE_UNAVAILABLE',
        message: expect.any(String),
        path: null,
      });
    });
  });

  describe('the failure log (audit #6)', () => {
    it('writes one line when the store breaks, however many requests fail after', async () => {
      const lines: string[] = [];
      const { url } = await brokenLedger('log-broken', { log: (line) => lines.push(line) });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await send(`${url}/v1/events`, 'POST', {}, [makeEvent()])).status);
      expect(statuses).toEqual([503, 503, 503]);
      expect((await get(`${url}/healthz`)).status).toBe(503);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^assent-ledger: storage broken: every write is refused until the ledger is restarted: /,
      );
      expect(lines[0]).not.toContain('\n');
    });

    it('writes the storage line to stderr by default', async () => {
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        const { url } = await brokenLedger('log-broken-stderr');
        expect((await send(`${url}/v1/events`, 'POST', {}, [makeEvent()])).status).toBe(503);
        const written = spy.mock.calls.map((c) => String(c[0])).filter((t) => t.includes('storage broken'));
        expect(written).toHaveLength(1);
        expect(written[0]).toMatch(/^assent-ledger: storage broken: .*\n$/);
      } finally {
        spy.mockRestore();
      }
    });

    it('notices a store that broke in the background at the next request, a health check too', async () => {
      const lines: string[] = [];
      const { l, url } = await brokenLedger('log-broken-bg', { log: (line) => lines.push(line) });
      await expect(l.append([makeEvent()])).rejects.toMatchObject({ code: 'ERR_STORAGE_UNAVAILABLE' });
      expect(lines).toHaveLength(0);
      expect((await get(`${url}/healthz`)).status).toBe(503);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('storage broken');
    });
  });
});

describe('a request with more events for one subject than the per-subject limit (audit #3)', () => {
  it('is taken from a full bucket, leaving a debt; every Retry-After comes true', () => {
    const rl = new RateLimiter({ limit: 5, windowSeconds: 10 }); // one token per 2 s
    const t = 1_000_000;
    // Full bucket: 6 > 5 passes and leaves -1.
    expect(rl.take('a', 6, t)).toBe(0);
    // The debt is paid first: the next event waits (1 - -1) tokens = 4 s, and then passes.
    expect(rl.take('a', 1, t)).toBe(4);
    expect(rl.take('a', 1, t + 3_999)).toBe(1);
    expect(rl.take('a', 1, t + 4_000)).toBe(0);
    // Not full: an oversized request waits until the bucket is full again, and then passes.
    expect(rl.take('b', 1, t)).toBe(0);
    expect(rl.take('b', 12, t)).toBe(2);
    expect(rl.take('b', 12, t + 2_000)).toBe(0);
    // For any cost, obeying Retry-After once (with no other traffic) is enough.
    for (let cost = 1; cost <= 16; cost++)
      for (let spent = 0; spent <= 5; spent++) {
        const k = `c${cost}-${spent}`;
        if (spent) rl.take(k, spent, t);
        const wait = rl.take(k, cost, t);
        if (wait) expect(rl.take(k, cost, t + wait * 1000), `${k} after ${wait} s`).toBe(0);
      }
  });
});

describe('routeOf (the failure log names routes, never ids)', () => {
  it('replaces path parameters by their names and cuts unknown text', () => {
    const id = createSubjectId();
    expect(routeOf(`/v1/subjects/${id}`)).toBe('/v1/subjects/:subject');
    expect(routeOf(`/v1/subjects/${id}/history`)).toBe('/v1/subjects/:subject/history');
    expect(routeOf(`/v1/subjects/${id}/x/y`)).toBe('/v1/subjects/(other)');
    expect(routeOf(`/v1/dashboard/subjects/${id}/history`)).toBe('/v1/dashboard/subjects/:subject/history');
    expect(routeOf(`/v1/dashboard/subjects/${id}`)).toBe('/v1/dashboard/subjects/(other)');
    expect(routeOf('/v1/tokens/abc/def')).toBe('/v1/tokens/:id');
    expect(routeOf('/v1/events')).toBe('/v1/events');
    expect(routeOf('/v1/%3Cscript%3E')).toBe('(other path)');
    expect(routeOf(`/${'a'.repeat(100)}`)).toBe('(other path)');
  });
});
