// Data errors of the verifier. Codes are stable API: callers switch on `code`, never on messages.
// Token errors are shared by receipts, signed tree heads and link tokens, since the failure modes
// (structure, algorithm, key, signature, time, type) are the same JWS checks for all three.
import { AssentError } from '@assent/core/protocol';

/**
 * Not a compact JWS, bad base64url, header or payload not JSON, `kid` missing, `crit` present, or
 * claims missing or of the wrong type. `path` names the field at fault (`$.header.kid`, `$.cns`).
 *
 * @example
 * ```ts
 * await verifyReceipt('not-a-jws', { keys }) // throws TokenMalformed, code ERR_TOKEN_MALFORMED
 * ```
 */
export class TokenMalformed extends AssentError {
  static override code = 'ERR_TOKEN_MALFORMED';
  override readonly code = 'ERR_TOKEN_MALFORMED';
}

/**
 * The header's `alg` is not `EdDSA` or `Ed25519` (this includes `none` and every HMAC algorithm),
 * or the key the `kid` names is not an Ed25519 key.
 *
 * @example
 * ```ts
 * if (e instanceof AlgorithmUnsupported) log.warn('token with alg', e.message)
 * ```
 */
export class AlgorithmUnsupported extends AssentError {
  static override code = 'ERR_ALG_UNSUPPORTED';
  override readonly code = 'ERR_ALG_UNSUPPORTED';
}

/**
 * No key in the key set has the token's `kid` (after one refetch, for a remote JWKS).
 *
 * @example
 * ```ts
 * if (e.code === 'ERR_KID_UNKNOWN') metrics.increment('receipt.kid_unknown')
 * ```
 */
export class KeyIdUnknown extends AssentError {
  static override code = 'ERR_KID_UNKNOWN';
  override readonly code = 'ERR_KID_UNKNOWN';
}

/**
 * The signature does not verify with the key the `kid` names: the token was altered, truncated or
 * signed by someone else.
 *
 * @example
 * ```ts
 * if (e instanceof SignatureInvalid) return new Response('forged receipt', { status: 400 })
 * ```
 */
export class SignatureInvalid extends AssentError {
  static override code = 'ERR_SIGNATURE_INVALID';
  override readonly code = 'ERR_SIGNATURE_INVALID';
}

/**
 * `exp` has passed (beyond the clock tolerance). The consent it records may still stand: ask the
 * widget for a fresh receipt, or the ledger (`checkOnline`).
 *
 * @example
 * ```ts
 * if (e instanceof TokenExpired) refreshReceipt()
 * ```
 */
export class TokenExpired extends AssentError {
  static override code = 'ERR_TOKEN_EXPIRED';
  override readonly code = 'ERR_TOKEN_EXPIRED';
}

/**
 * `iat` lies in the future (beyond the clock tolerance): one of the clocks is wrong.
 *
 * @example
 * ```ts
 * if (e instanceof TokenNotYetValid) log.error('clock skew with the ledger')
 * ```
 */
export class TokenNotYetValid extends AssentError {
  static override code = 'ERR_TOKEN_NOT_YET_VALID';
  override readonly code = 'ERR_TOKEN_NOT_YET_VALID';
}

/**
 * `iss` is not the issuer the verifier was told to expect.
 *
 * @example
 * ```ts
 * await verifyReceipt(jws, { keys, issuer: 'https://ledger.example' }) // may throw IssuerMismatch
 * ```
 */
export class IssuerMismatch extends AssentError {
  static override code = 'ERR_ISSUER_MISMATCH';
  override readonly code = 'ERR_ISSUER_MISMATCH';
}

/**
 * The header's `typ` is not the one for this kind of token, so a tree head or a link token cannot
 * be passed off as a receipt (or the other way round).
 *
 * @example
 * ```ts
 * await verifyReceipt(treeHeadJws, { keys }) // throws TypeMismatch, code ERR_TYP_MISMATCH
 * ```
 */
export class TypeMismatch extends AssentError {
  static override code = 'ERR_TYP_MISMATCH';
  override readonly code = 'ERR_TYP_MISMATCH';
}

/**
 * A Merkle inclusion or consistency proof does not verify, or a hash in it is not 32 bytes.
 *
 * @example
 * ```ts
 * try { verifyInclusion(args) } catch (e) { if (e instanceof ProofInvalid) alarm(e.message) }
 * ```
 */
export class ProofInvalid extends AssentError {
  static override code = 'ERR_PROOF_INVALID';
  override readonly code = 'ERR_PROOF_INVALID';
}

/**
 * A JWK or JWKS document is not usable: not a key set, a duplicate `kid`, a bad Ed25519 `x`.
 *
 * @example
 * ```ts
 * createLocalJwks({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'short' }] }) // throws JwksInvalid
 * ```
 */
export class JwksInvalid extends AssentError {
  static override code = 'ERR_JWKS_INVALID';
  override readonly code = 'ERR_JWKS_INVALID';
}

/**
 * A remote JWKS could not be fetched (network error, timeout, non-2xx, not JSON) and no earlier
 * copy is cached. `cause` carries the underlying error.
 *
 * @example
 * ```ts
 * if (e.code === 'ERR_JWKS_UNAVAILABLE') return new Response('try again', { status: 503 })
 * ```
 */
export class JwksUnavailable extends AssentError {
  static override code = 'ERR_JWKS_UNAVAILABLE';
  override readonly code = 'ERR_JWKS_UNAVAILABLE';
}

/**
 * The ledger did not answer a `checkOnline` query usably (network error, timeout, non-2xx, a body
 * that is not the documented shape).
 *
 * @example
 * ```ts
 * const d = await checker.checkOnline(receipt, 'ads') // d.reason === 'ledger-unavailable'
 * ```
 */
export class LedgerUnavailable extends AssentError {
  static override code = 'ERR_LEDGER_UNAVAILABLE';
  override readonly code = 'ERR_LEDGER_UNAVAILABLE';
}
