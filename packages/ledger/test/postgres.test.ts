// Several ledger processes on one PostgreSQL database: one log, no fork, no duplicates, failover;
// and the sequencer's failures in the failure log.
import { rotateKeyStore } from '@assent/ledger';
import { verifyReceipt, verifyTreeHead } from '@assent/verifier';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PostgresStore } from '../src/store/postgres.js';
import { type Fixture, fixture, get, makeEvent, post, runCli } from './helpers.js';

describe('PostgreSQL: two ledger instances on one database', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await fixture('postgres');
  });
  afterAll(async () => {
    await fx?.cleanup();
  });

  it('ingest concurrently into one log without fork or duplicates, and fail over when the sequencer stops', async () => {
    const a = await fx.ledger({ treeHeadIntervalMs: 100 });
    const b = await fx.ledger({ treeHeadIntervalMs: 100 });
    const [ua, ub] = [await a.listen(0), await b.listen(0)];
    const events = Array.from({ length: 240 }, () => makeEvent());
    // Each batch goes to one instance; every fourth batch is also retried on the other one.
    const batches = Array.from({ length: 24 }, (_, i) => events.slice(i * 10, i * 10 + 10));
    const results = await Promise.all(
      batches.flatMap((batch, i) => {
        const first = post(i % 2 ? ua : ub, batch);
        return i % 4 === 0 ? [first, post(i % 2 ? ub : ua, batch)] : [first];
      }),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const byId = new Map<string, Set<string>>();
    results.forEach((r, k) => {
      const i = [...Array(24).keys()].flatMap((j) => (j % 4 === 0 ? [j, j] : [j]))[k]!;
      batches[i]!.forEach((e, n) => {
        const s = byId.get(e.id) ?? new Set();
        s.add(r.body.receipts[n]);
        byId.set(e.id, s);
      });
    });
    expect(byId.size).toBe(240);
    for (const receipts of byId.values()) expect(receipts.size).toBe(1);
    const seqs = await Promise.all(
      [...byId.values()].map(
        async (s) => (await verifyReceipt([...s][0]!, { keys: a.jwks(), issuer: 'https://ledger.test' })).seq,
      ),
    );
    expect(seqs.sort((x, y) => x - y)).toEqual([...Array(240).keys()]);
    expect(await a.store.treeSize()).toBe(240);
    const sequencers = [a, b].filter((l) => (l.store as PostgresStore).isSequencer);
    expect(sequencers).toHaveLength(1);
    expect((await a.verify()).ok).toBe(true);

    // Stop the sequencer: the other instance takes over and the log continues without a gap.
    const [leader] = sequencers;
    const survivor = leader === a ? b : a;
    const survivorUrl = leader === a ? ub : ua;
    await leader!.close();
    const after = await post(survivorUrl, [makeEvent(), makeEvent()]);
    expect(after.status).toBe(200);
    const c = await verifyReceipt(after.body.receipts[1], {
      keys: survivor.jwks(),
      issuer: 'https://ledger.test',
    });
    expect(c.seq).toBe(241);
    expect((survivor.store as PostgresStore).isSequencer).toBe(true);
    const report = await survivor.verify();
    expect(report.ok).toBe(true);
    expect(report.treeSize).toBe(242);
  });

  it('answers 503 when no sequencer integrates in time, and the event lands once one runs', async () => {
    const { createLedger } = await import('@assent/ledger');
    const own = await fixture('postgres');
    const lines: string[] = [];
    const follower = await createLedger({
      keys: own.keys,
      rateLimit: false,
      issuer: 'https://ledger.test',
      log: (line) => lines.push(line),
      postgres: {
        connectionString: own.storage().postgres as string,
        sequencer: false,
        integrateTimeoutMs: 300,
      },
    });
    try {
      const url = await follower.listen(0);
      const e = makeEvent();
      const r = await post(url, [e]);
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('ERR_STORAGE_UNAVAILABLE');
      expect(r.headers.get('retry-after')).toBe('5');
      // The event has waited longer than the timeout: the process is not healthy.
      const h = await get(`${url}/healthz`);
      expect(h.status).toBe(503);
      expect(h.body).toMatchObject({
        status: 'degraded',
        storage: 'postgres',
        error: { code: 'ERR_STORAGE_UNAVAILABLE' },
      });
      expect(h.body.pendingMs).toBeGreaterThan(300);
      // The operator is told, once per 10 s however many requests time out, and without ids.
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^assent-ledger: 1 item\(s\) not integrated within 300 ms, answered 503 ERR_STORAGE_UNAVAILABLE \(they stay pending\): is a sequencer running/,
      );
      expect(lines[0]).not.toContain(e.id);
      expect(lines[0]).not.toContain(e.subject);
      expect((await post(url, [makeEvent()])).status).toBe(503);
      expect(lines).toHaveLength(1);
      const seqr = await own.ledger();
      const retry = await post(url, [e]);
      expect(retry.status).toBe(200);
      const c = await verifyReceipt(retry.body.receipts[0], {
        keys: seqr.jwks(),
        issuer: 'https://ledger.test',
      });
      expect(c.jti).toBe(e.id);
      expect((await seqr.verify()).ok).toBe(true);
      expect((await get(`${url}/healthz`)).body.status).toBe('ok');
    } finally {
      await follower.close();
      await own.cleanup();
    }
  });

  it("logs the sequencer's log conflicts, at most one line per 10 s, and the log continues without a gap", async () => {
    const own = await fixture('postgres');
    try {
      await conflictCase(own);
    } finally {
      await own.cleanup();
    }
  });
});

