// Web Crypto backend for edge runtimes and browsers: no `node:` import may appear in this file or
// anything it pulls in (a test bundles the web entry and checks). Hashing stays synchronous with the
// protocol's plain-JS SHA-256, which is fast enough for Merkle proofs of a few dozen nodes.
import { decodeBase64url, fromUtf8, sha256, utf8 } from '@assent/core/protocol';
import type { Backend, SigningKeyInput } from './backend.js';
import { isPrivateJwk } from './jwk.js';

const ED25519 = { name: 'Ed25519' };

function concat(a: Uint8Array, b: Uint8Array, c?: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length + (c?.length ?? 0));
  out.set(a);
  out.set(b, a.length);
  if (c) out.set(c, a.length + b.length);
  return out;
}

const isCryptoKey = (k: unknown): k is CryptoKey =>
  typeof CryptoKey !== 'undefined' && k instanceof CryptoKey;

export const webBackend: Backend = {
  name: 'web',
  sha256,
  sha256Parts: (a, b, c) => sha256(concat(a, b, c)),
  decode: decodeBase64url,
  text: fromUtf8,
  signedText: (segment) => {
    const bytes = decodeBase64url(segment);
    return bytes === undefined ? undefined : fromUtf8(bytes);
  },
  importPublicKey: (x) =>
    crypto.subtle.importKey('raw', x as Uint8Array<ArrayBuffer>, ED25519, false, ['verify']),
  verify: (key, signature, token, end) =>
    crypto.subtle.verify(
      ED25519,
      key as CryptoKey,
      signature as Uint8Array<ArrayBuffer>,
      utf8(token.slice(0, end)) as Uint8Array<ArrayBuffer>,
    ),
  verifyBytes: (key, signature, data) =>
    crypto.subtle.verify(
      ED25519,
      key as CryptoKey,
      signature as Uint8Array<ArrayBuffer>,
      data as Uint8Array<ArrayBuffer>,
    ),
  signingKey: async (input: SigningKeyInput) => {
    if (isCryptoKey(input)) {
      if (input.type !== 'private' || input.algorithm.name !== 'Ed25519') {
        throw new TypeError('key must be an Ed25519 private key');
      }
      // The kid is the public key's thumbprint; a non-extractable key cannot tell us its public half.
      if (!input.extractable) return { key: input, x: undefined };
      const jwk = await crypto.subtle.exportKey('jwk', input);
      return { key: input, x: jwk.x };
    }
    if (!isPrivateJwk(input)) throw new TypeError('key must be an Ed25519 private CryptoKey or JWK');
    const { kty, crv, d, x } = input;
    const key = await crypto.subtle.importKey('jwk', { kty, crv, d, x }, ED25519, false, ['sign']);
    return { key, x };
  },
  sign: async (key, data) =>
    new Uint8Array(await crypto.subtle.sign(ED25519, key as CryptoKey, data as Uint8Array<ArrayBuffer>)),
};
