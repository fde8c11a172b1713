// The log's tree shape against RFC 6962 test vectors (transparency-dev/merkle) and the verifier.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONSENT_METHODS, CONSENT_STATUSES, canonicalize, validateEvent } from '@assent/core/protocol';
import { hashChildren, hashLeaf, verifyConsistency, verifyInclusion } from '@assent/verifier';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// Internal modules: the tree shape has no public API of its own, so the test reaches into src.
import {
  CompactRange,
  consistencyRanges,
  cover,
  EMPTY_ROOT,
  hashRanges,
  inclusionRanges,
} from '../src/merkle.js';
import { canonicalEvent } from '../src/lib/canonical-event.js';
import { leafOf, nodeOf } from '../src/lib/hash.js';
import { entryBody, receiptClaims, receiptPayload } from '../src/sequence.js';
import { makeEvent } from './helpers.js';

const VECTORS = join(import.meta.dirname, 'vectors/rfc6962');
// RFC 6962 reference leaf inputs (transparency-dev/merkle testonly), the tree the vectors describe.
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const b64 = (s: string) => Buffer.from(s, 'base64');

function tree(n: number) {
  const leaves = LEAVES.slice(0, n).map((h) => Buffer.from(hashLeaf(Buffer.from(h, 'hex'))));
  const range = new CompactRange();
  const nodes = new Map<string, Buffer>();
  leaves.forEach((l, i) => {
    nodes.set(`0/${i}`, l);
    for (const c of range.append(l)) nodes.set(`${c.level}/${c.index}`, c.hash);
  });
  const lookup = (coords: { level: number; index: number }[]) =>
    coords.map((c) => nodes.get(`${c.level}/${c.index}`)!);
  return { range, lookup };
}

function vectors(kind: 'inclusion' | 'consistency') {
  return readdirSync(join(VECTORS, kind)).flatMap((dir) =>
    readdirSync(join(VECTORS, kind, dir)).map((f) => ({
      name: `${dir}/${f}`,
      v: JSON.parse(readFileSync(join(VECTORS, kind, dir, f), 'utf8')),
    })),
  );
}

