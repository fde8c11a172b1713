/**
 * Base class of every data error Assent raises. Wrong arguments throw `TypeError`; bad data (a
 * config, an event, a receipt) throws a subclass of this with a stable `code` that callers may
 * switch on, and, where it applies, the JSON path of the offending field.
 *
 * @example
 * ```ts
 * try { validateEvent(body) } catch (e) {
 *   if (e instanceof AssentError) console.log(e.code, e.path)
 * }
 * ```
 */
export class AssentError extends Error {
  /** Stable machine-readable code, e.g. `ERR_EVENT_INVALID`. */
  static code = 'ERR_ASSENT';
  readonly code: string = 'ERR_ASSENT';
  /** JSON path (`$.purposes.ads.status`) of the field at fault, when there is one. */
  readonly path: string | undefined;

  constructor(message: string, options?: { path?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = this.constructor.name;
    this.path = options?.path;
  }
}

/**
 * A retailer config that does not match the schema. `path` names the field.
 *
 * @example
 * ```ts
 * try { validateConfig(JSON.parse(text)) } catch (e) {
 *   if (!(e instanceof ConfigInvalid)) throw e
 *   console.error(e.code, e.path) // 'ERR_CONFIG_INVALID' '$.purposes[2].retention'
 * }
 * ```
 */
export class ConfigInvalid extends AssentError {
  static override code = 'ERR_CONFIG_INVALID';
  override readonly code = 'ERR_CONFIG_INVALID';
}

/**
 * A consent event that does not match the wire format. `path` names the field.
 *
 * @example
 * ```ts
 * try { validateEvents(JSON.parse(body)) } catch (e) {
 *   if (!(e instanceof EventInvalid)) throw e
 *   res.status(400).json({ code: e.code, path: e.path }) // { code: 'ERR_EVENT_INVALID', path: '$[0].at' }
 * }
 * ```
 */
export class EventInvalid extends AssentError {
  static override code = 'ERR_EVENT_INVALID';
  override readonly code = 'ERR_EVENT_INVALID';
}

/**
 * A value that RFC 8785 cannot canonicalize (non-finite number, lone surrogate, cycle...).
 *
 * @example
 * ```ts
 * try { canonicalize({ price: Number.NaN }) } catch (e) {
 *   if (e instanceof CanonicalizationFailed) console.log(e.code, e.path) // 'ERR_JCS' '$.price'
 * }
 * ```
 */
export class CanonicalizationFailed extends AssentError {
  static override code = 'ERR_JCS';
  override readonly code = 'ERR_JCS';
}

/**
 * A consent receipt that fails a device-side check: not a compact `assent-receipt+jwt` signed with
 * EdDSA, for another event or subject, not confirming every purpose as sent, or signed by a key
 * the ledger does not publish or with a signature that does not verify. Sync reports it as a
 * `sync-error` with this code.
 *
 * @example
 * ```ts
 * const check = createReceiptCheck(`${ledgerUrl}/.well-known/jwks.json`, fetch)
 * try { await check(receipt, event) } catch (e) {
 *   if (e instanceof ReceiptInvalid) console.warn(e.code, e.message) // 'ERR_RECEIPT_INVALID' ...
 * }
 * ```
 */
export class ReceiptInvalid extends AssentError {
  static override code = 'ERR_RECEIPT_INVALID';
  override readonly code = 'ERR_RECEIPT_INVALID';
}
