// assent.js: the script-tag loader. It runs synchronously while the page is parsed, before any tag
// it gates: read the inline config (or start fetching `data-config`), issue the Consent Mode
// default, define `window.assent`; the cookie and definition-hash check follows within a
// millisecond or so, then gating. The decision module and UI (assent-ui.js, next to this file)
// are fetched only when a decision is to be made or the shopper opens their settings; the sync
// module (assent-sync.js) only when the config names a ledger and there is something to send.
import { type AssentConfig, consentModeDefault } from '@assent/core';
import { storedKey } from '../lib/kept.js';
import { run, type UiModule } from '../start.js';
import type { SyncModule } from '../sync.js';

// One loader per page: a second copy of the tag would draw a second widget and banner.
if (!(window as { assent?: unknown }).assent) {
  const me = document.currentScript as HTMLScriptElement | null;
  const d = me?.dataset ?? {};
  const nonce = me?.nonce;
  const inline = document.querySelector('script[data-assent-config]');
  const handOver: Record<string, (m: never) => void> = {};
  const pending: Record<string, Promise<never> | undefined> = {};
  // One <script> per module at a time (assent-ui.js, assent-sync.js, assent-sha256.js, next to this
  // file unless `data-ui` / `data-sync` say otherwise); after a failure (rejected, reported) the next
  // call retries.
  const load = <M>(k: string): Promise<M> =>
    (pending[k] ||= new Promise((resolve, reject) => {
      handOver[k] = resolve;
      const s = document.createElement('script');
      s.src = new URL(d[k] ?? `assent-${k}.js`, me?.src || location.href).href;
      if (nonce) s.nonce = nonce;
      s.onerror = () => {
        pending[k] = undefined;
        s.remove();
        reject(Error(`assent: cannot load ${s.src}`));
      };
      document.head.append(s);
    }));
  const loadUi = () => load<UiModule>('ui');
  // No decision cookie: the banner will be needed, so fetch the UI while the config is fetched. (An
  // inline config starts at once, and reading the cookie twice would cost a page a millisecond: in
  // Chromium each read of `document.cookie` is a synchronous round trip to the cookie store.)
  if (!inline && !storedKey()) loadUi().catch(() => {});
  const w = window as unknown as { assent: Record<string, unknown>; assentRegion?: string };
  const api = run(
    {
      region: w.assentRegion ?? d.region,
      locale: d.locale,
      floatingButton: d.floatingButton as 'start' | 'end' | 'off' | undefined,
      nonce,
      loadUi,
      loadSync: () => load<SyncModule>('sync'),
      linkToken: d.linkToken,
    },
    () => {
      if (inline) return JSON.parse(inline.textContent!) as AssentConfig;
      // `data-consent-mode`: Google tags that are not gated may run before the config arrives; with
      // it they see every Consent Mode type denied until the update. Only on request: with a config
      // that has no `consentMode` block, nothing would ever update that default.
      if ('consentMode' in d) consentModeDefault({ waitForUpdateMs: 500 });
      return fetch(d.config!).then((r) =>
        r.ok ? r.json() : Promise.reject(Error(`assent: config HTTP ${r.status}`)),
      );
    },
  ) as unknown as Record<string, unknown>;
  // Private handshake: assent-ui.js, assent-sync.js and assent-sha256.js hand their modules over to
  // `_h.ui`, `_h.sync`, `_h.sha256`; assent-ui.js loads the last through `_h.load`.
  api._h = handOver;
  handOver.load = load as never;
  w.assent = api;
}
