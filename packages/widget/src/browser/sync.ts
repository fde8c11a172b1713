// assent-sync.js: delivery to the consent ledger (`@assent/core/sync`: outbox, receipts, the
// `assent_receipt` cookie, cross-device linking), fetched by the loader from the same directory
// when the config names a `ledgerUrl` and there is something to send; it hands itself over to the
// loader's `window.assent`.
import { createIdbSyncStore, createSync } from '@assent/core/sync';
import type { SyncModule } from '../sync.js';

(window as unknown as { assent?: { _h?: { sync?: (m: SyncModule) => void } } }).assent?._h?.sync?.({
  createSync,
  createIdbSyncStore,
});
