// @assent/ledger: the reference consent ledger.
export { createLedger, type Ledger, type LedgerOptions } from './ledger.js';
export {
  createKeyStore,
  importKeyStore,
  type KeyStoreData,
  type LedgerKeys,
  loadOrCreateKeyStore,
  parseKeyStore,
  type PublicJwk,
  readKeyStoreFile,
  rotateKeyStore,
  saveKeyStore,
  type StoredKey,
} from './keys.js';
export {
  EventClockSkew,
  EventConflict,
  EventErased,
  KeyStoreInvalid,
  LedgerSettingsMismatch,
  LinkInvalid,
  LogConflict,
  StorageUnavailable,
} from './errors.js';
export { mintToken, SCOPES, type Scope } from './tokens.js';
export { subtractDuration } from './duration.js';
export { verifyStore, type VerifyOptions, type VerifyProblem, type VerifyReport } from './verify-log.js';
export {
  type Controller,
  EXPORT_FORMATS,
  type ExportFormat,
  ExportUnconfigured,
  type PostalAddress,
} from './export.js';
export type { RateLimit } from './rate-limit.js';
export type { SigningBackend, SigningBackendOption } from './lib/ed25519.js';
export type { PurposeState } from './subject.js';
export type { AccessRecord, Outcome, Store, StoredTreeHead, TokenRecord } from './store/store.js';
export { openStore, type StoreLocation } from './open-store.js';