async function conflictCase(own: Fixture): Promise<void> {
  const lines: string[] = [];
  const l = await own.ledger({ log: (line) => lines.push(line) });
  const url = await l.listen(0);
  expect((await post(url, [makeEvent()])).status).toBe(200);
  // The compare-and-set on the stored log size fails three times, as when another process wrote
  // to the log: the sequencer writes nothing of those steps, reloads, and integrates after.
  const query = pg.Client.prototype.query;
  let failures = 3;
  const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
    this: pg.Client,
    ...args: unknown[]
  ) {
    if (typeof args[0] === 'string' && args[0].includes('WITH cas AS') && failures > 0) {
      failures--;
      return Promise.resolve({ rows: [{ ok: 0 }] });
    }
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as never);
  try {
    const r = await post(url, [makeEvent(), makeEvent()]);
    expect(r.status).toBe(200);
    expect(failures).toBe(0);
  } finally {
    spy.mockRestore();
  }
  const conflicts = lines.filter((x) => x.includes('log conflict'));
  expect(conflicts).toHaveLength(1);
  expect(conflicts[0]).toMatch(
    /^assent-ledger: log conflict: another sequencer wrote to this log \(schema assent\).*LogConflict: the stored tree size moved/,
  );
  expect(conflicts[0]).not.toContain('\n');
  expect(lines).toHaveLength(1);
  const report = await l.verify();
  expect(report.ok).toBe(true);
  expect(report.treeSize).toBe(3);
  // Closing the ledger ends the sequencer's connection: that is not a failure.
  await l.close();
  expect(lines).toHaveLength(1);
}

