// Signed tree heads (typ assent-sth+jwt): { treeSize, rootHash, timestamp } over the durable log.
import { TREE_HEAD_TYP, type TreeHead } from '@assent/core/protocol';
import { b64u } from './lib/hash.js';
import type { Signer } from './signer.js';
import type { StoredTreeHead } from './store/store.js';

/** Sign a tree head for `treeSize` leaves with root `rootHash`. */
export function signTreeHead(
  signer: Signer,
  treeSize: number,
  rootHash: Buffer,
  timestamp = Date.now(),
): StoredTreeHead {
  const head: TreeHead = { treeSize, rootHash: b64u(rootHash), timestamp };
  return { treeSize, rootHash, timestamp, jws: signer.signSync(signer.header(TREE_HEAD_TYP), head) };
}

/** A new head is due when the log grew, or hourly so an idle log still shows it is alive. */
export function treeHeadDue(last: StoredTreeHead | undefined, size: number, now = Date.now()): boolean {
  return !last || last.treeSize !== size || now - last.timestamp >= 3_600_000;
}
