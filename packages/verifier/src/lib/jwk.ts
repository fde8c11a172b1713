import type { Ed25519PrivateJwk, Jwk } from './backend.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const isJwk = (v: unknown): v is Jwk => isObject(v) && typeof v['kty'] === 'string';

export const isPrivateJwk = (v: unknown): v is Ed25519PrivateJwk =>
  isObject(v) &&
  v['kty'] === 'OKP' &&
  v['crv'] === 'Ed25519' &&
  typeof v['d'] === 'string' &&
  typeof v['x'] === 'string';

/**
 * Why a JWK cannot verify Ed25519 signatures, or `undefined` when it can. Keys meant for something
 * else (`use: enc`, `key_ops` without `verify`, another `alg`) are refused, not silently used.
 */
export function unusableReason(jwk: Jwk): string | undefined {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') {
    return `is ${jwk.kty}${jwk.crv ? `/${jwk.crv}` : ''}, not an Ed25519 key`;
  }
  if (jwk.alg !== undefined && jwk.alg !== 'EdDSA' && jwk.alg !== 'Ed25519') return `is for alg ${jwk.alg}`;
  if (jwk.use !== undefined && jwk.use !== 'sig') return `has use ${String(jwk.use)}`;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) {
    return 'has key_ops without verify';
  }
  return undefined;
}
