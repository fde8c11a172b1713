// @assent/example-storefront: the demo shop and the `pnpm start` orchestration behind it.
export {
  createStorefront,
  defaultTagPurposes,
  type NewsletterSubscriber,
  type Storefront,
  type StorefrontOptions,
  type TagHit,
} from './server.js';
export { type ConsentGate, type ConsentReason, type ConsentVerdict, createConsentGate } from './consent.js';
export { contentSecurityPolicy, createNonce } from './csp.js';
export { ACCOUNTS, type Account } from './accounts.js';
export { PRODUCTS, type Product } from './catalog.js';
export { type Locale, LOCALES } from './i18n.js';
export {
  DEFAULT_CONFIG_PATH,
  DEFAULT_DATA_DIR,
  type Demo,
  type DemoOptions,
  loadRetailerConfig,
  startDemo,
} from './demo.js';
