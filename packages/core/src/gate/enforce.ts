import {
  type ConsentModeOptions,
  type ConsentModePurpose,
  type ConsentReader,
  connectConsentMode,
} from './consent-mode.js';
import { createGate, type Gate } from './gating.js';
import { applyGpc, type GpcConsent, type GpcResult } from './gpc.js';
import { clearOnWithdraw, type ConsentSubscription, type PurposeStorage } from './withdrawal.js';

/** The consent object {@link enforceConsent} works on; `createConsent`'s result fits. */
export interface EnforcedConsent extends ConsentReader, ConsentSubscription, GpcConsent {
  decisions(): Record<string, { status: string; at: number }>;
  readonly config: {
    purposes: readonly (ConsentModePurpose & PurposeStorage & { basis: string })[];
    /** Present (even `{}`) to speak Google Consent Mode; absent to leave `gtag` alone. */
    consentMode?: ConsentModeOptions;
  };
}

/** Options of {@link enforceConsent}. */
export interface EnforceOptions {
  /** Where gated elements live; default `document`. */
  root?: Document | Element;
  /** Told about blocked elements: pass `placeholders({ requestPurpose })` for "Load this content" boxes. */
  onBlocked?: (element: Element, missing: string[]) => void;
}

/** What {@link enforceConsent} returns. */
export interface Enforcement {
  gate: Gate;
  /** Whether Global Privacy Control was honoured, and what it refused. */
  gpc: GpcResult;
  /** Stops everything (activated elements stay). */
  disconnect(): void;
}

/**
 * Make the page obey a consent object, in the order that matters: Consent Mode defaults (and the
 * stored decisions) before any Google tag can run, Global Privacy Control, then gating, then the
 * removal of storage left by purposes that are not allowed. This is what the loader runs.
 *
 * @example
 * ```ts
 * const consent = createConsent(config, {
 *   storage: cookieStorage(),
 *   jurisdiction: resolveJurisdiction(config, script.dataset.region),
 *   gpc: readGpc(),
 * })
 * const { gpc } = enforceConsent(consent, {
 *   onBlocked: placeholders({ requestPurpose: (id) => consent.set({ [id]: true }, 'preferences:save') }),
 * })
 * if (gpc.honoured) showGpcNotice()
 * ```
 */
export function enforceConsent(
  consent: EnforcedConsent,
  o: EnforceOptions = {},
  win: Window = window,
): Enforcement {
  const { purposes, consentMode } = consent.config;
  const offs: (() => void)[] = [];
  if (consentMode) offs.push(connectConsentMode(consent, purposes, consentMode, win));
  const gpc = applyGpc(consent, win);
  const gate = createGate({
    allows: (id) => consent.allows(id),
    subscribe: (fn) => consent.subscribe(fn),
    root: o.root ?? win.document,
    onBlocked: o.onBlocked,
  });
  offs.push(gate.disconnect, clearOnWithdraw(consent, purposes, win));
  return {
    gate,
    gpc,
    disconnect() {
      for (const f of offs) f();
    },
  };
}
