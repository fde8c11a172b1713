// A synchronous SHA-256 in plain JavaScript. The loader must decide on the critical path whether a
// purpose's definition changed, and `crypto.subtle` is both asynchronous and missing on plain-http
// origins; this costs about 500 bytes gzip. Servers hash with node:crypto instead (the verifier's
// Node entry), which is what large inputs should use.
let K: Uint32Array | undefined;

function constants(): Uint32Array {
  // First 32 bits of the fractional parts of the cube roots of the first 64 primes (FIPS 180-4
  // §4.2.2), computed rather than spelled out to keep the bundle small.
  const k = new Uint32Array(64);
  let n = 2;
  for (let i = 0; i < 64; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) if (n % d === 0) prime = false;
    if (prime) k[i++] = ((Math.cbrt(n) % 1) * 2 ** 32) >>> 0;
  }
  return k;
}

/**
 * SHA-256 of bytes (FIPS 180-4).
 *
 * @example
 * ```ts
 * encodeBase64url(sha256(utf8('abc'))) // 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0'
 * ```
 */
export function sha256(data: Uint8Array): Uint8Array {
  K ??= constants();
  const h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const blocks = ((data.length + 9 + 63) >> 6) << 6;
  const m = new Uint8Array(blocks);
  m.set(data);
  m[data.length] = 0x80;
  const view = new DataView(m.buffer);
  const bitLen = data.length * 8;
  view.setUint32(blocks - 8, Math.floor(bitLen / 2 ** 32));
  view.setUint32(blocks - 4, bitLen >>> 0);
  const w = new Uint32Array(64);
  for (let off = 0; off < blocks; off += 64) {
    for (let t = 0; t < 16; t++) w[t] = view.getUint32(off + t * 4);
    for (let t = 16; t < 64; t++) {
      const a = w[t - 15]!;
      const b = w[t - 2]!;
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
    }
    let [a, b, c, d, e, f, g, hh] = h as unknown as number[] as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0]! += a;
    h[1]! += b;
    h[2]! += c;
    h[3]! += d;
    h[4]! += e;
    h[5]! += f;
    h[6]! += g;
    h[7]! += hh;
  }
  const out = new Uint8Array(32);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) ov.setUint32(i * 4, h[i]!);
  return out;
}
