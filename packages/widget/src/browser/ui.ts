// assent-ui.js: the decision module and the Preact UI, fetched by the loader from the same
// directory, which hands itself over to the loader's `window.assent`.
import { lazyModule } from '../lazy.js';

(window as unknown as { assent?: { _h?: { ui?: (m: typeof lazyModule) => void } } }).assent?._h?.ui?.(
  lazyModule,
);
