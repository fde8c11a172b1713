// @assent/core/sync: the outbox, delivery, receipts and cross-device consent (docs/sync.md).
// A subpath of its own, loaded lazily by the widget: none of it is on the loader's critical path.
export {
  createSync,
  type LinkResult,
  type ReceiptDetail,
  type Sync,
  type SyncConsent,
  type SyncErrorDetail,
  type SyncEvents,
  type SyncOptions,
} from './sync.js';
export {
  createIdbSyncStore,
  createMemorySyncStore,
  type IdbSyncStoreOptions,
  type SyncKv,
  type SyncStore,
} from './store.js';
export { MAX_REJECTED, type OutboxEntry, type SyncErrorInfo } from './outbox.js';
export { compactable } from './compact.js';
export { backoffMs } from './backoff.js';
export { beacon, type Delivery, MAX_TIMEOUT_MS, postEvents, retryAfterMs } from './send.js';
export { createReceiptCheck, decodeJws, type StoredReceipt, supportsEd25519 } from './receipt.js';
export {
  clearReceiptCookie,
  MAX_RECEIPT_COOKIE_BYTES,
  RECEIPT_COOKIE,
  type ReceiptCookieOptions,
  readReceiptCookie,
  writeReceiptCookie,
} from './cookie.js';
export { type MergeResult, mergeDecisions, type RemoteDecision } from './merge.js';
