import type { Consent } from '../consent.js';
import { createEvent } from '../protocol/event.js';
import { utf8 } from '../protocol/lib/utf8.js';
import type { ConsentEvent, PurposeSnapshot, ReceiptClaims } from '../protocol/types.js';
import { VERSION } from '../version.js';
import { backoffMs } from './backoff.js';
import {
  clearReceiptCookie,
  type ReceiptCookieOptions,
  readReceiptCookie,
  writeReceiptCookie,
} from './cookie.js';
import { mergeDecisions } from './merge.js';
import { createOutbox, type OutboxEntry, type SyncErrorInfo } from './outbox.js';
import { createReceiptCheck, decodeJws, type StoredReceipt } from './receipt.js';
import { createReceiptStore } from './receipts.js';
import { beacon, MAX_TIMEOUT_MS, postEvents } from './send.js';
import { createIdbSyncStore, type SyncStore } from './store.js';

/** What sync needs of the consent object (`createConsent`'s result). */
export type SyncConsent = Pick<
  Consent,
  | 'subject'
  | 'policy'
  | 'locale'
  | 'jurisdiction'
  | 'gpc'
  | 'config'
  | 'hashes'
  | 'decisions'
  | 'apply'
  | 'subscribe'
>;

/** Options of {@link createSync}. */
export interface SyncOptions {
  /** Base URL of the consent ledger, e.g. `https://consent.shop.example`. */
  ledgerUrl: string;
  /** The device's consent state; every decision it records is sent. */
  consent: SyncConsent;
  /** Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Where the outbox and receipts live. Default `createIdbSyncStore()` (IndexedDB, memory fallback). */
  store?: SyncStore;
  /** Events the outbox holds before older snapshots are compacted (see docs/sync.md). Default 100. */
  maxOutboxEvents?: number;
  /** Receipts kept on the device. Default 500 (as many as the decision history keeps). */
  maxReceipts?: number;
  /** First retry delay; each retry doubles it, with jitter. Default 1000. */
  retryBaseMs?: number;
  /** Longest delay between retries, a `Retry-After` included. Default 300000 (5 minutes); at most 2147483647. */
  retryMaxMs?: number;
  /** The `assent_receipt` cookie's options, or `false` to write no cookie. */
  cookie?: ReceiptCookieOptions | false;
  /**
   * Decisions recorded before sync started (the loader buffers them while this module loads):
   * queued in order; events the device already holds a receipt for are skipped.
   */
  backlog?: ReadonlyArray<{ event: ConsentEvent }>;
  /** `widget` of the events sync makes itself (link, re-sent snapshots). Default: core's version. */
  widget?: string;
  /** Shorthand for `on('receipt', ...)`. */
  onReceipt?: (detail: ReceiptDetail) => void;
  /** Shorthand for `on('sync-error', ...)`. */
  onError?: (detail: SyncErrorDetail) => void;
  /** Storage problems sync recovered from. Default `console.warn`. */
  onWarning?: (message: string) => void;
}

/** What `on('receipt')` listeners receive. */
export interface ReceiptDetail {
  event: ConsentEvent;
  /** The compact JWS. */
  receipt: string;
  claims: ReceiptClaims;
  /** Whether the signature was checked against the ledger's JWKS. */
  verified: boolean;
  /** Whether it is now in the `assent_receipt` cookie. */
  cookie: boolean;
}

/** What `on('sync-error')` listeners receive: the error, and the event it concerns if one does. */
export interface SyncErrorDetail extends SyncErrorInfo {
  event?: ConsentEvent;
}

/** The outcome of {@link Sync.link}. */
export interface LinkResult {
  /** `merged`: decisions fetched and merged; `deferred`: the ledger is unreachable, sync will finish later; `failed`: see `sync-error`. */
  status: 'merged' | 'deferred' | 'failed';
  /** Purposes whose decision from another device was adopted. */
  applied: string[];
  /** Purposes where this device's newer decision is being sent up. */
  sent: string[];
}

/** Events of {@link Sync.on}. */
export interface SyncEvents {
  receipt: ReceiptDetail;
  'sync-error': SyncErrorDetail;
  linked: LinkResult;
}

