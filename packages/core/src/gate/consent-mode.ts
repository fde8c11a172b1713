// Google Consent Mode v2. The commands go through the page's `gtag` (or the standard stub), so
// they land in `dataLayer` ahead of anything a Google tag loaded later will read.
import { CONSENT_MODE_TYPES, type ConsentModeType } from '../config/types.js';

/** Consent Mode values by type. */
export type ConsentModeState = Partial<Record<ConsentModeType, 'granted' | 'denied'>>;

/** Defaults for a set of regions. */
export interface ConsentModeRegion {
  /** ISO 3166-1 alpha-2 countries or ISO 3166-2 subdivisions: `['CN', 'US-CA']`. */
  region: string[];
  /** Overrides of the global defaults here. */
  defaults?: ConsentModeState;
  /** How long Google tags wait for an `update` before using the defaults, in milliseconds. */
  waitForUpdateMs?: number;
}

/** Consent Mode options. Every type is `denied` unless a default says otherwise. */
export interface ConsentModeOptions {
  defaults?: ConsentModeState;
  waitForUpdateMs?: number;
  regions?: ConsentModeRegion[];
  /** `gtag('set', 'ads_data_redaction', ...)`: redact ad click identifiers while `ad_storage` is denied. */
  adsDataRedaction?: boolean;
  /** `gtag('set', 'url_passthrough', ...)`: pass click identifiers through URLs instead of cookies. */
  urlPassthrough?: boolean;
}

/** A purpose and the Consent Mode types it grants, as config purposes carry them. */
export interface ConsentModePurpose {
  id: string;
  consentMode?: readonly ConsentModeType[];
}

/** The part of a consent object Consent Mode needs. */
export interface ConsentReader {
  allows(id: string): boolean;
  decisions(): Record<string, { status: string }>;
}

type Gtag = (...args: unknown[]) => void;
type GWindow = Window & { dataLayer?: unknown[]; gtag?: Gtag };

/**
 * The page's `gtag`, defining `window.dataLayer` and the standard stub if missing. The stub pushes
 * `arguments` itself, not an array: gtag.js only treats Arguments objects as commands.
 */
const gtagOf = (w: GWindow): Gtag => {
  w.dataLayer ||= [];
  w.gtag ||= function () {
    // biome-ignore lint/complexity/noArguments: gtag.js requires the Arguments object.
    w.dataLayer!.push(arguments);
  };
  return w.gtag;
};

/**
 * Issue `gtag('consent', 'default', ...)` for every region and globally, then the `set` options.
 * Call it synchronously, before any Google tag can run: the loader does so as its first act.
 *
 * @example
 * ```ts
 * consentModeDefault({
 *   regions: [{ region: ['US-CA'], defaults: { analytics_storage: 'granted' }, waitForUpdateMs: 500 }],
 *   adsDataRedaction: true,
 * })
 * ```
 */
export function consentModeDefault(o: ConsentModeOptions = {}, win: Window = window): void {
  const g = gtagOf(win);
  const denied: Record<string, string> = {};
  for (const t of CONSENT_MODE_TYPES) denied[t] = 'denied';
  // The global defaults first, then each region's overrides.
  for (const r of [{} as Partial<ConsentModeRegion>, ...(o.regions ?? [])]) {
    const ms = r.waitForUpdateMs ?? o.waitForUpdateMs;
    g('consent', 'default', {
      ...denied,
      ...o.defaults,
      ...r.defaults,
      ...(ms && { wait_for_update: ms }),
      ...(r.region && { region: r.region }),
    });
  }
  if (o.adsDataRedaction != null) g('set', 'ads_data_redaction', o.adsDataRedaction);
  if (o.urlPassthrough != null) g('set', 'url_passthrough', o.urlPassthrough);
}

/**
 * The Consent Mode state the decisions imply: a type is `granted` when at least one allowed
 * purpose maps to it, `denied` when purposes map to it and none is allowed. Types no purpose maps
 * to are left out, so their defaults stand.
 *
 * @example
 * ```ts
 * consentModeState((id) => id === 'analytics', [{ id: 'analytics', consentMode: ['analytics_storage'] }])
 * // { analytics_storage: 'granted' }
 * ```
 */
