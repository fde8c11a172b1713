import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as node from '@assent/verifier';
import * as web from '@assent/verifier/web';
import { describe, expect, it } from 'vitest';

interface Test {
  tcId: number;
  comment: string;
  msg: string;
  sig: string;
  result: 'valid' | 'invalid';
}
interface Group {
  publicKeyJwk: node.Ed25519PublicJwk;
  publicKey: { pk: string };
  tests: Test[];
}
const suite = JSON.parse(
  readFileSync(join(import.meta.dirname, 'vectors', 'wycheproof', 'ed25519_test.json'), 'utf8'),
) as {
  numberOfTests: number;
  testGroups: Group[];
};
const cases = suite.testGroups.flatMap((g) =>
  g.tests.map((t) => [`tc${t.tcId} ${t.result} ${t.comment}`.trim(), g, t] as const),
);
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

describe.each([
  ['node', node],
  ['web', web],
] as const)('Wycheproof Ed25519 (%s entry)', (_name, v) => {
  it('covers every vector in the file', () => {
    expect(cases.length).toBe(suite.numberOfTests);
    expect(cases.some(([, , t]) => t.result === 'invalid')).toBe(true);
  });

  it.each(cases)('%s', async (_label, group, t) => {
    // The JWK and the raw key must be the same key, or the vector would test nothing.
    expect(Buffer.from(group.publicKeyJwk.x, 'base64url').toString('hex')).toBe(group.publicKey.pk);
    const run = v.verifyEd25519({ key: group.publicKeyJwk, data: hex(t.msg), signature: hex(t.sig) });
    if (t.result === 'valid') await expect(run).resolves.toBeUndefined();
    else await expect(run).rejects.toThrow(v.SignatureInvalid);
  });
});
