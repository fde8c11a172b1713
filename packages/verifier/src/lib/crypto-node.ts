// node:crypto backend. Everything on the verification path is synchronous and allocation-light:
// keys are imported once into KeyObjects, the signing input is written into a reused scratch
// buffer instead of being sliced out of the token, and base64url decoding is native after a
// strictness check (Buffer alone would accept non-canonical encodings).
import { KeyObject, createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { Backend, SigningKeyInput } from './backend.js';
import { isPrivateJwk } from './jwk.js';

const ALPHABET = /^[\w-]*$/;
// DER SubjectPublicKeyInfo prefix for an Ed25519 key (RFC 8410): the 32 key bytes follow.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
let scratch = Buffer.allocUnsafe(4096);

function sixBits(c: number): number {
  if (c >= 97) return c - 71; // a-z
  if (c >= 65) return c - 65; // A-Z
  if (c >= 48) return c === 95 ? 63 : c + 4; // 0-9, and '_' (95) sorts after 'Z'
  return 62; // '-'
}

// The length and the bits past the last whole byte, which must be zero, or two strings would
// decode to the same bytes. Cheap: no scan of the string.
function canonicalTail(s: string): boolean {
  const rest = s.length & 3;
  if (rest === 1) return false;
  return rest === 0 || (sixBits(s.charCodeAt(s.length - 1)) & (rest === 2 ? 15 : 3)) === 0;
}

function decode(s: string): Uint8Array | undefined {
  if (!canonicalTail(s) || !ALPHABET.test(s)) return undefined;
  return Buffer.from(s, 'base64url');
}

const copy = (b: Buffer): Uint8Array => new Uint8Array(b);

export const nodeBackend: Backend = {
  name: 'node',
  sha256: (data) => copy(createHash('sha256').update(data).digest()),
  sha256Parts: (a, b, c) => {
    const h = createHash('sha256').update(a).update(b);
    if (c) h.update(c);
    return copy(h.digest());
  },
  decode,
  text: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
  importPublicKey: (x) =>
    createPublicKey({ key: Buffer.concat([SPKI_PREFIX, x]), format: 'der', type: 'spki' }),
  signedText: (segment) => {
    // Strict like the edge entry's decoder: the same token must not verify on one and not the other.
    if (!canonicalTail(segment)) return undefined;
    const bytes = Buffer.from(segment, 'base64url');
    // Buffer skips characters outside the alphabet; a shorter result means there were some.
    return bytes.length === (segment.length * 3) >> 2 ? bytes.toString('utf8') : undefined;
  },
  verify: (key, signature, token, end) => {
    if (scratch.length <= end) scratch = Buffer.allocUnsafe(Math.max(end + 1, scratch.length * 2));
    // UTF-8 is the identity on ASCII; a token with any other character writes more bytes than it
    // has characters, and such a token is refused instead of being mapped onto signed bytes.
    if (scratch.write(token.slice(0, end), 0, 'utf8') !== end) return false;
    return verify(null, scratch.subarray(0, end), key as KeyObject, signature);
  },
  verifyBytes: (key, signature, data) => verify(null, data, key as KeyObject, signature),
  signingKey: async (input: SigningKeyInput) => {
    let key: KeyObject;
    if (input instanceof KeyObject) key = input;
    else if (typeof CryptoKey !== 'undefined' && input instanceof CryptoKey) key = KeyObject.from(input);
    else if (isPrivateJwk(input)) key = createPrivateKey({ key: { ...input }, format: 'jwk' });
    else throw new TypeError('key must be an Ed25519 private KeyObject, CryptoKey or JWK');
    if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') {
      throw new TypeError('key must be an Ed25519 private key');
    }
    const x = createPublicKey(key).export({ format: 'jwk' }).x;
    return { key, x: x as string };
  },
  sign: async (key, data) => copy(sign(null, data, key as KeyObject)),
};
