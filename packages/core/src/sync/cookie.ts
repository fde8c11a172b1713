/**
 * Name of the cookie holding the latest receipt; the verifier's `consentFromRequest` reads it.
 *
 * @example
 * ```ts
 * const receipt = parse(req.headers.cookie)[RECEIPT_COOKIE]
 * ```
 */
export const RECEIPT_COOKIE = 'assent_receipt';

/**
 * Largest receipt written to the cookie, in bytes (the value; receipts are ASCII). Browsers keep
 * cookies of at least 4,096 bytes of name and value (RFC 6265 §6.1); this leaves room for the
 * name. Measured with the longest status (`withdrawn`): 3 purposes take about 1.0 KB, 10 with
 * 12-character ids 1.9 KB, 24 with 20-character ids 3.8 KB; about 25 such purposes reach the bound.
 *
 * @example
 * ```ts
 * if (receipt.length > MAX_RECEIPT_COOKIE_BYTES) headers['Assent-Receipt'] = receipt
 * ```
 */
export const MAX_RECEIPT_COOKIE_BYTES = 4000;

/** Options of {@link writeReceiptCookie}. */
export interface ReceiptCookieOptions {
  /** Cookie name. Default `assent_receipt`. */
  name?: string;
  /** `Domain` attribute, to send the receipt to sibling subdomains. Default: host only. */
  domain?: string;
}

// Chrome caps cookie lifetimes at 400 days; the consent cookie uses 395.
const MAX_AGE = 34_128_000;

function put(value: string, maxAge: number, o: ReceiptCookieOptions) {
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is not in every browser we support
  document.cookie = `${o.name ?? RECEIPT_COOKIE}=${value};Path=/;Max-Age=${maxAge};SameSite=Lax${
    o.domain ? `;Domain=${o.domain}` : ''
  }${location.protocol === 'https:' ? ';Secure' : ''}`;
}

/**
 * Write a receipt to the first-party cookie (`SameSite=Lax`, `Path=/`, `Secure` on https) until
 * the receipt expires (at most 395 days). A receipt longer than {@link MAX_RECEIPT_COOKIE_BYTES},
 * or already expired, is not written, and the cookie is deleted instead, since an older receipt would no longer
 * describe the shopper's choices; returns whether it was written. Without `document`, does nothing.
 *
 * @example
 * ```ts
 * writeReceiptCookie(receipt, claims.exp)
 * ```
 */
export function writeReceiptCookie(jws: string, exp: number, options: ReceiptCookieOptions = {}): boolean {
  if (typeof document === 'undefined') return false;
  // An expired receipt is not written either: Max-Age=0 deletes the cookie.
  const maxAge = Math.max(0, Math.min(MAX_AGE, Math.floor(exp - Date.now() / 1000)));
  const fits = jws.length <= MAX_RECEIPT_COOKIE_BYTES && maxAge > 0;
  try {
    put(fits ? jws : '', fits ? maxAge : 0, options);
  } catch {
    // Sandboxed documents throw on cookie writes; the receipt stays in IndexedDB.
    return false;
  }
  return fits;
}

/**
 * Delete the receipt cookie.
 *
 * @example
 * ```ts
 * clearReceiptCookie()
 * ```
 */
export function clearReceiptCookie(options: ReceiptCookieOptions = {}): void {
  try {
    if (typeof document !== 'undefined') put('', 0, options);
  } catch {
    // As above.
  }
}

/**
 * The receipt cookie's value in this document, if any.
 *
 * @example
 * ```ts
 * fetch('/api/recommendations', { headers: { 'Assent-Receipt': readReceiptCookie() ?? '' } })
 * ```
 */
export function readReceiptCookie(options: ReceiptCookieOptions = {}): string | undefined {
  if (typeof document === 'undefined') return undefined;
  const v = new RegExp(`(?:^|;) *${options.name ?? RECEIPT_COOKIE}=([^;]+)`).exec(document.cookie)?.[1];
  return v?.trim() || undefined;
}
