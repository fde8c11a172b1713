// Ed25519 public keys of small order. With such a key, a signature with R = identity and S = 0
// verifies for every message under the cofactorless check OpenSSL and Web Crypto do, so a JWKS
// holding one would let anyone forge receipts without a private key. The list is libsodium's
// `ge25519_has_small_order` blocklist: the eight small-order points and the non-canonical
// encodings (y >= p) of 0 and 1, compared with the sign bit ignored, which covers 14 encodings.
const BLOCKLIST: readonly (readonly number[])[] = [
  // 0 (order 4)
  [0x00, ...Array<number>(31).fill(0x00)],
  // 1 (order 1): the identity
  [0x01, ...Array<number>(31).fill(0x00)],
  // order 8
  [
    0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5,
    0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
  ],
  // order 8
  [
    0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a,
    0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
  ],
  // p - 1 (order 2)
  [0xec, ...Array<number>(30).fill(0xff), 0x7f],
  // p, a non-canonical 0 (order 4)
  [0xed, ...Array<number>(30).fill(0xff), 0x7f],
  // p + 1, a non-canonical 1 (order 1)
  [0xee, ...Array<number>(30).fill(0xff), 0x7f],
];

/** Whether a 32-byte Ed25519 public key encodes a point of small order (in constant-ish time). */
export function isSmallOrder(x: Uint8Array): boolean {
  if (x.length !== 32) return false;
  for (const bad of BLOCKLIST) {
    let diff = (x[31]! & 0x7f) ^ bad[31]!;
    for (let j = 0; j < 31; j++) diff |= x[j]! ^ bad[j]!;
    if (diff === 0) return true;
  }
  return false;
}
