// assent-ui.js: the decision module and the Preact UI, fetched by the loader from the same
// directory, which hands itself over to the loader's `window.assent`. The JavaScript SHA-256 is
// needed only without Web Crypto (plain-http origins): then the loader fetches assent-sha256.js
// from the same directory, which hands the function over the same way.
import type { Sha256 } from '@assent/core';
import { lazyModule } from '../lazy.js';
import type { UiModule } from '../start.js';

const h = (
  window as unknown as {
    assent?: { _h?: { ui?: (m: UiModule) => void; load: (k: 'sha256') => Promise<Sha256> } };
  }
).assent?._h;
h?.ui?.(lazyModule(() => h.load('sha256')));
