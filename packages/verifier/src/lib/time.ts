import { TokenExpired, TokenNotYetValid } from '../errors.js';

/** Default allowance for clock differences between the ledger and this server. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

// The bound on that allowance: beyond a few minutes, a skew is a broken clock to fix, and a large
// allowance would quietly keep accepting receipts that have expired.
const MAX_CLOCK_TOLERANCE_SECONDS = 300;

export interface TimeOptions {
  /** Current time as a `Date` or epoch milliseconds; defaults to `Date.now()`. */
  now?: Date | number;
  /** Allowed clock skew, seconds; default 30, at most 300. */
  clockToleranceSeconds?: number;
}

/** Current time in epoch seconds, validating `now`. */
export function nowSeconds(options: TimeOptions): number {
  const now = options.now;
  if (now === undefined) return Date.now() / 1000;
  const ms = now instanceof Date ? now.getTime() : now;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new TypeError('now must be a valid Date or epoch milliseconds');
  }
  return ms / 1000;
}

export function tolerance(options: TimeOptions): number {
  const t = options.clockToleranceSeconds;
  if (t === undefined) return DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > MAX_CLOCK_TOLERANCE_SECONDS) {
    throw new TypeError(`clockToleranceSeconds must be a number from 0 to ${MAX_CLOCK_TOLERANCE_SECONDS}`);
  }
  return t;
}

/** RFC 7519 §4.1.4: the token must not be accepted on or after `exp`. */
export function checkTimes(iat: number, exp: number, now: number, skew: number): void {
  if (now - skew >= exp)
    throw new TokenExpired(`expired at ${new Date(exp * 1000).toISOString()}`, { path: '$.exp' });
  if (iat > now + skew) {
    throw new TokenNotYetValid(`issued in the future (${new Date(iat * 1000).toISOString()})`, {
      path: '$.iat',
    });
  }
}
