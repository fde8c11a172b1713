// RFC 9162 §2.1 Merkle tree hashing and proof verification (identical to RFC 6962's tree). The
// algorithms follow §2.1.3.2 and §2.1.4.2 step by step; sizes are JS numbers, so halving is done
// arithmetically rather than with 32-bit shifts.
import { canonicalize, utf8 } from '@assent/core/protocol';
import type { Backend } from './lib/backend.js';
import { ProofInvalid } from './errors.js';

/** A 32-byte SHA-256 hash, as bytes or as unpadded base64url (the wire form). */
export type Hash = Uint8Array | string;

export interface InclusionProofInput {
  /** Hash of the leaf, as {@link leafHash} computes it. */
  leafHash: Hash;
  /** Zero-based leaf index (the entry's `seq`). */
  index: number;
  /** Size of the tree the proof is for. */
  treeSize: number;
  /** Audit path, bottom to top. */
  proof: readonly Hash[];
}

export interface InclusionInput extends InclusionProofInput {
  /** Expected root of the tree of `treeSize` leaves (from a verified signed tree head). */
  rootHash: Hash;
}

export interface ConsistencyInput {
  size1: number;
  size2: number;
  root1: Hash;
  root2: Hash;
  proof: readonly Hash[];
}

const LEAF_PREFIX = new Uint8Array([0]);
const NODE_PREFIX = new Uint8Array([1]);

const half = (n: number): number => (n - (n % 2)) / 2;
const odd = (n: number): boolean => n % 2 === 1;

function powerOfTwo(n: number): boolean {
  while (n > 1 && !odd(n)) n /= 2;
  return n === 1;
}

function size(n: unknown, name: string): number {
  if (typeof n !== 'number') throw new TypeError(`${name} must be a number`);
  // A negative or fractional size is bad data (a tampered proof response), not a programming error.
  if (!Number.isSafeInteger(n) || n < 0)
    throw new ProofInvalid(`${name} ${n} is not a tree index`, { path: name });
  return n;
}

function hash(b: Backend, h: unknown, name: string): Uint8Array {
  const bytes = typeof h === 'string' ? b.decode(h) : h;
  if (!(bytes instanceof Uint8Array)) {
    if (typeof h === 'string') throw new ProofInvalid(`${name} is not base64url`, { path: name });
    throw new TypeError(`${name} must be a Uint8Array or a base64url string`);
  }
  if (bytes.length !== 32) throw new ProofInvalid(`${name} is ${bytes.length} bytes, not 32`, { path: name });
  return bytes;
}

function path(b: Backend, proof: unknown): Uint8Array[] {
  if (proof === null || proof === undefined) return [];
  if (!Array.isArray(proof)) throw new TypeError('proof must be an array of hashes');
  return proof.map((p, i) => hash(b, p, `proof[${i}]`));
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const hashLeaf = (b: Backend, bytes: Uint8Array): Uint8Array => {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array');
  return b.sha256Parts(LEAF_PREFIX, bytes);
};

export const hashChildren = (b: Backend, left: Uint8Array, right: Uint8Array): Uint8Array =>
  b.sha256Parts(NODE_PREFIX, left, right);

export function leafHash(b: Backend, entry: object): Uint8Array {
  if (typeof entry !== 'object' || entry === null) throw new TypeError('entry must be an object');
  return hashLeaf(b, utf8(canonicalize(entry)));
}

export function rootFromInclusionProof(b: Backend, input: InclusionProofInput): Uint8Array {
  if (typeof input !== 'object' || input === null) throw new TypeError('expected an options object');
  const index = size(input.index, 'index');
  const treeSize = size(input.treeSize, 'treeSize');
  let r = hash(b, input.leafHash, 'leafHash');
  const proof = path(b, input.proof);
  if (index >= treeSize) throw new ProofInvalid(`index ${index} is outside a tree of ${treeSize}`);
  let fn = index;
  let sn = treeSize - 1;
  for (const p of proof) {
    if (sn === 0) throw new ProofInvalid('inclusion proof is longer than the tree is high');
    if (odd(fn) || fn === sn) {
      r = hashChildren(b, p, r);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = hashChildren(b, r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new ProofInvalid('inclusion proof is shorter than the tree is high');
  return r;
}

export function verifyInclusion(b: Backend, input: InclusionInput): void {
  const root = hash(b, input?.rootHash, 'rootHash');
  if (!equal(rootFromInclusionProof(b, input), root)) {
    throw new ProofInvalid('inclusion proof does not lead to the root hash');
  }
}

export function verifyConsistency(b: Backend, input: ConsistencyInput): void {
  if (typeof input !== 'object' || input === null) throw new TypeError('expected an options object');
  const size1 = size(input.size1, 'size1');
  const size2 = size(input.size2, 'size2');
  const root1 = hash(b, input.root1, 'root1');
  const root2 = hash(b, input.root2, 'root2');
  const proof = path(b, input.proof);
  if (size2 < size1) throw new ProofInvalid(`size2 ${size2} is smaller than size1 ${size1}`);
  if (size1 === size2 || size1 === 0) {
    // Nothing to prove: the same tree, or the empty tree (whose root is the hash of no bytes), which
    // every tree extends. A non-empty proof here is garbage and refused.
    if (proof.length > 0) throw new ProofInvalid('expected an empty consistency proof');
    const empty = b.sha256(new Uint8Array(0));
    if (size1 === 0 && !equal(root1, empty)) throw new ProofInvalid('root1 is not the empty-tree root');
    // 0 -> 0: both roots are the empty tree's; without this any root2 would pass.
    if (size2 === 0 && !equal(root2, empty)) throw new ProofInvalid('root2 is not the empty-tree root');
    if (size1 === size2 && !equal(root1, root2)) throw new ProofInvalid('root1 does not match root2');
    return;
  }
  if (proof.length === 0) throw new ProofInvalid('empty consistency proof');
  // §2.1.4.2 step 2: when size1 is a power of two, its root is the first node of the path.
  const nodes = powerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = nodes[0]!;
  let sr = fr;
  for (let i = 1; i < nodes.length; i++) {
    const c = nodes[i]!;
    if (sn === 0) throw new ProofInvalid('consistency proof is too long');
    if (odd(fn) || fn === sn) {
      fr = hashChildren(b, c, fr);
      sr = hashChildren(b, c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = hashChildren(b, sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new ProofInvalid('consistency proof is too short');
  if (!equal(fr, root1)) throw new ProofInvalid('consistency proof does not lead to root1');
  if (!equal(sr, root2)) throw new ProofInvalid('consistency proof does not lead to root2');
}
