// @assent/core: the consent model. Protocol types and helpers are re-exported for convenience.
export * from './protocol/index.js';
export {
  type AssentConfig,
  type BannerButton,
  type CategoryKind,
  type CategoryTexts,
  CONSENT_MODE_TYPES,
  type ConsentModeType,
  type Controller,
  type DataCategory,
  type Grade,
  type JurisdictionRule,
  type LegalBasis,
  type Notice,
  type Purpose,
  type PurposeTexts,
  type Recipient,
  type Transfer,
  type UiConfig,
  type UiTexts,
} from './config/types.js';
export { gradeOf } from './lib/grade.js';
export {
  type Classification,
  CATEGORY_KINDS,
  classifyCategory,
  TAXONOMY,
  type TaxonomyEntry,
} from './taxonomy.js';
export { MAX_PURPOSES, validateConfig } from './config/validate.js';
export {
  isMarketing,
  LINT_RULES,
  type LintFinding,
  type LintRule,
  lintConfig,
  REQUIRED_UI_TEXTS,
} from './lint/index.js';
export { isSeparate, separatePurposes } from './separate.js';
export {
  definitionHash,
  digestPolicy,
  digestPurposes,
  policyHash,
  purposeHashes,
  type Sha256,
} from './hash.js';
export { DEFAULT_RULE, resolveRule } from './jurisdiction.js';
export {
  type Consent,
  type ConsentChange,
  type ConsentOptions,
  createConsent,
  type RecordOptions,
  recordConsent,
} from './consent.js';
export {
  type ConsentView,
  type PromptReason,
  type ReadConsentOptions,
  readConsent,
} from './view.js';
export { type ConsentStorage, type Decision, memoryStorage, type StoredConsent } from './storage.js';
export {
  cookieStorage,
  type CookieStorageOptions,
  decodeConsentCookie,
  encodeConsentCookie,
  parseConsentCookie,
  type WarningHandler,
  writeConsentCookie,
} from './cookie.js';
export {
  type ConsentHistory,
  createIdbHistory,
  createMemoryHistory,
  type HistoryRecord,
  type IdbHistoryOptions,
} from './history.js';
export { VERSION } from './version.js';
// Enforcement in the page (docs/gating.md): gating, storage clearing, Consent Mode, GPC, regions.
export { createGate, type Gate, type GateOptions, gatePage } from './gate/gating.js';
export { type PlaceholderOptions, placeholders } from './gate/placeholder.js';
export { type ClearRules, clearPurposeStorage, type StorageRules } from './gate/cookies.js';
export {
  clearOnWithdraw,
  clearStorageOf,
  type ConsentSubscription,
  type PurposeStorage,
} from './gate/withdrawal.js';
export {
  connectConsentMode,
  type ConsentModeOptions,
  type ConsentModePurpose,
  type ConsentModeRegion,
  type ConsentModeState,
  type ConsentModeUpdate,
  type ConsentReader,
  consentModeDefault,
  consentModeState,
  consentModeUpdate,
  consentModeUpdateOf,
  pushConsentModeUpdate,
} from './gate/consent-mode.js';
export {
  applyGpc,
  type GpcConsent,
  type GpcResult,
  gpcRefusals,
  gpcSince,
  readGpc,
} from './gate/gpc.js';
export { type JurisdictionSource, resolveJurisdiction } from './gate/region.js';
export {
  type EnforcedConsent,
  type Enforcement,
  type EnforceOptions,
  enforceConsent,
} from './gate/enforce.js';
