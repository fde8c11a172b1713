import { type AssentConfig, digestPurposes, separatePurposes } from '@assent/core';
import { sha256 } from '@assent/core/protocol';
import { keepDigest, type PurposeDigest } from './lib/digest-cache.js';
import { connect } from './session.js';
import type { UiModule } from './start.js';

/**
 * Derive what the loader must know of the config's purposes: definition hashes with Web Crypto
 * (`crypto.subtle`), or with the JavaScript SHA-256 where it is missing (plain-http origins), and
 * the separate-consent purposes. Kept for the next page views when the shopper has decided.
 */
async function digest(config: AssentConfig, keep: boolean): Promise<PurposeDigest> {
  const d = {
    hashes: await digestPurposes(config, globalThis.crypto?.subtle ? undefined : sha256),
    separate: separatePurposes(config),
  };
  if (keep) keepDigest(JSON.stringify(config), d);
  return d;
}

/**
 * What `loadUi` resolves to (and assent-ui.js hands to the loader): the decision module and the
 * UI, and the derivation of definition hashes. Everything here stays out of the loader.
 */
export const lazyModule: UiModule = { connect, digest };
