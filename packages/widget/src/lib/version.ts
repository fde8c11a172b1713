/**
 * Widget version, recorded as `widget` in every consent event.
 *
 * @example
 * ```ts
 * window.assent.version === VERSION // true
 * ```
 */
export const VERSION = '0.1.0';
