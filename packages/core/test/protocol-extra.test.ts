import { createHash } from 'node:crypto';
import { createEventId, decodeBase64url, encodeBase64url, sha256, UUID_V4 } from '@assent/core/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// The loader-sized SHA-256, base64url encoder and UUID generator, against Node's implementations.
describe('protocol primitives', () => {
  it('sha256 equals node:crypto on random inputs, across block boundaries', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(Buffer.from(sha256(bytes)).toString('hex')).toBe(
          createHash('sha256').update(bytes).digest('hex'),
        );
      }),
      { numRuns: 300 },
    );
    for (const n of [55, 56, 63, 64, 65, 119, 120, 128]) {
      const bytes = new Uint8Array(n).fill(0x61);
      expect(Buffer.from(sha256(bytes)).toString('hex')).toBe(
        createHash('sha256').update(bytes).digest('hex'),
      );
    }
  });

  it('encodeBase64url equals Buffer base64url and round-trips through the strict decoder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const s = encodeBase64url(bytes);
        expect(s).toBe(Buffer.from(bytes).toString('base64url'));
        expect(decodeBase64url(s)).toEqual(bytes);
      }),
    );
  });

  it('createEventId makes distinct lower-case UUIDv4s', () => {
    const ids = Array.from({ length: 2000 }, createEventId);
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
