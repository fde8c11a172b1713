// Delivery to the consent ledger, wired into the decision module: `@assent/core/sync` (the outbox,
// receipts, the `assent_receipt` cookie, cross-device linking) is a third lazily loaded file
// (assent-sync.js, or the `loadSync` chunk for bundler users), fetched only when the config names a
// `ledgerUrl` and there is something to send, link or show: a decision, a link token, events an
// earlier page left waiting, or the preference center's history.
import type { Consent, ConsentChange, ConsentHistory, HistoryRecord } from '@assent/core';
import type {
  createIdbSyncStore,
  createSync,
  LinkResult,
  StoredReceipt,
  Sync,
  SyncEvents,
} from '@assent/core/sync';
import { markOutbox, outboxWaiting } from './lib/outbox-flag.js';
import { VERSION } from './lib/version.js';

/** What `loadSync` resolves to: the part of `@assent/core/sync` the widget uses. */
export interface SyncModule {
  createSync: typeof createSync;
  createIdbSyncStore: typeof createIdbSyncStore;
}

/** Options of {@link wireSync}. */
export interface WireSyncOptions {
  consent: Consent;
  /** The decision history: decisions an earlier page recorded but could not queue are taken from it. */
  history?: Pick<ConsentHistory, 'list'>;
  /** The config's `ledgerUrl` (an http(s) URL, or a path on this origin). */
  ledgerUrl?: string;
  /** Loads the sync module; without it (or without `ledgerUrl`) nothing is sent. */
  load?: () => Promise<SyncModule>;
  /** A link token from the storefront backend (`data-link-token`): linked once sync has loaded. */
  linkToken?: string;
  /** `receipt`, `sync-error`, `linked`, and `error` when the sync module cannot be loaded. */
  emit(type: string, detail?: unknown): void;
}

/** The widget's handle on sync: what the API and the preference center need of it. */
export interface WidgetSync {
  /** Link this device to a signed-in customer (`assent.link`). */
  link(token: string): Promise<LinkResult>;
  /** Receipts kept on the device, oldest first (loads the sync module). */
  receipts(): Promise<StoredReceipt[]>;
  /** Called after each receipt arrives; returns the function that stops it. */
  onReceipt(listener: () => void): () => void;
}

const idle = (f: () => void) =>
  (globalThis.requestIdleCallback ?? ((g: () => void) => setTimeout(g, 1)))(f, { timeout: 3000 });

/**
 * Connect the decision module's consent state to the ledger. Decisions made before the sync module
 * arrives are buffered and handed over (`backlog`), together with the history's decisions newer
 * than the newest receipt (a page closed before its sync ran); the outbox ignores what it already
 * holds and sync skips what already has a receipt. Returns `undefined` without a ledger.
 *
 * @example
 * ```ts
 * const sync = wireSync({ consent, history, ledgerUrl: config.ledgerUrl, load: loadSync, emit })
 * await sync?.link(token)
 * ```
 */
export function wireSync(o: WireSyncOptions): WidgetSync | undefined {
  const { consent, load } = o;
  if (!o.ledgerUrl || !load) return;
  const ledgerUrl = new URL(o.ledgerUrl, location.href).href;
  const backlog: ConsentChange[] = [];
  const unbuffer = consent.subscribe((c) => backlog.push(c));
  const receiptListeners = new Set<() => void>();
  let started: Promise<Sync> | undefined;
  // Nothing waits once a flush has finished with an empty outbox; a flush that could not reach the
  // ledger leaves the flag set, so the next page picks the events up.
  const settle = (s: Sync) =>
    s
      .flush()
      .then(() => s.pending())
      .then((p) => markOutbox(p.length > 0));
  const start = (): Promise<Sync> =>
    (started ||= load()
      .then(async (m) => {
        const store = m.createIdbSyncStore();
        const [records, kept] = await Promise.all([
          o.history?.list().catch(() => []) ?? [],
          store.receipts.entries().catch(() => []),
        ]);
        let newest = '';
        for (const [, r] of kept) {
          const at = (r as Partial<StoredReceipt> | undefined)?.at;
          if (typeof at === 'string' && at > newest) newest = at;
        }
        unbuffer();
        const s = m.createSync({
          ledgerUrl,
          consent,
          store,
          backlog: [...(records as readonly HistoryRecord[]).filter((r) => r.event.at >= newest), ...backlog],
          widget: VERSION,
        });
        for (const type of ['receipt', 'sync-error', 'linked'] as (keyof SyncEvents)[])
          s.on(type, (detail) => {
            if (type === 'receipt') for (const f of receiptListeners) f();
            o.emit(type, detail);
            void settle(s);
          });
        void settle(s);
        return s;
      })
      .catch((error) => {
        // Decisions stay buffered (and the flag set): the next decision or page tries again.
        started = undefined;
        o.emit('error', { error });
        throw error;
      }));
  const noop = () => {};
  // Every decision: the flag first (a page closed before sync loads still leaves it), then sync.
  consent.subscribe(() => {
    markOutbox(true);
    start().catch(noop);
  });
  const link = (token: string) => {
    markOutbox(true);
    return start().then((s) => s.link(token));
  };
  if (o.linkToken) link(o.linkToken).catch(noop);
  else if (outboxWaiting()) idle(() => void start().catch(noop));
  return {
    link,
    receipts: () => start().then((s) => s.receipts()),
    onReceipt(f) {
      receiptListeners.add(f);
      return () => void receiptListeners.delete(f);
    },
  };
}
