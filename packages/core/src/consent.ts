import type { AssentConfig } from './config/types.js';
import type { WarningHandler } from './cookie.js';
import { purposeHashes } from './hash.js';
import { policyDigest } from './lib/digest.js';
import { createSubjectId } from './protocol/ids.js';
import type { ConsentHistory } from './history.js';
import { createEvent } from './protocol/event.js';
import {
  CONSENT_METHODS,
  type ConsentEvent,
  type ConsentMethod,
  type ConsentStatus,
  type PolicyRef,
  type PurposeSnapshot,
} from './protocol/types.js';
import { separatePurposes } from './separate.js';
import type { ConsentStorage, Decision, StoredConsent } from './storage.js';
import { VERSION } from './version.js';
import { type ConsentView, type PromptReason, readConsent } from './view.js';

export type { PromptReason };

/** Options of {@link recordConsent}. */
export interface RecordOptions {
  /** Where each decision is saved (e.g. `cookieStorage()`; only `save` is used). Default: nowhere. */
  storage?: Pick<ConsentStorage, 'save'>;
  /** Where every decision is appended (e.g. `createIdbHistory()`). */
  history?: ConsentHistory;
  /** Clock in milliseconds since the Unix epoch. Default `Date.now`. */
  now?: () => number;
  /** BCP 47 tag of the texts the shopper sees. Default: the config's `defaultLocale`, else its first locale. */
  locale?: string;
  /** Version string recorded in events. Default: this package's version. */
  widget?: string;
  onWarning?: WarningHandler;
  /**
   * The notice's policy hash for the view's definition hashes, sent as `policy.hash` with every
   * event: `await digestPolicy(config, view.hashes)` (Web Crypto), or `policyHash(config, hashes)`.
   * Required by `recordConsent`, which carries no SHA-256 of its own; `createConsent` computes it.
   */
  policyHash?: string;
}

/** Options of {@link createConsent}. */
export interface ConsentOptions extends RecordOptions {
  /** Where decisions persist between page loads (e.g. `cookieStorage()`). Default: memory only. */
  storage?: ConsentStorage;
  /**
   * Every purpose's current definition hash, when already known (`await digestPurposes(config)`).
   * Default: computed now, synchronously, with `purposeHashes`.
   */
  hashes?: Readonly<Record<string, string>>;
  /** Jurisdiction code (`CN`, `EU`, `US-CA`). Default: the config's `defaultJurisdiction`, else `ZZ` (unknown). */
  jurisdiction?: string;
  /** Whether a Global Privacy Control signal is present. Default: `navigator.globalPrivacyControl === true`. */
  gpc?: boolean;
}

/** What subscribers (and the `assent:change` window event's `detail`) receive after each decision. */
export interface ConsentChange {
  /** Every decision after the change. */
  decisions: Record<string, Decision>;
  /** Purposes whose status or definition hash changed. */
  changed: string[];
  method: ConsentMethod;
  /** The consent event for the ledger: a full snapshot of the decided consent purposes. */
  event: ConsentEvent;
}

/** The consent state of one device. Created by {@link createConsent} or {@link recordConsent}. */
export interface Consent extends ConsentView {
  /** The device subject id (128 random bits, base64url), kept in the cookie from the first decision. */
  readonly subject: string;
  /** The notice's version and policy hash. */
  readonly policy: PolicyRef;
  readonly locale: string;
  readonly history: ConsentHistory | undefined;
  /** Gives every consent purpose except the separate ones. */
  acceptAll(method?: ConsentMethod): ConsentChange | undefined;
  /** Refuses every consent purpose (withdraws those given), and withdraws given separate ones. */
  rejectAll(method?: ConsentMethod): ConsentChange | undefined;
  /** `true` gives, `false` refuses (withdraws if given). Separate purposes are granted only with `grantSeparate`. */
  set(choices: Record<string, boolean>, method?: ConsentMethod): ConsentChange | undefined;
  withdraw(id: string, method?: ConsentMethod): ConsentChange | undefined;
  grantSeparate(id: string, method?: ConsentMethod): ConsentChange | undefined;
  refuseSeparate(id: string, method?: ConsentMethod): ConsentChange | undefined;
  /**
   * Adopt decisions the shopper made on another device (cross-device sync): each keeps its status,
   * time and definition hash, with method `sync`, and is recorded like any change (one event).
   */
  apply(decisions: Record<string, Pick<Decision, 'status' | 'at' | 'hash'>>): ConsentChange | undefined;
  subscribe(listener: (change: ConsentChange) => void): () => void;
}

