import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalize, encodeBase64url, utf8 } from '@assent/core/protocol';
import * as node from '@assent/verifier';
import * as web from '@assent/verifier/web';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, 'vectors', 'rfc6962');
const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

interface Inclusion {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}
interface Consistency {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

function load<T>(kind: string): [string, T][] {
  const out: [string, T][] = [];
  for (const sub of readdirSync(join(dir, kind))) {
    for (const file of readdirSync(join(dir, kind, sub))) {
      out.push([`${sub}/${file}`, JSON.parse(readFileSync(join(dir, kind, sub, file), 'utf8')) as T]);
    }
  }
  return out;
}

const inclusion = load<Inclusion>('inclusion');
const consistency = load<Consistency>('consistency');

// Reference tree hash (RFC 6962 §2.1) over leaf hashes, built from the definition, to cross-check.
const sha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
function mth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha(new Uint8Array([1]), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
// RFC 6962 §2.1.1 audit path and §2.1.2 consistency proof, from the definitions.
function path(m: number, leaves: Uint8Array[]): Uint8Array[] {
  if (leaves.length <= 1) return [];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return m < k
    ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))]
    : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}
function subproof(m: number, leaves: Uint8Array[], b: boolean): Uint8Array[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [mth(leaves)];
  let k = 1;
  while (k * 2 < n) k *= 2;
  return m <= k
    ? [...subproof(m, leaves.slice(0, k), b), mth(leaves.slice(k))]
    : [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}

describe.each([
  ['node', node],
  ['web', web],
] as const)('Merkle proofs (%s entry)', (_name, v) => {
  it('loads every transparency-dev vector', () => {
    expect(inclusion.length).toBe(86);
    expect(consistency.length).toBe(84);
    expect(inclusion.filter(([, t]) => t.wantErr).length).toBe(80);
    expect(consistency.filter(([, t]) => t.wantErr).length).toBe(consistency.length - 5);
  });

  it.each(inclusion)('inclusion %s', (_file, t) => {
    const run = () =>
      v.verifyInclusion({
        leafHash: b64(t.leafHash),
        index: t.leafIdx,
        treeSize: t.treeSize,
        proof: (t.proof ?? []).map(b64),
        rootHash: b64(t.root),
      });
    if (t.wantErr) expect(run).toThrow(v.ProofInvalid);
    else expect(run).not.toThrow();
  });

  it('consistency with an empty tree checks both roots (audit #6)', () => {
    const EMPTY = createHash('sha256').update('').digest('base64url');
    const other = createHash('sha256').update('x').digest('base64url');
    const run = (size1: number, root1: string, size2: number, root2: string) => () =>
      v.verifyConsistency({ size1, root1, size2, root2, proof: [] });
    expect(run(0, EMPTY, 0, EMPTY)).not.toThrow();
    expect(run(0, EMPTY, 0, other)).toThrow(v.ProofInvalid);
    expect(run(0, other, 0, EMPTY)).toThrow(v.ProofInvalid);
    expect(run(0, other, 0, other)).toThrow(v.ProofInvalid);
    // The empty tree is a prefix of every tree; size 3 -> 3 needs equal roots.
    expect(run(0, EMPTY, 3, other)).not.toThrow();
    expect(run(3, other, 3, other)).not.toThrow();
    expect(run(3, other, 3, EMPTY)).toThrow(v.ProofInvalid);
  });

  it.each(consistency)('consistency %s', (_file, t) => {
    const run = () =>
      v.verifyConsistency({
        size1: t.size1,
        size2: t.size2,
        root1: b64(t.root1),
        root2: b64(t.root2),
        proof: (t.proof ?? []).map(b64),
      });
    if (t.wantErr) expect(run).toThrow(v.ProofInvalid);
    else expect(run).not.toThrow();
  });

  it('hashes leaves and nodes with the RFC 6962 prefixes', () => {
    const a = utf8('a');
    expect(v.hashLeaf(a)).toEqual(sha(new Uint8Array([0]), a));
    const l = sha(utf8('l'));
    const r = sha(utf8('r'));
    expect(v.hashChildren(l, r)).toEqual(sha(new Uint8Array([1]), l, r));
    const entry = { seq: 3, id: 'x', purposes: { b: 1, a: 2 } };
    expect(v.leafHash(entry)).toEqual(sha(new Uint8Array([0]), utf8(canonicalize(entry))));
    expect(() => v.leafHash('x' as unknown as object)).toThrow(TypeError);
  });

  it('agrees with a reference tree for every index and size up to 17', () => {
    const leaves = Array.from({ length: 17 }, (_, i) => v.leafHash({ seq: i }));
    for (let n = 1; n <= leaves.length; n++) {
      const tree = leaves.slice(0, n);
      const root = mth(tree);
      for (let m = 0; m < n; m++) {
        const proof = path(m, tree);
        expect(v.rootFromInclusionProof({ leafHash: tree[m]!, index: m, treeSize: n, proof })).toEqual(root);
        // Base64url strings are accepted wherever hashes are.
        v.verifyInclusion({
          leafHash: encodeBase64url(tree[m]!),
          index: m,
          treeSize: n,
          proof: proof.map(encodeBase64url),
          rootHash: encodeBase64url(root),
        });
        if (n > 1) {
          expect(() =>
            v.verifyInclusion({ leafHash: tree[m]!, index: (m + 1) % n, treeSize: n, proof, rootHash: root }),
          ).toThrow(v.ProofInvalid);
        }
      }
      for (let m = 1; m < n; m++) {
        const proof = subproof(m, tree, true);
        v.verifyConsistency({ size1: m, size2: n, root1: mth(tree.slice(0, m)), root2: root, proof });
        expect(() =>
          v.verifyConsistency({ size1: m, size2: n, root1: root, root2: mth(tree.slice(0, m)), proof }),
        ).toThrow(v.ProofInvalid);
      }
    }
  });

  it('treats the empty tree as consistent with any tree, given its root and no proof', () => {
    const root2 = mth([v.leafHash({ seq: 0 })]);
    v.verifyConsistency({ size1: 0, size2: 1, root1: sha(), root2, proof: [] });
    expect(() => v.verifyConsistency({ size1: 0, size2: 1, root1: root2, root2, proof: [] })).toThrow(
      v.ProofInvalid,
    );
  });

  it('rejects malformed hashes as data errors and bad sizes as argument errors', () => {
    const h = new Uint8Array(32);
    expect(() =>
      v.verifyInclusion({ leafHash: 'not base64!', index: 0, treeSize: 1, proof: [], rootHash: h }),
    ).toThrow(v.ProofInvalid);
    expect(() => v.verifyInclusion({ leafHash: h, index: -1, treeSize: 1, proof: [], rootHash: h })).toThrow(
      v.ProofInvalid,
    );
    expect(() => v.verifyInclusion({ leafHash: h, index: 0, treeSize: 1.5, proof: [], rootHash: h })).toThrow(
      v.ProofInvalid,
    );
    expect(() =>
      v.verifyInclusion({
        leafHash: h,
        index: '0' as unknown as number,
        treeSize: 1,
        proof: [],
        rootHash: h,
      }),
    ).toThrow(TypeError);
    try {
      v.verifyInclusion({ leafHash: h, index: 1, treeSize: 1, proof: [], rootHash: h });
      expect.unreachable();
    } catch (e) {
      expect((e as node.ProofInvalid).code).toBe('ERR_PROOF_INVALID');
    }
  });
});
