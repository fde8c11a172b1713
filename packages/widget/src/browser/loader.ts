// assent.js: the script-tag loader. Everything here runs synchronously while the page is parsed,
// before any tag it gates: read the inline config (or start fetching `data-config`), read the
// cookie, apply Consent Mode and gating, define `window.assent`. The UI (assent-ui.js, next to
// this file) is fetched only when the shopper must be asked or opens their settings.
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
        r.ok ? r.json() : Promise.reject(new Error(`assent: config HTTP ${r.status}`)),
      );
} catch (e) {
  config = Promise.reject(e);
}
let resolveUi: (m: UiModule) => void;
const ui = new Promise<UiModule>((r) => {
  resolveUi = r;
});
let requested = false;
const loadUi = () => {
  if (!requested) {
    requested = true;
    const s = document.createElement('script');
    s.src = new URL(d.ui ?? 'assent-ui.js', me?.src || location.href).href;
    if (nonce) s.nonce = nonce;
    s.onerror = () => {
      requested = false;
      s.remove();
    };
    document.head.append(s);
  }
  return ui;
};
// No decision cookie: the banner will be needed, so fetch the UI while the loader works.
if (!/(^|;\s*)assent=/.test(document.cookie)) loadUi();
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
  { _ui: (m: UiModule) => resolveUi(m) },
);
