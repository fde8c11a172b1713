import type { ConsentEvent } from '../protocol/types.js';

/**
 * Which events to drop so that at most `max` wait, oldest first. An event may go only when, for
 * every purpose in its snapshot, a later waiting event of the same subject also carries that
 * purpose: the ledger then still receives the latest decision on each purpose, and loses only
 * intermediate ones (the device's own history keeps those). Events carrying a link token are
 * never dropped. When nothing more may go, more than `max` wait: the latest decision per purpose
 * is never given up for a limit.
 *
 * @example
 * ```ts
 * const drop = compactable(waiting, 100) // ids, oldest first
 * ```
 */
export function compactable(waiting: readonly ConsentEvent[], max: number): string[] {
  const drop: string[] = [];
  for (let i = 0, excess = waiting.length - max; i < waiting.length && excess > 0; i++) {
    const e = waiting[i]!;
    const later = waiting.slice(i + 1).filter((l) => l.subject === e.subject);
    if (!e.link && Object.keys(e.purposes).every((id) => later.some((l) => id in l.purposes))) {
      drop.push(e.id);
      excess--;
    }
  }
  return drop;
}
