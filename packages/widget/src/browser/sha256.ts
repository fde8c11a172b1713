// assent-sha256.js: the JavaScript SHA-256, fetched by assent-ui.js only where Web Crypto is
// missing (plain-http origins), and handed over through the loader's `window.assent` handshake.
import { sha256 } from '@assent/core/protocol';

(window as unknown as { assent?: { _h?: { sha256?: (f: typeof sha256) => void } } }).assent?._h?.sha256?.(
  sha256,
);
