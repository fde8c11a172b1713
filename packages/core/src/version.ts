/**
 * Version of @assent/core, recorded as `widget` in consent events unless the widget names its own.
 *
 * @example
 * ```ts
 * console.info(`Assent ${VERSION}`) // 'Assent 0.1.0'
 * ```
 */
export const VERSION = '0.1.0';
