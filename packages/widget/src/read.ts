import {
  type AssentConfig,
  clearStorageOf,
  type ConsentStorage,
  type ConsentView,
  consentModeUpdateOf,
  digestPolicy,
  digestPurposes,
  gpcRefusals,
  gpcSince,
  decodeConsentCookie,
  readConsent,
  resolveJurisdiction,
  type Sha256,
  separatePurposes,
} from '@assent/core';
import { KEPT, type Kept } from './lib/kept.js';
import { dirOf } from './lib/locale.js';
import { readLocal } from './lib/local.js';
import { textsOf } from './ui/state.js';

/** What the decision module reads the stored decision for. */
export interface ReadOptions {
  config: AssentConfig;
  /** Region code the storefront knows (`data-region`); see `resolveJurisdiction`. */
  region?: string;
  /** Where decisions persist. Default: the `assent` first-party cookie. */
  storage?: ConsentStorage;
}

/** The stored decision, read against the config. */
export interface ReadResult {
  view: ConsentView;
  /** The notice's policy hash for the view's definition hashes: consent events carry it. */
  policy: string;
  /** Whether Global Privacy Control refuses purposes that are still to be recorded (`applyGpc`). */
  gpc: boolean;
  /** The floating button's label in each of the config's locales. */
  labels: Record<string, string>;
  /** Whether storage of purposes not allowed was cleared while reading (a stored decision). */
  swept: boolean;
}

/**
 * The floating button's label in each of the config's locales (the loader has no texts). The
 * loader lets the label's first strong character set the button's direction (`dir="auto"`), which
 * is right for every built-in and configured label; a right-to-left locale without its own label
 * shows the English one, so that one starts with a right-to-left mark, invisible and silent, which
 * keeps the button at the end where right-to-left pages expect it.
 */
const labelsOf = (config: AssentConfig): Record<string, string> =>
  Object.fromEntries(
    config.locales.map((l) => [
      l,
      config.ui?.texts?.[l]?.settings ??
        (dirOf(l) === 'rtl' ? '\u200f' : '') + textsOf(config, l)('settings'),
    ]),
  );

/**
 * Read the stored decision against the config: definition hashes (Web Crypto, or the JavaScript
 * SHA-256 where that is missing; reused from what was kept for the same config text), jurisdiction,
 * Global Privacy Control. Keeps the answers for the loader of the next page views once the shopper
 * has decided ({@link keep}).
 */
export async function readStored(
  o: ReadOptions,
  k: string | undefined,
  loadSha256: () => Promise<Sha256>,
): Promise<ReadResult> {
  const { config } = o;
  const text = JSON.stringify(config);
  // Without a stored decision nothing was kept, and a first visit reads no localStorage (its first
  // access is a synchronous round trip to the browser's storage).
  const kept = k === undefined ? undefined : (readLocal(KEPT) as Kept | undefined);
  let digest: Pick<ConsentView, 'hashes' | 'separate'> & { policy: string };
  if (kept?.c === text && kept.p)
    digest = { hashes: kept.v.hashes, separate: kept.v.separate, policy: kept.p };
  else {
    const sha = globalThis.crypto?.subtle ? undefined : await loadSha256();
    const hashes = await digestPurposes(config, sha);
    digest = { hashes, separate: separatePurposes(config), policy: await digestPolicy(config, hashes, sha) };
  }
  const since = gpcSince() ?? Date.now();
  const view = readConsent(config, {
    ...digest,
    // The cookie's value as already read (each read of document.cookie is a round trip too),
    // decoded as parseConsentCookie would.
    stored: o.storage ? o.storage.load() : k === undefined ? undefined : decodeConsentCookie(k.trim()),
    jurisdiction: resolveJurisdiction(config, o.region),
    gpcSince: since,
  });
  const gpc = gpcRefusals(view, since).length > 0;
  // A returning visitor's pages apply the kept answers without this module, so storage that tags
  // wrote for purposes not allowed (before a withdrawal's reload, from another tab, from the
  // server) goes whenever the module reads a decision.
  const swept = k !== undefined;
  if (swept) clearStorageOf((id) => view.allows(id), config.purposes);
  const labels = labelsOf(config);
  keep(view, o, digest.policy, k, { text, gpc, labels });
  return { view, policy: digest.policy, gpc, labels, swept };
}

/**
 * Keep the view's answers for the loader, with what they derive from (see lib/kept.ts), `k` being
 * the stored decision as read. `known` passes what the caller already has (the config text,
 * whether GPC refusals are still to be recorded, the button's labels) so that none is read or
 * derived twice, or `miss` to make the next page read the decision with the module.
 * Only once a decision is stored: before that, nothing goes on the device. Never throws.
 */
export function keep(
  view: ConsentView,
  o: ReadOptions,
  policy: string,
  k: string | undefined,
  known: { text?: string; gpc?: boolean; labels?: Record<string, string>; miss?: boolean } = {},
): void {
  if (k === undefined) return;
  const { rule } = view;
  // Valid until the first decision expires (a consent) or is to be asked again (a refusal); not
  // at all while the banner must be shown or GPC refusals recorded, nor when the caller asks for a
  // miss (`miss`: the next page must read with the module, which clears storage): the module is
  // needed then.
  const u =
    known.miss ||
    view.needsPrompt().prompt ||
    (known.gpc ?? gpcRefusals(view, gpcSince() ?? Date.now()).length > 0)
      ? 0
      : Math.min(
          ...Object.values(view.stored.decisions).map(
            (d) => d.at + (d.status === 'given' ? rule.consentMaxAgeDays : rule.refusalReaskDays) * 864e5,
          ),
        );
  const { subject, jurisdiction, gpc, hashes, separate, stored } = view;
  const s: Kept = {
    c: known.text ?? JSON.stringify(o.config),
    k,
    r: o.region,
    u,
    v: { subject, jurisdiction, rule, gpc, hashes, separate, stored },
    m: consentModeUpdateOf(view, view.config.purposes),
    d: view.decisions(),
    p: policy,
    b: known.labels ?? labelsOf(view.config),
  };
  try {
    localStorage.setItem(KEPT, JSON.stringify(s));
  } catch {}
}