/**
 * Create the consent state of this device for a validated config (see `validateConfig`): decisions
 * per consent purpose, loaded from `options.storage`, changed only by the calls below, each of
 * which records a consent event, persists, appends to the history and notifies subscribers and a
 * `window` `assent:change` CustomEvent. Nothing is ever given without an explicit call. It is
 * `recordConsent` over `readConsent`.
 *
 * Wrong arguments (unknown purpose, a separate purpose passed to `set`, an unknown method) throw
 * `TypeError`; storage, history and listener failures are reported through `onWarning` and never
 * thrown.
 *
 * @example
 * ```ts
 * const consent = createConsent(config, { storage: cookieStorage(), locale: 'zh-CN', jurisdiction: 'CN' })
 * if (consent.needsPrompt().prompt) showBanner()
 * consent.set({ analytics: true, 'marketing-email': false }, 'preferences:save')
 * consent.allows('analytics') // true
 * consent.grantSeparate('face-payment') // from the separate-consent dialog
 *
 * // In a browser, hash the definitions with Web Crypto first: no JavaScript SHA-256 at start-up.
 * createConsent(config, { storage: cookieStorage(), hashes: await digestPurposes(config) })
 * ```
 */
export function createConsent(config: AssentConfig, options: ConsentOptions = {}): Consent {
  let stored: StoredConsent | undefined;
  // A storage that fails to load counts as no decision; recordConsent reports it like save errors.
  let failed: unknown;
  try {
    stored = options.storage?.load();
  } catch (e) {
    failed = e;
  }
  const hashes = options.hashes ?? purposeHashes(config);
  const consent = recordConsent(
    readConsent(config, {
      hashes,
      separate: separatePurposes(config),
      stored,
      now: options.now,
      jurisdiction: options.jurisdiction,
      gpc: options.gpc,
    }),
    { ...options, policyHash: options.policyHash ?? policyDigest(config, hashes) },
  );
  if (failed) (options.onWarning ?? console.warn)(`assent: ${failed}`);
  return consent;
}

/**
 * Add decisions to a read-only `readConsent` view: the result is the full {@link Consent} that
 * `createConsent` returns, recording into the view's state. The widget's loader reads with a view
 * on every page; its lazily loaded part calls this when the shopper decides, so that the loader
 * carries none of this code and nothing is read or hashed twice.
 *
 * @example
 * ```ts
 * const hashes = await digestPurposes(config)
 * const view = readConsent(config, { hashes, stored: parseConsentCookie(document.cookie) })
 * // later, when the shopper clicks:
 * const consent = recordConsent(view, {
 *   policyHash: await digestPolicy(config, hashes),
 *   storage: cookieStorage(),
 *   history: createIdbHistory(),
 * })
 * consent.acceptAll()
 * ```
 */
