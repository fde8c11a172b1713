// Data errors of the ledger. Codes are stable API; the HTTP layer maps each to a status and sends
// `{ error: { code, message, path } }`. Wrong arguments to the programmatic API throw TypeError.
import { AssentError } from '@assent/core/protocol';

/**
 * An event id the ledger already holds arrived with a different body. The first body stays; the
 * log never holds two entries with one id. HTTP 409.
 *
 * @example
 * ```ts
 * try { await ledger.append(events) } catch (e) { if (e instanceof EventConflict) console.log(e.path) }
 * ```
 */
export class EventConflict extends AssentError {
  static override code = 'ERR_EVENT_CONFLICT';
  override readonly code = 'ERR_EVENT_CONFLICT';
}

/**
 * The event was recorded once and later erased, so its receipt can no longer be given. HTTP 410.
 *
 * @example
 * ```ts
 * if (e instanceof EventErased) outbox.drop(e.path)
 * ```
 */
export class EventErased extends AssentError {
  static override code = 'ERR_EVENT_ERASED';
  override readonly code = 'ERR_EVENT_ERASED';
}

/**
 * An event's `at` lies further in the future than the ledger's clock tolerance. A device with a
 * fast clock would otherwise outrank every later decision ("newest wins"). HTTP 400.
 *
 * @example
 * ```ts
 * if (e.code === 'ERR_EVENT_CLOCK_SKEW') console.warn('device clock is ahead')
 * ```
 */
export class EventClockSkew extends AssentError {
  static override code = 'ERR_EVENT_CLOCK_SKEW';
  override readonly code = 'ERR_EVENT_CLOCK_SKEW';
}

/**
 * An event's `link` token (or an `Authorization: Link` token) did not verify against the
 * storefront's keys, or names another subject. HTTP 400 on ingest, 401 on reads.
 *
 * @example
 * ```ts
 * if (e instanceof LinkInvalid) console.warn(e.message, e.cause)
 * ```
 */
export class LinkInvalid extends AssentError {
  static override code = 'ERR_LINK_INVALID';
  override readonly code = 'ERR_LINK_INVALID';
}

/**
 * The storage backend failed or did not integrate an event in time (PostgreSQL without a running
 * sequencer, a full disk). Nothing was acknowledged; retrying is safe. HTTP 503.
 *
 * @example
 * ```ts
 * if (e instanceof StorageUnavailable) retryLater()
 * ```
 */
export class StorageUnavailable extends AssentError {
  static override code = 'ERR_STORAGE_UNAVAILABLE';
  override readonly code = 'ERR_STORAGE_UNAVAILABLE';
}

/**
 * A key file or `ASSENT_LEDGER_KEY` value that cannot be used: not JSON, not Ed25519, no secret.
 *
 * @example
 * ```ts
 * try { await loadKeyStore({ file }) } catch (e) { if (e instanceof KeyStoreInvalid) process.exit(2) }
 * ```
 */
export class KeyStoreInvalid extends AssentError {
  static override code = 'ERR_KEYSTORE_INVALID';
  override readonly code = 'ERR_KEYSTORE_INVALID';
}

/**
 * The database already holds more of the log than this process knows of: another writer appended
 * to it. The process reloads its view before writing again, so the log never forks.
 *
 * @example
 * ```ts
 * if (e instanceof LogConflict) console.warn('another ledger process writes to this database')
 * ```
 */
export class LogConflict extends AssentError {
  static override code = 'ERR_LOG_CONFLICT';
  override readonly code = 'ERR_LOG_CONFLICT';
}

/**
 * On PostgreSQL the issuer and the receipt lifetime are ledger-wide: the first process stores
 * them in the database, and a process configured with other values refuses to start (the CLI
 * exits with status 78, `EX_CONFIG`). `path` names the option: `issuer` or `receiptTtlSeconds`.
 *
 * @example
 * ```ts
 * try { await createLedger({ postgres, issuer }) } catch (e) { if (e instanceof LedgerSettingsMismatch) console.error(e.message) }
 * ```
 */
export class LedgerSettingsMismatch extends AssentError {
  static override code = 'ERR_LEDGER_SETTINGS_MISMATCH';
  override readonly code = 'ERR_LEDGER_SETTINGS_MISMATCH';
}
