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

/** A retailer config that does not match the schema. `path` names the field. */
export class ConfigInvalid extends AssentError {
  static override code = 'ERR_CONFIG_INVALID';
  override readonly code = 'ERR_CONFIG_INVALID';
}

/** A consent event that does not match the wire format. `path` names the field. */
export class EventInvalid extends AssentError {
  static override code = 'ERR_EVENT_INVALID';
  override readonly code = 'ERR_EVENT_INVALID';
}

/** A value that RFC 8785 cannot canonicalize (non-finite number, lone surrogate, cycle...). */
export class CanonicalizationFailed extends AssentError {
  static override code = 'ERR_JCS';
  override readonly code = 'ERR_JCS';
}
