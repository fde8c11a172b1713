const encoder = /* @__PURE__ */ new TextEncoder();
const decoder = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true });

/**
 * The UTF-8 bytes of a string (lone surrogates become U+FFFD, as `TextEncoder` does).
 *
 * @example
 * ```ts
 * sha256(utf8(canonicalize(event))) // what a ledger leaf hash covers, minus the 0x00 prefix
 * utf8('同意') // Uint8Array [0xe5, 0x90, 0x8c, 0xe6, 0x84, 0x8f]
 * ```
 */
export const utf8 = (s: string): Uint8Array => encoder.encode(s);
/**
 * Decode UTF-8 bytes strictly. Throws `TypeError` on invalid UTF-8: callers wrap it in their own
 * error.
 *
 * @example
 * ```ts
 * const bytes = decodeBase64url(jws.split('.')[1] ?? '')
 * if (!bytes) throw new Error('not base64url')
 * const claims = JSON.parse(fromUtf8(bytes)) // TypeError if the bytes are not UTF-8
 * ```
 */
export const fromUtf8 = (b: Uint8Array): string => decoder.decode(b);
