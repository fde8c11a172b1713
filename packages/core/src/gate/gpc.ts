// Global Privacy Control (https://w3c.github.io/gpc/). In opt-out jurisdictions (US state laws)
// the signal is a valid request to opt out of sale, sharing and targeted advertising; in opt-in
// jurisdictions nothing runs without consent anyway, and the signal is only recorded.

/**
 * Whether the browser sends a Global Privacy Control signal: exactly `true`, nothing else.
 *
 * @example
 * ```ts
 * const consent = createConsent(config, { gpc: readGpc() })
 * ```
 */
export function readGpc(nav: Navigator = navigator): boolean {
  return (nav as { globalPrivacyControl?: unknown }).globalPrivacyControl === true;
}

/** The part of a consent object {@link applyGpc} needs; `createConsent`'s result fits. */
export interface GpcConsent {
  readonly gpc: boolean;
  readonly config: { purposes: readonly { id: string; basis: string }[] };
  readonly rule: { model: string; sale?: string[]; sharing?: string[]; targetedAds?: string[] };
  decisions(): Record<string, { status: string; at: number }>;
  set(choices: Record<string, boolean>, method: 'gpc'): unknown;
}

/** What {@link applyGpc} did. */
export interface GpcResult {
  /** The signal is present and the jurisdiction is opt-out: the UI may say it was honoured. */
  honoured: boolean;
  /** Purposes refused now, with method `gpc`. */
  refused: string[];
}

const KEY = 'assent-gpc';

/**
 * Honour Global Privacy Control: in an opt-out jurisdiction, with the signal present, refuse every
 * purpose the rule counts as sale, sharing or targeted advertising, with method `gpc`. The shopper
 * may still opt in explicitly afterwards, and that choice stands. A consent given before the
 * signal was first honoured on this device is overridden, as the CCPA regulations require
 * (11 CCR § 7025(c)(3)); the time of first honouring is kept in `localStorage` (`assent-gpc`), and
 * without storage every earlier consent is overridden again, which errs on the shopper's side.
 *
 * @example
 * ```ts
 * const consent = createConsent(config, { jurisdiction: 'US-CA', gpc: readGpc() })
 * if (applyGpc(consent).honoured) showGpcNotice()
 * ```
 */
export function applyGpc(consent: GpcConsent, win: Window = window): GpcResult {
  const r = consent.rule;
  const listed = [...(r.sale ?? []), ...(r.sharing ?? []), ...(r.targetedAds ?? [])];
  // Only consent purposes can be refused; lint reports a contract purpose in these lists.
  const ids = consent.config.purposes
    .filter((p) => p.basis === 'consent' && listed.includes(p.id))
    .map((p) => p.id);
  const honoured = consent.gpc && r.model === 'opt-out' && ids.length > 0;
  const refused: string[] = [];
  if (honoured) {
    let since = Math.floor(Date.now() / 1000) * 1000;
    try {
      const kept = win.localStorage.getItem(KEY);
      if (kept) since = +kept;
      else win.localStorage.setItem(KEY, '' + since);
    } catch {}
    const d = consent.decisions();
    for (const id of ids) {
      const x = d[id];
      if (!x || (x.status === 'given' && x.at < since)) refused.push(id);
    }
    if (refused.length) consent.set(Object.fromEntries(refused.map((id) => [id, false])), 'gpc');
  }
  return { honoured, refused };
}
