import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSubjectId, TREE_HEAD_TYP, utf8 } from '@assent/core/protocol';
import * as node from '@assent/verifier';
import * as web from '@assent/verifier/web';
import { describe, expect, it } from 'vitest';
import { makeKey, signJws } from './helpers.js';

const rfc8037 = JSON.parse(readFileSync(join(import.meta.dirname, 'vectors', 'rfc8037.json'), 'utf8'));

describe.each([
  ['node', node],
  ['web', web],
] as const)('tokens (%s entry)', (_name, v) => {
  it('RFC 8037 Appendix A: thumbprint matches and the example JWS verifies', async () => {
    expect(v.thumbprint(rfc8037.publicJwk)).toBe(rfc8037.thumbprint);
    expect(v.thumbprint(rfc8037.privateJwk)).toBe(rfc8037.thumbprint);
    const [h, p, s] = (rfc8037.jws as string).split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual(rfc8037.protectedHeader);
    expect(Buffer.from(p, 'base64url').toString()).toBe(rfc8037.payload);
    const signature = new Uint8Array(Buffer.from(s, 'base64url'));
    await v.verifyEd25519({ key: rfc8037.publicJwk, data: utf8(`${h}.${p}`), signature });
    const tampered = utf8(`${h}.${p}x`);
    await expect(v.verifyEd25519({ key: rfc8037.publicJwk, data: tampered, signature })).rejects.toThrow(
      v.SignatureInvalid,
    );
  });

  it('link tokens round-trip with a KeyObject, a CryptoKey and a private JWK', async () => {
    const k = makeKey();
    const jwks = v.createLocalJwks({ keys: [k.publicJwk] });
    const subject = createSubjectId();
    const now = Date.now();
    const cryptoKey = await crypto.subtle.importKey('jwk', k.privateJwk, 'Ed25519', true, ['sign']);
    const inputs = v === node ? [k.privateKey, cryptoKey, k.privateJwk] : [cryptoKey, k.privateJwk];
    for (const key of inputs) {
      const token = await v.createLinkToken({ customerId: 'cust-42', subject, key, ttlSeconds: 120, now });
      const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
      expect(header).toEqual({ alg: 'EdDSA', typ: 'assent-link+jwt', kid: k.kid });
      const claims = await v.verifyLinkToken(token, { jwks, now });
      expect(claims).toEqual({
        sub: subject,
        cid: 'cust-42',
        iat: Math.floor(now / 1000),
        exp: Math.floor(now / 1000) + 120,
      });
      await expect(v.verifyLinkToken(token, { jwks, now: now + 200_000 })).rejects.toMatchObject({
        code: 'ERR_TOKEN_EXPIRED',
      });
      // A link token is not a receipt.
      await expect(v.verifyReceipt(token, { jwks, issuer: 'x' })).rejects.toMatchObject({
        code: 'ERR_TYP_MISMATCH',
      });
    }
  });

  it('createLinkToken names the option it rejects', async () => {
    const k = makeKey();
    const subject = createSubjectId();
    await expect(v.createLinkToken({ customerId: '', subject, key: k.privateJwk })).rejects.toThrow(
      /customerId/,
    );
    await expect(v.createLinkToken({ customerId: 'c', subject: 'nope', key: k.privateJwk })).rejects.toThrow(
      /subject/,
    );
    await expect(
      v.createLinkToken({ customerId: 'c', subject, key: k.privateJwk, ttlSeconds: 0 }),
    ).rejects.toThrow(/ttlSeconds/);
    const pub = await crypto.subtle.importKey('jwk', k.publicJwk, 'Ed25519', true, ['verify']);
    await expect(v.createLinkToken({ customerId: 'c', subject, key: pub })).rejects.toThrow(TypeError);
  });

  it('verifies signed tree heads and refuses other token types', async () => {
    const k = makeKey();
    const head = {
      treeSize: 12,
      rootHash: 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0',
      timestamp: 1_700_000_000_000,
    };
    const jws = signJws({ alg: 'EdDSA', typ: TREE_HEAD_TYP, kid: k.kid }, head, k.privateKey);
    expect(await v.verifyTreeHead(jws, { keys: [k.publicJwk] })).toEqual(head);
    const bad = signJws(
      { alg: 'EdDSA', typ: TREE_HEAD_TYP, kid: k.kid },
      { ...head, treeSize: -1 },
      k.privateKey,
    );
    await expect(v.verifyTreeHead(bad, { keys: [k.publicJwk] })).rejects.toMatchObject({
      code: 'ERR_TOKEN_MALFORMED',
      path: '$.treeSize',
    });
    const link = signJws({ alg: 'EdDSA', typ: 'assent-link+jwt', kid: k.kid }, head, k.privateKey);
    await expect(v.verifyTreeHead(link, { keys: [k.publicJwk] })).rejects.toThrow(v.TypeMismatch);
  });

  it('tree heads: size 0 carries the empty-tree root; no timestamps from the future (audit #6)', async () => {
    const k = makeKey();
    const keys = [k.publicJwk];
    const sign = (head: object) =>
      signJws({ alg: 'EdDSA', typ: TREE_HEAD_TYP, kid: k.kid }, head, k.privateKey);
    const EMPTY = '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU';
    const now = Date.now();
    const empty = { treeSize: 0, rootHash: EMPTY, timestamp: now };
    expect(await v.verifyTreeHead(sign(empty), { keys })).toEqual(empty);
    await expect(
      v.verifyTreeHead(sign({ ...empty, rootHash: 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0' }), { keys }),
    ).rejects.toMatchObject({ code: 'ERR_TOKEN_MALFORMED', path: '$.rootHash' });
    // The year 2286, and anything past the clock tolerance (default 30 s), is refused.
    const head = { treeSize: 5, rootHash: 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0', timestamp: 1e13 };
    await expect(v.verifyTreeHead(sign(head), { keys })).rejects.toMatchObject({
      code: 'ERR_TOKEN_NOT_YET_VALID',
      path: '$.timestamp',
    });
    const at = { ...head, timestamp: 1_700_000_000_000 };
    expect(await v.verifyTreeHead(sign(at), { keys, now: 1_700_000_000_000 - 29_000 })).toEqual(at);
    await expect(v.verifyTreeHead(sign(at), { keys, now: 1_700_000_000_000 - 31_000 })).rejects.toMatchObject(
      { code: 'ERR_TOKEN_NOT_YET_VALID' },
    );
    expect(
      await v.verifyTreeHead(sign(at), {
        keys,
        now: 1_700_000_000_000 - 100_000,
        clockToleranceSeconds: 120,
      }),
    ).toEqual(at);
    await expect(v.verifyTreeHead(sign(at), { keys, clockToleranceSeconds: 301 })).rejects.toThrow(TypeError);
  });
});
