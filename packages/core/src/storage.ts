import type { ConsentMethod, ConsentStatus } from './protocol/types.js';

/** The decision on one purpose. */
export interface Decision {
  status: ConsentStatus;
  /** When it was made: milliseconds since the Unix epoch, whole seconds (what the cookie keeps). */
  at: number;
  method: ConsentMethod;
  /**
   * The definition hash it was made for (43 characters). Read back from the cookie it may be the
   * 8-character prefix the cookie keeps, when the purpose's definition has changed since.
   */
  hash: string;
}

/** What a persistence adapter keeps: the device subject id and the decisions. */
export interface StoredConsent {
  subject: string;
  decisions: Record<string, Decision>;
}

/** Where `createConsent` keeps decisions between page loads. Both calls are synchronous. */
export interface ConsentStorage {
  /** The stored state, or `undefined` for none (and for anything unreadable). Never throws. */
  load(): StoredConsent | undefined;
  save(state: StoredConsent): void;
}

/**
 * A persistence adapter that keeps state in memory, for servers, tests and pages that must not
 * write cookies. Pass the same instance to a second `createConsent` to simulate a reload.
 *
 * @example
 * ```ts
 * const storage = memoryStorage()
 * createConsent(config, { storage }).set({ analytics: true })
 * createConsent(config, { storage }).allows('analytics') // true
 * ```
 */
export function memoryStorage(
  initial?: StoredConsent,
): ConsentStorage & { state: StoredConsent | undefined } {
  const s = {
    state: initial,
    load: () => s.state && structuredClone(s.state),
    save: (state: StoredConsent) => {
      s.state = structuredClone(state);
    },
  };
  return s;
}
