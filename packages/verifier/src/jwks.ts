// Key sets. A KeySet resolves a `kid` to an imported key: synchronously whenever it can (a local
// set on Node, a fresh remote set), so the verification hot path never waits on a microtask it
// does not need. Keys are imported once, at creation or first fetch, never per verification.
import type { Backend, JsonWebKeySet, Jwk } from './lib/backend.js';
import { isJwk, unusableReason } from './lib/jwk.js';
import { isSmallOrder } from './lib/small-order.js';
import { AlgorithmUnsupported, JwksInvalid, KeyIdUnknown } from './errors.js';
import { thumbprint } from './thumbprint.js';

/**
 * A set of verification keys, from {@link createLocalJwks} or {@link createRemoteJwks}. Pass it as
 * `jwks` to the verify functions; it is bound to the entry (Node or Web Crypto) that created it.
 */
export interface KeySet {
  /** `'node'` or `'web'`: the crypto backend the keys were imported with. */
  readonly runtime: string;
  /**
   * The imported key (a `KeyObject` or `CryptoKey`) for `kid`. Throws `KeyIdUnknown`, or
   * `AlgorithmUnsupported` when the kid names a key that is not Ed25519.
   */
  get(kid: string): unknown;
}

export type Entry = { key: unknown } | { unusable: string };

export const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof (v as { then?: unknown } | null)?.then === 'function';

/** What the `keys` option accepts: a JWKS document, an array of JWKs, or one JWK. */
export type KeysInput = JsonWebKeySet | readonly Jwk[] | Jwk;

function listOf(input: unknown): readonly unknown[] {
  if (Array.isArray(input)) return input;
  if (isJwk(input)) return [input];
  if (typeof input === 'object' && input !== null && Array.isArray((input as { keys?: unknown }).keys)) {
    return (input as { keys: unknown[] }).keys;
  }
  throw new JwksInvalid('expected a JWKS ({ keys: [...] }), an array of JWKs or a JWK', { path: '$.keys' });
}

/** Validate and import every key. Shared with the remote set, which builds one per fetch. */
export function importKeys(b: Backend, input: unknown): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  listOf(input).forEach((jwk, i) => {
    const path = `$.keys[${i}]`;
    if (!isJwk(jwk)) throw new JwksInvalid(`${path} is not a JWK`, { path });
    if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid === '')) {
      throw new JwksInvalid(`${path}.kid must be a non-empty string`, { path: `${path}.kid` });
    }
    const reason = unusableReason(jwk);
    // A key without kid is addressed by its RFC 7638 thumbprint, which is what Assent signers use.
    let kid = jwk.kid;
    if (kid === undefined) {
      if (reason !== undefined) return; // nothing could name it
      kid = thumbprint(b, jwk);
    }
    if (entries.has(kid)) throw new JwksInvalid(`duplicate kid ${kid}`, { path: `${path}.kid` });
    if (reason !== undefined) {
      entries.set(kid, { unusable: reason });
      return;
    }
    const x = typeof jwk.x === 'string' ? b.decode(jwk.x) : undefined;
    if (x?.length !== 32)
      throw new JwksInvalid(`${path}.x is not a 32-byte base64url key`, { path: `${path}.x` });
    if (isSmallOrder(x)) {
      throw new JwksInvalid(`${path}.x is a small-order point`, {
        path: `${path}.x`,
      });
    }
    if (jwk.d !== undefined) {
      // Publishing a private key is a leak somewhere upstream; refuse rather than use it quietly.
      throw new JwksInvalid(`${path} contains a private key (d)`, { path: `${path}.d` });
    }
    let key = b.importPublicKey(x);
    if (isThenable(key)) {
      // Web Crypto imports asynchronously; surface a refused key as JwksInvalid when it is used,
      // and keep an unused one from becoming an unhandled rejection.
      const id = kid;
      key = key.then(undefined, (e: unknown) => {
        throw new JwksInvalid(`key ${id} cannot be imported`, { path: `${path}.x`, cause: e });
      });
      (key as Promise<unknown>).catch(() => {});
    }
    entries.set(kid, { key });
  });
  return entries;
}

export function lookup(entries: Map<string, Entry>, kid: string): unknown {
  const entry = entries.get(kid);
  if (entry === undefined) throw new KeyIdUnknown(`no key with kid ${kid}`, { path: '$.header.kid' });
  if ('unusable' in entry)
    throw new AlgorithmUnsupported(`key ${kid} ${entry.unusable}`, { path: '$.header.kid' });
  return entry.key;
}

export function createLocalJwks(b: Backend, jwks: KeysInput): KeySet {
  const entries = importKeys(b, jwks);
  return { runtime: b.name, get: (kid) => lookup(entries, kid) };
}

// `keys` passed straight to a verify call: import once per object, not once per call, but again
// when the object's keys changed in place (a compromised key removed from the same array must stop
// verifying at once). The check compares each key's members as text: a few microseconds.
const imported = new Map<Backend, WeakMap<object, { seen: string; set: KeySet }>>();
const contentOf = (keys: KeysInput): string => {
  try {
    return JSON.stringify(listOf(keys));
  } catch {
    return '';
  }
};

export function keySetFor(b: Backend, options: { keys?: KeysInput; jwks?: KeySet } | undefined): KeySet {
  if (typeof options !== 'object' || options === null) throw new TypeError('options are required');
  const { jwks, keys } = options;
  if (jwks !== undefined) {
    if (typeof jwks !== 'object' || jwks === null || typeof jwks.get !== 'function') {
      throw new TypeError('jwks must be a key set from createLocalJwks or createRemoteJwks');
    }
    if (jwks.runtime !== b.name) {
      throw new TypeError(`jwks was created by the ${jwks.runtime} entry; use the ${b.name} entry's factory`);
    }
    return jwks;
  }
  if (typeof keys !== 'object' || keys === null) throw new TypeError('keys or jwks is required');
  let cache = imported.get(b);
  if (cache === undefined) {
    cache = new WeakMap();
    imported.set(b, cache);
  }
  const seen = contentOf(keys);
  let hit = cache.get(keys);
  if (hit === undefined || hit.seen !== seen) {
    hit = { seen, set: createLocalJwks(b, keys) };
    cache.set(keys, hit);
  }
  return hit.set;
}
