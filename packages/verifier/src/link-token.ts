import { LINK_TYP, type LinkClaims, SUBJECT_ID, encodeBase64url, utf8 } from '@assent/core/protocol';
import type { Backend, SigningKeyInput } from './lib/backend.js';
import { num, str } from './lib/claims.js';
import { verifyJws } from './lib/jws.js';
import { checkTimes, nowSeconds, type TimeOptions, tolerance } from './lib/time.js';
import { keySetFor } from './jwks.js';
import type { KeyOptions } from './receipt.js';
import { thumbprint } from './thumbprint.js';

export interface CreateLinkTokenOptions {
  /** The storefront's customer id. The ledger stores only a keyed hash of it. */
  customerId: string;
  /** The device subject id the widget reports (`consent.subject`). */
  subject: string;
  /** Ed25519 private key: a Node `KeyObject` (Node entry only), a Web Crypto `CryptoKey` or a private JWK. */
  key: SigningKeyInput;
  /** Lifetime, seconds; default 300, at most 86400. Link tokens are meant to be used at once. */
  ttlSeconds?: number;
  /** Key id for the header; default the RFC 7638 thumbprint of the public key. */
  kid?: string;
  /** Issue time as a `Date` or epoch milliseconds; default now. */
  now?: Date | number;
}

export interface VerifyLinkTokenOptions extends KeyOptions, TimeOptions {}

const MAX_TTL_SECONDS = 86_400;
const MAX_CUSTOMER_ID_LENGTH = 256;

export async function createLinkToken(b: Backend, options: CreateLinkTokenOptions): Promise<string> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options are required');
  const { customerId, subject, key, ttlSeconds = 300, kid } = options;
  if (typeof customerId !== 'string' || customerId === '' || customerId.length > MAX_CUSTOMER_ID_LENGTH) {
    throw new TypeError(
      `customerId must be a non-empty string of at most ${MAX_CUSTOMER_ID_LENGTH} characters`,
    );
  }
  if (typeof subject !== 'string' || !SUBJECT_ID.test(subject)) {
    throw new TypeError('subject must be a device subject id (22 base64url characters)');
  }
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new TypeError(`ttlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}`);
  }
  if (kid !== undefined && (typeof kid !== 'string' || kid === ''))
    throw new TypeError('kid must be a string');
  if (typeof key !== 'object' || key === null) throw new TypeError('key is required');
  const signer = await b.signingKey(key);
  const keyId =
    kid ?? (signer.x === undefined ? undefined : thumbprint(b, { kty: 'OKP', crv: 'Ed25519', x: signer.x }));
  if (keyId === undefined) throw new TypeError('kid is required when the key is a non-extractable CryptoKey');
  const iat = Math.floor(nowSeconds({ now: options.now }));
  const claims: LinkClaims = { sub: subject, cid: customerId, iat, exp: iat + ttlSeconds };
  const header = encodeBase64url(utf8(JSON.stringify({ alg: 'EdDSA', typ: LINK_TYP, kid: keyId })));
  const input = `${header}.${encodeBase64url(utf8(JSON.stringify(claims)))}`;
  return `${input}.${encodeBase64url(await b.sign(signer.key, utf8(input)))}`;
}

export async function verifyLinkToken(
  b: Backend,
  token: string,
  options: VerifyLinkTokenOptions,
): Promise<LinkClaims> {
  const keys = keySetFor(b, options);
  const now = nowSeconds(options);
  const skew = tolerance(options);
  const c = await verifyJws(b, token, keys, LINK_TYP);
  const claims: LinkClaims = {
    sub: str(c['sub'], '$.sub', SUBJECT_ID),
    cid: str(c['cid'], '$.cid'),
    iat: num(c['iat'], '$.iat'),
    exp: num(c['exp'], '$.exp'),
  };
  if (claims.cid === '' || claims.cid.length > MAX_CUSTOMER_ID_LENGTH) str(undefined, '$.cid');
  checkTimes(claims.iat, claims.exp, now, skew);
  return claims;
}
