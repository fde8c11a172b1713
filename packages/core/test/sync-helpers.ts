// Helpers of the sync tests: a real ledger on a temporary SQLite file, and a `fetch` over node:http
// that the test can cut off, record, or answer in the ledger's place.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerEntry } from '@assent/core';
import { createKeyStore, createLedger, type Ledger, type LedgerOptions } from '@assent/ledger';
import { createLinkToken } from '@assent/verifier';

export const SHOP = 'https://shop.example';

export interface TestLedger {
  ledger: Ledger;
  url: string;
  /** Every entry in the log, in log order. */
  entries(): Promise<LedgerEntry[]>;
  /** A link token for `subject` signed by the storefront key this ledger trusts. */
  linkToken(
    subject: string,
    customerId: string,
    options?: { ttlSeconds?: number; now?: number },
  ): Promise<string>;
  close(): Promise<void>;
}

export async function startLedger(options: LedgerOptions = {}): Promise<TestLedger> {
  const dir = mkdtempSync(join(tmpdir(), 'assent-sync-'));
  const storefront = generateKeyPairSync('ed25519');
  const ledger = await createLedger({
    database: join(dir, 'ledger.db'),
    keys: createKeyStore(),
    rateLimit: false,
    signingThreads: 0,
    corsOrigins: [SHOP],
    linkKeys: { keys: [{ ...storefront.publicKey.export({ format: 'jwk' }), kid: 'shop-1' }] },
    ...options,
  });
  const url = await ledger.listen(0, '127.0.0.1');
  return {
    ledger,
    url,
    async entries() {
      const out: LedgerEntry[] = [];
      for await (const line of ledger.export('native')) out.push(JSON.parse(line));
      return out.filter((e) => e.id);
    },
    linkToken: (subject, customerId, o = {}) =>
      createLinkToken({
        customerId,
        subject,
        key: storefront.privateKey,
        kid: 'shop-1',
        ttlSeconds: 300,
        ...o,
      }),
    async close() {
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Recorded {
  method: string;
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** What a test may answer in the ledger's place. */
export type Answer = { status: number; body: unknown; headers?: Record<string, string> };

export interface Net {
  fetch: typeof fetch;
  /** While true, every request fails as a network error does. */
  offline: boolean;
  /** Requests that reached the network (not those failed offline), in order. */
  requests: Recorded[];
  /** Answer a request instead of the ledger (return undefined to let it through). */
  intercept?: (r: Recorded) => Answer | undefined;
  /** Called as each request starts, before it is sent. */
  onRequest?: (r: Recorded) => void | Promise<void>;
}

export const response = (status: number, text: string, headers: Record<string, string> = {}) =>
  ({
    ok: status >= 200 && status < 300,
    status,
    headers: { get: (n: string) => headers[n.toLowerCase()] ?? null },
    json: async () => JSON.parse(text),
    text: async () => text,
  }) as unknown as Response;

/**
 * A `fetch` over node:http: independent of the test environment's own fetch (happy-dom's applies
 * browser CORS rules), so the ledger sees what a browser would send and the test controls failures.
 */
export function createNet(origin = SHOP): Net {
  const net: Net = {
    offline: false,
    requests: [],
    fetch: (async (input: string | URL, init: RequestInit = {}) => {
      const url = String(input);
      const headers: Record<string, string> = { origin };
      for (const [k, v] of Object.entries((init.headers as Record<string, string>) ?? {}))
        headers[k.toLowerCase()] = v;
      const rec: Recorded = {
        method: init.method ?? 'GET',
        url,
        body: typeof init.body === 'string' ? init.body : '',
        headers,
      };
      await net.onRequest?.(rec);
      if (net.offline) throw new TypeError('Failed to fetch');
      net.requests.push(rec);
      const fake = net.intercept?.(rec);
      if (fake) return response(fake.status, JSON.stringify(fake.body), fake.headers ?? {});
      return new Promise<Response>((resolve, reject) => {
        const req = request(url, { method: rec.method, headers }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => {
            text += d;
          });
          res.on('end', () =>
            resolve(response(res.statusCode ?? 0, text, res.headers as Record<string, string>)),
          );
        });
        req.on('error', () => reject(new TypeError('Failed to fetch')));
        req.end(rec.body || undefined);
      });
    }) as typeof fetch,
  };
  return net;
}

/** Wait until `f` holds, polling (bounded). */
export async function until(f: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Posted events, flattened, in the order they were sent. */
export const posted = (net: Net) =>
  net.requests
    .filter((r) => r.method === 'POST' && r.url.endsWith('/v1/events'))
    .flatMap((r) => JSON.parse(r.body) as { id: string }[]);
