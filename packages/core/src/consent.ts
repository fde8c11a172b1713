import type { AssentConfig, JurisdictionRule } from './config/types.js';
import type { WarningHandler } from './cookie.js';
import { policyHash, purposeHashes } from './hash.js';
import type { ConsentHistory } from './history.js';
import { type DEFAULT_RULE, resolveRule } from './jurisdiction.js';
import { createEvent } from './protocol/event.js';
import { createSubjectId } from './protocol/ids.js';
import {
  CONSENT_METHODS,
  type ConsentEvent,
  type ConsentMethod,
  type ConsentStatus,
  type PolicyRef,
  type PurposeSnapshot,
} from './protocol/types.js';
import { isSeparate } from './separate.js';
import type { ConsentStorage, Decision, StoredConsent } from './storage.js';
import { VERSION } from './version.js';

/** Options of {@link createConsent}. */
export interface ConsentOptions {
  /** Where decisions persist between page loads (e.g. `cookieStorage()`). Default: memory only. */
  storage?: ConsentStorage;
  /** Where every decision is appended (e.g. `createIdbHistory()`). */
  history?: ConsentHistory;
  /** Clock in milliseconds since the Unix epoch. Default `Date.now`. */
  now?: () => number;
  /** BCP 47 tag of the texts the shopper sees. Default: the config's `defaultLocale`, else its first locale. */
  locale?: string;
  /** Jurisdiction code (`CN`, `EU`, `US-CA`). Default: the config's `defaultJurisdiction`, else `ZZ` (unknown). */
  jurisdiction?: string;
  /** Whether a Global Privacy Control signal is present. Default: `navigator.globalPrivacyControl === true`. */
  gpc?: boolean;
  /** Version string recorded in events. Default: this package's version. */
  widget?: string;
  onWarning?: WarningHandler;
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

/** Why the banner should be shown, and for which purposes. */
export interface PromptReason {
  kind: 'first-visit' | 'definition-changed' | 'expired' | 'reask';
  purposes: string[];
}

/** The consent state of one device. Created by {@link createConsent}. */
export interface Consent {
  readonly subject: string;
  readonly policy: PolicyRef;
  readonly locale: string;
  readonly jurisdiction: string;
  readonly rule: JurisdictionRule & typeof DEFAULT_RULE;
  readonly gpc: boolean;
  readonly config: AssentConfig;
  /** Current definition hash of every purpose. */
  readonly hashes: Readonly<Record<string, string>>;
  readonly history: ConsentHistory | undefined;
  /** The decision on a consent purpose, `undefined` when there is none (and for other bases). */
  get(id: string): Decision | undefined;
  decisions(): Record<string, Decision>;
  /** Whether the purpose may be used now. Contract and legal-obligation purposes always may. */
  allows(id: string): boolean;
  /** Whether to show the banner, and why. Separate purposes are asked in their own dialog instead. */
  needsPrompt(): { prompt: boolean; reasons: PromptReason[] };
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
 * `window` `assent:change` CustomEvent. Nothing is ever given without an explicit call.
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
 * ```
 */
export function createConsent(config: AssentConfig, options: ConsentOptions = {}): Consent {
  const { storage, history, now = Date.now } = options;
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
  const hashes = purposeHashes(config);
  const jurisdiction = options.jurisdiction ?? config.defaultJurisdiction ?? 'ZZ';
  const rule = resolveRule(config, jurisdiction);
  const consentPurposes = config.purposes.filter((p) => p.basis === 'consent');
  const ids = consentPurposes.map((p) => p.id);
  const sep = consentPurposes.filter((p) => isSeparate(p, config)).map((p) => p.id);
  const banner = ids.filter((id) => !sep.includes(id));
  const listeners = new Set<(change: ConsentChange) => void>();

  let stored: StoredConsent | undefined;
  safe(() => {
    stored = storage?.load();
  });
  const saved: Record<string, Decision> = {};
  for (const id of ids) if (stored?.decisions[id]) saved[id] = stored.decisions[id];

  const check = (id: string, list = ids) => (list.includes(id) ? id : bad(`no such purpose: ${id}`));
  const current = (id: string, d: Decision) => d.hash.length > 7 && hashes[id]!.startsWith(d.hash);
  const old = (d: Decision, days: number) => now() - d.at > days * 864e5;
  const get = (id: string): Decision | undefined => {
    const d = saved[id];
    return (
      d && {
        ...d,
        status:
          d.status === 'given' && (!current(id, d) || old(d, rule.consentMaxAgeDays)) ? 'expired' : d.status,
        hash: current(id, d) ? hashes[id]! : d.hash,
      }
    );
  };
  const decisions = () => {
    const out: Record<string, Decision> = {};
    for (const id in saved) out[id] = get(id)!;
    return out;
  };
  const allows = (id: string): boolean =>
    ids.includes(id)
      ? get(id)?.status === 'given' || (!saved[id] && rule.model === 'opt-out' && !sep.includes(id))
      : config.purposes.some((p) => p.id === id);
  // Consent in force is withdrawn; anything else is refused.
  const no = (id: string): ConsentStatus => (get(id)?.status === 'given' ? 'withdrawn' : 'refused');
  // Why a banner purpose needs asking, if it does (see needsPrompt).
  const why = (id: string, first: boolean): PromptReason['kind'] | false => {
    const d = saved[id];
    return first
      ? rule.model === 'opt-in' && 'first-visit'
      : !d || (d.status[0] !== 'r' && d.status[0] !== 'w' && !current(id, d))
        ? 'definition-changed'
        : d.status === 'given' || d.status === 'expired'
          ? (d.status === 'expired' || old(d, rule.consentMaxAgeDays)) && 'expired'
          : old(d, rule.refusalReaskDays) && 'reask';
  };

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
        policy,
        purposes,
        method,
        locale,
        jurisdiction,
        gpc,
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

  const subject = stored?.subject ?? createSubjectId();
  const policy = { version: config.notice.version, hash: policyHash(config, hashes) };
  const locale = options.locale ?? config.defaultLocale ?? config.locales[0]!;
  const gpc =
    options.gpc ??
    (typeof navigator !== 'undefined' &&
      (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true);

  return {
    subject,
    policy,
    locale,
    jurisdiction,
    rule,
    gpc,
    config,
    hashes,
    history,
    get,
    decisions,
    allows,
    needsPrompt() {
      const first = !banner.some((id) => saved[id]);
      const reasons = (['first-visit', 'definition-changed', 'expired', 'reask'] as const)
        .map((kind) => ({ kind, purposes: banner.filter((id) => why(id, first) === kind) }))
        .filter((r) => r.purposes.length);
      return { prompt: reasons.length > 0, reasons };
    },
    acceptAll: (method = 'banner:accept-all') =>
      record(
        banner.map((id) => [id, 'given']),
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
}
