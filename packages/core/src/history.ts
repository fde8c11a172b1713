import { createStore, promisifyRequest, type UseStore } from 'idb-keyval';
import type { ConsentChange } from './consent.js';
import type { ConsentEvent } from './protocol/types.js';

/** One entry of the decision history: the event and which purposes it changed. */
export interface HistoryRecord {
  event: ConsentEvent;
  changed: string[];
}

/** Where `createConsent` appends every decision. Neither call may throw into the page. */
export interface ConsentHistory {
  append(change: Pick<ConsentChange, 'event' | 'changed'>): void | Promise<void>;
  /** Every kept record, oldest first. */
  list(): Promise<HistoryRecord[]>;
}

/** Options of {@link createIdbHistory}. */
export interface IdbHistoryOptions {
  /** IndexedDB database name. Default `assent-history` (its one object store is `records`). */
  dbName?: string;
  /** Records kept; the oldest are dropped beyond it. Default 500. */
  maxRecords?: number;
  onWarning?: (message: string) => void;
}

// IndexedDB commits later, and a navigation right after a decision (a save, then a click on a link)
// aborts the write. So every record is first written synchronously to a small journal in
// localStorage and leaves it once IndexedDB holds it; the next page moves what is left over.
const JOURNAL_MAX = 50;
function journal(key: string) {
  const read = (): HistoryRecord[] => {
    try {
      const v = JSON.parse(localStorage.getItem(key)!);
      return Array.isArray(v) ? v.filter((r) => typeof r?.event?.id === 'string') : [];
    } catch {
      return [];
    }
  };
  const write = (list: HistoryRecord[]) => {
    try {
      if (list.length) localStorage.setItem(key, JSON.stringify(list.slice(-JOURNAL_MAX)));
      else localStorage.removeItem(key);
    } catch {
      // No storage, or full: IndexedDB alone then.
    }
  };
  return {
    read,
    add: (r: HistoryRecord) => write([...read(), r]),
    drop: (ids: string[]) => write(read().filter((r) => !ids.includes(r.event.id))),
  };
}

// idb-keyval's store, without its default database and cursor fallback (its `set`, `entries` and
// `delMany` would bring them into the widget's decision module): each write resolves once its
// transaction commits, as `set` does.
const done = (o: IDBObjectStore) => promisifyRequest(o.transaction);
const put = (s: UseStore, r: HistoryRecord) =>
  s('readwrite', (o) => {
    o.put(r, r.event.id);
    return done(o);
  });

const byTime = (a: HistoryRecord, b: HistoryRecord) =>
  a.event.at < b.event.at ? -1 : a.event.at > b.event.at ? 1 : 0;

/**
 * A decision history kept in memory: the fallback when IndexedDB is missing or blocked, and handy
 * in tests.
 *
 * @example
 * ```ts
 * const history = createMemoryHistory()
 * createConsent(config, { history }).rejectAll()
 * (await history.list()).length // 1
 * ```
 */
export function createMemoryHistory(maxRecords = 500): ConsentHistory {
  const records: HistoryRecord[] = [];
  return {
    append({ event, changed }) {
      records.push({ event, changed });
      records.sort(byTime);
      if (records.length > maxRecords) records.splice(0, records.length - maxRecords);
    },
    list: async () => records.slice(),
  };
}

/**
 * The decision history in IndexedDB through idb-keyval, keyed by event id (database
 * `assent-history`, object store `records`). Where IndexedDB is missing (some private modes,
 * Node) or fails (blocked storage, quota), it carries on in memory and reports a warning once; no
 * call rejects.
 *
 * @example
 * ```ts
 * const consent = createConsent(config, { storage: cookieStorage(), history: createIdbHistory() })
 * const records = await consent.history?.list()
 * ```
 */
export function createIdbHistory(options: IdbHistoryOptions = {}): ConsentHistory {
  const max = options.maxRecords ?? 500;
  const memory = createMemoryHistory(max);
  let store: UseStore | undefined;
  let failed = typeof indexedDB === 'undefined';
  const fallBack = (e: unknown) => {
    if (!failed)
      (options.onWarning ?? console.warn)(`assent: IndexedDB unavailable, history kept in memory: ${e}`);
    failed = true;
  };
  const open = () => {
    if (!failed && !store) {
      try {
        store = createStore(options.dbName ?? 'assent-history', 'records');
      } catch (e) {
        fallBack(e);
      }
    }
    return failed ? undefined : store;
  };
  const pending = journal(`${options.dbName ?? 'assent-history'}-journal`);
  const read = async (s: NonNullable<typeof store>) => {
    // Records an earlier page journaled but could not store; a put by event id makes this idempotent.
    const left = pending.read();
    for (const r of left) await put(s, r);
    pending.drop(left.map((r) => r.event.id));
    return (await s('readonly', (o) => promisifyRequest<HistoryRecord[]>(o.getAll()))).sort(byTime);
  };
  return {
    async append(change) {
      const record: HistoryRecord = { event: change.event, changed: change.changed };
      // Keep a copy in memory as well, so that a failure later in the session loses nothing.
      memory.append(record);
      const s = open();
      if (!s) return;
      pending.add(record);
      try {
        await put(s, record);
        pending.drop([record.event.id]);
        const all = await read(s);
        if (all.length > max)
          await s('readwrite', (o) => {
            for (const r of all.slice(0, all.length - max)) o.delete(r.event.id);
            return done(o);
          });
      } catch (e) {
        fallBack(e);
      }
    },
    async list() {
      const s = open();
      if (s) {
        try {
          return await read(s);
        } catch (e) {
          fallBack(e);
        }
      }
      return memory.list();
    },
  };
}
