// `assent-ledger verify`: recompute every leaf from its stored body, rebuild the tree from the
// leaves, compare every stored interior node and every stored signed tree head, check each tree
// head's signature, and check that every erased body is accounted for by a tombstone. Reports the
// first tampered seq.
import { canonicalize } from '@assent/core/protocol';
import { createLocalJwks, verifyTreeHead } from '@assent/verifier';
import { b64u, leafOf } from './lib/hash.js';
import { CompactRange, type CompletedNode } from './merkle.js';
import type { Tombstone } from './sequence.js';
import type { Store } from './store/store.js';

/** One finding. `seq` names the entry at fault where there is one. */
export interface VerifyProblem {
  code:
    | 'ERR_SEQ_GAP'
    | 'ERR_LEAF_MISMATCH'
    | 'ERR_BODY_NOT_CANONICAL'
    | 'ERR_RECEIPT_MISMATCH'
    | 'ERR_NODE_MISMATCH'
    | 'ERR_ROOT_MISMATCH'
    | 'ERR_TREE_HEAD_SIGNATURE'
    | 'ERR_ERASURE_UNACCOUNTED'
    | 'ERR_SIZE_MISMATCH';
  message: string;
  seq?: number;
}

export interface VerifyReport {
  ok: boolean;
  treeSize: number;
  /** Entries whose leaf was recomputed from the body. */
  checked: number;
  /** Entries whose body was erased (leaf kept, not recomputable). */
  erased: number;
  /** Stored tree heads compared (and, with keys, signature-checked). */
  treeHeads: number;
  signaturesChecked: boolean;
  /** The lowest seq any problem names. */
  firstBadSeq: number | undefined;
  problems: VerifyProblem[];
}

export interface VerifyOptions {
  /** The ledger's public keys (JWKS); without them tree-head signatures are not checked. */
  keys?: { keys: object[] } | undefined;
  /** Rows read per page; default 5000. */
  pageSize?: number;
}

/**
 * Check a ledger database end to end. Read-only; safe while the ledger runs (it checks the log as
 * of the moment it read the size).
 *
 * @example
 * ```ts
 * const report = await verifyStore(store, { keys: jwks })
 * if (!report.ok) console.error('first tampered seq', report.firstBadSeq)
 * ```
 */
