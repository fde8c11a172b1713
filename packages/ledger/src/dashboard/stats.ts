// `GET /v1/stats`: the dashboard's numbers. Storage answers sparse rows (only days with data); this
// turns them into dense per-day series over the requested UTC days, ready for a chart and a table.
import { CONSENT_METHODS, type ConsentMethod } from '@assent/core/protocol';
import { b64u } from '../lib/hash.js';
import type { Store } from '../store/store.js';

/** Longest range `GET /v1/stats` answers, in days (three years: retention periods are often two). */
export const MAX_STATS_DAYS = 1096;

const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The body of `GET /v1/stats`. Every per-day array is aligned with `days`. */
export interface DashboardStats {
  /** First and last UTC day of the range, inclusive (`YYYY-MM-DD`). */
  from: string;
  to: string;
  days: string[];
  /** Consent events the ledger received per day, erased ones included. */
  events: number[];
  /** Of `events`, how many have had their body erased since (erasure or retention). */
  erased: number[];
  /** Per purpose and day: snapshots `given`, and snapshots `given`, `refused` or `withdrawn`. */
  purposes: Record<string, { given: number[]; decided: number[] }>;
  /** Unerased events per decision method over the range; every method is present. */
  methods: Record<ConsentMethod, number>;
  log: {
    /** Entries in the log (events and tombstones). */
    size: number;
    /** The latest signed tree head, if one was signed yet. */
    treeHead: { treeSize: number; rootHash: string; timestamp: number; sth: string } | null;
  };
}

/** A range of whole UTC days, inclusive. */
export interface DayRange {
  from: string;
  to: string;
}

/**
 * Read `from` and `to` (`YYYY-MM-DD`, UTC, inclusive); default the last 30 days. Throws a
 * `RangeError` naming the parameter when one is malformed, reversed or the span is too long.
 *
 * @example
 * ```ts
 * parseDayRange(new URLSearchParams('from=2026-03-01&to=2026-03-31')) // { from: '2026-03-01', to: '2026-03-31' }
 * ```
 */
export function parseDayRange(query: URLSearchParams, now = new Date()): DayRange {
  const to = query.get('to') ?? dayOf(now.getTime());
  checkDay(to, 'to');
  const from = query.get('from') ?? dayOf(Date.parse(to) - 29 * DAY_MS);
  checkDay(from, 'from');
  if (from > to) throw new RangeError('from: must not be after to');
  if ((Date.parse(to) - Date.parse(from)) / DAY_MS + 1 > MAX_STATS_DAYS)
    throw new RangeError(`from: the range may span at most ${MAX_STATS_DAYS} days`);
  return { from, to };
}

function checkDay(day: string, name: string): void {
  // A round trip rejects 2026-02-30, which Date.parse would roll over into March; 2026-13-01 does
  // not parse at all, and dayOf(NaN) would throw its own "Invalid time value" instead.
  const t = Date.parse(day);
  if (!DAY.test(day) || Number.isNaN(t) || dayOf(t) !== day)
    throw new RangeError(`${name}: must be a date as YYYY-MM-DD`);
}

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * Aggregate the log for the dashboard over a range of UTC days.
 *
 * @example
 * ```ts
 * const stats = await dashboardStats(store, { from: '2026-03-01', to: '2026-03-31' })
 * stats.purposes.analytics?.given // one number per day
 * ```
 */
export async function dashboardStats(store: Store, range: DayRange): Promise<DashboardStats> {
  const start = Date.parse(range.from);
  const end = Date.parse(range.to) + DAY_MS;
  const days: string[] = [];
  for (let t = start; t < end; t += DAY_MS) days.push(dayOf(t));
  const index = new Map(days.map((d, i) => [d, i]));
  const zeros = () => new Array<number>(days.length).fill(0);

  const [rows, size, head] = await Promise.all([
    store.stats(new Date(start).toISOString(), new Date(end).toISOString()),
    store.treeSize(),
    store.latestTreeHead(),
  ]);
  const events = zeros();
  const erased = zeros();
  for (const r of rows.days) {
    const i = index.get(r.day);
    if (i === undefined) continue;
    events[i] = Number(r.events);
    erased[i] = Number(r.erased);
  }
  const purposes: DashboardStats['purposes'] = {};
  for (const r of rows.purposes) {
    const i = index.get(r.day);
    if (i === undefined) continue;
    purposes[r.purpose] ??= { given: zeros(), decided: zeros() };
    purposes[r.purpose]!.given[i] = Number(r.given);
    purposes[r.purpose]!.decided[i] = Number(r.decided);
  }
  const methods = Object.fromEntries(CONSENT_METHODS.map((m) => [m, 0])) as Record<ConsentMethod, number>;
  for (const r of rows.methods) if (r.method in methods) methods[r.method as ConsentMethod] = Number(r.count);
  return {
    from: range.from,
    to: range.to,
    days,
    events,
    erased,
    purposes: Object.fromEntries(Object.entries(purposes).sort(([a], [b]) => (a < b ? -1 : 1))),
    methods,
    log: {
      size,
      treeHead: head
        ? { treeSize: head.treeSize, rootHash: b64u(head.rootHash), timestamp: head.timestamp, sth: head.jws }
        : null,
    },
  };
}
