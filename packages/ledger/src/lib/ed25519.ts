// Ed25519 signing backends. libsodium, through the optional `sodium-native` addon, signs a receipt in
// about half the time node:crypto's sign() takes (20 µs against 39 µs on the 2-core reference
// machine): node:crypto goes through OpenSSL's EVP layer and allocates a context and a result
// buffer per call. Ed25519 (RFC 8032) is deterministic, so both give byte-identical signatures and
// the backend never shows in a receipt; it is chosen once per signer and may differ between threads
// without any effect on the output.
import type { KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';

/** The library that computes the Ed25519 signatures. */
export type SigningBackend = 'libsodium' | 'node:crypto';

/**
 * `auto`: libsodium when `sodium-native` loads, node:crypto otherwise.
 *
 * @example
 * ```ts
 * const ledger = await createLedger({ keyFile: './assent-ledger.key', signingBackend: 'node:crypto' })
 * ledger.signingBackend // 'node:crypto'
 * ```
 */
export type SigningBackendOption = 'auto' | SigningBackend;

export const SIGNING_BACKENDS: readonly SigningBackendOption[] = ['auto', 'libsodium', 'node:crypto'];

/** A signing function for one key: signature of `message`, base64url. */
export interface Ed25519Signer {
  readonly backend: SigningBackend;
  sign(message: Uint8Array): string;
  /** Zero the libsodium copy of the secret key; later signatures fall back to node:crypto. */
  close(): void;
}

// CommonJS source of createSign(key, sodiumPath, require), the one implementation used on the event
// loop and evaluated inside the signing and SQLite writer threads, so that they cannot drift apart.
// The libsodium secret key is seed || public key (64 bytes): crypto_sign_seed_keypair derives it
// from the JWK's d, and the public half must equal the JWK's x, or the key is not used. It lives in
// sodium_malloc memory (guard pages, never swapped, zeroed when freed) and is zeroed on close(). A
// libsodium that fails to load or to take the key is no error: node:crypto signs the same bytes.
export const SIGN_SOURCE = `
function createSign(key, sodiumPath, req) {
  const { sign } = req('node:crypto');
  const viaNode = (m) => sign(null, m, key).toString('base64url');
  if (sodiumPath) {
    try {
      const s = req(sodiumPath);
      const jwk = key.export({ format: 'jwk' });
      const seed = Buffer.from(jwk.d, 'base64url');
      const pk = Buffer.alloc(32);
      const sk = typeof s.sodium_malloc === 'function' ? s.sodium_malloc(64) : Buffer.alloc(64);
      s.crypto_sign_seed_keypair(pk, sk, seed);
      s.sodium_memzero(seed);
      if (pk.toString('base64url') !== jwk.x) {
        s.sodium_memzero(sk);
        throw new Error('public key mismatch');
      }
      const sig = Buffer.alloc(64);
      let live = true;
      return {
        backend: 'libsodium',
        sign(m) {
          if (!live) return viaNode(m);
          s.crypto_sign_detached(sig, m, sk);
          return sig.toString('base64url');
        },
        close() {
          if (!live) return;
          live = false;
          s.sodium_memzero(sk);
        },
      };
    } catch {}
  }
  return { backend: 'node:crypto', sign: viaNode, close() {} };
}
`;

const require = createRequire(import.meta.url);

// Evaluated once: the same text the threads evaluate, with this module's require.
const createSign = new Function(
  'key',
  'sodiumPath',
  'req',
  `${SIGN_SOURCE}\nreturn createSign(key, sodiumPath, req);`,
) as (key: KeyObject, sodiumPath: string | null, req: NodeJS.Require) => Ed25519Signer;

const loaded = new Map<string, string | null>();

/**
 * Resolve and load `sodium-native` (or `specifier`, for tests); its absolute path when it loads and
 * signs, else `undefined` (not installed, no prebuilt binary for this platform, ABI mismatch).
 */
export function loadSodium(specifier = 'sodium-native'): string | undefined {
  let path = loaded.get(specifier);
  if (path === undefined) {
    try {
      path = require.resolve(specifier);
      const s = require(path) as Record<string, unknown>;
      for (const f of ['crypto_sign_detached', 'crypto_sign_seed_keypair', 'sodium_memzero'])
        if (typeof s[f] !== 'function') throw new Error(`${specifier} has no ${f}`);
    } catch {
      path = null;
    }
    loaded.set(specifier, path);
  }
  return path ?? undefined;
}

/**
 * The `sodium-native` path a signer of this option uses (`undefined`: node:crypto). `libsodium`
 * insists and throws when it cannot load; `auto` falls back silently.
 */
export function sodiumFor(option: SigningBackendOption, specifier?: string): string | undefined {
  if (option === 'node:crypto') return undefined;
  const path = loadSodium(specifier);
  if (path === undefined && option === 'libsodium')
    throw new Error(
      'signingBackend is libsodium, but the sodium-native package is missing or failed to load',
    );
  return path;
}

/** A signer for `key` on this thread: libsodium when `sodiumPath` is given and works. */
export function createEd25519Signer(key: KeyObject, sodiumPath: string | undefined): Ed25519Signer {
  return createSign(key, sodiumPath ?? null, require);
}
