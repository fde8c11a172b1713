import {
  CONSENT_METHODS,
  CONSENT_STATUSES,
  type ConsentMethod,
  type ConsentStatus,
} from './protocol/types.js';
import type { ConsentStorage, Decision, StoredConsent } from './storage.js';

// Cookie value: `1.<subject>` then `|<id>:<s><m><hash8><t>` per purpose, where s is the first
// letter of the status (g r w e), m indexes CONSENT_METHODS, hash8 is the first 8 characters of the
// definition hash (enough to notice a changed definition; receipts carry the full hash) and t the
// decision time in seconds, base 36. Every character is a cookie-octet (RFC 6265 §4.1.1), so
// servers need no decoding. Size with the name: 31 bytes, plus 12 + id length + 6 per purpose
// (7 from 2039 on); 48 purposes with 64-character ids take 4,015 bytes, under the 4,096 that
// browsers guarantee (RFC 6265 §6.1), and config validation caps a config at 48 purposes.
const HEAD = /^1\.([\w-]{21}[AQgw])$/;
// One `|<entry>` (global: the decoder takes every well-formed one out and checks what remains).
const ENTRY = /\|([a-z][a-z0-9-]{0,63}):([grwe])([0-6])([\w-]{8})([0-9a-z]{1,9})(?=\||$)/g;

/** What to do with a warning; default `console.warn`. */
export type WarningHandler = (message: string) => void;

/**
 * Encode state as the `assent` cookie value.
 *
 * @example
 * ```ts
 * encodeConsentCookie({ subject, decisions: { analytics: { status: 'given', at: 1767225600000, method: 'api', hash } } })
 * // '1.q3Vb2p0hXk8m0aJ1dQ7v4w|analytics:g5Wq3cAbCdtkwp8w'
 * ```
 */
export function encodeConsentCookie(state: StoredConsent): string {
  let v = `1.${state.subject}`;
  for (const [id, d] of Object.entries(state.decisions))
    v += `|${id}:${d.status[0]}${CONSENT_METHODS.indexOf(d.method)}${d.hash.slice(0, 8)}${Math.floor(d.at / 1000).toString(36)}`;
  return v;
}

/**
 * Decode an `assent` cookie value. Returns `undefined`, and reports through `onWarning`, for
 * anything that is not a well-formed value of this version: a corrupt or foreign cookie counts as
 * no decision. Decisions read back carry the 8-character hash prefix.
 *
 * @example
 * ```ts
 * decodeConsentCookie('1.q3Vb2p0hXk8m0aJ1dQ7v4w|analytics:g5Wq3cAbCdtkwp8w')?.decisions.analytics?.status // 'given'
 * ```
 */
export function decodeConsentCookie(
  value: string,
  onWarning: WarningHandler = console.warn,
): StoredConsent | undefined {
  const decisions: Record<string, Decision> = {};
  let unique = true;
  // Every well-formed entry is taken out, once per purpose; what remains must be exactly the head.
  const subject = HEAD.exec(
    value.replace(ENTRY, (_, id: string, s: string, m: string, hash: string, t: string) => {
      if (id in decisions) unique = false;
      else
        decisions[id] = {
          status: CONSENT_STATUSES.find((x) => x[0] === s) as ConsentStatus,
          method: CONSENT_METHODS[+m] as ConsentMethod,
          hash,
          at: parseInt(t, 36) * 1000,
        };
      return '';
    }),
  )?.[1];
  if (subject && unique) return { subject, decisions };
  onWarning(`assent: malformed consent cookie: ${value.slice(0, 40)}`);
  return undefined;
}

/**
 * Read the consent state from a `Cookie` header value (or `document.cookie`), on the server or in
 * the browser, synchronously. No cookie gives `undefined`; a corrupt or foreign one gives
 * `undefined` and a warning. Given an already parsed cookie value, use {@link decodeConsentCookie}.
 *
 * @example
 * ```ts
 * const state = parseConsentCookie(req.headers.cookie)
 * const hash = purposeHashes(config)['personalization']!
 * const d = state?.decisions['personalization']
 * const personalise = d?.status === 'given' && hash.startsWith(d.hash)
 * ```
 */
export function parseConsentCookie(
  header: string | null | undefined,
  options: { name?: string; onWarning?: WarningHandler } = {},
): StoredConsent | undefined {
  // No header reads as "undefined" or "null", which holds no `=` and so no cookie.
  const v = new RegExp(`(^|;) *${options.name ?? 'assent'}=([^;]*)`).exec(header as string)?.[2];
  return v === undefined ? v : decodeConsentCookie(v.trim(), options.onWarning);
}

/** Options of {@link cookieStorage}. */
export interface CookieStorageOptions {
  /** Cookie name. Default `assent`. */
  name?: string;
  /** Default 34,128,000 (395 days, about 13 months). */
  maxAgeSeconds?: number;
  /** `Domain` attribute, to share the decision across subdomains. Default: host only. */
  domain?: string;
  onWarning?: WarningHandler;
}

/**
 * Persistence in a first-party cookie (`SameSite=Lax`, `Path=/`, `Secure` on https, about 13
 * months), readable synchronously by the loader and, with {@link parseConsentCookie}, by servers.
 * Without `document` (Node, workers) it keeps nothing. Never throws into the page.
 *
 * @example
 * ```ts
 * const consent = createConsent(config, { storage: cookieStorage() })
 * ```
 */
export function cookieStorage(options: CookieStorageOptions = {}): ConsentStorage {
  return {
    load: () => parseConsentCookie(globalThis.document?.cookie, options),
    save: (state) => writeConsentCookie(state, options),
  };
}

/**
 * Write the `assent` cookie (what `cookieStorage().save` does): for code that writes without
 * reading, such as the widget's lazily loaded part, whose loader already read the cookie.
 * Without `document` it does nothing. Throws only in sandboxed documents.
 *
 * @example
 * ```ts
 * recordConsent(view, { storage: { save: (state) => writeConsentCookie(state) } })
 * ```
 */
export function writeConsentCookie(
  state: StoredConsent,
  options: Omit<CookieStorageOptions, 'onWarning'> = {},
): void {
  const doc = globalThis.document as Document | undefined;
  if (doc)
    doc.cookie = `${options.name ?? 'assent'}=${encodeConsentCookie(state)};Path=/;Max-Age=${options.maxAgeSeconds ?? 34128000};SameSite=Lax${
      options.domain ? `;Domain=${options.domain}` : ''
    }${location.protocol === 'https:' ? ';Secure' : ''}`;
}
