import { createHmac, generateKeyPairSync, sign as signBytes } from 'node:crypto';
import { RECEIPT_TYP } from '@assent/core/protocol';
import * as node from '@assent/verifier';
import * as web from '@assent/verifier/web';
import { importJWK, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ISSUER, makeKey, receiptClaims, signJws, signReceipt } from './helpers.js';

const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64url');
const segments = (jws: string) => jws.split('.') as [string, string, string];

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof node.AssentError) return e.code;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe.each([
  ['node', node],
  ['web', web],
] as const)('verifyReceipt (%s entry)', (_name, v) => {
  const key = makeKey();
  const other = makeKey();
  const jwks = v.createLocalJwks({ keys: [key.publicJwk, other.publicJwk] });
  const opts = { jwks, issuer: ISSUER };

  it('returns the claims of a valid receipt, with alg EdDSA or Ed25519', async () => {
    const claims = receiptClaims();
    const jws = signJws({ alg: 'EdDSA', typ: RECEIPT_TYP, kid: key.kid }, claims, key.privateKey);
    expect(await v.verifyReceipt(jws, opts)).toEqual(claims);
    const fully = signJws(
      { alg: 'Ed25519', typ: `application/${RECEIPT_TYP}`, kid: key.kid },
      claims,
      key.privateKey,
    );
    expect(await v.verifyReceipt(fully, opts)).toEqual(claims);
    // `keys` works as well as `jwks`, as a JWKS, an array or a single JWK.
    expect(await v.verifyReceipt(jws, { keys: { keys: [key.publicJwk] }, issuer: ISSUER })).toEqual(claims);
    expect(await v.verifyReceipt(jws, { keys: key.publicJwk, issuer: ISSUER })).toEqual(claims);
  });

  describe('attacks', () => {
    it('a payload segment with non-zero trailing bits or an impossible length, signed (audit #8)', async () => {
      // Find claims whose payload encodes to a length of 2 mod 4 (4 spare bits in the last char).
      let payload = '';
      for (let n = 0; payload.length % 4 !== 2; n++) {
        payload = b64(
          JSON.stringify(receiptClaims({ pol: { version: 'v'.repeat(n), hash: key.publicJwk.x as string } })),
        );
      }
      const header = b64(JSON.stringify({ alg: 'EdDSA', typ: RECEIPT_TYP, kid: key.kid }));
      const sign = (p: string) =>
        `${header}.${p}.${b64(signBytes(null, Buffer.from(`${header}.${p}`), key.privateKey))}`;
      expect(await v.verifyReceipt(sign(payload), opts)).toMatchObject({ iss: ISSUER });
      // Same bytes for Buffer, another string: the last char's low bits set.
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(payload.at(-1)!);
      const loose = payload.slice(0, -1) + alphabet[last | 1];
      expect(Buffer.from(loose, 'base64url')).toEqual(Buffer.from(payload, 'base64url'));
      expect(await codeOf(v.verifyReceipt(sign(loose), opts))).toBe('ERR_TOKEN_MALFORMED');
      // A length of 1 mod 4 is never base64url.
      expect(await codeOf(v.verifyReceipt(sign(`${payload}AAA`), opts))).toBe('ERR_TOKEN_MALFORMED');
    });

    it('small-order public keys (identity and the other RFC 8032 / libsodium blocklist encodings)', async () => {
      const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
      const canonical = [
        `00${'00'.repeat(31)}`, // 0, order 4
        `01${'00'.repeat(31)}`, // 1, the identity
        '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
        'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
        `ec${'ff'.repeat(30)}7f`, // p - 1, order 2
        `ed${'ff'.repeat(30)}7f`, // p: non-canonical 0
        `ee${'ff'.repeat(30)}7f`, // p + 1: non-canonical 1
      ];
      // ... and each with the sign bit set.
      const all = canonical.flatMap((h) => [
        h,
        h.slice(0, 62) + (Number.parseInt(h.slice(62), 16) | 0x80).toString(16),
      ]);
      expect(new Set(all).size).toBe(14);
      for (const h of all) {
        const x = b64(hex(h));
        const jwk = { kty: 'OKP', crv: 'Ed25519', x, kid: 'weak' };
        expect(() => v.createLocalJwks({ keys: [jwk] }), h).toThrow(
          expect.objectContaining({ code: 'ERR_JWKS_INVALID', path: '$.keys[0].x' }),
        );
        expect(() => v.createLocalJwks({ x, kty: 'OKP', crv: 'Ed25519' })).toThrow(/small-order/);
        expect(
          await codeOf(
            v.verifyEd25519({ key: jwk as never, data: new Uint8Array(1), signature: new Uint8Array(64) }),
          ),
        ).toBe('ERR_JWKS_INVALID');
      }
      // The forgery the blocklist stops: with the identity as key, R = identity, S = 0 verifies any
      // message; no private key is needed.
      const identity = { kty: 'OKP', crv: 'Ed25519', x: b64(hex(canonical[1]!)), kid: 'weak' };
      const forged = `${b64(JSON.stringify({ alg: 'EdDSA', typ: RECEIPT_TYP, kid: 'weak' }))}.${b64(JSON.stringify(receiptClaims()))}.${b64(hex(canonical[1]! + '00'.repeat(32)))}`;
      expect(await codeOf(v.verifyReceipt(forged, { keys: { keys: [identity] }, issuer: ISSUER }))).toBe(
        'ERR_JWKS_INVALID',
      );
      expect(
        await codeOf(
          v.verifyEd25519({
            key: identity as never,
            data: new TextEncoder().encode('anything'),
            signature: hex(canonical[1]! + '00'.repeat(32)),
          }),
        ),
      ).toBe('ERR_JWKS_INVALID');
      // A genuine key is not caught by the blocklist.
      expect(() => v.createLocalJwks([key.publicJwk])).not.toThrow();
    });

    it('alg none', async () => {
      const none = `${b64(JSON.stringify({ alg: 'none', typ: RECEIPT_TYP, kid: key.kid }))}.${b64(JSON.stringify(receiptClaims()))}.`;
      expect(await codeOf(v.verifyReceipt(none, opts))).toBe('ERR_ALG_UNSUPPORTED');
      const noneSigned = `${none}${b64('x'.repeat(64))}`;
      expect(await codeOf(v.verifyReceipt(noneSigned, opts))).toBe('ERR_ALG_UNSUPPORTED');
    });

    it('HS256 signed with the public key as the secret', async () => {
      const header = b64(JSON.stringify({ alg: 'HS256', typ: RECEIPT_TYP, kid: key.kid }));
      const input = `${header}.${b64(JSON.stringify(receiptClaims()))}`;
      const secrets = [
        Buffer.from(key.publicJwk.x as string, 'base64url'),
        Buffer.from(key.publicJwk.x as string),
        Buffer.from(key.publicKey.export({ format: 'pem', type: 'spki' }) as string),
        Buffer.from(JSON.stringify(key.publicJwk)),
      ];
      for (const secret of secrets) {
        const mac = createHmac('sha256', secret).update(input).digest();
        expect(await codeOf(v.verifyReceipt(`${input}.${b64(mac)}`, opts))).toBe('ERR_ALG_UNSUPPORTED');
      }
      for (const alg of ['HS384', 'HS512', 'RS256', 'ES256', 'PS256', 'EdDSA ', 'eddsa']) {
        const h = b64(JSON.stringify({ alg, typ: RECEIPT_TYP, kid: key.kid }));
        const jws = `${h}.${segments(signReceipt(key))[1]}.${segments(signReceipt(key))[2]}`;
        expect(await codeOf(v.verifyReceipt(jws, opts))).toBe('ERR_ALG_UNSUPPORTED');
      }
    });

    it('a kid that names another key', async () => {
      const jws = signReceipt(key, {}, { kid: other.kid });
      expect(await codeOf(v.verifyReceipt(jws, opts))).toBe('ERR_SIGNATURE_INVALID');
    });

    it('a payload changed after signing', async () => {
      const [h, , s] = segments(signReceipt(key));
      const changed = receiptClaims({
        cns: { ads: { status: 'given', hash: 'LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ' } },
      });
      expect(await codeOf(v.verifyReceipt(`${h}.${b64(JSON.stringify(changed))}.${s}`, opts))).toBe(
        'ERR_SIGNATURE_INVALID',
      );
      // Flipping one bit of the signature is caught too.
      const sig = Buffer.from(s, 'base64url');
      sig[10] = (sig[10] ?? 0) ^ 1;
      const [h2, p2] = segments(signReceipt(key));
      expect(await codeOf(v.verifyReceipt(`${h2}.${p2}.${b64(sig)}`, opts))).toBe('ERR_SIGNATURE_INVALID');
    });

    it('characters that a lenient decoder would map onto the signed bytes', async () => {
      // '~~~' puts a '~' (0x7e) at the end of some 3-byte group, which encodes as '-' in the payload;
      // signatures are random, so sign until one holds a '-' or '_' too (1 in 16 does not).
      const pol = { version: '~~~', hash: 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0' };
      let jws = signReceipt(key, { pol });
      for (let n = 0; n < 200 && !/[-_]/.test(segments(jws)[2]); n++) jws = signReceipt(key, { pol });
      expect(segments(jws)[1]).toMatch(/[-_]/);
      expect(segments(jws)[2]).toMatch(/[-_]/);
      const [h, p, s] = segments(jws);
      const i = 20;
      const shifted = String.fromCharCode(p.charCodeAt(i) + 256); // same low byte in latin1
      expect(
        await codeOf(v.verifyReceipt(`${h}.${p.slice(0, i)}${shifted}${p.slice(i + 1)}.${s}`, opts)),
      ).toBe('ERR_SIGNATURE_INVALID');
      const toStd = (x: string) => x.replace(/[-_]/, (c) => (c === '-' ? '+' : '/'));
      expect(await codeOf(v.verifyReceipt(`${h}.${toStd(p)}.${s}`, opts))).toBe('ERR_SIGNATURE_INVALID');
      expect(await codeOf(v.verifyReceipt(`${h}.${p}=.${s}`, opts))).toBe('ERR_SIGNATURE_INVALID');
      expect(await codeOf(v.verifyReceipt(`${h}.${p}.${toStd(s)}`, opts))).toBe('ERR_TOKEN_MALFORMED');
      expect(await codeOf(v.verifyReceipt(`${h}.${p}.${s}==`, opts))).toBe('ERR_TOKEN_MALFORMED');
    });

    it('a truncated signature', async () => {
      const jws = signReceipt(key);
      const [h, p, s] = segments(jws);
      const sig = Buffer.from(s, 'base64url');
      for (const bytes of [63, 48, 32, 1]) {
        const truncated = `${h}.${p}.${b64(sig.subarray(0, bytes))}`;
        expect(await codeOf(v.verifyReceipt(truncated, opts))).toBe('ERR_SIGNATURE_INVALID');
      }
      // 85 characters is not a valid base64url length at all.
      expect(await codeOf(v.verifyReceipt(jws.slice(0, -1), opts))).toBe('ERR_TOKEN_MALFORMED');
      expect(await codeOf(v.verifyReceipt(jws.slice(0, jws.lastIndexOf('.') + 1), opts))).toBe(
        'ERR_SIGNATURE_INVALID',
      );
    });

    it('a receipt past exp, and one issued in the future', async () => {
      const now = Math.floor(Date.now() / 1000);
      const expired = signReceipt(key, { iat: now - 7200, exp: now - 3600 });
      expect(await codeOf(v.verifyReceipt(expired, opts))).toBe('ERR_TOKEN_EXPIRED');
      // Within the clock tolerance it still passes; with none it does not.
      const justExpired = signReceipt(key, { iat: now - 100, exp: now - 10 });
      expect((await v.verifyReceipt(justExpired, opts)).exp).toBe(now - 10);
      expect(await codeOf(v.verifyReceipt(justExpired, { ...opts, clockToleranceSeconds: 0 }))).toBe(
        'ERR_TOKEN_EXPIRED',
      );
      const future = signReceipt(key, { iat: now + 3600, exp: now + 7200 });
      expect(await codeOf(v.verifyReceipt(future, opts))).toBe('ERR_TOKEN_NOT_YET_VALID');
      expect((await v.verifyReceipt(future, { ...opts, now: (now + 3600) * 1000 })).iat).toBe(now + 3600);
      expect((await v.verifyReceipt(expired, { ...opts, now: new Date((now - 5000) * 1000) })).exp).toBe(
        now - 3600,
      );
    });
  });

  it('rejects a kid that is missing or unknown, and a kid naming a non-Ed25519 key', async () => {
    expect(await codeOf(v.verifyReceipt(signReceipt(key, {}, { kid: undefined }), opts))).toBe(
      'ERR_TOKEN_MALFORMED',
    );
    expect(await codeOf(v.verifyReceipt(signReceipt(key, {}, { kid: '' }), opts))).toBe(
      'ERR_TOKEN_MALFORMED',
    );
    expect(await codeOf(v.verifyReceipt(signReceipt(key, {}, { kid: 'nope' }), opts))).toBe(
      'ERR_KID_UNKNOWN',
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
    const mixed = v.createLocalJwks({ keys: [{ ...rsa, kid: 'rsa-1' } as node.Jwk, key.publicJwk] });
    const jws = signReceipt(key, {}, { kid: 'rsa-1' });
    expect(await codeOf(v.verifyReceipt(jws, { jwks: mixed, issuer: ISSUER }))).toBe('ERR_ALG_UNSUPPORTED');
    const x25519 = { kty: 'OKP', crv: 'X25519', x: key.publicJwk.x as string, kid: 'x' };
    const jws2 = signReceipt(key, {}, { kid: 'x' });
    expect(await codeOf(v.verifyReceipt(jws2, { keys: [x25519], issuer: ISSUER }))).toBe(
      'ERR_ALG_UNSUPPORTED',
    );
    const encKey = { ...key.publicJwk, use: 'enc' };
    expect(await codeOf(v.verifyReceipt(signReceipt(key), { keys: [encKey], issuer: ISSUER }))).toBe(
      'ERR_ALG_UNSUPPORTED',
    );
  });

  it('stops trusting a key removed in place from the keys object it was given before', async () => {
    const keys = [key.publicJwk, other.publicJwk];
    const jws = signReceipt(other);
    expect((await v.verifyReceipt(jws, { keys, issuer: ISSUER })).jti).toBeTruthy();
    // The compromised key goes from the same array the service keeps passing.
    keys.pop();
    expect(await codeOf(v.verifyReceipt(jws, { keys, issuer: ISSUER }))).toBe('ERR_KID_UNKNOWN');
    // And a key added in place is found.
    keys.push(other.publicJwk);
    expect((await v.verifyReceipt(jws, { keys, issuer: ISSUER })).jti).toBeTruthy();
  });

  it('rejects the wrong typ, the wrong issuer and crit headers', async () => {
    expect(await codeOf(v.verifyReceipt(signReceipt(key, {}, { typ: 'JWT' }), opts))).toBe(
      'ERR_TYP_MISMATCH',
    );
    expect(await codeOf(v.verifyReceipt(signReceipt(key, {}, { typ: undefined }), opts))).toBe(
      'ERR_TYP_MISMATCH',
    );
    expect(await codeOf(v.verifyReceipt(signReceipt(key, {}, { typ: 'assent-sth+jwt' }), opts))).toBe(
      'ERR_TYP_MISMATCH',
    );
    expect(await codeOf(v.verifyReceipt(signReceipt(key, { iss: 'https://evil.example' }), opts))).toBe(
      'ERR_ISSUER_MISMATCH',
    );
    expect(await codeOf(v.verifyReceipt(signReceipt(key, {}, { crit: ['exp'] }), opts))).toBe(
      'ERR_TOKEN_MALFORMED',
    );
  });

  it('rejects malformed tokens and claims with a path', async () => {
    for (const bad of ['', 'a.b', 'a.b.c.d', '.a.b', `${'a'.repeat(40_000)}.b.c`, 'eyJ9.e30.AA', 'a!.b.c']) {
      expect(await codeOf(v.verifyReceipt(bad, opts))).toBe('ERR_TOKEN_MALFORMED');
    }
    // A non-canonical base64url signature (trailing bits set) is refused, not decoded loosely.
    const [h, p, s] = segments(signReceipt(key));
    const last = s.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1]!;
    expect(await codeOf(v.verifyReceipt(`${h}.${p}.${s.slice(0, -1)}${sibling}`, opts))).toBe(
      'ERR_TOKEN_MALFORMED',
    );
    const cases: [Record<string, unknown>, string][] = [
      [{ sub: 'short' }, '$.sub'],
      [{ jti: 'not-a-uuid' }, '$.jti'],
      [{ exp: '1' }, '$.exp'],
      [{ pol: { version: '1' } }, '$.pol.hash'],
      [{ cns: { ads: { status: 'maybe', hash: 'x' } } }, '$.cns.ads.status'],
      [{ cns: { Ads: { status: 'given', hash: 'x' } } }, '$.cns.Ads'],
      [{ mth: 'telepathy' }, '$.mth'],
      [{ gpc: 'yes' }, '$.gpc'],
      [{ gpc: 1 }, '$.gpc'],
      [{ seq: -1 }, '$.seq'],
      [{ lh: 'short' }, '$.lh'],
      [{ iss: 5 }, '$.iss'],
    ];
    for (const [override, path] of cases) {
      const jws = signJws(
        { alg: 'EdDSA', typ: RECEIPT_TYP, kid: key.kid },
        { ...receiptClaims(), ...override },
        key.privateKey,
      );
      await expect(v.verifyReceipt(jws, opts)).rejects.toMatchObject({ code: 'ERR_TOKEN_MALFORMED', path });
    }
    const notJson = signJws({ alg: 'EdDSA', typ: RECEIPT_TYP, kid: key.kid }, 'not json', key.privateKey);
    expect(await codeOf(v.verifyReceipt(notJson, opts))).toBe('ERR_TOKEN_MALFORMED');
    const array = signJws({ alg: 'EdDSA', typ: RECEIPT_TYP, kid: key.kid }, '[1]', key.privateKey);
    expect(await codeOf(v.verifyReceipt(array, opts))).toBe('ERR_TOKEN_MALFORMED');
  });

  it('throws TypeError for wrong arguments, naming the option', async () => {
    const jws = signReceipt(key);
    await expect(v.verifyReceipt(jws, { jwks } as never)).rejects.toThrow(/issuer/);
    await expect(v.verifyReceipt(jws, { issuer: ISSUER } as never)).rejects.toThrow(/keys or jwks/);
    await expect(v.verifyReceipt(jws, { ...opts, clockToleranceSeconds: 301 })).rejects.toThrow(
      /clockToleranceSeconds must be a number from 0 to 300/,
    );
    expect(await v.verifyReceipt(jws, { ...opts, clockToleranceSeconds: 300 })).toBeTruthy();
    await expect(v.verifyReceipt(jws, { ...opts, clockToleranceSeconds: -1 })).rejects.toThrow(
      /clockToleranceSeconds/,
    );
    await expect(v.verifyReceipt(jws, { ...opts, now: new Date('nope') })).rejects.toThrow(/now/);
    await expect(v.verifyReceipt(42 as unknown as string, opts)).rejects.toThrow(TypeError);
    const foreign = (v === node ? web : node).createLocalJwks([key.publicJwk]);
    await expect(v.verifyReceipt(jws, { jwks: foreign, issuer: ISSUER })).rejects.toThrow(/entry/);
  });

  it('refuses malformed key sets', () => {
    expect(() => v.createLocalJwks({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'short' }] })).toThrow(
      v.JwksInvalid,
    );
    expect(() => v.createLocalJwks({ nope: [] } as never)).toThrow(v.JwksInvalid);
    expect(() => v.createLocalJwks([key.publicJwk, key.publicJwk])).toThrow(/duplicate kid/);
    expect(() => v.createLocalJwks([key.privateJwk])).toThrow(/private key/);
    // Keys without kid are addressed by their thumbprint.
    const { kid: _kid, ...bare } = key.publicJwk;
    expect(() => v.createLocalJwks([bare]).get(key.kid)).not.toThrow();
  });

  describe('interop with jose', () => {
    it('receipts signed by jose verify here', async () => {
      const privateKey = await importJWK(key.privateJwk, 'EdDSA');
      const claims = receiptClaims();
      const { iss, iat, exp, sub, jti, ...rest } = claims;
      const jws = await new SignJWT(rest)
        .setProtectedHeader({ alg: 'EdDSA', typ: RECEIPT_TYP, kid: key.kid })
        .setIssuer(iss)
        .setSubject(sub)
        .setJti(jti)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(privateKey);
      expect(await v.verifyReceipt(jws, opts)).toEqual(claims);
    });

    it('tokens made here verify with jose', async () => {
      const jws = signReceipt(key);
      const publicKey = await importJWK(key.publicJwk, 'EdDSA');
      const { payload, protectedHeader } = await jwtVerify(jws, publicKey, {
        issuer: ISSUER,
        typ: RECEIPT_TYP,
      });
      expect(payload).toEqual(await v.verifyReceipt(jws, opts));
      expect(protectedHeader.kid).toBe(key.kid);
      const link = await v.createLinkToken({
        customerId: 'c-1',
        subject: payload.sub as string,
        key: key.privateJwk,
      });
      const verified = await jwtVerify(link, publicKey, { typ: 'assent-link+jwt' });
      expect(verified.payload.cid).toBe('c-1');
      expect(verified.protectedHeader).toEqual({ alg: 'EdDSA', typ: 'assent-link+jwt', kid: key.kid });
    });
  });
});
