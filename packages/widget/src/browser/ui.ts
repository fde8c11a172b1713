// assent-ui.js: the Preact UI, fetched by the loader from the same directory, which hands itself
// over to the loader's `window.assent`.
import { uiModule } from '../ui/module.js';

(window as unknown as { assent?: { _ui?: (m: typeof uiModule) => void } }).assent?._ui?.(uiModule);
