import type { Backend, Ed25519PublicJwk } from './lib/backend.js';
import { isJwk, unusableReason } from './lib/jwk.js';
import { isSmallOrder } from './lib/small-order.js';
import { AlgorithmUnsupported, JwksInvalid, SignatureInvalid } from './errors.js';

export interface VerifySignatureInput {
  /** The Ed25519 public key as a JWK. */
  key: Ed25519PublicJwk;
  /** The signed bytes. */
  data: Uint8Array;
  /** The 64-byte signature. */
  signature: Uint8Array;
}

export async function verifyEd25519(b: Backend, input: VerifySignatureInput): Promise<void> {
  if (typeof input !== 'object' || input === null) throw new TypeError('expected { key, data, signature }');
  const { key, data, signature } = input;
  if (!isJwk(key)) throw new TypeError('key must be a JWK');
  if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array');
  if (!(signature instanceof Uint8Array)) throw new TypeError('signature must be a Uint8Array');
  const reason = unusableReason(key);
  if (reason !== undefined) throw new AlgorithmUnsupported(`key ${reason}`);
  const x = b.decode(key.x);
  if (x?.length !== 32) throw new JwksInvalid('x is not a 32-byte base64url key', { path: '$.x' });
  if (isSmallOrder(x)) {
    throw new JwksInvalid('x is a small-order point', {
      path: '$.x',
    });
  }
  if (signature.length !== 64) throw new SignatureInvalid(`signature is ${signature.length} bytes, not 64`);
  const imported = await b.importPublicKey(x);
  if (!(await b.verifyBytes(imported, signature, data)))
    throw new SignatureInvalid('signature does not verify');
}
