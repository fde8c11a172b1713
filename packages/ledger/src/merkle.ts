// The Merkle log's shape (RFC 9162 §2.1): which perfect subtrees make up a tree, an audit path or
// a consistency proof. Storage keeps the hash of every perfect subtree once it is complete (SQLite:
// from level 3 up, recomputing levels 1 and 2 from their leaves), as Certificate Transparency logs
// do, so a root or a proof is O(log n) lookups and never a rehash of the log. Hashing itself is the
// verifier's.
import { createHash } from 'node:crypto';
import { nodeOf } from './lib/hash.js';

/** A perfect subtree: leaves `[index * 2^level, (index + 1) * 2^level)`. Level 0 is a leaf. */
export interface NodeCoord {
  level: number;
  index: number;
}

/** A node the log completed while appending, to be stored with the entries that completed it. */
export interface CompletedNode extends NodeCoord {
  hash: Buffer;
}

/** The root of the empty tree: SHA-256 of no bytes (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

const pow2 = (level: number): number => 2 ** level;

/** Largest power of two strictly less than n (n >= 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The perfect subtrees covering leaves `[start, end)`, left to right. For the ranges RFC 9162 ever
 * hashes (start aligned to the range's split point), the tree hash of the range is the right fold
 * of these nodes' hashes.
 */
export function cover(start: number, end: number): NodeCoord[] {
  const out: NodeCoord[] = [];
  while (start < end) {
    let level = 0;
    while (start % pow2(level + 1) === 0 && start + pow2(level + 1) <= end) level++;
    out.push({ level, index: start / pow2(level) });
    start += pow2(level);
  }
  return out;
}

/** Right fold of subtree hashes into a tree hash: H(a, H(b, c)). */
export function fold(hashes: readonly Buffer[]): Buffer {
  if (hashes.length === 0) return EMPTY_ROOT;
  let acc = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeOf(hashes[i]!, acc);
  return acc;
}

/** Root of a perfect subtree from its 2^k leaf hashes, in order (RFC 9162 §2.1.1). */
export function perfectRoot(leaves: readonly Buffer[]): Buffer {
  let level = [...leaves];
  while (level.length > 1) {
    const up: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) up.push(nodeOf(level[i]!, level[i + 1]!));
    level = up;
  }
  return level[0] ?? EMPTY_ROOT;
}

/** RFC 9162 §2.1.3.1 PATH(m, D[start:end]) as ranges whose tree hashes form the audit path. */
export function inclusionRanges(m: number, start: number, end: number): Array<[number, number]> {
  const n = end - start;
  if (n <= 1) return [];
  const k = split(n);
  if (m < start + k) return [...inclusionRanges(m, start, start + k), [start + k, end]];
  return [...inclusionRanges(m, start + k, end), [start, start + k]];
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]) as ranges whose tree hashes form the consistency proof. */
export function consistencyRanges(m: number, n: number): Array<[number, number]> {
  if (m <= 0 || m >= n) return [];
  const sub = (m: number, start: number, end: number, b: boolean): Array<[number, number]> => {
    const size = end - start;
    if (m === size) return b ? [] : [[start, end]];
    const k = split(size);
    if (m <= k) return [...sub(m, start, start + k, b), [start + k, end]];
    return [...sub(m - k, start + k, end, false), [start, start + k]];
  };
  return sub(m, 0, n, true);
}

/**
 * Resolve ranges to tree hashes with one batched lookup of the perfect subtrees they need.
 */
export async function hashRanges(
  ranges: ReadonlyArray<readonly [number, number]>,
  lookup: (coords: NodeCoord[]) => Promise<Buffer[]> | Buffer[],
): Promise<Buffer[]> {
  const covers = ranges.map(([s, e]) => cover(s, e));
  const flat = covers.flat();
  const hashes = flat.length ? await lookup(flat) : [];
  let i = 0;
  return covers.map((c) => fold(c.map(() => hashes[i++]!)));
}

/**
 * The right edge of a Merkle tree: the perfect subtrees its size decomposes into. Appending a leaf
 * merges equal-sized subtrees and reports each completed node, which storage keeps.
 */
export class CompactRange {
  #size = 0;
  #stack: CompletedNode[] = [];

  /** Rebuild from the hashes of `cover(0, size)`, in order. */
  static from(size: number, hashes: readonly Buffer[]): CompactRange {
    const coords = cover(0, size);
    if (coords.length !== hashes.length) throw new TypeError('hashes must match cover(0, size)');
    const r = new CompactRange();
    r.#size = size;
    r.#stack = coords.map((c, i) => ({ ...c, hash: hashes[i]! }));
    return r;
  }

  get size(): number {
    return this.#size;
  }

  clone(): CompactRange {
    const r = new CompactRange();
    r.#size = this.#size;
    r.#stack = [...this.#stack];
    return r;
  }

  /** Append a leaf hash; returns the interior nodes (level >= 1) this completed. */
  append(leaf: Buffer): CompletedNode[] {
    const done: CompletedNode[] = [];
    let node: CompletedNode = { level: 0, index: this.#size, hash: leaf };
    for (;;) {
      const top = this.#stack[this.#stack.length - 1];
      if (!top || top.level !== node.level) break;
      this.#stack.pop();
      node = { level: node.level + 1, index: top.index / 2, hash: nodeOf(top.hash, node.hash) };
      done.push(node);
    }
    this.#stack.push(node);
    this.#size++;
    return done;
  }

  root(): Buffer {
    return fold(this.#stack.map((n) => n.hash));
  }
}
