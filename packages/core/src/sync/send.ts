import type { ConsentEvent } from '../protocol/types.js';
import type { SyncErrorInfo } from './outbox.js';

/** What one `POST /v1/events` came to. */
export type Delivery =
  /** Receipts, one per event in order; `null` where the ledger refused that event (`error` says why). */
  | { kind: 'receipts'; receipts: (string | null)[]; error?: SyncErrorInfo }
  /** The ledger refused the request; `index` names the event at fault when the error path does. */
  | { kind: 'refused'; error: SyncErrorInfo; index?: number }
  /** Try again later (network, 5xx, 408, 425, 429), after `retryAfterMs` when the ledger said. */
  | { kind: 'retry'; message: string; retryAfterMs?: number };

type Fetch = typeof fetch;

// Statuses that say nothing about the events: the request may succeed later as it is.
const TRANSIENT = new Set([408, 425, 429]);

/**
 * Send events to the ledger and classify the answer. Never rejects. `keepalive` lets the request
 * outlive the page (for a page being hidden); the body then must stay under 64 KiB, which the
 * batch limit ensures.
 *
 * @example
 * ```ts
 * const d = await postEvents(fetch, 'https://ledger.example/v1/events', events, false)
 * if (d.kind === 'receipts') d.receipts.forEach(store)
 * ```
 */
export async function postEvents(
  fetchFn: Fetch,
  url: string,
  events: readonly ConsentEvent[],
  keepalive: boolean,
): Promise<Delivery> {
  let res: Response;
  let body: { receipts?: unknown; error?: Partial<SyncErrorInfo> & { path?: string | null } } | undefined;
  try {
    res = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(events),
      keepalive,
      credentials: 'omit',
    });
    body = await res.json().catch(() => undefined);
  } catch (e) {
    return { kind: 'retry', message: String(e) };
  }
  const s = res.status;
  const e = body?.error;
  const error: SyncErrorInfo = {
    code: typeof e?.code === 'string' ? e.code : `HTTP_${s}`,
    message: typeof e?.message === 'string' ? e.message : `the ledger answered ${s}`,
    status: s,
  };
  if (typeof e?.path === 'string') error.path = e.path;
  const receipts = body?.receipts;
  // 200, and 409/410 for a batch where some events were recorded before: receipts per event.
  if (
    Array.isArray(receipts) &&
    receipts.length === events.length &&
    receipts.every((r) => r === null || typeof r === 'string') &&
    (s === 200 || (s >= 400 && s < 500))
  )
    return s === 200 ? { kind: 'receipts', receipts } : { kind: 'receipts', receipts, error };
  if (s >= 400 && s < 500 && !TRANSIENT.has(s)) {
    const index = /^\$\[(\d+)\]/.exec(error.path ?? '')?.[1];
    return index === undefined ? { kind: 'refused', error } : { kind: 'refused', error, index: +index };
  }
  const after = retryAfterMs(res.headers.get('retry-after'));
  return after > 0
    ? { kind: 'retry', message: error.message, retryAfterMs: after }
    : { kind: 'retry', message: error.message };
}

/**
 * Longest delay `setTimeout` takes (2^31-1 ms, about 24.8 days): a longer one overflows and fires
 * at once, which would turn a long `Retry-After` into a tight retry loop.
 *
 * @example
 * ```ts
 * setTimeout(retry, Math.min(ms, MAX_TIMEOUT_MS))
 * ```
 */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * A `Retry-After` header as a delay in milliseconds (RFC 9110 §10.2.3: delta-seconds, or an
 * HTTP-date measured against the clock), at most {@link MAX_TIMEOUT_MS}; `NaN` when absent or
 * unreadable, and 0 or less for a date in the past.
 *
 * @example
 * ```ts
 * retryAfterMs('120') // 120000
 * retryAfterMs(new Date(Date.now() + 30_000).toUTCString()) // about 30000
 * ```
 */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number {
  const h = header?.trim() ?? '';
  // Digits first: Date.parse would read "3000000" as a year.
  const ms = /^\d+$/.test(h) ? +h * 1000 : /[a-z]/i.test(h) ? Date.parse(h) - now : Number.NaN;
  return Math.min(ms, MAX_TIMEOUT_MS);
}

/**
 * Hand events to the browser for delivery after the page is gone (`navigator.sendBeacon`, as
 * `text/plain` so that no CORS preflight is needed; the ledger accepts it), else a `keepalive`
 * fetch. The answer is never seen: the events stay in the outbox, and the next page sends them
 * again, which the ledger's idempotency makes harmless.
 *
 * @example
 * ```ts
 * addEventListener('pagehide', () => beacon(fetch, url, waiting))
 * ```
 */
export function beacon(fetchFn: Fetch, url: string, events: readonly ConsentEvent[]): void {
  const body = JSON.stringify(events);
  try {
    if (navigator.sendBeacon?.(url, new Blob([body], { type: 'text/plain' }))) return;
  } catch {
    // Some engines throw for a cross-origin beacon; the keepalive fetch below is the fallback.
  }
  fetchFn(url, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body,
    keepalive: true,
    credentials: 'omit',
  }).catch(() => {});
}
