import type { AssentConfig, JurisdictionRule } from './config/types.js';
import { type DEFAULT_RULE, resolveRule } from './jurisdiction.js';
import { gpcRefusals, readGpc } from './gate/gpc.js';
import type { Decision, StoredConsent } from './storage.js';

/** Why the banner should be shown, and for which purposes. */
export interface PromptReason {
  kind: 'first-visit' | 'definition-changed' | 'expired' | 'reask';
  purposes: string[];
}

/**
 * The consent state of one device, read-only: what {@link readConsent} returns, and the reading
 * half of what `createConsent` returns.
 */
export interface ConsentView {
  /** The stored device subject id; `undefined` until a first decision (`recordConsent` makes one). */
  readonly subject: string | undefined;
  readonly jurisdiction: string;
  readonly rule: JurisdictionRule & typeof DEFAULT_RULE;
  readonly gpc: boolean;
  readonly config: AssentConfig;
  /** Current definition hash of every purpose. */
  readonly hashes: Readonly<Record<string, string>>;
  /** The consent purposes that need separate consent (`isSeparate`), in config order. */
  readonly separate: readonly string[];
  /**
   * The state the answers come from: the subject and the stored decisions on the config's consent
   * purposes (others dropped), as stored. Live: `recordConsent` records into it.
   */
  readonly stored: Partial<StoredConsent> & Pick<StoredConsent, 'decisions'>;
  /** The decision on a consent purpose, `undefined` when there is none (and for other bases). */
  get(id: string): Decision | undefined;
  decisions(): Record<string, Decision>;
  /** Whether the purpose may be used now. Contract and legal-obligation purposes always may. */
  allows(id: string): boolean;
  /** Whether to show the banner, and why. Separate purposes are asked in their own dialog instead. */
  needsPrompt(): { prompt: boolean; reasons: PromptReason[] };
}

/** Options of {@link readConsent}. */
export interface ReadConsentOptions {
  /** Every purpose's current definition hash (`digestPurposes` or `purposeHashes`). Required. */
  hashes: Readonly<Record<string, string>>;
  /**
   * The ids of the purposes that need separate consent: `separatePurposes(config)`, passed in so
   * that a loader that caches it per config does not carry the classification. Required.
   */
  separate: readonly string[];
  /** The stored state, e.g. `parseConsentCookie(document.cookie)`. Default: none (a first visit). */
  stored?: StoredConsent;
  /** Clock in milliseconds since the Unix epoch. Default `Date.now`. */
  now?: () => number;
  /** Jurisdiction code. Default: the config's `defaultJurisdiction`, else `ZZ` (unknown). */
  jurisdiction?: string;
  /** Whether a Global Privacy Control signal is present. Default: `navigator.globalPrivacyControl === true`. */
  gpc?: boolean;
  /**
   * When Global Privacy Control was first honoured on this device (milliseconds; see `gpcSince`).
   * With the signal in an opt-out jurisdiction, a sale, sharing or targeted-advertising purpose is
   * not allowed while undecided, nor on a consent given before this time (`applyGpc` records the
   * refusal). Default 0: only undecided ones are held back.
   */
  gpcSince?: number;
}

/**
 * The consent state as stored, read-only: `allows`, `get`, `decisions` and `needsPrompt`, the
 * answers `createConsent` gives, without the code that records decisions (`recordConsent` adds
 * it to a view). The widget's loader runs this on every page view. Synchronous once the
 * definition hashes are known; on a server it reads the `Cookie` header.
 *
 * @example
 * ```ts
 * const view = readConsent(config, {
 *   hashes: await digestPurposes(config),
 *   separate: separatePurposes(config),
 *   stored: parseConsentCookie(document.cookie),
 *   jurisdiction: resolveJurisdiction(config, script.dataset.region),
 * })
 * if (view.allows('analytics')) loadAnalytics()
 * if (view.needsPrompt().prompt) showBanner()
 * ```
 */
export function readConsent(config: AssentConfig, options: ReadConsentOptions): ConsentView {
  const { hashes, separate: sep, now = Date.now, stored } = options;
  const jurisdiction = options.jurisdiction ?? config.defaultJurisdiction ?? 'ZZ';
  const rule = resolveRule(config, jurisdiction);
  const gpc = options.gpc ?? readGpc();
  const ids: string[] = [];
  const saved: Record<string, Decision> = {};
  for (const p of config.purposes)
    if (p.basis === 'consent') {
      ids.push(p.id);
      if (stored?.decisions[p.id]) saved[p.id] = stored.decisions[p.id]!;
    }
  const banner = ids.filter((id) => !sep.includes(id));
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
  // Why a banner purpose needs asking, if it does (see needsPrompt). A refusal survives a change
  // of definition; a consent does not. Undecided, it is asked only where consent is opt-in (where
  // opting out is the model, undecided means allowed, and nothing needs asking): on a first visit
  // (no banner purpose decided) as such, after that as new.
  const why = (id: string): PromptReason['kind'] | false => {
    const d = saved[id];
    return !d
      ? rule.model === 'opt-in' && (banner.some((i) => saved[i]) ? 'definition-changed' : 'first-visit')
      : /^[rw]/.test(d.status)
        ? old(d, rule.refusalReaskDays) && 'reask'
        : !current(id, d)
          ? 'definition-changed'
          : get(id)!.status === 'expired' && 'expired';
  };
  const view: ConsentView = {
    subject: stored?.subject,
    jurisdiction,
    rule,
    gpc,
    config,
    hashes,
    separate: sep,
    stored: { subject: stored?.subject, decisions: saved },
    get,
    decisions() {
      const out: Record<string, Decision> = {};
      for (const id in saved) out[id] = get(id)!;
      return out;
    },
    // Under Global Privacy Control in an opt-out jurisdiction, a sale, sharing or targeted-advertising
    // purpose is not allowed undecided, nor on a consent older than the signal: what gpcRefusals
    // lists (a refused or expired one is not allowed anyway).
    allows: (id) =>
      ids.includes(id)
        ? !gpcRefusals(view, options.gpcSince ?? 0).includes(id) &&
          (get(id)?.status === 'given' || (!saved[id] && rule.model === 'opt-out' && !sep.includes(id)))
        : config.purposes.some((p) => p.id === id),
    needsPrompt() {
      const reasons = (['first-visit', 'definition-changed', 'expired', 'reask'] as const)
        .map((kind) => ({ kind, purposes: banner.filter((id) => why(id) === kind) }))
        .filter((r) => r.purposes.length);
      return { prompt: reasons.length > 0, reasons };
    },
  };
  return view;
}
