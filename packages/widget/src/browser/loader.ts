// assent.js: the script-tag loader. It runs synchronously while the page is parsed, before any tag
// it gates: read the inline config (or start fetching `data-config`), issue the Consent Mode
// default, define `window.assent`; the cookie and definition-hash check follows within a
// millisecond or so, then gating. The decision module and UI (assent-ui.js, next to this file)
// are fetched only when a decision is to be made or the shopper opens their settings.
import type { AssentConfig } from '@assent/core';
import { startAssent, type UiModule } from '../start.js';

const me = document.currentScript as HTMLScriptElement | null;
const d = me?.dataset ?? {};
const nonce = me?.nonce || undefined;
const inline = document.querySelector('script[data-assent-config]');
let config: AssentConfig | Promise<AssentConfig>;
try {
  config = inline
    ? JSON.parse(inline.textContent!)
    : fetch(d.config!).then((r) =>
        r.ok ? r.json() : Promise.reject(Error(`assent: config HTTP ${r.status}`)),
      );
} catch (e) {
  config = Promise.reject(e);
}
let handOver: (m: UiModule) => void;
let pending: Promise<UiModule> | undefined;
// One <script> at a time; after a failure (rejected, reported by the loader) the next call retries.
const loadUi = () =>
  (pending ||= new Promise((resolve, reject) => {
    handOver = resolve;
    const s = document.createElement('script');
    s.src = new URL(d.ui ?? 'assent-ui.js', me?.src || location.href).href;
    if (nonce) s.nonce = nonce;
    s.onerror = () => {
      pending = undefined;
      s.remove();
      reject(Error(`assent: cannot load ${s.src}`));
    };
    document.head.append(s);
  }));
// No decision cookie: the banner will be needed, so fetch the UI while the loader works.
if (!/(^|;\s*)assent=/.test(document.cookie)) loadUi().catch(() => {});
const w = window as unknown as { assent: object; assentRegion?: string };
w.assent = Object.assign(
  startAssent({
    config,
    region: w.assentRegion ?? d.region,
    locale: d.locale,
    floatingButton: d.floatingButton as 'start' | 'end' | 'off' | undefined,
    nonce,
    loadUi,
  }),
  // Private handshake: assent-ui.js hands its module over here.
  { _ui: (m: UiModule) => handOver(m) },
);
