// A returning visitor's loader applies consent without the decision module: the module keeps, next
// to the decision, the answers the loader needs (what is allowed, the decisions, the definition
// hashes) together with everything they were derived from: the exact config text, the stored
// decision as read, the region the page gave, the Global Privacy Control signal, and the first
// moment one of them expires or must be asked again. The answers are a pure function of these, so
// the loader only compares strings and a clock; anything else (a changed config or decision, a
// cleared or blocked storage, another region, GPC switched, an expiry) is a miss, and the module
// reads the decision itself. Nothing is kept before the shopper's first decision.
import type { ConsentModeUpdate, ConsentStorage, ConsentView, Decision } from '@assent/core';
import { readLocal } from './local.js';

/** The kept answers of a consent view, and what they were derived from. */
export interface Kept {
  /** The config text (`JSON.stringify`). */
  c: string;
  /** The stored decision as read ({@link storedKey}). */
  k: string;
  /** The region the page gave (`data-region`), if any. */
  r?: string;
  /** Until when (milliseconds) the answers hold: 0 when a decision must be recorded or asked now. */
  u: number;
  /** The view's fields. */
  v: Pick<ConsentView, 'subject' | 'jurisdiction' | 'rule' | 'gpc' | 'hashes' | 'separate' | 'stored'>;
  /** The Consent Mode update, whose event lists what is allowed (`consentModeUpdateOf`). */
  m: ConsentModeUpdate;
  /** The decisions (`view.decisions()`). */
  d: Record<string, Decision>;
  /** The policy hash events carry. */
  p: string;
  /** The floating button's label in each of the config's locales. */
  b: Record<string, string>;
}

export const KEPT = 'assent-state';

/**
 * The stored decision as a string: the `assent` cookie's raw value, or the JSON of what a custom
 * storage loads. `undefined` when nothing is stored.
 */
export const storedKey = (storage?: Pick<ConsentStorage, 'load'>): string | undefined =>
  storage ? JSON.stringify(storage.load()) : /(?:^|;) *assent=([^;]*)/.exec(document.cookie)?.[1];

/** The kept answers for exactly these inputs, if they still hold. Never throws. */
export const readKept = (c: string, k: string, r: string | undefined): Kept | undefined => {
  const s = readLocal(KEPT) as Kept | undefined;
  // The Global Privacy Control test is core's readGpc, inline: the call costs the loader 12 bytes.
  const gpc = (navigator as { globalPrivacyControl?: unknown }).globalPrivacyControl === true;
  if (s?.c === c && s.k === k && s.r === r && s.v.gpc === gpc && Date.now() < s.u) return s;
};

/** A read-only view answering from kept answers: what the loader uses until the module connects. */
export const keptView = (s: Kept, config: ConsentView['config']): ConsentView => ({
  ...s.v,
  config,
  get: (id) => s.d[id],
  decisions: () => ({ ...s.d }),
  allows: (id) => !!s.m.event.assent_allowed[id],
  needsPrompt: () => ({ prompt: false, reasons: [] }),
});
