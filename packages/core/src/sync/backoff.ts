/**
 * Delay before retry number `attempt` (0 for the first retry): exponential from `baseMs`, capped at
 * `maxMs`, with "equal jitter" (a random point in the upper half of the step), so that many
 * devices cut off by one outage do not all come back in the same second, yet none retries sooner
 * than half the step.
 *
 * @example
 * ```ts
 * backoffMs(0, 1000, 300_000) // between 500 and 1000
 * backoffMs(20, 1000, 300_000) // between 150000 and 300000
 * ```
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 40));
  return Math.round(step / 2 + (random() * step) / 2);
}
