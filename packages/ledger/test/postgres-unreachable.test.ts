// A PostgreSQL server that stops answering without refusing: connections that hang, a server that
// accepts TCP and never speaks. Requests must get their 503 at the configured timeouts, not hang.
// The ledger reaches PostgreSQL through a local TCP proxy to its unix socket, which the test turns
// silent: existing connections stop forwarding, new ones are accepted and never answered.
import { createConnection, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger } from '@assent/ledger';
import type pg from 'pg';
import { type Fixture, fixture, type Json, makeEvent } from './helpers.js';

const SOCKET = '/var/run/postgresql/.s.PGSQL.5432';

/** A TCP proxy to the PostgreSQL socket that can be made to go silent. */
async function silentProxy() {
  let silent = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => {});
    client.on('close', () => sockets.delete(client));
    // Silent: accept and never answer.
    if (silent) return;
    const upstream = createConnection(SOCKET);
    sockets.add(upstream);
    upstream.on('error', () => {});
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    client.on('close', () => upstream.destroy());
    // Forward only while not silent; once silent, bytes are swallowed both ways (a half-open
    // connection as the ledger sees it: writes succeed, no answer ever comes).
    client.on('data', (d) => {
      if (!silent) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!silent) client.write(d);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    silence() {
      silent = true;
    },
    /** Ends every connection (so the ledger can close) and forwards again. */
    restore() {
      for (const s of sockets) s.destroy();
      silent = false;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

async function postTimed(url: string, body: unknown) {
  const t = performance.now();
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    // Without the timeouts the request hangs; fail with a message rather than at vitest's timeout.
    signal: AbortSignal.timeout(8000),
  });
  return { status: res.status, body: (await res.json()) as Json, ms: performance.now() - t };
}

describe('PostgreSQL that accepts TCP but never answers', () => {
  let fx: Fixture;
  let proxy: Awaited<ReturnType<typeof silentProxy>>;
  beforeAll(async () => {
    fx = await fixture('postgres');
    proxy = await silentProxy();
  });
  afterAll(async () => {
    proxy?.restore();
    await fx?.cleanup();
    await proxy?.close();
  });

  it('answers 503 at queryTimeoutMs on a connection gone silent and at connectTimeoutMs on a new one', async () => {
    const db = new URL(fx.storage().postgres as string).pathname;
    const lines: string[] = [];
    const l = await fx.ledger({
      postgres: {
        connectionString: `postgresql://postgres@127.0.0.1:${proxy.port}${db}`,
        connectTimeoutMs: 500,
        queryTimeoutMs: 1500,
        integrateTimeoutMs: 5000,
      },
      log: (line) => lines.push(line),
    });
    const url = await l.listen(0);
    expect((await postTimed(url, [makeEvent()])).status).toBe(200);

    proxy.silence();
    // The pool's open connections stop answering: the ingest query fails at the query timeout.
    const stalled = await postTimed(url, [makeEvent()]);
    expect(stalled.status).toBe(503);
    expect(stalled.body.error.code).toBe('ERR_STORAGE_UNAVAILABLE');
    expect(stalled.ms).toBeGreaterThanOrEqual(1400);
    expect(stalled.ms).toBeLessThan(4000);

    // A connection it opens now is accepted and never answered: it fails at the connect timeout.
    // Drop the pool's other open (silent) connections the same way, so the next query must open one.
    const pool = (l.store as unknown as { pool: pg.Pool }).pool;
    while (pool.idleCount) await expect(l.store.treeSize()).rejects.toThrow(/timeout/);
    const fresh = await postTimed(url, [makeEvent()]);
    expect(fresh.status).toBe(503);
    expect(fresh.body.error.code).toBe('ERR_STORAGE_UNAVAILABLE');
    expect(fresh.ms).toBeGreaterThanOrEqual(450);
    expect(fresh.ms).toBeLessThan(1400);

    // Back again: the next request goes through, on new connections.
    proxy.restore();
    let status = 0;
    for (let i = 0; i < 20 && status !== 200; i++) {
      status = (await postTimed(url, [makeEvent()])).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(200);
  }, 30_000);

  it('refuses timeouts that are not positive integers of milliseconds, naming the option', async () => {
    const connectionString = fx.storage().postgres as string;
    for (const [name, value] of [
      ['connectTimeoutMs', 0],
      ['connectTimeoutMs', 1.5],
      ['queryTimeoutMs', -1],
      ['queryTimeoutMs', 2 ** 31],
    ] as const)
      await expect(
        createLedger({ postgres: { connectionString, [name]: value }, keys: fx.keys }),
        `${name} ${value}`,
      ).rejects.toThrow(new RegExp(`^${name} must be a positive integer`));
  });
});
