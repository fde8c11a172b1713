// assent-ui.js: the decision module and the Preact UI, fetched by the loader from the same
// directory, which hands itself over to the loader's `window.assent`. The JavaScript SHA-256 is
// needed only without Web Crypto (plain-http origins): then this file fetches assent-sha256.js from
// next to itself (with its nonce), which hands the function over the same way.
import type { Sha256 } from '@assent/core';
import { lazyModule } from '../lazy.js';
import type { UiModule } from '../start.js';

type Handshake = { ui?: (m: UiModule) => void; sha256?: (f: Sha256) => void };
const me = document.currentScript as HTMLScriptElement | null;
const h = (window as unknown as { assent?: { _h?: Handshake } }).assent?._h;
let sha: Promise<Sha256> | undefined;
h?.ui?.(
  lazyModule(
    () =>
      (sha ||= new Promise((resolve, reject) => {
        h.sha256 = resolve;
        const s = document.createElement('script');
        s.src = new URL('assent-sha256.js', me?.src || location.href).href;
        if (me?.nonce) s.nonce = me.nonce;
        s.onerror = () => {
          sha = undefined;
          s.remove();
          reject(Error(`assent: cannot load ${s.src}`));
        };
        document.head.append(s);
      })),
  ),
);
