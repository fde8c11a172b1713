import { type AssentConfig, digestPolicy, digestPurposes, type Sha256, separatePurposes } from '@assent/core';
import { keepDigest, type PurposeDigest } from './lib/digest-cache.js';
import { connect } from './session.js';
import type { UiModule } from './start.js';

/**
 * The decision module and UI, given a way to load the JavaScript SHA-256. Hashes are computed with
 * Web Crypto; the JavaScript SHA-256 is needed only where that is missing (plain-http origins), so
 * it stays out of this module and is fetched then: the script tag loads `assent-sha256.js` from
 * next to `assent-ui.js`, bundlers import it lazily.
 *
 * @example
 * ```ts
 * const ui = lazyModule(() => import('@assent/core/protocol').then((m) => m.sha256))
 * ```
 */
export function lazyModule(loadSha256: () => Promise<Sha256>): UiModule {
  return {
    connect,
    // What the loader must know of the config: definition hashes, the policy hash events carry,
    // and the separate-consent purposes. Kept for the next page views once the shopper has decided.
    async digest(config: AssentConfig, keep: boolean): Promise<PurposeDigest> {
      const sha = globalThis.crypto?.subtle ? undefined : await loadSha256();
      const hashes = await digestPurposes(config, sha);
      const d = {
        hashes,
        separate: separatePurposes(config),
        policy: await digestPolicy(config, hashes, sha),
      };
      if (keep) keepDigest(JSON.stringify(config), d);
      return d;
    },
  };
}
