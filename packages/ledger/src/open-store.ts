// Storage without signing keys, for tools that read the log (verify, export, token management)
// next to a running ledger. Appending needs createLedger.
import { openPostgresStore } from './store/postgres.js';
import { openSqliteStore } from './store/sqlite.js';
import type { Store } from './store/store.js';

/** Where a ledger's data lives: a SQLite file, or a PostgreSQL database (and schema). */
export interface StoreLocation {
  /** SQLite database file. */
  database?: string;
  /** PostgreSQL connection string, or connection string and schema. */
  postgres?: string | { connectionString: string; schema?: string };
}

/**
 * Open a ledger's storage for reading (and for tokens and the access log). It never appends to
 * the log and never becomes the PostgreSQL sequencer. Close it when done.
 *
 * @example
 * ```ts
 * const store = await openStore({ database: './assent-ledger.db' })
 * const report = await verifyStore(store, { keys: jwks })
 * await store.close()
 * ```
 */
export async function openStore(location: StoreLocation): Promise<Store> {
  if (typeof location !== 'object' || location === null) throw new TypeError('location must be an object');
  if (location.postgres !== undefined) {
    const pg =
      typeof location.postgres === 'string' ? { connectionString: location.postgres } : location.postgres;
    return openPostgresStore(undefined, pg);
  }
  if (typeof location.database !== 'string') throw new TypeError('database or postgres is required');
  return openSqliteStore(undefined, { file: location.database });
}
