// @assent/core/protocol: the wire formats shared by the widget, the ledger and the verifier.
// Free of DOM code, so servers and edge runtimes can import it.
export {
  AssentError,
  CanonicalizationFailed,
  ConfigInvalid,
  EventInvalid,
  ReceiptInvalid,
} from './errors.js';
export { canonicalize } from './jcs.js';
export { sha256 } from './sha256.js';
export { decodeBase64url, encodeBase64url } from './base64url.js';
export { fromUtf8, utf8 } from './lib/utf8.js';
export { createEventId, createSubjectId } from './ids.js';
export { createEvent, type EventInput } from './event.js';
export {
  HASH_B64URL,
  JURISDICTION,
  PURPOSE_ID,
  RFC3339_UTC,
  SUBJECT_ID,
  UUID_V4,
  validateEvent,
  validateEvents,
} from './validate.js';
export {
  CONSENT_METHODS,
  CONSENT_STATUSES,
  type ConsentEvent,
  type ConsentMethod,
  type ConsentStatus,
  LINK_TYP,
  type LedgerEntry,
  type LinkClaims,
  MAX_EVENTS_BODY_BYTES,
  type PolicyRef,
  type PurposeSnapshot,
  RECEIPT_TYP,
  type ReceiptClaims,
  TREE_HEAD_TYP,
  type TreeHead,
} from './types.js';
