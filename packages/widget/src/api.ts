import type { AssentConfig, ConsentChange, ConsentView, Decision, PromptReason } from '@assent/core';
import type { LinkResult, ReceiptDetail, SyncErrorDetail } from '@assent/core/sync';
import type { SeparateAnswer } from './lib/types.js';

/** Events of `window.assent.on`, with what listeners receive. */
export interface AssentEvents {
  /** Config loaded, stored decisions applied (gating, Consent Mode). */
  ready: { decisions: Record<string, Decision>; prompt: boolean; reasons: PromptReason[] };
  /** A decision was recorded. `event` is the consent event for the ledger. */
  change: ConsentChange;
  /** The banner was shown. */
  banner: { reasons: PromptReason[] };
  /** The preference center was opened. */
  open: undefined;
  /** The preference center was closed. */
  close: undefined;
  /** The separate-consent dialog was answered or dismissed. */
  separate: { id: string; answer: SeparateAnswer };
  /** The config could not be loaded or is invalid, or the UI failed to load; nothing was granted. */
  error: { error: unknown };
  /** The ledger answered a decision with a signed receipt (config `ledgerUrl`; docs/sync.md). */
  receipt: ReceiptDetail;
  /** The ledger refused an event (set aside, not retried), a receipt failed its check, or a link failed. */
  'sync-error': SyncErrorDetail;
  /** `link()` finished: the customer's decisions from their other devices were merged (or not). */
  linked: LinkResult;
}

export type AssentEventName = keyof AssentEvents;

// Pages that load the script tag and write TypeScript get `window.assent` typed by importing the
// package's types once: `import type {} from '@assent/widget'`.
declare global {
  interface Window {
    /** Defined synchronously by `assent.js` (or by `startAssent` in a bundle). */
    assent: AssentApi;
  }
}

/**
 * `window.assent`: the documented API of the script-tag build (docs/widget-api.md).
 *
 * @example
 * ```ts
 * window.assent.on('change', ({ changed, method }) => console.log(method, changed))
 * if ((await window.assent.requestSeparate('face-payment')) === 'given') startFacePayment()
 * ```
 */
export interface AssentApi {
  /** Widget version. */
  readonly version: string;
  /** Resolves once the config is loaded and stored decisions are applied (gating, Consent Mode). */
  readonly ready: Promise<void>;
  /**
   * The consent state once ready: the loader's read-only `readConsent` view, then, once the
   * decision module has loaded (a decision, the UI), the full `Consent` of `@assent/core`.
   */
  readonly consent: ConsentView | undefined;
  /** The validated config, once ready. */
  readonly config: AssentConfig | undefined;
  // Every method below loads the decision module (assent-ui.js) first, hence the promises.
  /** Open the preference center. */
  open(): Promise<void>;
  /** Show the banner (first layer) again. */
  showBanner(): Promise<void>;
  /** Close the banner and any dialog without recording anything. */
  close(): void;
  /** Ask for separate consent for one purpose in its own dialog. */
  requestSeparate(id: string): Promise<SeparateAnswer>;
  /** Ask for one purpose's consent in a dialog (the same dialog; any consent purpose). */
  requestConsent(id: string): Promise<SeparateAnswer>;
  /** Give every consent purpose except the separate ones (method `api`). */
  acceptAll(): Promise<ConsentChange | undefined>;
  /** Refuse every consent purpose (method `api`). */
  rejectAll(): Promise<ConsentChange | undefined>;
  /** `true` gives, `false` refuses; separate purposes only through `requestSeparate` (method `api`). */
  set(choices: Record<string, boolean>): Promise<ConsentChange | undefined>;
  /** Withdraw one purpose, or `'all'` (method `api`). */
  withdraw(id: string): Promise<ConsentChange | undefined>;
  /**
   * Link this device to a signed-in customer with a token from the storefront backend's
   * `createLinkToken`, and adopt the customer's newer decisions from their other devices. Needs the
   * config's `ledgerUrl` (rejects without it); `data-link-token` on the script tag does the same.
   */
  link(token: string): Promise<LinkResult>;
  /** Whether a purpose may be used now (`false` until ready). */
  allows(id: string): boolean;
  /** The decision on one purpose. */
  get(id: string): Decision | undefined;
  /** Every decision. */
  decisions(): Record<string, Decision>;
  /** Listen to an event; returns the function that stops listening. `ready` fires late listeners too. */
  on<E extends AssentEventName>(event: E, listener: (detail: AssentEvents[E]) => void): () => void;
  /** Stop listening. */
  off<E extends AssentEventName>(event: E, listener: (detail: AssentEvents[E]) => void): void;
}
