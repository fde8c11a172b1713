import { createStore, delMany, entries, get, set } from 'idb-keyval';

/**
 * A small asynchronous key-value store: what the outbox and the receipts are kept in. Values are
 * plain data (structured-clonable). Implementations must not throw for storage failures.
 */
export interface SyncKv {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  del(keys: string[]): Promise<void>;
  entries(): Promise<[string, unknown][]>;
}

/** Where {@link createSync} keeps its outbox (events not yet acknowledged) and the receipts. */
export interface SyncStore {
  outbox: SyncKv;
  receipts: SyncKv;
}

/** Options of {@link createIdbSyncStore}. */
export interface IdbSyncStoreOptions {
  /** Prefix of the two IndexedDB databases, `<dbName>-outbox` and `<dbName>-receipts`. Default `assent`. */
  dbName?: string;
  /**
   * How long the first operation on each database may take before IndexedDB is taken as
   * unusable and that store switches to memory: an open blocked by another tab's connection never
   * settles. Default 3000.
   */
  openTimeoutMs?: number;
  onWarning?: (message: string) => void;
}

function memoryKv(): SyncKv {
  const m = new Map<string, unknown>();
  return {
    get: async (k) => m.get(k),
    async set(k, v) {
      // A copy, as IndexedDB stores one: later changes to the caller's object must not leak in.
      m.set(k, structuredClone(v));
    },
    async del(keys) {
      for (const k of keys) m.delete(k);
    },
    entries: async () => [...m],
  };
}

/**
 * A sync store in memory: lost on reload. For tests, and for pages that must not use IndexedDB.
 *
 * @example
 * ```ts
 * const sync = createSync({ ledgerUrl, consent, store: createMemorySyncStore() })
 * ```
 */
export function createMemorySyncStore(): SyncStore {
  return { outbox: memoryKv(), receipts: memoryKv() };
}

// One idb-keyval store per database (idb-keyval creates its object store only with the database).
// The first failure (no IndexedDB, private mode, quota, a database another version broke) switches
// this store to memory for the rest of the page's life, with one warning; nothing is thrown. So
// does a first operation that takes longer than `timeoutMs`: an open that is blocked (another
// tab's connection holds off a version change, or an engine's open hangs) never settles.
function idbKv(dbName: string, warn: (m: string) => void, timeoutMs: number): SyncKv {
  const memory = memoryKv();
  let store: ReturnType<typeof createStore> | undefined;
  let failed = typeof indexedDB === 'undefined';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let deadline: Promise<never> | undefined;
  let opened = false;
  const run = async <T>(f: (s: ReturnType<typeof createStore>) => Promise<T>, fallback: () => Promise<T>) => {
    if (!failed)
      try {
        store ??= createStore(dbName, 'kv');
        if (opened) return await f(store);
        deadline ??= new Promise((_, reject) => {
          timer = setTimeout(() => reject(Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
        });
        const r = await Promise.race([f(store), deadline]);
        opened = true;
        clearTimeout(timer);
        return r;
      } catch (e) {
        // Requests already under way fail too: one warning is enough.
        if (!failed) warn(`assent: IndexedDB ${dbName} unavailable, sync data kept in memory: ${e}`);
        failed = true;
      }
    return fallback();
  };
  return {
    get: (k) =>
      run(
        (s) => get(k, s),
        () => memory.get(k),
      ),
    set: (k, v) =>
      run(
        (s) => set(k, v, s),
        () => memory.set(k, v),
      ),
    del: (keys) =>
      run(
        (s) => delMany(keys, s),
        () => memory.del(keys),
      ),
    entries: () =>
      run(
        async (s) => (await entries(s)).map(([k, v]) => [String(k), v] as [string, unknown]),
        () => memory.entries(),
      ),
  };
}

/**
 * The sync store in IndexedDB (through idb-keyval), falling back to memory, with one warning, when
 * IndexedDB is missing, fails, or does not answer the first operation within `openTimeoutMs`. No
 * call rejects. A wrong `openTimeoutMs` throws `TypeError`.
 *
 * @example
 * ```ts
 * const sync = createSync({ ledgerUrl, consent, store: createIdbSyncStore({ dbName: 'shop-consent' }) })
 * ```
 */
export function createIdbSyncStore(options: IdbSyncStoreOptions = {}): SyncStore {
  const name = options.dbName ?? 'assent';
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  const t = options.openTimeoutMs ?? 3000;
  if (!Number.isInteger(t) || t < 1 || t > 2_147_483_647)
    throw TypeError('createIdbSyncStore: openTimeoutMs must be a positive integer');
  return { outbox: idbKv(`${name}-outbox`, warn, t), receipts: idbKv(`${name}-receipts`, warn, t) };
}
