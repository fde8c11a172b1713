// Global Privacy Control (https://w3c.github.io/gpc/). In opt-out jurisdictions (US state laws)
// the signal is a valid request to opt out of sale, sharing and targeted advertising; in opt-in
// jurisdictions nothing runs without consent anyway, and the signal is only recorded.

/**
 * Whether the browser sends a Global Privacy Control signal: exactly `true`, nothing else. Without
 * a `navigator` (a server, an older Node) there is none: `false`.
 *
 * @example
 * ```ts
 * const consent = createConsent(config, { gpc: readGpc() })
 * ```
 */
export function readGpc(nav: Navigator | undefined = globalThis.navigator): boolean {
  return (nav as { globalPrivacyControl?: unknown } | undefined)?.globalPrivacyControl === true;
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
 * When Global Privacy Control was first honoured on this device (milliseconds), as `applyGpc`
 * keeps it in `localStorage`; `undefined` before that, without storage, or without the signal now.
 * The loader passes it to `readConsent` as `gpcSince`.
 *
 * Without the signal it does not touch `localStorage`: a page's first access to it is a
 * synchronous round trip to the browser's storage process (milliseconds in Chromium), which the
 * loader must not pay on every page for a signal most browsers never send.
 *
 * @example
 * ```ts
 * readConsent(config, { hashes, stored, gpc: readGpc(), gpcSince: gpcSince() ?? Date.now() })
 * ```
 */
export function gpcSince(win: Window = window): number | undefined {
  try {
    return (readGpc(win.navigator) && +win.localStorage[KEY]!) || undefined;
  } catch {}
}

/**
 * The consent purposes Global Privacy Control refuses now: with the signal, in an opt-out
 * jurisdiction, every sale, sharing or targeted-advertising purpose that is undecided or was
 * given before `since` (when the signal was first honoured). Reads only; {@link applyGpc} records.
 *
 * @example
 * ```ts
 * if (gpcRefusals(view, gpcSince() ?? Date.now()).length) loadDecisionModule()
 * ```
 */
export function gpcRefusals(consent: Omit<GpcConsent, 'set'>, since: number = Date.now()): string[] {
  const d = consent.decisions();
  return gpcPurposes(consent).filter(
    (id) =>
      consent.gpc &&
      consent.rule.model === 'opt-out' &&
      (!d[id] || (d[id].status === 'given' && d[id].at < since)),
  );
}

// Only consent purposes can be refused; lint reports a contract purpose in these lists.
const gpcPurposes = ({ config, rule: r }: Omit<GpcConsent, 'set'>) =>
  config.purposes
    .filter((p) => p.basis === 'consent' && [r.sale, r.sharing, r.targetedAds].flat().includes(p.id))
    .map((p) => p.id);

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
  const honoured = consent.gpc && consent.rule.model === 'opt-out' && gpcPurposes(consent).length > 0;
  let refused: string[] = [];
  if (honoured) {
    let since = gpcSince(win);
    if (!since) {
      since = Math.floor(Date.now() / 1000) * 1000;
      try {
        win.localStorage.setItem(KEY, '' + since);
      } catch {}
    }
    refused = gpcRefusals(consent, since);
    if (refused.length) consent.set(Object.fromEntries(refused.map((id) => [id, false])), 'gpc');
  }
  return { honoured, refused };
}