/** A running sync. Created by {@link createSync}. */
export interface Sync {
  /** Try to deliver everything waiting now; resolves when done or when the ledger is unreachable. */
  flush(): Promise<void>;
  /** Link this device to a signed-in customer and merge their decisions from their other devices. */
  link(token: string): Promise<LinkResult>;
  /** Events waiting for the ledger, oldest first. */
  pending(): Promise<ConsentEvent[]>;
  /** Events the ledger refused, with the reason (the newest 20). */
  rejected(): Promise<Array<{ event: ConsentEvent; error: SyncErrorInfo }>>;
  /** Receipts kept on the device, oldest first. */
  receipts(): Promise<StoredReceipt[]>;
  on<E extends keyof SyncEvents>(event: E, listener: (detail: SyncEvents[E]) => void): () => void;
  /** Stop listening to the consent object, the network and the page. The outbox stays. */
  stop(): void;
}

// One request carries at most this many events and bytes: under the ledger's 64 KiB body limit
// and the 64 KiB browsers allow a keepalive request or a beacon.
const MAX_BATCH = 50;
const MAX_BATCH_BYTES = 60_000;
const TRANSIENT = [408, 425, 429];
const JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/;

// At most MAX_TIMEOUT_MS: a longer delay overflows setTimeout, which then fires at once.
const num = (v: number | undefined, name: string, fallback: number) => {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < 1 || v > MAX_TIMEOUT_MS)
    throw TypeError(`createSync: ${name} must be an integer from 1 to ${MAX_TIMEOUT_MS}`);
  return v;
};
const hasPurposes = (e: ConsentEvent) => Object.keys(e.purposes).length > 0;

/**
 * Send every consent decision to the ledger, exactly once, whatever the network does; keep the
 * signed receipts on the device and the latest in the `assent_receipt` cookie; and, for signed-in
 * shoppers, merge decisions across their devices. See docs/sync.md.
 *
 * Each decision's event is written to the outbox (IndexedDB) before it is sent, and leaves it only
 * when the ledger answers with a receipt, so a retry after any failure is safe (the ledger is
 * idempotent by event id). Delivery retries with exponential backoff and jitter, and resumes by
 * itself when the browser comes back online, the page becomes visible again, or a timer fires; a
 * page being hidden sends with `keepalive`, one being unloaded with `sendBeacon`. An event the
 * ledger refuses (4xx) is set aside and reported through `on('sync-error')`; the rest still go.
 * Nothing here throws into the page: storage failures fall back to memory, network failures wait.
 *
 * Wrong options throw `TypeError`.
 *
 * @example
 * ```ts
 * import { createConsent, cookieStorage } from '@assent/core'
 * import { createSync } from '@assent/core/sync'
 *
 * const consent = createConsent(config, { storage: cookieStorage() })
 * const sync = createSync({ ledgerUrl: 'https://consent.shop.example', consent })
 * sync.on('sync-error', ({ code, message }) => console.warn(code, message))
 * // After sign-in, with a token from the storefront backend (createLinkToken):
 * const { applied } = await sync.link(linkToken)
 * ```
 */
