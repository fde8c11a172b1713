// The log's tree shape against RFC 6962 test vectors (transparency-dev/merkle) and the verifier.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONSENT_METHODS, CONSENT_STATUSES, canonicalize, validateEvent } from '@assent/core/protocol';
import { hashChildren, hashLeaf, verifyConsistency, verifyInclusion } from '@assent/verifier';
import Database from 'better-sqlite3';
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
import { digestOf, leafOf, nodeOf } from '../src/lib/hash.js';
import { entryBody, receiptClaims, receiptPayload } from '../src/sequence.js';
import { fixture, makeEvent } from './helpers.js';

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
    fc.assert(
      fc.property(
        fc.stringMatching(/^[\x21-\x7e]{1,40}$/),
        fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), { maxLength: 6 }),
        fc.boolean(),
        fc.constantFrom(...CONSENT_METHODS),
        fc.constantFrom('GB', 'CN', 'US-CA'),
        fc.nat({ max: 2 ** 40 }),
        // receiptPayload() keeps the last issuer and receivedAt it converted: both change and repeat.
        fc.constantFrom('https://ledger.example/"x"', 'https://ledger.example', 'https://other.example/é'),
        fc.constantFrom(0, 1, 999, 1000, 86_400_000),
        (version, purposeIds, tricky, method, jurisdiction, seq, issuer, offsetMs) => {
          const ctx = { issuer, receiptTtlSeconds: 3600 };
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
          const receivedAt = new Date(Date.UTC(2026, 10, 29) + offsetMs).toISOString();
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
          expect(digestOf(text).equals(createHash('sha256').update(text, 'utf8').digest())).toBe(true);
          expect(nodeOf(leaf, right).equals(Buffer.from(hashChildren(leaf, right)))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    // Longer than the reused scratch buffer.
    const big = 'é'.repeat(20_000);
    expect(leafOf(big).equals(Buffer.from(hashLeaf(Buffer.from(big, 'utf8'))))).toBe(true);
    expect(digestOf(big).equals(createHash('sha256').update(big, 'utf8').digest())).toBe(true);
    // A lone surrogate is written as U+FFFD, as Buffer.from and the string one-shot hash did.
    expect(digestOf('a\ud800b').equals(createHash('sha256').update('a\ud800b', 'utf8').digest())).toBe(true);
  });
});

describe('SQLite keeps interior nodes from level 3 up', () => {
  // RFC 6962 MTH of leaf hashes, straight from the definition (no stored nodes involved).
  const mth = (leaves: Uint8Array[]): Uint8Array => {
    if (leaves.length === 1) return leaves[0]!;
    let k = 1;
    while (k * 2 < leaves.length) k *= 2;
    return hashChildren(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
  };
  const b64u = (h: Uint8Array) => Buffer.from(h).toString('base64url');

  for (const signingThreads of [0, 1])
    it(`stores none below, and every inclusion and consistency proof of a 37-leaf log verifies (signingThreads ${signingThreads}), also with lower nodes left by an earlier version`, async () => {
      const fx = await fixture('sqlite');
      try {
        const ledger = await fx.ledger({ signingThreads });
        const url = await ledger.listen(0);
        const receipts: string[] = [];
        for (const n of [1, 5, 17, 3, 11])
          receipts.push(...(await ledger.append(Array.from({ length: n }, () => makeEvent()))));
        const leaves = receipts.map((r) =>
          Buffer.from(JSON.parse(Buffer.from(r.split('.')[1]!, 'base64url').toString()).lh, 'base64url'),
        );
        expect(leaves).toHaveLength(37);
        const db = new Database(fx.storage().database!);
        try {
          // 37 leaves complete 4 nodes of level 3, 2 of level 4 and 1 of level 5; nothing lower.
          expect(
            db.prepare('SELECT level, COUNT(*) AS n FROM nodes GROUP BY level ORDER BY level').all(),
          ).toEqual([
            { level: 3, n: 4 },
            { level: 4, n: 2 },
            { level: 5, n: 1 },
          ]);
          const proofs = async () => {
            for (let n = 1; n <= 37; n++) {
              const root = mth(leaves.slice(0, n));
              for (let seq = 0; seq < n; seq++) {
                const r = await fetch(`${url}/v1/log/inclusion?seq=${seq}&treeSize=${n}`);
                const p = (await r.json()) as { proof: string[] };
                verifyInclusion({
                  leafHash: b64u(leaves[seq]!),
                  index: seq,
                  treeSize: n,
                  proof: p.proof,
                  rootHash: b64u(root),
                });
              }
              for (let m = 1; m < n; m++) {
                const r = await fetch(`${url}/v1/log/consistency?first=${m}&second=${n}`);
                const p = (await r.json()) as { proof: string[] };
                verifyConsistency({
                  size1: m,
                  size2: n,
                  root1: b64u(mth(leaves.slice(0, m))),
                  root2: b64u(root),
                  proof: p.proof,
                });
              }
            }
          };
          await proofs();
          // A database written before keeps rows for levels 1 and 2; they are never read (here: wrong
          // on purpose, and the proofs still verify).
          const put = db.prepare('INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)');
          for (let i = 0; i < 18; i++) put.run(1, i, Buffer.alloc(32, 1));
          for (let i = 0; i < 9; i++) put.run(2, i, Buffer.alloc(32, 2));
          await proofs();
        } finally {
          db.close();
        }
        expect((await ledger.verify()).ok).toBe(true);
      } finally {
        await fx.cleanup();
      }
    });
});
