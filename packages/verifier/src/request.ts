// Reading consent inputs from a request, for both request shapes servers use: the Fetch API
// `Request` (Hono, Next.js route handlers, edge runtimes) and Node's `IncomingMessage` (Express,
// Connect, node:http), whose headers are a plain object with lower-case names.

/**
 * Name of the cookie the widget stores the latest receipt in.
 *
 * @example
 * ```ts
 * res.cookie(RECEIPT_COOKIE, receipt, { secure: true, sameSite: 'lax' })
 * ```
 */
export const RECEIPT_COOKIE = 'assent_receipt';
/**
 * Header a client may send the receipt in instead (takes precedence over the cookie); lower case,
 * as Node and the Fetch API normalise header names.
 *
 * @example
 * ```ts
 * fetch('/api/recommendations', { headers: { [RECEIPT_HEADER]: receipt } })
 * ```
 */
export const RECEIPT_HEADER = 'assent-receipt';

/** A Fetch API request, or a Node request whose `headers` is an object. */
export type RequestLike =
  | { headers: { get(name: string): string | null } }
  | { headers: Record<string, string | string[] | undefined> };

/** What a request says about consent before anything is verified. */
export interface RequestConsentInput {
  /** The compact JWS receipt, if the request carried one. */
  receipt: string | undefined;
  /** Whether the request carries the Global Privacy Control signal (`Sec-GPC: 1`). */
  gpc: boolean;
}

// A cookie header past this is not something we parse (receipts are a few KiB).
const MAX_COOKIE_HEADER = 64 * 1024;

function header(request: RequestLike, name: string): string | undefined {
  if (
    typeof request !== 'object' ||
    request === null ||
    typeof request.headers !== 'object' ||
    request.headers === null
  ) {
    throw new TypeError('request must have headers (a Fetch Request or a Node IncomingMessage)');
  }
  const h = request.headers;
  if (typeof h.get === 'function') return (h as { get(name: string): string | null }).get(name) ?? undefined;
  const v = (h as Record<string, string | string[] | undefined>)[name];
  // Node keeps repeated headers of unknown names as one comma-joined string, arrays only for a few.
  return Array.isArray(v) ? v.join(', ') : v;
}

function cookie(value: string | undefined, name: string): string | undefined {
  if (value === undefined || value.length > MAX_COOKIE_HEADER) return undefined;
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let v = part.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    return v === '' ? undefined : v;
  }
  return undefined;
}

/**
 * Whether the request carries the Global Privacy Control signal: the `Sec-GPC` header with the
 * value `1` exactly (any other value is no signal, as the GPC specification says).
 *
 * @example
 * ```ts
 * if (gpcFromRequest(request)) doNotSellOrShare()
 * ```
 */
export function gpcFromRequest(request: RequestLike): boolean {
  // The GPC spec defines exactly one valid value; anything else (`true`, `1, 1`) is no signal.
  return header(request, 'sec-gpc')?.trim() === '1';
}

/**
 * Read the receipt (header `Assent-Receipt`, else cookie `assent_receipt`) and the GPC signal from
 * a Fetch API `Request` or a Node `IncomingMessage`. Nothing is verified here: pass `receipt` to a
 * consent checker.
 *
 * @example
 * ```ts
 * const { receipt, gpc } = consentFromRequest(req)
 * const decision = await checker.check(receipt, 'ads')
 * ```
 */
export function consentFromRequest(request: RequestLike): RequestConsentInput {
  const fromHeader = header(request, RECEIPT_HEADER)?.trim();
  const receipt = fromHeader ? fromHeader : cookie(header(request, 'cookie'), RECEIPT_COOKIE);
  return { receipt, gpc: gpcFromRequest(request) };
}