describe('PostgreSQL: the issuer and the receipt lifetime are ledger-wide (audit 4b #1)', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await fixture('postgres');
  });
  afterAll(async () => {
    await fx?.cleanup();
  });

  it('a process without --issuer adopts the stored one and its lifetime; another issuer or lifetime refuses to start', async () => {
    const a = await fx.ledger({ receiptTtlSeconds: 3600 });
    await a.listen(0);
    await expect(fx.ledger({ issuer: 'https://elsewhere.test' })).rejects.toMatchObject({
      code: 'ERR_LEDGER_SETTINGS_MISMATCH',
      path: 'issuer',
    });
    await expect(fx.ledger({ receiptTtlSeconds: 60 })).rejects.toMatchObject({
      code: 'ERR_LEDGER_SETTINGS_MISMATCH',
      path: 'receiptTtlSeconds',
    });
    // Neither option: this process adopts both, so its receipts read the same once it sequences.
    const b = await fx.ledger({ issuer: undefined });
    const ub = await b.listen(0);
    await a.close();
    const r = await post(ub, [makeEvent()]);
    expect(r.status).toBe(200);
    expect((b.store as PostgresStore).isSequencer).toBe(true);
    const c = await verifyReceipt(r.body.receipts[0], { keys: b.jwks(), issuer: 'https://ledger.test' });
    expect(c.exp - c.iat).toBe(3600);
  });

  it('without any --issuer, the first process to listen names the ledger', async () => {
    const own = await fixture('postgres');
    try {
      const a = await own.ledger({ issuer: undefined });
      const ua = await a.listen(0);
      const b = await own.ledger({ issuer: undefined });
      const ub = await b.listen(0);
      expect(ub).not.toBe(ua);
      await a.close();
      const r = await post(ub, [makeEvent()]);
      expect(r.status).toBe(200);
      await expect(verifyReceipt(r.body.receipts[0], { keys: b.jwks(), issuer: ua })).resolves.toBeTruthy();
    } finally {
      await own.cleanup();
    }
  });

  it('assent-ledger serve with another --issuer exits 78 naming the code', async () => {
    const r = await runCli(
      [
        'serve',
        '--postgres',
        fx.storage().postgres as string,
        '--issuer',
        'https://elsewhere.test',
        '--port',
        '0',
      ],
      { cwd: fx.dir, env: { ASSENT_LEDGER_KEY: JSON.stringify(fx.keys) } },
    );
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('ERR_LEDGER_SETTINGS_MISMATCH');
    expect(r.stderr).toContain('https://elsewhere.test');
  });
});

describe('PostgreSQL: a stalled sequencer is replaced (audit 4b #3)', () => {
  it('a follower ends the session of a sequencer whose heartbeat stopped while events wait, takes over, and the log does not fork when the old one wakes', async () => {
    const own = await fixture('postgres');
    let thaw = () => {};
    try {
      const pgOpts = {
        connectionString: own.storage().postgres as string,
        staleSequencerMs: 1000,
        lockPollMs: 100,
        integrateTimeoutMs: 8000,
      };
      const aLines: string[] = [];
      const a = await own.ledger({ postgres: pgOpts, log: (line) => aLines.push(line) });
      const ua = await a.listen(0);
      expect((await post(ua, [makeEvent()])).status).toBe(200);
      expect((a.store as PostgresStore).isSequencer).toBe(true);
      const lines: string[] = [];
      const b = await own.ledger({ postgres: pgOpts, log: (line) => lines.push(line) });
      const ub = await b.listen(0);
      // Frozen: a keeps its connection and the lock, but neither steps nor beats.
      thaw = (a.store as PostgresStore).stallSequencerForTest();
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      const r = await post(ub, [makeEvent(), makeEvent()]);
      const waited = Date.now() - started;
      expect(r.status).toBe(200);
      expect(waited).toBeLessThan(8000);
      expect((b.store as PostgresStore).isSequencer).toBe(true);
      expect(lines.filter((l) => l.includes('sent no heartbeat'))).toHaveLength(1);
      thaw();
      // The old sequencer finds its session gone, steps down, and its process ingests as a follower.
      const again = await post(ua, [makeEvent()]);
      expect(again.status).toBe(200);
      const seqs = await Promise.all(
        [...r.body.receipts, ...again.body.receipts].map(
          async (jws: string) =>
            (await verifyReceipt(jws, { keys: b.jwks(), issuer: 'https://ledger.test' })).seq,
        ),
      );
      expect(seqs).toEqual([1, 2, 3]);
      expect((a.store as PostgresStore).isSequencer).toBe(false);
      expect(aLines.some((l) => l.includes('sequencer failed'))).toBe(true);
      const report = await b.verify();
      expect(report.ok).toBe(true);
      expect(report.treeSize).toBe(4);
    } finally {
      thaw();
      await own.cleanup();
    }
  });
});

