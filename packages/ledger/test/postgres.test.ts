// Several ledger processes on one PostgreSQL database: one log, no fork, no duplicates, failover.
import { verifyReceipt } from '@assent/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresStore } from '../src/store/postgres.js';
import { type Fixture, fixture, makeEvent, post } from './helpers.js';

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
    const follower = await createLedger({
      keys: own.keys,
      rateLimit: false,
      issuer: 'https://ledger.test',
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
      const seqr = await own.ledger();
      const retry = await post(url, [e]);
      expect(retry.status).toBe(200);
      const c = await verifyReceipt(retry.body.receipts[0], {
        keys: seqr.jwks(),
        issuer: 'https://ledger.test',
      });
      expect(c.jti).toBe(e.id);
      expect((await seqr.verify()).ok).toBe(true);
    } finally {
      await follower.close();
      await own.cleanup();
    }
  });
});
