// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://shop.example/"}
// A link token holds the customer id in plaintext. It is kept only while its event waits to be
// sent: once the ledger refuses it, nothing on the device may still hold it.
import 'fake-indexeddb/auto';
import { createConsent } from '@assent/core';
import { createIdbSyncStore, createSync, type SyncErrorDetail } from '@assent/core/sync';
import { createStore, entries } from 'idb-keyval';
import { expect, it } from 'vitest';
import { small } from './fixtures.js';
import { createNet, startLedger } from './sync-helpers.js';

it('a refused link event is set aside without its token', async () => {
  const ledger = await startLedger();
  const net = createNet();
  net.offline = true;
  const consent = createConsent(small());
  consent.set({ analytics: true });
  const sync = createSync({
    ledgerUrl: ledger.url,
    consent,
    fetch: net.fetch,
    retryBaseMs: 60_000,
    onWarning: () => {},
    store: createIdbSyncStore({ dbName: 'lk-refused' }),
  });
  const errors: SyncErrorDetail[] = [];
  sync.on('sync-error', (d) => errors.push(d));
  try {
    // A token that expires while it waits offline: the common way a link event is refused.
    const expired = await ledger.linkToken(consent.subject, 'alice@example.com', {
      ttlSeconds: 1,
      now: Math.floor(Date.now() / 1000) - 120,
    });
    expect((await sync.link(expired)).status).toBe('deferred');
    // While it waits, the token is kept: it has to be sent.
    const waiting = JSON.stringify(await entries(createStore('lk-refused-outbox', 'kv')));
    expect(waiting).toContain(expired);
    net.offline = false;
    await sync.flush();
    expect(errors.map((e) => e.code)).toContain('ERR_LINK_INVALID');
    const rejected = await sync.rejected();
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.error.code).toBe('ERR_LINK_INVALID');
    expect(rejected[0]!.event).not.toHaveProperty('link');
    const stored = JSON.stringify(await entries(createStore('lk-refused-outbox', 'kv')));
    expect(stored).toContain(rejected[0]!.event.id);
    expect(stored).not.toContain(expired);
    expect(stored).not.toContain(expired.split('.')[1]);
  } finally {
    sync.stop();
    await ledger.close();
  }
});
