// Crash safety: the ledger process is SIGKILLed several times while a load generator sends events
// and retries whatever was not acknowledged. Afterwards every acknowledged event is in the log
// exactly once with the receipt it was acknowledged with, retries made no duplicates, and
// `assent-ledger verify` passes. Small scale, loopback only.
import { join } from 'node:path';
import type { ConsentEvent } from '@assent/core/protocol';
import { importKeyStore, saveKeyStore } from '@assent/ledger';
import { verifyReceipt } from '@assent/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, fixture, freePort, makeEvent, runCli, startServe } from './helpers.js';

const KILLS = 4;
const WORKERS = 6;
const MAX_EVENTS = 20_000;

describe.each(['sqlite', 'postgres'] as const)('reliability under SIGKILL (%s)', (backend) => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await fixture(backend);
  });
  afterAll(async () => {
    await fx?.cleanup();
  });

  it('loses no acknowledged event and duplicates none across crashes and retries', async () => {
    const keyFile = join(fx.dir, 'ledger.key');
    await saveKeyStore(keyFile, fx.keys);
    const storage = fx.storage();
    const storageArgs = storage.postgres
      ? ['--postgres', storage.postgres as string]
      : ['--db', storage.database!];
    const port = await freePort();
    const args = [
      ...storageArgs,
      '--key-file',
      keyFile,
      '--port',
      String(port),
      '--issuer',
      'https://ledger.test',
    ];
    let server = await startServe(args);
    const url = server.url;

    // Events are made as the load goes, until the last restart is done (bounded by MAX_EVENTS).
    const events: ConsentEvent[] = [];
    const acked = new Map<string, string>();
    let retries = 0;
    let resent = 0;
    let stop = false;
    // Each worker posts 1-3 events per request and retries a request until it is acknowledged.
    // Every fifth acknowledged batch is sent once more on purpose: a client that missed the answer.
    const worker = async (w: number) => {
      while (!stop && events.length < MAX_EVENTS) {
        const batch = Array.from({ length: 1 + ((events.length + w) % 3) }, () => makeEvent());
        events.push(...batch);
        let again = (events.length + w) % 5 === 0;
        for (;;) {
          try {
            const res = await fetch(`${url}/v1/events`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(batch),
              signal: AbortSignal.timeout(10_000),
            });
            if (res.status !== 200) throw new Error(`status ${res.status}`);
            const body = (await res.json()) as { receipts: string[] };
            batch.forEach((e, i) => {
              const prior = acked.get(e.id);
              if (prior !== undefined && prior !== body.receipts[i])
                throw new Error(`receipt changed for ${e.id}`);
              acked.set(e.id, body.receipts[i]!);
            });
            if (!again) break;
            again = false;
            resent++;
          } catch (e) {
            if (String(e).includes('receipt changed')) throw e;
            retries++;
            await new Promise((r) => setTimeout(r, 25));
          }
        }
        // Paced, so the run stays small however fast the ledger is.
        await new Promise((r) => setTimeout(r, 15));
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));

    for (let k = 0; k < KILLS; k++) {
      await new Promise((r) => setTimeout(r, 500 + 150 * k));
      server.process.kill('SIGKILL');
      await new Promise((r) => server.process.once('exit', r));
      server = await startServe(args);
    }
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await load;
    server.process.kill('SIGTERM');
    await new Promise((r) => server.process.once('exit', r));

    expect(events.length).toBeLessThan(MAX_EVENTS);
    expect(acked.size).toBe(events.length);
    // Every kill interrupted requests in flight, which the generator then retried.
    expect(retries).toBeGreaterThanOrEqual(KILLS);
    expect(resent).toBeGreaterThan(0);

    const exp = await runCli(['export', '--format', 'native', ...storageArgs, '--key-file', keyFile]);
    expect(exp.code).toBe(0);
    const entries = exp.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; seq: number });
    const ids = entries.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(entries.map((e) => e.seq)).toEqual([...entries.keys()]);
    expect(new Set(ids)).toEqual(new Set(events.map((e) => e.id)));
    const keys = importKeyStore(fx.keys).jwks;
    for (const e of entries) {
      const claims = await verifyReceipt(acked.get(e.id)!, { keys, issuer: 'https://ledger.test' });
      expect(claims.seq).toBe(e.seq);
    }
    const verify = await runCli(['verify', ...storageArgs, '--key-file', keyFile]);
    expect(verify.stdout).toMatch(/OK: the log verifies/);
    expect(verify.code).toBe(0);
  });
});
