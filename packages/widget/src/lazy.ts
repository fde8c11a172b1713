import { consentModeUpdateOf, type Sha256 } from '@assent/core';
import { storedKey } from './lib/kept.js';
import { type ReadOptions, type ReadResult, readStored } from './read.js';
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
  // One read per config and stored decision: what the loader applied is what connect records into.
  let last: { o: ReadOptions; k: string | undefined; r: Promise<ReadResult> } | undefined;
  const read = (o: ReadOptions): Promise<ReadResult> => {
    const k = storedKey(o.storage);
    if (last?.o.config !== o.config || last.k !== k) {
      const r = readStored(o, k, loadSha256);
      last = { o, k, r };
      r.catch(() => {
        if (last?.r === r) last = undefined;
      });
    }
    return last.r;
  };
  return { read, connect: async (o) => connect(o, await read(o)), consentModeUpdateOf };
}
