import {
  CONSENT_METHODS,
  CONSENT_STATUSES,
  HASH_B64URL,
  JURISDICTION,
  PURPOSE_ID,
  RECEIPT_TYP,
  type ReceiptClaims,
  SUBJECT_ID,
  UUID_V4,
} from '@assent/core/protocol';
import type { Backend } from './lib/backend.js';
import { count, fail, num, obj, str } from './lib/claims.js';
import { verifyJws } from './lib/jws.js';
import { checkTimes, nowSeconds, type TimeOptions, tolerance } from './lib/time.js';
import { IssuerMismatch } from './errors.js';
import { type KeySet, type KeysInput, keySetFor } from './jwks.js';

/** Where verification keys come from: a key set (`jwks`) or the keys themselves (`keys`). */
export interface KeyOptions {
  /** A JWKS document, an array of JWKs or one JWK; imported once per object (treat as immutable). */
  keys?: KeysInput;
  /** A key set from `createLocalJwks` or `createRemoteJwks`. Takes precedence over `keys`. */
  jwks?: KeySet;
}

export interface VerifyReceiptOptions extends KeyOptions, TimeOptions {
  /** The ledger's issuer URL; `iss` must equal it exactly. */
  issuer: string;
}

const METHODS = new Set<string>(CONSENT_METHODS);
const STATUSES = new Set<string>(CONSENT_STATUSES);
const MAX_PURPOSES = 64;

/** Check every claim of a verified payload; returns it typed. */
export function receiptClaims(c: Record<string, unknown>): ReceiptClaims {
  str(c['iss'], '$.iss');
  str(c['sub'], '$.sub', SUBJECT_ID);
  num(c['iat'], '$.iat');
  num(c['exp'], '$.exp');
  str(c['jti'], '$.jti', UUID_V4);
  const pol = obj(c['pol'], '$.pol');
  str(pol['version'], '$.pol.version');
  str(pol['hash'], '$.pol.hash', HASH_B64URL);
  const cns = obj(c['cns'], '$.cns');
  let n = 0;
  for (const id in cns) {
    if (++n > MAX_PURPOSES) fail('$.cns', `has more than ${MAX_PURPOSES} purposes`);
    if (!PURPOSE_ID.test(id)) fail(`$.cns.${id}`, 'is not a purpose id');
    const p = obj(cns[id], `$.cns.${id}`);
    if (typeof p['status'] !== 'string' || !STATUSES.has(p['status']))
      fail(`$.cns.${id}.status`, 'is not a status');
    str(p['hash'], `$.cns.${id}.hash`, HASH_B64URL);
  }
  if (typeof c['mth'] !== 'string' || !METHODS.has(c['mth'])) fail('$.mth', 'is not a consent method');
  str(c['jur'], '$.jur', JURISDICTION);
  if (c['gpc'] !== undefined && typeof c['gpc'] !== 'boolean') fail('$.gpc', 'is not a boolean');
  count(c['seq'], '$.seq');
  str(c['lh'], '$.lh', HASH_B64URL);
  return c as unknown as ReceiptClaims;
}

export function validateReceiptOptions(options: VerifyReceiptOptions): void {
  if (typeof options?.issuer !== 'string' || options.issuer === '') {
    throw new TypeError('issuer is required: the ledger URL receipts must name in iss');
  }
}

export async function verifyReceipt(
  b: Backend,
  jws: string,
  options: VerifyReceiptOptions,
): Promise<ReceiptClaims> {
  const keys = keySetFor(b, options);
  validateReceiptOptions(options);
  const now = nowSeconds(options);
  const skew = tolerance(options);
  const claims = receiptClaims(await verifyJws(b, jws, keys, RECEIPT_TYP));
  if (claims.iss !== options.issuer) {
    throw new IssuerMismatch(`iss is ${claims.iss}, expected ${options.issuer}`, { path: '$.iss' });
  }
  checkTimes(claims.iat, claims.exp, now, skew);
  return claims;
}
