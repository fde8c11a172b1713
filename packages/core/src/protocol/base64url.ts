// RFC 4648 §5 without padding, strict: decoding refuses padding, non-alphabet characters and
// non-canonical trailing bits, so one byte string has exactly one accepted encoding (a signature or
// hash that round-trips differently would otherwise compare unequal to itself).
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
let lookup: Int16Array | undefined;

/**
 * Encode bytes as unpadded base64url.
 *
 * @example
 * ```ts
 * encodeBase64url(new Uint8Array([251, 255])) // '-_8'
 * ```
 */
export function encodeBase64url(bytes: Uint8Array): string {
  // btoa exists in browsers, workers, Node >= 16 and edge runtimes, and is the smallest encoder
  // for the loader; decoding stays hand-written because it must be strict.
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return btoa(s).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/**
 * Decode unpadded base64url. Returns `undefined` for anything that is not the canonical encoding
 * of some byte string.
 *
 * @example
 * ```ts
 * decodeBase64url('-_8') // Uint8Array [251, 255]
 * decodeBase64url('-_8=') // undefined
 * ```
 */
export function decodeBase64url(s: string): Uint8Array | undefined {
  if (!lookup) {
    lookup = new Int16Array(128).fill(-1);
    for (let i = 0; i < 64; i++) lookup[ALPHABET.charCodeAt(i)] = i;
  }
  const len = s.length;
  if (len % 4 === 1) return undefined;
  const out = new Uint8Array((len * 3) >> 2);
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? lookup[c]! : -1;
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  // Leftover bits must be zero, or two strings would decode to the same bytes.
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}
