// ISO 8601 durations for retention (`purge --older-than P2Y`). Years and months are calendar
// units, so they are applied to a date rather than turned into a fixed number of seconds.

const DURATION =
  /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?!$)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/**
 * The instant `duration` before `from`. Throws TypeError for anything but an ISO 8601 duration
 * with integer components (`P1Y6M`, `P30D`, `PT12H`, `P2W`), and for one that reaches back
 * beyond the earliest instant a `Date` can hold (about 271,821 BCE: `P999999Y`).
 *
 * @example
 * ```ts
 * subtractDuration('P1Y', new Date('2026-03-01T00:00:00.000Z')).toISOString() // '2025-03-01T00:00:00.000Z'
 * ```
 */
export function subtractDuration(duration: string, from: Date = new Date()): Date {
  const m = typeof duration === 'string' ? DURATION.exec(duration) : null;
  if (!m) throw new TypeError(`expected an ISO 8601 duration such as P1Y or P90D, not ${String(duration)}`);
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const t = new Date(from.getTime());
  t.setUTCFullYear(t.getUTCFullYear() - y, t.getUTCMonth() - mo, t.getUTCDate() - w * 7 - d);
  t.setTime(t.getTime() - ((h * 60 + mi) * 60 + s) * 1000);
  // Out of range, Date gives NaN rather than throwing: callers would fail later, in toISOString.
  if (Number.isNaN(t.getTime()))
    throw new TypeError(`the duration ${duration} reaches back further than a date can be represented`);
  return t;
}
