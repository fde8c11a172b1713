import type { ConsentEvent } from '../protocol/types.js';
import { compactable } from './compact.js';
import type { SyncKv } from './store.js';

/** Why the ledger (or the device) refused an event or a receipt. */
export interface SyncErrorInfo {
  /** The ledger's error code (`ERR_EVENT_INVALID`, `ERR_LINK_INVALID`, ...) or the device's own. */
  code: string;
  message: string;
  /** HTTP status, when the ledger answered. */
  status?: number;
  /** JSON path of the field at fault, when the ledger named one. */
  path?: string;
}

/** An event in the outbox. */
export interface OutboxEntry {
  event: ConsentEvent;
  /** Enqueue order: milliseconds, with a fraction for events queued in the same millisecond. */
  n: number;
  /** Set when the ledger refused the event: it is kept aside, never sent again. */
  error?: SyncErrorInfo;
}

/**
 * Events refused by the ledger that are kept for inspection; older ones are forgotten.
 *
 * @example
 * ```ts
 * (await sync.rejected()).length <= MAX_REJECTED // true
 * ```
 */
export const MAX_REJECTED = 20;

const byOrder = (a: OutboxEntry, b: OutboxEntry) =>
  a.event.at < b.event.at ? -1 : a.event.at > b.event.at ? 1 : a.n - b.n;

// What a stored entry must look like before it is trusted; anything else is corrupt and dropped.
const isEntry = (k: string, v: unknown): v is OutboxEntry => {
  const e = (v as OutboxEntry | null)?.event;
  return (
    typeof (v as OutboxEntry | null)?.n === 'number' &&
    typeof e?.id === 'string' &&
    e.id === k &&
    typeof e.subject === 'string' &&
    typeof e.at === 'string' &&
    typeof e.purposes === 'object' &&
    e.purposes !== null
  );
};

/**
 * The outbox: events written down before they are sent, kept until the ledger acknowledges them
 * with a receipt. A copy lives in memory, so that sending never waits for IndexedDB and a page
 * being unloaded can still beacon what is waiting. Keys starting with `~` hold the sync's own
 * small records (the link state).
 */
export function createOutbox(kv: SyncKv, max: number, warn: (m: string) => void) {
  const all = new Map<string, OutboxEntry>();
  // IndexedDB writes under way: a delivery waits for them (see `written`) before it takes a batch.
  const writes = new Set<Promise<void>>();
  let last = 0;
  const sorted = () => [...all.values()].sort(byOrder);
  const waiting = () => sorted().filter((e) => !e.error);
  const write = (e: OutboxEntry) => kv.set(e.event.id, e);
  const remove = async (ids: string[]) => {
    for (const id of ids) all.delete(id);
    if (ids.length) await kv.del(ids);
  };
  return {
    /** Merge what IndexedDB holds (earlier pages, other tabs) into memory; drop corrupt entries. */
    async load() {
      const bad: string[] = [];
      for (const [k, v] of await kv.entries()) {
        if (k[0] === '~') continue;
        if (isEntry(k, v)) {
          if (!all.has(k)) all.set(k, v);
        } else bad.push(k);
      }
      if (bad.length) {
        warn(`assent: dropped ${bad.length} unreadable outbox entries`);
        await kv.del(bad);
      }
    },
    /** Write an event down (in memory at once, in IndexedDB when the promise resolves) and compact. */
    async add(event: ConsentEvent) {
      if (all.has(event.id)) return;
      const now = Date.now();
      last = now > last ? now : last + 0.001;
      const entry: OutboxEntry = { event, n: last };
      all.set(event.id, entry);
      const w = write(entry);
      writes.add(w);
      try {
        await w;
      } finally {
        writes.delete(w);
      }
      await remove(
        compactable(
          waiting().map((e) => e.event),
          max,
        ),
      );
    },
    has: (id: string) => all.has(id),
    /** Every event waiting, written down or not (what a page being unloaded beacons). */
    waiting,
    /** Resolves once every write asked for so far has finished (succeeded or failed). */
    written: () => Promise.allSettled(writes),
    rejected: () => sorted().filter((e) => e.error),
    remove,
    /**
     * Keep a refused event aside with its error (the newest {@link MAX_REJECTED} are kept). A link
     * event is kept without its token: the token holds the customer id in plaintext, and it was
     * only ever kept to be sent.
     */
    async setAside(entry: OutboxEntry, error: SyncErrorInfo) {
      const { link, ...event } = entry.event;
      const e = { ...entry, event, error };
      all.set(e.event.id, e);
      await write(e);
      const rejected = sorted().filter((x) => x.error);
      await remove(rejected.slice(0, -MAX_REJECTED).map((x) => x.event.id));
    },
    meta: (key: string) => kv.get(`~${key}`),
    setMeta: (key: string, value: unknown) => kv.set(`~${key}`, value),
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
