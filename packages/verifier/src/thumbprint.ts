import { canonicalize, encodeBase64url, utf8 } from '@assent/core/protocol';
import type { Backend, Jwk } from './lib/backend.js';
import { JwksInvalid } from './errors.js';

// RFC 7638 §3.2: the required public members per key type, nothing else (not kid, not alg).
const REQUIRED: Record<string, readonly string[]> = {
  OKP: ['crv', 'kty', 'x'],
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  oct: ['k', 'kty'],
};

export function thumbprint(b: Backend, jwk: Jwk): string {
  if (typeof jwk !== 'object' || jwk === null) throw new TypeError('jwk must be a JWK object');
  const members = REQUIRED[jwk.kty];
  if (!members) throw new JwksInvalid(`unsupported kty ${String(jwk.kty)}`, { path: '$.kty' });
  const picked: Record<string, unknown> = {};
  const fields = jwk as unknown as Record<string, unknown>;
  for (const m of members) {
    if (typeof fields[m] !== 'string') throw new JwksInvalid(`JWK member ${m} missing`, { path: `$.${m}` });
    picked[m] = fields[m];
  }
  return encodeBase64url(b.sha256(utf8(canonicalize(picked))));
}