export function recordConsent(view: ConsentView, options: RecordOptions & { policyHash: string }): Consent {
  const { storage, history, now = Date.now, policyHash } = options ?? {};
  if (typeof policyHash !== 'string')
    throw TypeError(
      'recordConsent: options.policyHash is required (await digestPolicy(config, view.hashes))',
    );
  const { config, hashes, get, decisions, allows } = view;
  const { decisions: saved } = view.stored;
  // A first decision gives the device its subject id.
  view.stored.subject ??= createSubjectId();
  const subject = view.stored.subject;
  const warn = (e: unknown) => (options.onWarning ?? console.warn)(`assent: ${e}`);
  const bad = (m: string): never => {
    throw TypeError(`assent: ${m}`);
  };
  // Storage, history and listeners belong to the page: their failures are reported, never thrown.
  const safe = (f: () => unknown) => {
    try {
      Promise.resolve(f()).catch(warn);
    } catch (e) {
      warn(e);
    }
  };
  const ids = config.purposes.filter((p) => p.basis === 'consent').map((p) => p.id);
  const sep = view.separate;
  const listeners = new Set<(change: ConsentChange) => void>();
  const check = (id: string, list: readonly string[] = ids) =>
    list.includes(id) ? id : bad(`no such purpose: ${id}`);
  // Consent in force is withdrawn; anything else is refused.
  const no = (id: string): ConsentStatus => (get(id)?.status === 'given' ? 'withdrawn' : 'refused');

  // `d` carries a decision made elsewhere (apply): its own time and definition hash.
  const record = (
    updates: [string, ConsentStatus, { at: number; hash: string }?][],
    method: ConsentMethod,
  ) => {
    if (!CONSENT_METHODS.includes(method)) bad(`no such method: ${method}`);
    if (!updates.length) return undefined;
    const t = now();
    const changed: string[] = [];
    for (const [id, status, d] of updates) {
      const b = get(id);
      const hash = d?.hash ?? hashes[id]!;
      if (b?.status !== status || b.hash !== hash) changed.push(id);
      saved[id] = { status, at: d ? d.at - (d.at % 1000) : t - (t % 1000), method, hash };
    }
    safe(() => storage?.save({ subject, decisions: { ...saved } }));
    const after = decisions();
    const purposes: Record<string, PurposeSnapshot> = {};
    for (const id in after) purposes[id] = { status: after[id]!.status, hash: hashes[id]! };
    const change: ConsentChange = {
      decisions: after,
      changed,
      method,
      event: createEvent({
        subject,
        policy: consent.policy,
        purposes,
        method,
        locale: consent.locale,
        jurisdiction: view.jurisdiction,
        gpc: view.gpc,
        widget: options.widget ?? VERSION,
        at: new Date(t),
      }),
    };
    safe(() => history?.append(change));
    for (const l of listeners) safe(() => l(change));
    if (typeof window !== 'undefined')
      safe(() => window.dispatchEvent(new CustomEvent('assent:change', { detail: change })));
    return change;
  };

  const consent: Consent = {
    ...view,
    subject,
    policy: { version: config.notice.version, hash: policyHash },
    locale: options.locale ?? config.defaultLocale ?? config.locales[0]!,
    history,
    acceptAll: (method = 'banner:accept-all') =>
      record(
        ids.filter((id) => !sep.includes(id)).map((id) => [id, 'given']),
        method,
      ),
    rejectAll: (method = 'banner:reject-all') =>
      record(
        ids.filter((id) => !sep.includes(id) || saved[id]).map((id) => [id, no(id)]),
        method,
      ),
    set: (choices, method = 'api') =>
      record(
        Object.entries(choices).map(([id, v]) => [
          check(id),
          v ? (sep.includes(id) && !allows(id) ? bad(`${id} needs grantSeparate()`) : 'given') : no(id),
        ]),
        method,
      ),
    withdraw: (id, method = 'api') =>
      record(
        (id === 'all' ? ids : [check(id)]).filter(allows).map((x) => [x, no(x)]),
        method,
      ),
    grantSeparate: (id, method = 'separate:dialog') => record([[check(id, sep), 'given']], method),
    refuseSeparate: (id, method = 'separate:dialog') => record([[check(id, sep), no(id)]], method),
    apply: (ds) =>
      record(
        Object.entries(ds).map(([id, d]) => [check(id), d.status, d]),
        'sync',
      ),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return consent;
}
