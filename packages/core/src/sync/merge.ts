import type { Decision } from '../storage.js';
import { CONSENT_STATUSES, type ConsentStatus } from '../protocol/types.js';
import { HASH_B64URL, RFC3339_UTC } from '../protocol/validate.js';

/** One purpose in the ledger's `GET /v1/subjects/:subject/consent` answer. */
export interface RemoteDecision {
  status: ConsentStatus;
  /** Definition hash the decision was made for. */
  hash: string;
  /** Decision time, RFC 3339. */
  at: string;
}

/** What {@link mergeDecisions} decides. */
export interface MergeResult {
  /** Remote decisions newer than this device's and different from them: to adopt (`consent.apply`). */
  apply: Record<string, { status: ConsentStatus; hash: string; at: number }>;
  /** Purposes where this device decided later than the ledger knows, differently: to send up. */
  newerLocal: string[];
}

const same = (l: Pick<Decision, 'status' | 'hash'>, r: RemoteDecision) =>
  l.status === r.status && l.hash.length > 7 && r.hash.startsWith(l.hash);

/**
 * Merge the customer's decisions from the ledger (across their linked devices) with this
 * device's, purpose by purpose: the newest decision wins. Times are compared in whole seconds, as
 * the device keeps them; on a tie the device's decision stands. Remote entries that are malformed
 * or for purposes not in `purposes` are ignored.
 *
 * @example
 * ```ts
 * const { apply, newerLocal } = mergeDecisions(consent.decisions(), body.purposes, ['analytics', 'marketing'])
 * if (Object.keys(apply).length) consent.apply(apply)
 * ```
 */
export function mergeDecisions(
  local: Readonly<Record<string, Decision>>,
  remote: unknown,
  purposes: readonly string[],
): MergeResult {
  const apply: MergeResult['apply'] = {};
  const newerLocal: string[] = [];
  const r = (typeof remote === 'object' && remote) || {};
  for (const id of purposes) {
    const x = (r as Record<string, RemoteDecision | undefined>)[id];
    const l = local[id];
    const ok =
      x &&
      CONSENT_STATUSES.includes(x.status) &&
      typeof x.hash === 'string' &&
      HASH_B64URL.test(x.hash) &&
      typeof x.at === 'string' &&
      RFC3339_UTC.test(x.at);
    if (!ok) {
      if (l) newerLocal.push(id);
      continue;
    }
    const at = Date.parse(x.at);
    if (l && same(l, x)) continue;
    if (!l || at - (at % 1000) > l.at) apply[id] = { status: x.status, hash: x.hash, at };
    else newerLocal.push(id);
  }
  return { apply, newerLocal };
}
