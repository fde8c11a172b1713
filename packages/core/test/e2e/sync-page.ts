// The sync e2e tests' page script: core's consent state in the `assent` cookie and the sync module
// (what the widget wires together), bundled to an IIFE by esbuild and served as /page.js. The test
// drives it through `window.t`.
import type { AssentConfig } from '../../src/config/types.js';
import { createConsent } from '../../src/consent.js';
import { cookieStorage } from '../../src/cookie.js';
import { createSync } from '../../src/sync/index.js';

const config = JSON.parse(document.getElementById('config')!.textContent!) as AssentConfig;
const consent = createConsent(config, { storage: cookieStorage() });
const errors: { code: string; status?: number; event?: string }[] = [];
const receipts: { event: string; verified: boolean; cookie: boolean }[] = [];
const linked: unknown[] = [];
const sync = createSync({
  ledgerUrl: document.documentElement.dataset.ledger!,
  consent,
  // Short retries keep the test quick; production defaults are 1 s doubling to 5 min.
  retryBaseMs: 100,
  retryMaxMs: 500,
  onError: (e) => errors.push({ code: e.code, status: e.status, event: e.event?.id }),
  onReceipt: (r) => receipts.push({ event: r.event.id, verified: r.verified, cookie: r.cookie }),
});
sync.on('linked', (r) => linked.push(r));
Object.assign(window, { t: { consent, sync, errors, receipts, linked } });
