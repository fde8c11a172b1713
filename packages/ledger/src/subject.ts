// A subject's current consent: per purpose, the newest decision among the subject's entries and
// those of every device linked to the same customer. "Newest" is the decision time `at` (the
// ledger refuses times in the future beyond its clock tolerance), ties broken by log order.
import type { ConsentStatus, LedgerEntry } from '@assent/core/protocol';
import type { EntryRow } from './sequence.js';

/** One purpose in `GET /v1/subjects/:subject/consent`. */
export interface PurposeState {
  status: ConsentStatus;
  /** Definition hash the decision was made for. */
  hash: string;
  /** Decision time. */
  at: string;
  /** Leaf index of the entry that holds the decision. */
  seq: number;
  /**
   * Whether the deciding event was sent under a Global Privacy Control signal: a backend checking
   * a GPC request against this newer decision needs it (the verifier's `checkOnline`).
   */
  gpc: boolean;
}

/** Current decision per purpose, newest wins. */
export function currentConsent(rows: readonly EntryRow[]): Record<string, PurposeState> {
  const out: Record<string, PurposeState> = {};
  for (const row of rows) {
    if (!row.body) continue;
    const e = JSON.parse(row.body) as LedgerEntry;
    for (const [id, p] of Object.entries(e.purposes)) {
      const cur = out[id];
      if (!cur || e.at > cur.at || (e.at === cur.at && row.seq > cur.seq))
        out[id] = { status: p.status, hash: p.hash, at: e.at, seq: row.seq, gpc: e.gpc === true };
    }
  }
  return out;
}

/** History: every unerased entry with its receipt, oldest first. */
export function historyOf(rows: readonly EntryRow[]): Array<LedgerEntry & { receipt: string | null }> {
  return rows
    .filter((r) => r.body)
    .map((r) => ({ ...(JSON.parse(r.body!) as LedgerEntry), receipt: r.receipt }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.seq - b.seq));
}