export async function verifyStore(store: Store, options: VerifyOptions = {}): Promise<VerifyReport> {
  const pageSize = options.pageSize ?? 5000;
  const problems: VerifyProblem[] = [];
  // Heads first, then the size: every entry a head read here covers was committed before the head
  // was signed, so a ledger running meanwhile cannot make a head look larger than the log.
  const allHeads = await store.treeHeads();
  const size = await store.treeSize();
  const heads = allHeads.filter((h) => h.treeSize <= size);
  const later = allHeads.filter((h) => h.treeSize > size);
  // A signed head over more entries than the log holds: the entries from `size` on were removed
  // (or the log truncated), so the first missing one is the first bad seq.
  for (const h of later)
    problems.push({
      code: 'ERR_SIZE_MISMATCH',
      message: `a tree head claims ${h.treeSize} entries; the log has ${size} (entries ${size}..${h.treeSize - 1} are missing)`,
      seq: size,
    });
  const jwks = options.keys ? createLocalJwks(options.keys as never) : undefined;
  for (const h of heads) {
    if (!jwks) break;
    try {
      const t = await verifyTreeHead(h.jws, { jwks });
      if (t.treeSize !== h.treeSize || t.rootHash !== b64u(h.rootHash) || t.timestamp !== h.timestamp)
        throw new Error('signed payload differs from the stored columns');
    } catch (e) {
      problems.push({
        code: 'ERR_TREE_HEAD_SIGNATURE',
        message: `tree head of size ${h.treeSize} at ${h.timestamp}: ${(e as Error).message}`,
      });
    }
  }

  const range = new CompactRange();
  let headIndex = 0;
  let checked = 0;
  const erasedRows: Array<{ seq: number; by: number | null }> = [];
  const tombstones = new Map<number, Tombstone>();
  const checkHeads = () => {
    while (headIndex < heads.length && heads[headIndex]!.treeSize === range.size) {
      const h = heads[headIndex++]!;
      if (!range.root().equals(h.rootHash))
        problems.push({
          code: 'ERR_ROOT_MISMATCH',
          message: `the tree of ${h.treeSize} entries does not have the root its signed tree head states`,
          seq: h.treeSize - 1,
        });
    }
  };
  checkHeads();
  for (let from = 0; from < size; ) {
    const rows = (await store.scan(from, pageSize)).filter((r) => r.seq < size);
    if (!rows.length) {
      problems.push({ code: 'ERR_SEQ_GAP', message: `entries from ${from} are missing`, seq: from });
      break;
    }
    const completed: Array<{ node: CompletedNode; seq: number }> = [];
    for (const row of rows) {
      if (row.seq !== range.size) {
        problems.push({
          code: 'ERR_SEQ_GAP',
          message: `expected seq ${range.size}, found ${row.seq}`,
          seq: range.size,
        });
        return finish();
      }
      // The tree is rebuilt from the stored leaves: a body edited without its leaf shows up here as
      // a leaf mismatch at exactly that seq, not as a node mismatch over a range of entries.
      const leaf = row.leaf;
      if (row.body !== null) {
        checked++;
        if (!leafOf(row.body).equals(row.leaf))
          problems.push({
            code: 'ERR_LEAF_MISMATCH',
            message: `entry ${row.seq}: the stored body does not hash to the stored leaf`,
            seq: row.seq,
          });
        const parsed = parseOrUndefined(row.body);
        if (!parsed || canonicalize(parsed) !== row.body || (parsed as { seq?: unknown }).seq !== row.seq)
          problems.push({
            code: 'ERR_BODY_NOT_CANONICAL',
            message: `entry ${row.seq}: the body is not the RFC 8785 form of an entry with this seq`,
            seq: row.seq,
          });
        else if (row.kind !== 'event') tombstones.set(row.seq, parsed as Tombstone);
        if (row.receipt) {
          const claims = parseOrUndefined(
            Buffer.from(row.receipt.split('.')[1] ?? '', 'base64url').toString('utf8'),
          ) as { lh?: string; seq?: number; jti?: string } | undefined;
          if (!claims || claims.lh !== b64u(row.leaf) || claims.seq !== row.seq || claims.jti !== row.id)
            problems.push({
              code: 'ERR_RECEIPT_MISMATCH',
              message: `entry ${row.seq}: the stored receipt is for another entry`,
              seq: row.seq,
            });
        }
      } else {
        erasedRows.push({ seq: row.seq, by: row.erasedBy });
      }
      const first = range.size;
      for (const node of range.append(leaf)) completed.push({ node, seq: first });
      checkHeads();
    }
    if (completed.length) {
      const stored = await store.nodes(completed.map((c) => c.node)).catch(() => undefined);
      completed.forEach((c, i) => {
        const s = stored?.[i];
        if (!s?.equals(c.node.hash)) {
          const lo = c.node.index * 2 ** c.node.level;
          problems.push({
            code: 'ERR_NODE_MISMATCH',
            message: `stored tree node ${c.node.level}/${c.node.index} (entries ${lo}..${lo + 2 ** c.node.level - 1}) differs from the recomputed one`,
            seq: lo,
          });
        }
      });
    }
    from = rows[rows.length - 1]!.seq + 1;
  }
  for (const e of erasedRows) {
    const t = e.by === null ? undefined : tombstones.get(e.by);
    if (!t?.erased.some(([a, b]) => e.seq >= a && e.seq <= b))
      problems.push({
        code: 'ERR_ERASURE_UNACCOUNTED',
        message: `entry ${e.seq} has no body and no tombstone that records its erasure`,
        seq: e.seq,
      });
  }
  return finish();

  function finish(): VerifyReport {
    // Entry-level findings name the tampered entry exactly; node and root findings only a range.
    const exact = problems.filter((p) => p.code !== 'ERR_NODE_MISMATCH' && p.code !== 'ERR_ROOT_MISMATCH');
    const seqs = (exact.some((p) => p.seq !== undefined) ? exact : problems)
      .map((p) => p.seq)
      .filter((s): s is number => s !== undefined);
    return {
      ok: problems.length === 0,
      treeSize: size,
      checked,
      erased: erasedRows.length,
      treeHeads: heads.length,
      signaturesChecked: jwks !== undefined,
      firstBadSeq: seqs.length ? Math.min(...seqs) : undefined,
      problems,
    };
  }
}

function parseOrUndefined(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
