import { CanonicalizationFailed, canonicalize, sha256, utf8 } from '@assent/core/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import vectors from './vectors/rfc8785.json' with { type: 'json' };

const fromHex = (hex: string) => new DataView(Uint8Array.from(Buffer.from(hex, 'hex')).buffer).getFloat64(0);

describe('canonicalize (RFC 8785)', () => {
  for (const ex of vectors.examples) {
    it(`matches the RFC example: ${ex.name}`, () => {
      expect(canonicalize(JSON.parse(ex.input))).toBe(ex.output);
    });
  }

  for (const [hex, expected] of vectors.numbers as [string, string | null][]) {
    it(`serializes IEEE-754 ${hex} as ${expected ?? 'an error'}`, () => {
      const n = fromHex(hex);
      if (expected === null) expect(() => canonicalize(n)).toThrow(CanonicalizationFailed);
      else expect(canonicalize(n)).toBe(expected);
    });
  }

  it('rejects values I-JSON forbids, naming the path', () => {
    expect(() => canonicalize({ a: [1, '\ud800'] })).toThrow(CanonicalizationFailed);
    let thrown: unknown;
    try {
      canonicalize({ a: { b: Number.NaN } });
    } catch (e) {
      thrown = e;
    }
    // Outside the catch, so the test fails if canonicalize ever accepts NaN.
    expect(thrown).toBeInstanceOf(CanonicalizationFailed);
    expect((thrown as CanonicalizationFailed).code).toBe('ERR_JCS');
    expect((thrown as CanonicalizationFailed).path).toBe('$.a.b');
    expect(() => canonicalize({ d: new Date(0) })).toThrow(CanonicalizationFailed);
    expect(() => canonicalize(10n)).toThrow(CanonicalizationFailed);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalize(cyclic)).toThrow(/cycle/);
  });

  it('keeps valid surrogate pairs and repeats of a shared (non-cyclic) object', () => {
    const shared = { x: 1 };
    expect(canonicalize({ a: shared, b: shared, e: '😀' })).toBe('{"a":{"x":1},"b":{"x":1},"e":"😀"}');
  });

  it('is idempotent and agrees with JSON.parse for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const c = canonicalize(v);
        expect(canonicalize(JSON.parse(c))).toBe(c);
      }),
    );
  });
});

describe('sha256', () => {
  it('matches FIPS 180-4 examples', () => {
    const hex = (s: string) => Buffer.from(sha256(utf8(s))).toString('hex');
    expect(hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });
});