export function createSync(options: SyncOptions): Sync {
  const { consent } = options;
  if (typeof consent?.subscribe !== 'function' || typeof consent.apply !== 'function')
    throw TypeError('createSync: consent must be the object createConsent returns');
  let base: string;
  try {
    const u = new URL(options.ledgerUrl);
    if (!/^https?:$/.test(u.protocol)) throw 0;
    base = u.href.replace(/\/+$/, '');
  } catch {
    throw TypeError('createSync: ledgerUrl must be an http(s) URL');
  }
  const fetchFn = options.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  if (typeof fetchFn !== 'function') throw TypeError('createSync: fetch must be a function');
  const maxOutbox = num(options.maxOutboxEvents, 'maxOutboxEvents', 100);
  const maxReceipts = num(options.maxReceipts, 'maxReceipts', 500);
  const retryBase = num(options.retryBaseMs, 'retryBaseMs', 1000);
  const retryMax = num(options.retryMaxMs, 'retryMaxMs', 300_000);
  const cookieOptions = options.cookie;
  const warn = (m: string) => (options.onWarning ?? console.warn)(m);
  const store = options.store ?? createIdbSyncStore({ onWarning: warn });
  const outbox = createOutbox(store.outbox, maxOutbox, warn);
  const receiptStore = createReceiptStore(store.receipts, maxReceipts, warn);
  const check = createReceiptCheck(`${base}/.well-known/jwks.json`, fetchFn);
  const eventsUrl = `${base}/v1/events`;
  const subject = consent.subject;

  const listeners: Record<string, Set<(d: never) => void>> = {};
  const emit = <E extends keyof SyncEvents>(type: E, detail: SyncEvents[E]) => {
    for (const f of (listeners[type] ?? []) as Set<(d: SyncEvents[E]) => void>)
      try {
        f(detail);
      } catch (e) {
        warn(`assent: a ${type} listener threw: ${e}`);
      }
  };
  const on = <E extends keyof SyncEvents>(type: E, f: (d: SyncEvents[E]) => void) => {
    listeners[type] ??= new Set();
    const set = listeners[type] as Set<(d: SyncEvents[E]) => void>;
    set.add(f);
    return () => void set.delete(f);
  };
  if (options.onReceipt) on('receipt', options.onReceipt);
  if (options.onError) on('sync-error', options.onError);

  let stopped = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let keepaliveInFlight = false;
  let linkToken: string | undefined;
  let pullWanted = false;
  let linkResult: LinkResult | undefined;
  // The newest receipt known to have been in the cookie: its event's time and leaf index. An older
  // receipt never replaces it.
  let cookieAt = '';
  let cookieSeq = -1;

  const hidden = () => typeof document !== 'undefined' && document.visibilityState === 'hidden';
  // A Retry-After is honoured up to retryMaxMs: past that, the device asks again no later than it
  // would have without one.
  const schedule = (ms?: number) => {
    clearTimeout(timer);
    if (!stopped)
      timer = setTimeout(
        () => void flush(),
        ms === undefined ? backoffMs(attempt++, retryBase, retryMax) : Math.min(ms, retryMax),
      );
  };

  const ready = (async () => {
    try {
      await outbox.load();
      await readCookie();
      const kept = new Set((await receiptStore.list()).map((r) => r.id));
      for (const c of options.backlog ?? []) if (!kept.has(c.event.id)) await put(c.event);
    } catch (e) {
      warn(`assent: sync could not read its store: ${e}`);
    }
  })();

  // The claims of the receipt in the cookie as it is now: another tab may have written it.
  const cookieClaims = () => {
    const v = cookieOptions === false ? undefined : readReceiptCookie(cookieOptions);
    return v ? (decodeJws(v)?.claims as Partial<ReceiptClaims> | undefined) : undefined;
  };
  const newer = (at: string, seq: number) => at > cookieAt || (at === cookieAt && seq >= cookieSeq);
  // Tabs share the cookie jar and the receipt store: learn when the cookie's receipt is from.
  async function readCookie() {
    const c = cookieClaims();
    const r = c?.sub === subject ? await receiptStore.get(String(c.jti)) : undefined;
    if (r && newer(r.at, r.seq)) {
      cookieAt = r.at;
      cookieSeq = r.seq;
    }
  }

  // A decision that takes back a purpose the cookie's receipt grants makes that receipt wrong at
  // once: it goes, and the backend sees no receipt until the new one arrives.
  function guardCookie(e: ConsentEvent) {
    const cns = cookieClaims()?.cns;
    if (
      cns &&
      cookieOptions !== false &&
      e.subject === subject &&
      hasPurposes(e) &&
      Object.entries(cns).some(([id, p]) => p?.status === 'given' && e.purposes[id]?.status !== 'given')
    )
      clearReceiptCookie(cookieOptions);
  }

  let requested = 0;
  let completed = 0;
  let running = false;
  const waiters = new Set<[number, () => void]>();
  const settle = () => {
    for (const w of waiters)
      if (w[0] <= completed || stopped) {
        waiters.delete(w);
        w[1]();
      }
  };

  function put(event: ConsentEvent): Promise<void> {
    guardCookie(event);
    return outbox.add(event).catch((e) => warn(`assent: outbox write failed: ${e}`));
  }
  function enqueue(event: ConsentEvent): void {
    if (!stopped) void put(event).then(flush);
  }

  function flush(): Promise<void> {
    if (stopped) return Promise.resolve();
    clearTimeout(timer);
    const mine = ++requested;
    const done = new Promise<void>((r) => waiters.add([mine, r]));
    if (!running) void run();
    return done;
  }

  // Runs until every flush requested so far has had a full attempt: a flush asked for while an
  // attempt is under way gets one of its own afterwards, so nothing queued meanwhile is skipped.
  async function run() {
    running = true;
    try {
      await ready;
      while (completed < requested && !stopped) {
        const target = requested;
        try {
          await drain();
          if (pullWanted) await pull();
        } catch (e) {
          warn(`assent: sync failed: ${e}`);
          schedule();
        }
        completed = target;
        settle();
      }
    } finally {
      running = false;
      settle();
    }
  }

  function batchOf(waiting: OutboxEntry[], limit: number): OutboxEntry[] {
    const batch: OutboxEntry[] = [];
    let bytes = 2;
    for (const e of waiting) {
      const n = JSON.stringify(e.event).length + 1;
      if (batch.length >= limit || (batch.length && bytes + n > MAX_BATCH_BYTES)) break;
      batch.push(e);
      bytes += n;
    }
    return batch;
  }

  async function drain() {
    let limit = MAX_BATCH;
    while (!stopped) {
      // Written down before sent: events queued while an earlier request was under way included.
      await outbox.written();
      const batch = batchOf(outbox.waiting(), limit);
      if (!batch.length) return;
      const keepalive = hidden();
      keepaliveInFlight = keepalive;
      const d = await postEvents(
        fetchFn,
        eventsUrl,
        batch.map((e) => e.event),
        keepalive,
      );
      keepaliveInFlight = false;
      if (d.kind === 'retry') return schedule(d.retryAfterMs);
      attempt = 0;
      if (d.kind === 'refused') {
        // One event at fault: set it aside, the others go again. Otherwise find it by sending singly.
        const at = d.index === undefined ? (batch.length === 1 ? batch[0] : undefined) : batch[d.index];
        if (at) await reject(at, d.error);
        else limit = 1;
        continue;
      }
      // Another tab may have queued a newer decision (and emptied the cookie for it): the cookie
      // check in accept must see it waiting, so learn what the shared outbox holds now.
      if (cookieOptions !== false) await outbox.load();
      for (let i = 0; i < batch.length; i++) {
        const r = d.receipts[i];
        if (r) await accept(batch[i]!, r);
        else await reject(batch[i]!, d.error ?? { code: 'ERR_NO_RECEIPT', message: 'no receipt' });
      }
    }
  }

  async function reject(entry: OutboxEntry, error: SyncErrorInfo) {
    await outbox.setAside(entry, error);
    emit('sync-error', { ...error, event: entry.event });
  }

  async function accept(entry: OutboxEntry, jws: string) {
    const { event } = entry;
    try {
      const { claims, verified } = await check(jws, event);
      await receiptStore.add({ id: event.id, jws, at: event.at, seq: claims.seq, verified });
      let cookie = false;
      // The cookie holds the receipt of the newest decision (by event time, then leaf index): never
      // one older than it holds, even if another tab wrote that one, nor one with a newer decision
      // of this subject still waiting.
      if (cookieOptions !== false) await readCookie();
      const last = outbox
        .waiting()
        .filter((w) => w.event.subject === subject && hasPurposes(w.event))
        .at(-1);
      if (
        cookieOptions !== false &&
        hasPurposes(event) &&
        event.subject === subject &&
        newer(event.at, claims.seq) &&
        (last?.event.id ?? event.id) === event.id
      ) {
        cookie = writeReceiptCookie(jws, claims.exp, cookieOptions);
        cookieAt = event.at;
        cookieSeq = claims.seq;
        if (!cookie) warn(`assent: receipt of ${jws.length} bytes too large for the cookie; cookie deleted`);
      }
      emit('receipt', { event, receipt: jws, claims, verified, cookie });
    } catch (e) {
      emit('sync-error', { code: 'ERR_RECEIPT_INVALID', message: (e as Error).message, event });
    }
    await outbox.remove([event.id]);
    if (event.link) {
      const cid = decodeJws(event.link)?.claims.cid;
      await outbox.setMeta('link', { subject: event.subject, customer: await customerKey(String(cid)) });
      linkToken ??= event.link;
      pullWanted = event.subject === subject;
    }
  }

  // The customer id itself never needs to be stored: only whether this device is linked to it.
  // Without Web Crypto (an insecure context) there is no key, and each link() links again.
  const customerKey = async (cid: string) => {
    try {
      return [...new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(cid) as Uint8Array<ArrayBuffer>))]
        .map((b) => b.toString(16).padStart(2, '0'))
        .join('');
    } catch {
      return undefined;
    }
  };

  async function pull() {
    const failed = (error: SyncErrorInfo) => {
      pullWanted = false;
      linkResult = { status: 'failed', applied: [], sent: [] };
      emit('sync-error', error);
    };
    let res: Response;
    try {
      res = await fetchFn(`${base}/v1/subjects/${subject}/consent`, {
        headers: { authorization: `Link ${linkToken}` },
        credentials: 'omit',
      });
    } catch {
      return schedule();
    }
    const body = await res.json().catch(() => undefined);
    if (!res.ok) {
      if (res.status >= 500 || TRANSIENT.includes(res.status)) return schedule();
      return failed({
        code: body?.error?.code ?? `HTTP_${res.status}`,
        message: body?.error?.message ?? `the ledger answered ${res.status}`,
        status: res.status,
      });
    }
    pullWanted = false;
    const ids = consent.config.purposes.filter((p) => p.basis === 'consent').map((p) => p.id);
    const { apply, newerLocal } = mergeDecisions(consent.decisions(), body?.purposes, ids);
    const applied = Object.keys(apply);
    // Adopting records one `sync` event with the merged snapshot, which also carries this device's
    // newer decisions up; otherwise they go up in a snapshot of their own unless one is waiting.
    if (applied.length) consent.apply(apply);
    else if (
      newerLocal.length &&
      !outbox.waiting().some((w) => w.event.subject === subject && hasPurposes(w.event))
    ) {
      const d = consent.decisions();
      const purposes: Record<string, PurposeSnapshot> = {};
      for (const id in d) purposes[id] = { status: d[id]!.status, hash: consent.hashes[id]! };
      enqueue(event(purposes));
    }
    linkResult = { status: 'merged', applied, sent: newerLocal };
    emit('linked', linkResult);
  }

  const event = (purposes: Record<string, PurposeSnapshot>, link?: string) =>
    createEvent({
      subject,
      policy: consent.policy,
      purposes,
      method: 'sync',
      locale: consent.locale,
      jurisdiction: consent.jurisdiction,
      gpc: consent.gpc,
      widget: options.widget ?? VERSION,
      ...(link ? { link } : {}),
    });

  async function link(token: string): Promise<LinkResult> {
    const claims = decodeJws(token)?.claims;
    if (claims?.sub !== subject || typeof claims.cid !== 'string') {
      emit('sync-error', {
        code: 'ERR_LINK_INVALID',
        message: 'the link token is not for this device subject',
      });
      return { status: 'failed', applied: [], sent: [] };
    }
    linkToken = token;
    linkResult = undefined;
    await ready;
    const meta = (await outbox.meta('link')) as { subject?: string; customer?: string } | undefined;
    const key = await customerKey(claims.cid);
    if (key && meta?.subject === subject && meta.customer === key) pullWanted = true;
    else {
      // One link event is enough: a newer token replaces one still waiting.
      await outbox.remove(
        outbox
          .waiting()
          .filter((e) => e.event.link)
          .map((e) => e.event.id),
      );
      await put(event({}, token));
    }
    await flush();
    return (
      linkResult ?? {
        status: pullWanted || outbox.waiting().some((e) => e.event.link) ? 'deferred' : 'failed',
        applied: [],
        sent: [],
      }
    );
  }

  const unsubscribe = consent.subscribe((change) => enqueue(change.event));
  const onOnline = () => {
    attempt = 0;
    void flush();
  };
  const onVisibility = () => void flush();
  // The page is going away: what still waits goes by beacon (unless a keepalive request already
  // carries it). Its answer is lost, so the events stay queued, and the next page sends them again.
  // Events whose IndexedDB write is still under way go too: the unload may abort that write, and
  // then the beacon (or, on the next page, the history's journal) is all that is left of them.
  const onPageHide = () => {
    const batch = batchOf(outbox.waiting(), MAX_BATCH);
    if (batch.length && !keepaliveInFlight)
      beacon(
        fetchFn,
        eventsUrl,
        batch.map((e) => e.event),
      );
  };
  const page = typeof addEventListener === 'function' && typeof document !== 'undefined';
  if (page) {
    addEventListener('online', onOnline);
    addEventListener('pagehide', onPageHide);
    document.addEventListener('visibilitychange', onVisibility);
  }
  void flush();

  return {
    flush,
    link(token) {
      if (typeof token !== 'string' || !JWS.test(token))
        throw TypeError('link: token must be a compact JWS made by createLinkToken');
      return link(token);
    },
    pending: () => ready.then(() => outbox.waiting().map((e) => e.event)),
    rejected: () => ready.then(() => outbox.rejected().map((e) => ({ event: e.event, error: e.error! }))),
    receipts: () => ready.then(() => receiptStore.list()),
    on,
    stop() {
      stopped = true;
      clearTimeout(timer);
      unsubscribe();
      if (page) {
        removeEventListener('online', onOnline);
        removeEventListener('pagehide', onPageHide);
        document.removeEventListener('visibilitychange', onVisibility);
      }
      settle();
    },
  };
}
