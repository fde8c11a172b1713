// Test-only signing helpers built on node:crypto directly, independent of the code under test.
import { type KeyObject, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { createSubjectId, RECEIPT_TYP, type ReceiptClaims } from '@assent/core/protocol';
import { type Ed25519PrivateJwk, type Jwk, thumbprint } from '@assent/verifier';

export const ISSUER = 'https://ledger.example';
export const HASH_A = 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0';
export const HASH_B = 'LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ';

export interface TestKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: Jwk;
  privateJwk: Ed25519PrivateJwk;
  kid: string;
}

export function makeKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicJwk = publicKey.export({ format: 'jwk' }) as Jwk;
  const kid = thumbprint(publicJwk);
  return {
    privateKey,
    publicKey,
    publicJwk: { ...publicJwk, kid },
    privateJwk: privateKey.export({ format: 'jwk' }) as unknown as Ed25519PrivateJwk,
    kid,
  };
}

const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64url');

export function signJws(header: object, payload: object | string, key: KeyObject): string {
  const input = `${b64(JSON.stringify(header))}.${b64(typeof payload === 'string' ? payload : JSON.stringify(payload))}`;
  return `${input}.${b64(sign(null, Buffer.from(input), key))}`;
}

export function receiptClaims(overrides: Partial<ReceiptClaims> = {}): ReceiptClaims {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: ISSUER,
    sub: createSubjectId(),
    iat: now,
    exp: now + 3600,
    jti: randomUUID(),
    pol: { version: '2025-01', hash: HASH_A },
    cns: { ads: { status: 'given', hash: HASH_A }, analytics: { status: 'refused', hash: HASH_B } },
    mth: 'preferences:save',
    jur: 'CN',
    seq: 7,
    lh: HASH_B,
    ...overrides,
  };
}

export function signReceipt(
  key: TestKey,
  overrides: Partial<ReceiptClaims> = {},
  header: object = {},
): string {
  return signJws(
    { alg: 'EdDSA', typ: RECEIPT_TYP, kid: key.kid, ...header },
    receiptClaims(overrides),
    key.privateKey,
  );
}