export function consentModeState(
  allows: (id: string) => boolean,
  purposes: readonly ConsentModePurpose[],
): ConsentModeState {
  const s: ConsentModeState = {};
  for (const p of purposes)
    for (const t of p.consentMode ?? []) s[t] = allows(p.id) ? 'granted' : s[t] || 'denied';
  return s;
}

/** A Consent Mode update: the `gtag('consent', 'update', ...)` state and the `dataLayer` event. */
export interface ConsentModeUpdate {
  state: ConsentModeState;
  event: {
    event: 'assent_consent_update';
    /** Purpose id to whether it is allowed, every purpose listed. */
    assent_allowed: Record<string, boolean>;
    /** Purpose id to `given | refused | withdrawn | expired`, decided purposes only. */
    assent_decisions: Record<string, string>;
  };
}

/**
 * The Consent Mode update the current decisions imply ({@link consentModeState}'s rule), and the
 * `assent_consent_update` event for Google Tag Manager triggers. Plain data: the widget keeps it
 * on the device so that a returning visitor's loader issues it without the purposes' rules.
 *
 * @example
 * ```ts
 * const update = consentModeUpdateOf(consent, config.purposes)
 * pushConsentModeUpdate(update)
 * ```
 */
export function consentModeUpdateOf(
  consent: ConsentReader,
  purposes: readonly ConsentModePurpose[],
): ConsentModeUpdate {
  const allowed: Record<string, boolean> = {};
  const decisions: Record<string, string> = {};
  // consentModeState's rule, in the same pass that asks each purpose once.
  const state: ConsentModeState = {};
  for (const p of purposes) {
    allowed[p.id] = consent.allows(p.id);
    for (const t of p.consentMode ?? []) state[t] = allowed[p.id] ? 'granted' : state[t] || 'denied';
  }
  const d = consent.decisions();
  for (const id in d) decisions[id] = d[id]!.status;
  return {
    state,
    event: { event: 'assent_consent_update', assent_allowed: allowed, assent_decisions: decisions },
  };
}

/**
 * Issue a Consent Mode update ({@link consentModeUpdateOf}): `gtag('consent', 'update', state)`,
 * then push its event to `dataLayer`.
 *
 * @example
 * ```ts
 * pushConsentModeUpdate({ state: { analytics_storage: 'granted' }, event })
 * ```
 */
export function pushConsentModeUpdate(update: ConsentModeUpdate, win: Window = window): void {
  gtagOf(win)('consent', 'update', update.state);
  (win as GWindow).dataLayer!.push(update.event);
}

/**
 * Issue `gtag('consent', 'update', ...)` for the current decisions and push the
 * `assent_consent_update` event to `dataLayer` for Google Tag Manager triggers. The event carries
 * `assent_allowed` (purpose id to boolean, every purpose listed) and `assent_decisions` (purpose
 * id to `given | refused | withdrawn | expired`, decided purposes only).
 *
 * @example
 * ```ts
 * consentModeUpdate(consent, config.purposes)
 * ```
 */
export function consentModeUpdate(
  consent: ConsentReader,
  purposes: readonly ConsentModePurpose[],
  win: Window = window,
): void {
  pushConsentModeUpdate(consentModeUpdateOf(consent, purposes), win);
}

/**
 * Wire Consent Mode to a consent object: the defaults now, an update right after them with the
 * current (stored) decisions, and an update after every change. Returns the unsubscribe function.
 * The loader decides synchronously, so nothing is gained by letting tags wait: on a first visit
 * the update says what is true then (only purposes that need no consent are granted).
 *
 * @example
 * ```ts
 * const consent = createConsent(config)
 * connectConsentMode(consent, config.purposes, config.consentMode)
 * ```
 */
export function connectConsentMode(
  consent: ConsentReader & { subscribe(listener: () => void): () => void },
  purposes: readonly ConsentModePurpose[],
  options?: ConsentModeOptions,
  win: Window = window,
): () => void {
  consentModeDefault(options, win);
  const update = () => consentModeUpdate(consent, purposes, win);
  update();
  return consent.subscribe(update);
}
