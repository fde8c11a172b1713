// The few IndexedDB calls the decision history makes, made as idb-keyval makes them: one object
// store, created with the database; requests and transactions as promises; the connection opened
// on first use and again after the browser closes it. Without what idb-keyval carries for other
// uses (a default database, a cursor fallback for engines without getAll), it is 0.2 kB gzip less
// in the widget's decision module, which every first visit downloads.

/** Runs `f` in a transaction; resolves with its request's result, or when the transaction commits. */
export type IdbStore = <T = void>(
  mode: IDBTransactionMode,
  f: (store: IDBObjectStore) => IDBRequest<T> | undefined,
) => Promise<T>;

const settled = <T>(r: IDBRequest<T> | IDBTransaction): Promise<T> =>
  new Promise((resolve, reject) => {
    const x = r as IDBRequest<T> & IDBTransaction;
    x.oncomplete = x.onsuccess = () => resolve(x.result);
    x.onabort = x.onerror = () => reject(x.error);
  });

/** The object store `name` of database `dbName`; nothing is opened until the first call. */
export function openIdbStore(dbName: string, name: string): IdbStore {
  let db: Promise<IDBDatabase> | undefined;
  const open = () => {
    if (!db) {
      const r = indexedDB.open(dbName);
      r.onupgradeneeded = () => r.result.createObjectStore(name);
      db = settled(r);
      db.then(
        (d) => {
          d.onclose = () => {
            db = undefined;
          };
        },
        () => {
          db = undefined;
        },
      );
    }
    return db;
  };
  return (mode, f) =>
    open().then((d) => {
      const t = d.transaction(name, mode);
      const r = f(t.objectStore(name));
      return settled(r ?? t) as never;
    });
}