describe('Merkle log shape', () => {
  it('builds the RFC 6962 reference roots', () => {
    expect(tree(0).range.root()).toEqual(EMPTY_ROOT);
    const roots = new Map<number, string>();
    for (const { v } of vectors('inclusion'))
      if (!v.wantErr && v.treeSize <= 8) roots.set(v.treeSize, v.root);
    for (const { v } of vectors('consistency'))
      if (!v.wantErr) {
        roots.set(v.size1, v.root1);
        roots.set(v.size2, v.root2);
      }
    expect(roots.size).toBeGreaterThanOrEqual(5);
    for (const [n, root] of roots) expect(tree(n).range.root().toString('base64')).toBe(root);
  });

  it('produces exactly the happy-path inclusion proofs, and none of the tampered ones', async () => {
    const all = vectors('inclusion').filter(({ v }) => v.treeSize <= 8 && v.leafIdx < v.treeSize);
    expect(all.some(({ v }) => v.wantErr)).toBe(true);
    for (const { name, v } of all) {
      const t = tree(v.treeSize);
      const proof = (await hashRanges(inclusionRanges(v.leafIdx, 0, v.treeSize), t.lookup)).map((p) =>
        p.toString('base64'),
      );
      const same = JSON.stringify(proof) === JSON.stringify(v.proof ?? []);
      const input = {
        leafHash: b64(v.leafHash),
        index: v.leafIdx,
        treeSize: v.treeSize,
        proof: (v.proof ?? []).map(b64),
      };
      const vectorVerifies = (() => {
        try {
          verifyInclusion({ ...input, rootHash: b64(v.root) });
          return true;
        } catch {
          return false;
        }
      })();
      expect({ name, vectorVerifies }).toEqual({ name, vectorVerifies: !v.wantErr });
      // Our proof equals the vector's exactly when the vector is a correct proof for this leaf.
      const ourLeaf = t.lookup([{ level: 0, index: v.leafIdx }])[0]!.toString('base64');
      if (!v.wantErr) expect({ name, same }).toEqual({ name, same: true });
      else if (ourLeaf === v.leafHash && t.range.root().toString('base64') === v.root)
        expect({ name, same }).toEqual({ name, same: false });
    }
  });

  it('produces exactly the happy-path consistency proofs, and none of the tampered ones', async () => {
    const all = vectors('consistency').filter(({ v }) => v.size2 <= 8 && v.size1 <= v.size2);
    expect(all.some(({ v }) => v.wantErr)).toBe(true);
    for (const { name, v } of all) {
      const t = tree(v.size2);
      const proof = (await hashRanges(consistencyRanges(v.size1, v.size2), t.lookup)).map((p) =>
        p.toString('base64'),
      );
      const same = JSON.stringify(proof) === JSON.stringify(v.proof ?? []);
      if (!v.wantErr) {
        expect({ name, same }).toEqual({ name, same: true });
        verifyConsistency({
          size1: v.size1,
          size2: v.size2,
          root1: b64(v.root1),
          root2: b64(v.root2),
          proof: proof.map(b64),
        });
      } else {
        expect(() =>
          verifyConsistency({
            size1: v.size1,
            size2: v.size2,
            root1: b64(v.root1),
            root2: b64(v.root2),
            proof: (v.proof ?? []).map(b64),
          }),
        ).toThrow();
      }
    }
  });

  it('proofs from stored subtrees verify for every leaf and size pair (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), async (n, a, b) => {
        const leaves = Array.from({ length: n }, (_, i) => Buffer.from(hashLeaf(Buffer.from(`leaf ${i}`))));
        const range = new CompactRange();
        const nodes = new Map<string, Buffer>();
        const roots: Buffer[] = [EMPTY_ROOT];
        leaves.forEach((l, i) => {
          nodes.set(`0/${i}`, l);
          for (const c of range.append(l)) nodes.set(`${c.level}/${c.index}`, c.hash);
          roots.push(range.root());
        });
        const lookup = (cs: { level: number; index: number }[]) =>
          cs.map((c) => nodes.get(`${c.level}/${c.index}`)!);
        const size = 1 + (a % n);
        const seq = b % size;
        const proof = await hashRanges(inclusionRanges(seq, 0, size), lookup);
        verifyInclusion({
          leafHash: leaves[seq]!,
          index: seq,
          treeSize: size,
          proof,
          rootHash: roots[size]!,
        });
        const first = b % (size + 1);
        const cproof = await hashRanges(consistencyRanges(first, size), lookup);
        verifyConsistency({
          size1: first,
          size2: size,
          root1: roots[first]!,
          root2: roots[size]!,
          proof: cproof,
        });
        // Rebuilding from the cover of the size gives the same root, as a restarted ledger does.
        expect(CompactRange.from(size, lookup(cover(0, size))).root()).toEqual(roots[size]);
      }),
      { numRuns: 150 },
    );
  });

  it('splices seq and receivedAt into an event`s canonical text exactly as RFC 8785 orders them (property)', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 ** 40 }),
        fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), { maxLength: 6 }),
        fc.boolean(),
        (seq, purposeIds, withSubjectPurpose) => {
          const ids = withSubjectPurpose ? [...purposeIds, 'subject', 'seq', 'receivedat'] : purposeIds;
          const purposes = Object.fromEntries(
            ids.map((id) => [
              id,
              { status: 'given' as const, hash: 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0' },
            ]),
          );
          const event = makeEvent({ purposes, widget: 'w"\\x' });
          const receivedAt = new Date().toISOString();
          const body = entryBody({ canonical: canonicalize(event), receivedAt }, seq);
          expect(body).toBe(canonicalize({ ...event, seq, receivedAt }));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('serializes validated events exactly as RFC 8785 does (property, against core`s canonicalize)', () => {
    const printable = fc.stringMatching(/^[\x21-\x7e]{1,64}$/);
    const b64hash = fc.constantFrom(
      'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0',
      '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU',
    );
    fc.assert(
      fc.property(
        printable,
        printable,
        fc.dictionary(
          fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
          fc.record({ status: fc.constantFrom(...CONSENT_STATUSES), hash: b64hash }),
          { maxKeys: 64 },
        ),
        fc.constantFrom(...CONSENT_METHODS),
        fc.constantFrom('en', 'zh-Hans-CN', 'de-DE', 'pt-BR'),
        fc.constantFrom('GB', 'CN', 'EU', 'US-CA'),
        fc.boolean(),
        (version, widget, purposes, method, locale, jurisdiction, gpc) => {
          const e = makeEvent({
            policy: { version, hash: 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0' },
            widget,
            purposes,
            method,
            locale,
            jurisdiction,
            gpc,
          });
          validateEvent(e);
          expect(canonicalEvent(e)).toBe(canonicalize(e));
        },
      ),
      { numRuns: 500 },
    );
    // A link token is never part of the stored form.
    const e = makeEvent({ link: 'aaa.bbb.ccc' });
    const { link: _l, ...rest } = e;
    expect(canonicalEvent(e)).toBe(canonicalize(rest));
  });

  it('writes receipt claims as JSON text equal to receiptClaims() (property)', () => {
    const ctx = { issuer: 'https://ledger.example/"x"', receiptTtlSeconds: 3600 };
    fc.assert(
      fc.property(
        fc.stringMatching(/^[\x21-\x7e]{1,40}$/),
        fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), { maxLength: 6 }),
        fc.boolean(),
        fc.constantFrom(...CONSENT_METHODS),
        fc.constantFrom('GB', 'CN', 'US-CA'),
        fc.nat({ max: 2 ** 40 }),
        (version, purposeIds, tricky, method, jurisdiction, seq) => {
          // Purposes named like top-level members must not confuse the cut.
          const ids = tricky ? [...purposeIds, 'subject', 'policy', 'purposes', 'id', 'method'] : purposeIds;
          const purposes = Object.fromEntries(
            ids.map((id, i) => [
              id,
              {
                status: CONSENT_STATUSES[i % CONSENT_STATUSES.length]!,
                hash: 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0',
              },
            ]),
          );
          const event = makeEvent({
            purposes,
            method,
            jurisdiction,
            policy: { version, hash: '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU' },
            widget: 'w","subject":"x',
          });
          validateEvent(event);
          const receivedAt = new Date().toISOString();
          const leaf = leafOf(entryBody({ canonical: canonicalEvent(event), receivedAt }, seq));
          const text = receiptPayload(ctx, { canonical: canonicalEvent(event), receivedAt }, seq, leaf);
          expect(JSON.parse(text)).toEqual(receiptClaims(ctx, event, seq, receivedAt, leaf));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hashes leaves and nodes exactly as the verifier does (including non-ASCII and long text)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 4000 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (text, right) => {
          const leaf = leafOf(text);
          expect(leaf.equals(Buffer.from(hashLeaf(Buffer.from(text, 'utf8'))))).toBe(true);
          expect(nodeOf(leaf, right).equals(Buffer.from(hashChildren(leaf, right)))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    // Longer than the reused scratch buffer.
    const big = 'é'.repeat(20_000);
    expect(leafOf(big).equals(Buffer.from(hashLeaf(Buffer.from(big, 'utf8'))))).toBe(true);
  });
});
