// The lazily loaded half of the widget that records decisions (assent-ui.js, or the `loadUi` chunk
// for bundler users): the full consent state of @assent/core with the cookie writer, consent
// events and the IndexedDB history, Global Privacy Control refusals, storage clearing on
// withdrawal, "Load this content" placeholders, and the UI. The loader only reads.
import {
  applyGpc,
  type Consent,
  type ConsentChange,
  clearOnWithdraw,
  createIdbHistory,
  placeholders,
  recordConsent,
  writeConsentCookie,
} from '@assent/core';
import type { LinkResult } from '@assent/core/sync';
import { VERSION } from './lib/version.js';
import { storedKey } from './lib/kept.js';
import { keep, type ReadOptions, type ReadResult } from './read.js';
import { type SyncModule, wireSync } from './sync.js';
import { mountIn, type UiController } from './ui/mount.js';
import { textsOf } from './ui/state.js';

/** What the loader hands over when it connects the decision module. */
export interface SessionOptions extends ReadOptions {
  /** One of the config's locales, as the loader picked it (`pickLocale`); the UI shows it. */
  locale: string;
  nonce?: string;
  /** Called with the full consent state before anything is recorded. */
  adopt(consent: Consent): void;
  /** Called after each decision, once storage is cleared: re-apply gating and Consent Mode, emit `change`. */
  changed(change: ConsentChange): void;
  /** UI events (`banner`, `open`, `close`, `separate`) and sync's (`receipt`, `sync-error`, `linked`). */
  emit(type: string, detail?: unknown): void;
  /** Loads the sync module; with the config's `ledgerUrl`, every decision is sent to the ledger. */
  loadSync?: () => Promise<SyncModule>;
  /** A link token from the storefront backend (`data-link-token`), linked once sync has loaded. */
  linkToken?: string;
  /** A placeholder's "Load this content": ask for one purpose. */
  request(id: string): void;
}

/** The connected decision module. */
export interface Session {
  consent: Consent;
  /** Whether Global Privacy Control was honoured (opt-out jurisdiction, signal present). */
  gpcHonoured: boolean;
  /** The gate's `onBlocked`: draws placeholders for blocked embeds that ask for one. */
  onBlocked(element: Element, missing: string[]): void;
  /** Mount the UI (once the body exists). */
  mount(): UiController;
  /** Link the device to a signed-in customer; rejects without a `ledgerUrl` or `loadSync`. */
  link(token: string): Promise<LinkResult>;
}

/** Start recording: what the loader calls when a decision is to be made or the UI shown. */
export function connect(o: SessionOptions, { view, policy, swept }: ReadResult): Session {
  const { config } = o;
  const consent = recordConsent(view, {
    policyHash: policy,
    storage: o.storage ?? { save: (state) => writeConsentCookie(state) },
    history: createIdbHistory(),
    locale: o.locale,
    widget: VERSION,
  });
  o.adopt(consent);
  // Before anything is recorded (GPC refusals below): sync buffers every decision until it loads.
  const sync = wireSync({
    consent,
    history: consent.history,
    ledgerUrl: config.ledgerUrl,
    load: o.loadSync,
    linkToken: o.linkToken,
    emit: o.emit,
  });
  // Storage of purposes no longer allowed goes first (also what was left before a choice), then
  // the page hears of the change.
  // Not twice on one page: reading a stored decision has just swept with the same decisions.
  clearOnWithdraw(consent, config.purposes, window, !swept);
  consent.subscribe(o.changed);
  // From the first decision on, the loader answers from what is kept, without this module. Except
  // on the page after a withdrawal that reloads (`reloadOnWithdraw`): the tags ran until this page
  // went and may have written their storage again, so that page reads with the module, which
  // clears it.
  consent.subscribe((c) =>
    keep(consent, o, policy, storedKey(o.storage), {
      miss: config.purposes.some(
        (p) => p.reloadOnWithdraw && c.changed.includes(p.id) && !consent.allows(p.id),
      ),
    }),
  );
  const gpcHonoured = applyGpc(consent).honoured;
  return {
    consent,
    gpcHonoured,
    onBlocked: placeholders({ requestPurpose: o.request, label: textsOf(config, o.locale)('load') }),
    mount: () =>
      mountIn(
        {
          consent,
          config,
          history: consent.history,
          gpcHonoured,
          nonce: o.nonce,
          emit: o.emit,
          receipts: sync && { list: sync.receipts, subscribe: sync.onReceipt },
        },
        o.locale,
      ),
    link: (token) =>
      sync ? sync.link(token) : Promise.reject(Error("assent: link needs the config's ledgerUrl")),
  };
}
