// A synchronous SHA-256 in plain JavaScript. The loader must decide on the critical path whether a
// purpose's definition changed, and `crypto.subtle` is both asynchronous and missing on plain-http
// origins; written for size (about 450 bytes gzip) rather than speed. Servers hash large inputs
// with node:crypto instead (the verifier's Node entry).
let K: number[] | undefined;
let H: number[];

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

/**
 * SHA-256 of bytes (FIPS 180-4).
 *
 * @example
 * ```ts
 * encodeBase64url(sha256(utf8('abc'))) // 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0'
 * ```
 */
export function sha256(data: Uint8Array): Uint8Array {
  if (!K) {
    // The constants are the first 32 bits of the fractional parts of the square roots (H) and cube
    // roots (K) of the first primes (FIPS 180-4 §4.2.2, §5.3.3), computed to keep the bundle small.
    K = [];
    H = [];
    for (let n = 2; K.length < 64; n++) {
      let prime = 1;
      for (let d = 2; d * d <= n; d++) if (n % d === 0) prime = 0;
      if (prime) {
        if (H.length < 8) H.push(((Math.sqrt(n) % 1) * 2 ** 32) | 0);
        K.push(((Math.cbrt(n) % 1) * 2 ** 32) | 0);
      }
    }
  }
  const len = data.length;
  // Big-endian message words with the 0x80 terminator and the 64-bit bit length (FIPS 180-4 §5.1.1).
  const m = new Int32Array(((len + 72) >> 6) << 4);
  for (let i = 0; i < len; i++) m[i >> 2]! |= data[i]! << (24 - 8 * (i & 3));
  m[len >> 2]! |= 0x80 << (24 - 8 * (len & 3));
  m[m.length - 2] = len / 2 ** 29;
  m[m.length - 1] = len << 3;
  let h = H;
  const w = new Int32Array(64);
  for (let o = 0; o < m.length; o += 16) {
    let [a, b, c, d, e, f, g, k] = h as [number, number, number, number, number, number, number, number];
    for (let t = 0; t < 64; t++) {
      if (t < 16) w[t] = m[o + t]!;
      else {
        const x = w[t - 15]!;
        const y = w[t - 2]!;
        w[t] =
          (w[t - 16]! +
            (rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)) +
            w[t - 7]! +
            (rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10))) |
          0;
      }
      const t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t]! + w[t]!;
      const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      k = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h = [a, b, c, d, e, f, g, k].map((x, i) => (x + h[i]!) | 0);
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = h[i >> 2]! >>> (24 - 8 * (i & 3));
  return out;
}
