// A JWKS fetched over HTTP(S) and cached. Freshness is `cacheMaxAgeSeconds`; an unknown kid
// (a key rotated in since the last fetch) triggers one refetch, at most once per `cooldownSeconds`,
// so a flood of tokens with made-up kids cannot turn into a flood of requests to the JWKS host.
// When a refetch fails the keys already held are kept: an outage of the JWKS host must not stop
// verification of receipts signed with keys we know.
import type { Backend } from './lib/backend.js';
import { type Entry, importKeys, isThenable, type KeySet, lookup } from './jwks.js';
import { JwksInvalid, JwksUnavailable } from './errors.js';

export interface RemoteJwksOptions {
  /** How long a fetched set is used before it is fetched again, seconds; default 600. */
  cacheMaxAgeSeconds?: number;
  /** Minimum time between two fetches, seconds; default 30. Bounds refetches for unknown kids and retries after failures. */
  cooldownSeconds?: number;
  /** Abort a fetch after this long, milliseconds; default 5000. */
  timeoutMs?: number;
  /** Extra request headers, e.g. an authorization header for a private JWKS. */
  headers?: Record<string, string>;
}

/** A {@link KeySet} backed by a URL. */
export interface RemoteKeySet extends KeySet {
  /** Fetch the set now (for warm-up at startup). Rejects with `JwksUnavailable` or `JwksInvalid`. */
  reload(): Promise<void>;
}

/** A JWKS is a handful of keys; anything much larger is not one. */
const MAX_JWKS_BYTES = 256 * 1024;

// Read a body of at most MAX_JWKS_BYTES, stopping (and cancelling the stream) as soon as it is
// over, so an oversized or endless body costs at most the limit in memory.
async function readCapped(res: Response): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > MAX_JWKS_BYTES) {
    await res.body?.cancel();
    throw new JwksInvalid('is larger than 256 KiB');
  }
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > MAX_JWKS_BYTES) {
      await reader.cancel();
      throw new JwksInvalid('is larger than 256 KiB');
    }
    text += decoder.decode(value, { stream: true });
  }
}

function positive(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new TypeError(`${name} must be a non-negative number`);
  return v;
}

export function createRemoteJwks(
  b: Backend,
  url: string | URL,
  options: RemoteJwksOptions = {},
): RemoteKeySet {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new TypeError('url must be an absolute http(s) URL');
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new TypeError('url must be http(s)');
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const maxAgeMs = positive(options.cacheMaxAgeSeconds, 'cacheMaxAgeSeconds', 600) * 1000;
  const cooldownMs = positive(options.cooldownSeconds, 'cooldownSeconds', 30) * 1000;
  const timeoutMs = positive(options.timeoutMs, 'timeoutMs', 5000);
  const headers = { accept: 'application/jwk-set+json, application/json', ...options.headers };

  let entries: Map<string, Entry> | undefined;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let lastError: unknown;
  let pending: Promise<void> | undefined;

  async function load(): Promise<void> {
    attemptedAt = Date.now();
    let text: string;
    try {
      // Redirects are refused, not followed: a redirect could hand key selection to another
      // origin (and `headers` with it). Configure the final URL instead.
      const res = await fetch(target, {
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)) {
        await res.body?.cancel();
        throw new Error(`redirected (HTTP ${res.status}); redirects are not followed, use the final URL`);
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status}`);
      }
      text = await readCapped(res);
    } catch (e) {
      if (e instanceof JwksInvalid) throw new JwksInvalid(`JWKS from ${target.href} ${e.message}`);
      throw new JwksUnavailable(`cannot fetch JWKS from ${target.href}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new JwksInvalid(`JWKS from ${target.href} is not JSON`, { cause: e });
    }
    const next = importKeys(b, doc);
    for (const entry of next.values())
      if ('key' in entry && isThenable(entry.key)) entry.key = await entry.key;
    entries = next;
    fetchedAt = Date.now();
  }

  function refresh(): Promise<void> {
    pending ??= load().then(
      () => {
        pending = undefined;
        lastError = undefined;
      },
      (e: unknown) => {
        pending = undefined;
        lastError = e;
        throw e;
      },
    );
    return pending;
  }

  // After a refresh attempt, answer from whatever we hold; without any keys, report why.
  const settle = (kid: string) => () => lookup(entries!, kid);
  const fallback = (kid: string) => (e: unknown) => {
    if (entries === undefined) throw e;
    return lookup(entries, kid);
  };

  return {
    runtime: b.name,
    reload: refresh,
    get(kid: string): unknown {
      const now = Date.now();
      const coolingDown = now - attemptedAt < cooldownMs;
      if (entries !== undefined && (now - fetchedAt < maxAgeMs || coolingDown)) {
        // Fast path, synchronous: known kid in a fresh (or recently unrefreshable) set.
        if (entries.has(kid) || coolingDown) return lookup(entries, kid);
      } else if (entries === undefined && coolingDown && lastError !== undefined) {
        throw new JwksUnavailable(`JWKS from ${target.href} is unavailable`, { cause: lastError });
      }
      return refresh().then(settle(kid), fallback(kid));
    },
  };
}
