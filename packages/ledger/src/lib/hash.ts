// The ledger hashes leaves and nodes with the verifier's RFC 6962 functions, so the two can never
// disagree about what a leaf is. Buffers, because better-sqlite3 and pg bind Buffer for BLOB/bytea.
import crypto, { createHash, createHmac } from 'node:crypto';
import { hashChildren as verifierChildren, hashLeaf as verifierLeaf } from '@assent/verifier';

export const asBuffer = (u: Uint8Array): Buffer =>
  Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** RFC 6962 leaf hash of already-canonical entry bytes. */
export const leafOf = (canonical: string): Buffer => asBuffer(verifierLeaf(Buffer.from(canonical, 'utf8')));

/** RFC 6962 interior node hash. */
export const nodeOf = (left: Uint8Array, right: Uint8Array): Buffer =>
  asBuffer(verifierChildren(left, right));

/** SHA-256 (tokens, idempotency digests); the one-shot crypto.hash where Node has it. */
export const sha256: (data: string | Uint8Array) => Buffer =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (data) =>
        (crypto as unknown as { hash(a: string, d: string | Uint8Array, o: 'buffer'): Buffer }).hash(
          'sha256',
          data,
          'buffer',
        )
    : (data) => createHash('sha256').update(data).digest();

/** Keyed hash for customer ids and subjects in tombstones and the access log. */
export const keyed = (secret: Uint8Array, data: string): Buffer =>
  createHmac('sha256', secret).update(data).digest();

export const b64u = (u: Uint8Array): string => asBuffer(u).toString('base64url');
