import { clearPurposeStorage, type StorageRules } from './cookies.js';

/** A purpose's storage rules, as config purposes carry them. */
export interface PurposeStorage extends StorageRules {
  id: string;
  /** Reload the page when this purpose is withdrawn, so that scripts that already ran are gone. */
  reloadOnWithdraw?: boolean;
}

/** The part of a consent object {@link clearOnWithdraw} needs. */
export interface ConsentSubscription {
  allows(id: string): boolean;
  subscribe(listener: () => void): () => void;
}

/**
 * Delete what the purposes that are not allowed left in the browser, once: their cookies and
 * `localStorage` keys, except what an allowed purpose matches too (by name or by pattern).
 *
 * @example
 * ```ts
 * clearStorageOf((id) => view.allows(id), config.purposes)
 * ```
 */
export function clearStorageOf(
  allows: (id: string) => boolean,
  purposes: readonly PurposeStorage[],
  win: Window = window,
): void {
  const keep: { cookies: string[]; localStorage: string[] } = { cookies: [], localStorage: [] };
  const drop: typeof keep = { cookies: [], localStorage: [] };
  for (const p of purposes)
    for (const k of ['cookies', 'localStorage'] as const)
      (allows(p.id) ? keep : drop)[k].push(...(p[k] ?? []));
  clearPurposeStorage({ ...drop, keep }, win);
}

/**
 * Delete what each purpose that is not allowed left in the browser: now (storage written before
 * the shopper chose, or in another tab) and after every consent change ({@link clearStorageOf}).
 * When a purpose with `reloadOnWithdraw` goes from allowed to not allowed, the page reloads: a
 * script that already ran cannot be un-run, and its timers, listeners and globals live until the
 * page goes. Returns the unsubscribe function. `now` false skips the first sweep, for a caller
 * that has just swept with the same decisions ({@link clearStorageOf}).
 *
 * @example
 * ```ts
 * const consent = createConsent(config)
 * clearOnWithdraw(consent, config.purposes)
 * // purposes: [{ id: 'analytics', cookies: ['_ga', '/^_ga_/'], reloadOnWithdraw: true, ... }]
 * ```
 */
export function clearOnWithdraw(
  consent: ConsentSubscription,
  purposes: readonly PurposeStorage[],
  win: Window = window,
  now = true,
): () => void {
  const was: Record<string, boolean> = {};
  const sweep = (clear: boolean, changed?: boolean) => {
    let reload = false;
    for (const p of purposes) {
      const ok = consent.allows(p.id);
      if (changed && was[p.id] && !ok && p.reloadOnWithdraw) reload = true;
      was[p.id] = ok;
    }
    if (clear) clearStorageOf((id) => consent.allows(id), purposes, win);
    if (reload) win.location.reload();
  };
  sweep(now);
  return consent.subscribe(() => sweep(true, true));
}
