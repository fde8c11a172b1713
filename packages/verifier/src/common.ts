// Exports that do not depend on the crypto backend; both entries re-export this list.
export {
  AlgorithmUnsupported,
  IssuerMismatch,
  JwksInvalid,
  JwksUnavailable,
  KeyIdUnknown,
  LedgerUnavailable,
  ProofInvalid,
  SignatureInvalid,
  TokenExpired,
  TokenMalformed,
  TokenNotYetValid,
  TypeMismatch,
} from './errors.js';
export { AssentError } from '@assent/core/protocol';
export type {
  Ed25519PrivateJwk,
  Ed25519PublicJwk,
  JsonWebKeySet,
  Jwk,
  SigningKeyInput,
} from './lib/backend.js';
export type { LinkClaims, ReceiptClaims, TreeHead } from '@assent/core/protocol';
export {
  type NodeRequestLike,
  type RequestConsent,
  type RequestConsentOptions,
  type RequestSubject,
  createConsentMiddleware,
  createFetchConsent,
} from './adapters.js';
export {
  RECEIPT_COOKIE,
  RECEIPT_HEADER,
  type RequestConsentInput,
  type RequestLike,
  consentFromRequest,
  gpcFromRequest,
} from './request.js';
export { MAX_CACHED_RECEIPT_LENGTH } from './checker.js';
