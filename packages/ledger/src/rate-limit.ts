// Token-bucket rate limits, in memory only: keys (client addresses, subject ids) are never written
// anywhere, and buckets that refilled completely are swept, so the map forgets idle clients.

/** `limit` requests per `windowSeconds`, refilled continuously; bursts up to `limit`. */
export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

export class RateLimiter {
  /** The rule this limiter enforces (a sibling limiter for another kind of request copies it). */
  readonly rule: Readonly<RateLimit>;
  readonly #limit: number;
  readonly #perMs: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  #lastSweep = 0;

  constructor(rule: RateLimit) {
    if (!Number.isFinite(rule?.limit) || rule.limit <= 0)
      throw new TypeError('rateLimit limit must be positive');
    if (!Number.isFinite(rule.windowSeconds) || rule.windowSeconds <= 0)
      throw new TypeError('rateLimit windowSeconds must be positive');
    this.rule = { limit: rule.limit, windowSeconds: rule.windowSeconds };
    this.#limit = rule.limit;
    this.#perMs = rule.limit / (rule.windowSeconds * 1000);
  }

  /**
   * Take `cost` tokens; returns 0 when allowed, else the seconds to wait (for Retry-After), after
   * which the same request is allowed unless others took from the bucket meanwhile.
   *
   * A cost above the limit could never fit in a bucket that holds at most `limit`, and refusing it
   * for good would lose consent decisions (a client drops a request refused with a 4xx). So it is
   * taken from a full bucket, which goes into debt: later requests wait until it has refilled, and
   * over time the key still gets no more than `limit` per window.
   */
  take(key: string, cost = 1, now = Date.now()): number {
    if (now - this.#lastSweep > 60_000) this.#sweep(now);
    const tokens = this.#tokens(key, now);
    const wait = this.#waitFor(tokens, cost);
    if (!wait) this.#buckets.set(key, { tokens: tokens - cost, at: now });
    return wait;
  }

  /**
   * What {@link take} would answer, taking nothing: a request for several keys checks them all
   * first, so that a refusal spends no key's budget and its Retry-After still comes true.
   */
  wait(key: string, cost = 1, now = Date.now()): number {
    return this.#waitFor(this.#tokens(key, now), cost);
  }

  #waitFor(tokens: number, cost: number): number {
    const needed = Math.min(cost, this.#limit);
    // The epsilon absorbs rounding in the refill, so a client waiting exactly Retry-After passes.
    if (tokens >= needed - 1e-9) return 0;
    return Math.max(1, Math.ceil((needed - tokens) / this.#perMs / 1000));
  }

  #tokens(key: string, now: number): number {
    const b = this.#buckets.get(key);
    return b ? Math.min(this.#limit, b.tokens + (now - b.at) * this.#perMs) : this.#limit;
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [k, b] of this.#buckets)
      if (b.tokens + (now - b.at) * this.#perMs >= this.#limit) this.#buckets.delete(k);
  }
}

/**
 * The rate-limit key of a client address: IPv4 as is, IPv6 by its /64 (one household or device
 * gets a whole /64, so limiting single addresses would limit nothing).
 */
export function addressKey(address: string | undefined): string {
  if (!address) return 'unknown';
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (!address.includes(':')) return address;
  const [head = ''] = address.split('%');
  const parts = head.split('::');
  const left = parts[0] ? parts[0].split(':') : [];
  const right = parts[1] ? parts[1].split(':') : [];
  const full =
    parts.length > 1 ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${full
    .slice(0, 4)
    .map((p) => p.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
