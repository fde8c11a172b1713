// @assent/widget: the consent UI for bundler users. The script-tag build (dist/browser/assent.js)
// does the same with a `<script>` tag; `@assent/widget/core` re-exports the headless core for
// storefronts that draw their own UI.
export type { AssentApi, AssentEventName, AssentEvents } from './api.js';
export type { SeparateAnswer } from './lib/types.js';
export type { Session, SessionOptions } from './session.js';
export { type StartOptions, startAssent, type UiModule } from './start.js';
export type { SyncModule } from './sync.js';
export { VERSION } from './lib/version.js';

/**
 * Load the decision module and the UI lazily: bundlers turn this dynamic import into a separate
 * chunk, fetched only when the shopper must be asked, decides, or opens their settings.
 *
 * @example
 * ```ts
 * import { loadUi, startAssent } from '@assent/widget'
 * window.assent = startAssent({ config, loadUi })
 * ```
 */
export const loadUi = (): Promise<import('./start.js').UiModule> =>
  import('./lazy.js').then((m) => m.lazyModule(() => import('@assent/core/protocol').then((p) => p.sha256)));

/**
 * Load `@assent/core/sync` lazily (delivery to the ledger named by the config's `ledgerUrl`):
 * bundlers turn this dynamic import into a separate chunk, fetched only when there is something to
 * send, link or show.
 *
 * @example
 * ```ts
 * import { loadSync, loadUi, startAssent } from '@assent/widget'
 * window.assent = startAssent({ config, loadUi, loadSync, linkToken })
 * ```
 */
export const loadSync = (): Promise<import('./sync.js').SyncModule> => import('@assent/core/sync');