describe('PostgreSQL: keys are published through the database (audit 4b #2)', () => {
  it('during a rolling rotation both JWKS endpoints verify receipts and tree heads from either process', async () => {
    const own = await fixture('postgres');
    try {
      // b runs the rotated document (new current key, the old one retired) and sequences first;
      // a still runs the document from before the rotation.
      const rotated = rotateKeyStore(own.keys, { receiptTtlSeconds: 3600 });
      const b = await own.ledger({ keys: rotated, treeHeadIntervalMs: 100 });
      const ub = await b.listen(0);
      const a = await own.ledger({ keys: own.keys, treeHeadIntervalMs: 100 });
      const ua = await a.listen(0);
      expect((b.store as PostgresStore).isSequencer).toBe(true);
      const receipts: string[] = [];
      for (const u of [ua, ub]) {
        const r = await post(u, [makeEvent()]);
        expect(r.status).toBe(200);
        receipts.push(r.body.receipts[0]);
      }
      // Every receipt is signed with b's new key, a's own key document does not have it.
      expect(
        receipts.map((j) => JSON.parse(Buffer.from(j.split('.')[0]!, 'base64url').toString()).kid),
      ).toEqual([rotated.keys[0]!.kid, rotated.keys[0]!.kid]);
      for (const u of [ua, ub]) {
        const jwks = await get(`${u}/.well-known/jwks.json`);
        expect(jwks.headers.get('cache-control')).toBe('public, max-age=5');
        expect(jwks.body.keys.map((k: { kid: string }) => k.kid).sort()).toEqual(
          [own.keys.keys[0]!.kid, rotated.keys[0]!.kid].sort(),
        );
        for (const jws of receipts)
          await expect(
            verifyReceipt(jws, { keys: jwks.body, issuer: 'https://ledger.test' }),
          ).resolves.toBeTruthy();
        for (const v of [ua, ub]) {
          let sth = (await get(`${v}/v1/log/sth`)).body;
          for (let i = 0; i < 100 && !(sth.treeSize >= 2); i++) {
            await new Promise((r) => setTimeout(r, 20));
            sth = (await get(`${v}/v1/log/sth`)).body;
          }
          expect((await verifyTreeHead(sth.sth, { keys: jwks.body })).treeSize).toBe(2);
        }
      }
    } finally {
      await own.cleanup();
    }
  });
});

describe('PostgreSQL: waiters time out when their check fails', () => {
  it('answers 503 at the timeout while the query for integrated entries fails (database unreachable)', async () => {
    const own = await fixture('postgres');
    const follower = await own.ledger({
      postgres: {
        connectionString: own.storage().postgres as string,
        sequencer: false,
        integrateTimeoutMs: 300,
      },
      log: () => {},
    });
    const query = pg.Pool.prototype.query;
    let failed = 0;
    const spy = vi.spyOn(pg.Pool.prototype, 'query').mockImplementation(function (
      this: pg.Pool,
      ...args: unknown[]
    ) {
      if (typeof args[0] === 'string' && args[0].includes('WHERE id = ANY($1::text[])')) {
        failed++;
        return Promise.reject(new Error('connection refused'));
      }
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as never);
    try {
      const url = await follower.listen(0);
      const hung = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 5000).unref());
      const r = await Promise.race([post(url, [makeEvent()]), hung]);
      expect(r).not.toBe('hung');
      expect((r as Awaited<ReturnType<typeof post>>).status).toBe(503);
      expect((r as Awaited<ReturnType<typeof post>>).body.error.code).toBe('ERR_STORAGE_UNAVAILABLE');
      expect(failed).toBeGreaterThan(0);
    } finally {
      spy.mockRestore();
      await own.cleanup();
    }
  });
});
