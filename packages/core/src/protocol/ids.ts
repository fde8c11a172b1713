import { encodeBase64url } from './base64url.js';

/**
 * A new random device subject id: 128 bits from the platform CSPRNG, base64url (22 characters).
 * It identifies a browser, not a person; the ledger links it to a customer only through a
 * storefront-signed link token.
 *
 * @example
 * ```ts
 * createSubjectId() // 'q3Vb2p0hXk8m0aJ1dQ7v4w'
 * ```
 */
export function createSubjectId(): string {
  return encodeBase64url(crypto.getRandomValues(new Uint8Array(16)));
}

/**
 * A random UUIDv4 (RFC 9562 §5.4), lower case. `crypto.randomUUID` is missing on plain-http
 * origins, so this builds one from `getRandomValues`.
 *
 * @example
 * ```ts
 * createEventId() // '0b6f9a64-2c1e-4d3b-9f7a-5e8c1d2b3a49'
 * ```
 */
export function createEventId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  let h = '';
  for (let i = 0; i < 16; i++)
    h += (i > 3 && i < 11 && !(i & 1) ? '-' : '') + (b[i]! + 256).toString(16).slice(1);
  return h;
}
