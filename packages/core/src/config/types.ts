import type { ConsentModeOptions } from '../gate/consent-mode.js';

// The retailer's config, as `validateConfig` returns it. Every field is documented in docs/config.md.
// Fields the law requires but the schema leaves optional (controller contact, retention, recipient
// names...) are checked by `lintConfig`, so that the finding can cite the clause it comes from.

/** Legal basis of a purpose. Only `consent` purposes are toggles; the others always apply. */
export type LegalBasis = 'consent' | 'contract' | 'legal-obligation';

/** Grade of a data category: PIPL's general and sensitive personal information. */
export type Grade = 'general' | 'sensitive';

/** Google Consent Mode v2 consent types. */
export type ConsentModeType =
  | 'ad_storage'
  | 'ad_user_data'
  | 'ad_personalization'
  | 'analytics_storage'
  | 'functionality_storage'
  | 'personalization_storage'
  | 'security_storage';

/**
 * Every Google Consent Mode v2 consent type, in Google's documented order.
 *
 * @example
 * ```ts
 * // Everything denied, as the loader's `gtag('consent', 'default', ...)` starts.
 * const denied = Object.fromEntries(CONSENT_MODE_TYPES.map((t) => [t, 'denied']))
 * ```
 */
export const CONSENT_MODE_TYPES: readonly ConsentModeType[] = [
  'ad_storage',
  'ad_user_data',
  'ad_personalization',
  'analytics_storage',
  'functionality_storage',
  'personalization_storage',
  'security_storage',
];

/** Kinds of personal data in the built-in taxonomy (see `TAXONOMY`). */
export type CategoryKind =
  | 'identity'
  | 'contact'
  | 'address'
  | 'account'
  | 'payment'
  | 'purchase-history'
  | 'browsing'
  | 'device'
  | 'approximate-location'
  | 'preferences'
  | 'communications'
  | 'precise-location'
  | 'biometric'
  | 'health'
  | 'financial-account'
  | 'religious-belief'
  | 'specific-identity'
  | 'government-id'
  | 'minor'
  | 'sexual-orientation'
  | 'criminal-record'
  | 'other';

/** Who runs the store and answers for the processing (PIPL Art. 17(1)1, GDPR Art. 13(1)(a)). */
export interface Controller {
  name?: string;
  /** An e-mail address, phone number or URL where shoppers can exercise their rights. */
  contact?: string;
  address?: string;
}

/** The privacy notice every decision is made under. */
export interface Notice {
  /** 1 to 64 printable ASCII characters; sent with every consent event. */
  version: string;
  /** Absolute http(s) URL or a root-relative path of the full notice. */
  url: string;
}

export interface CategoryTexts {
  label: string;
  description?: string;
}

/** A data category the store processes, classified with a taxonomy kind and graded. */
export interface DataCategory {
  id: string;
  kind: CategoryKind;
  /** May raise a general kind to `sensitive`; a sensitive kind stays sensitive whatever this says. */
  grade?: Grade;
  texts: Record<string, CategoryTexts>;
}

/** Someone the data is provided to (PIPL Art. 23; GDPR Art. 13(1)(e)). */
export interface Recipient {
  name?: string;
  contact?: string;
  /** ISO 3166-1 alpha-2 country of the recipient. */
  country?: string;
  /**
   * `third-party` (default): another handler deciding its own purposes, which makes the purpose
   * need separate consent. `processor`: acts only on the store's instructions (PIPL Art. 21).
   */
  role?: 'third-party' | 'processor';
}

/** Processing or provision abroad (PIPL Art. 38-39). */
export interface Transfer {
  /** ISO 3166-1 alpha-2 country the data goes to. */
  country?: string;
  /** Name of the overseas recipient. */
  recipient?: string;
  contact?: string;
}

export interface PurposeTexts {
  name?: string;
  description?: string;
  /** Why the processing is necessary; required for sensitive data (PIPL Art. 30). */
  necessity?: string;
  /** Its impact on the shopper's rights and interests; required for sensitive data (PIPL Art. 30). */
  impact?: string;
}

/** One purpose of processing, decided on by the shopper when its basis is `consent`. */
export interface Purpose {
  /** `[a-z][a-z0-9-]{0,63}`, stable: it is what receipts and backends name. */
  id: string;
  basis: LegalBasis;
  /** Ids of entries in `categories`. */
  categories: string[];
  /** ISO 8601 duration, e.g. `P13M`. */
  retention?: string;
  recipients?: Recipient[];
  transfer?: Transfer;
  publicDisclosure?: boolean;
  /** `true` asks for separate consent even when nothing requires it; `false` cannot turn it off. */
  separate?: boolean;
  /** The purpose serves marketing or advertising (lint forbids a contract basis for it). */
  marketing?: boolean;
  /** Google Consent Mode types this purpose grants. */
  consentMode?: ConsentModeType[];
  /** Cookies deleted when the purpose is not allowed: names or `/regex/flags` patterns (docs/gating.md). */
  cookies?: string[];
  /** `localStorage` keys deleted when the purpose is not allowed: names or `/regex/flags` patterns. */
  localStorage?: string[];
  /** Reload the page when this purpose is withdrawn, so that its scripts stop running. */
  reloadOnWithdraw?: boolean;
  /** Pre-ticking. Never honoured: present only so that lint can report it. */
  default?: boolean;
  texts: Record<string, PurposeTexts>;
}

/** Rules of one jurisdiction. */
export interface JurisdictionRule {
  /** `opt-in`: nothing without consent (CN, EU, UK). `opt-out`: allowed until refused (US states). */
  model: 'opt-in' | 'opt-out';
  /** Given consent expires after this many days. */
  consentMaxAgeDays?: number;
  /** A refusal is asked again only after this many days. */
  refusalReaskDays?: number;
  /** Purpose ids that count as sale of personal information (CCPA §1798.120). */
  sale?: string[];
  /** Purpose ids that count as sharing for cross-context behavioural advertising (CPRA). */
  sharing?: string[];
  /** Purpose ids that are targeted advertising (state laws such as VCDPA, CPA). */
  targetedAds?: string[];
}

/** Button ids of the banner (first layer). */
export type BannerButton = 'accept-all' | 'reject-all' | 'customize';

/** UI strings of one locale. The widget may know more keys than `UI_TEXT_KEYS`. */
export type UiTexts = Record<string, string>;

export interface UiConfig {
  /** Buttons of the banner, in order. Default: all three. */
  buttons?: BannerButton[];
  texts: Record<string, UiTexts>;
}

/** A validated Assent config. */
export interface AssentConfig {
  $schema?: string;
  controller: Controller;
  notice: Notice;
  /** BCP 47 tags of every locale the store speaks; every text must exist in each. */
  locales: string[];
  defaultLocale?: string;
  ledgerUrl?: string;
  categories: DataCategory[];
  purposes: Purpose[];
  /** Rules per jurisdiction code (`CN`, `EU`, `US-CA`...) and an optional `default`. */
  jurisdictions?: Record<string, JurisdictionRule>;
  /** Jurisdiction used when the page does not name one. */
  defaultJurisdiction?: string;
  /** Google Consent Mode v2 defaults and options; absent, Assent leaves `gtag` alone (docs/gating.md). */
  consentMode?: ConsentModeOptions;
  ui?: UiConfig;
}
