// Ed25519 public keys of small order. With such a key, a signature with R = identity and S = 0
// verifies for every message under the cofactorless check OpenSSL and Web Crypto do, so a JWKS
// holding one would let anyone forge receipts without a private key. The set is libsodium's
// `ge25519_has_small_order` blocklist, compared with the sign bit ignored (14 encodings): the
// eight small-order points and the non-canonical encodings (y >= p) of 0 and 1. Keys are public,
// so the comparison need not be constant-time.

// The two order-8 y coordinates, little-endian hex.
const ORDER_8 = [
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
];

/** Whether a 32-byte Ed25519 public key encodes a point of small order. */
export function isSmallOrder(x: Uint8Array): boolean {
  if (x.length !== 32) return false;
  const y = Uint8Array.from(x);
  y[31]! &= 0x7f;
  const middle = y.subarray(1, 31);
  // y = 0 or 1 (orders 4 and 1, the identity).
  if (y[31] === 0 && y[0]! < 2 && middle.every((b) => b === 0)) return true;
  // y = p - 1 (order 2), p and p + 1 (non-canonical 0 and 1).
  if (y[31] === 0x7f && y[0]! >= 0xec && y[0]! <= 0xee && middle.every((b) => b === 0xff)) return true;
  let hex = '';
  for (const b of y) hex += b.toString(16).padStart(2, '0');
  return ORDER_8.includes(hex);
}
