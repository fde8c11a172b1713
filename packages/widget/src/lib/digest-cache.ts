// What the loader must know about the config's purposes (definition hashes and which purposes need
// separate consent) depends on the config alone, so it is derived once, by the lazily loaded
// module, and kept in localStorage with the exact config text it was derived from. A returning
// visitor's loader then neither hashes nor classifies: it compares strings. Any change of the
// config, a cleared or blocked storage, or a first visit is a miss: the loader has the module
// derive it again (Web Crypto, or JavaScript SHA-256 on plain http) and waits for it.
import type { ConsentView } from '@assent/core';
import { readLocal } from './local.js';

/** The config-derived part of a `readConsent` view, and the policy hash events carry. */
export type PurposeDigest = Pick<ConsentView, 'hashes' | 'separate'> & { policy: string };

const KEY = 'assent-digest';

/** The kept digest of exactly this config text, if any. Never throws. */
export const readDigest = (text: string): PurposeDigest | undefined => {
  const d = readLocal(KEY) as (PurposeDigest & { c: string }) | null | undefined;
  // A digest kept by an earlier version, without the policy hash, is a miss.
  if (d?.c === text && d.policy) return d;
};

/**
 * Keep the digest of this config text. Written only for a shopper who has decided (the loader
 * stores nothing on the device before a decision). Never throws.
 */
export const keepDigest = (text: string, d: PurposeDigest): void => {
  try {
    localStorage.setItem(
      KEY,
      JSON.stringify({ c: text, hashes: d.hashes, separate: d.separate, policy: d.policy }),
    );
  } catch {}
};
