// Receipts and signed tree heads as the real ledger issues them (SQLite, its own signer, over HTTP),
// checked by jose as an independent JOSE implementation and by this package, so that neither the
// ledger's hand-written JWS nor our verifier can drift from RFC 7515/8037 unnoticed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ConsentEvent,
  createEventId,
  createSubjectId,
  RECEIPT_TYP,
  TREE_HEAD_TYP,
} from '@assent/core/protocol';
import { createKeyStore, createLedger, type Ledger } from '@assent/ledger';
import * as node from '@assent/verifier';
import * as web from '@assent/verifier/web';
import { calculateJwkThumbprint, compactVerify, createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HASH = 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0';
const ISSUER = 'https://consent.shop.example';
const rfc8037 = JSON.parse(readFileSync(join(import.meta.dirname, 'vectors', 'rfc8037.json'), 'utf8'));

let dir: string;
let ledger: Ledger;
let url: string;
const events: ConsentEvent[] = [];
let receipts: string[] = [];

const event = (method: ConsentEvent['method']): ConsentEvent => ({
  id: createEventId(),
  subject: createSubjectId(),
  at: new Date().toISOString(),
  policy: { version: '2026-01', hash: HASH },
  purposes: { analytics: { status: 'given', hash: HASH }, ads: { status: 'refused', hash: HASH } },
  method,
  locale: 'zh-CN',
  jurisdiction: 'CN',
  gpc: false,
  widget: '0.1.0',
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-verifier-interop-'));
  ledger = await createLedger({
    database: join(dir, 'ledger.db'),
    keys: createKeyStore(),
    issuer: ISSUER,
    rateLimit: false,
  });
  url = await ledger.listen(0, '127.0.0.1');
  events.push(event('banner:reject-all'), event('preferences:save'), { ...event('api'), gpc: true });
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  expect(res.status).toBe(200);
  receipts = ((await res.json()) as { receipts: string[] }).receipts;
});
afterAll(async () => {
  await ledger?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const jwksOf = async () => (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as node.JsonWebKeySet;

describe('receipts from the real ledger', () => {
  it('verify with jose (JWT, issuer, typ, kid = RFC 7638 thumbprint) and here, to the same claims', async () => {
    const jwks = await jwksOf();
    expect(receipts).toHaveLength(events.length);
    for (const [i, jws] of receipts.entries()) {
      const { payload, protectedHeader } = await jwtVerify(jws, createLocalJWKSet(jwks), {
        issuer: ISSUER,
        typ: RECEIPT_TYP,
        algorithms: ['EdDSA', 'Ed25519'],
      });
      const key = jwks.keys.find((k) => k.kid === protectedHeader.kid)!;
      expect(await calculateJwkThumbprint(key, 'sha256')).toBe(protectedHeader.kid);
      expect(payload.jti).toBe(events[i]!.id);
      expect(payload.sub).toBe(events[i]!.subject);
      expect(payload.mth).toBe(events[i]!.method);
      expect(payload.gpc).toBe(events[i]!.gpc);
      for (const v of [node, web])
        expect(await v.verifyReceipt(jws, { jwks: v.createLocalJwks(jwks), issuer: ISSUER })).toEqual(
          payload,
        );
    }
  });

  it('a receipt whose claims were altered (a refusal turned into consent) fails both, jose and ours', async () => {
    const jwks = await jwksOf();
    const jws = receipts[1]!;
    const [h, p, s] = jws.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, cns: { ...claims.cns, ads: { status: 'given', hash: HASH } } })).toString('base64url')}.${s}`;
    await expect(jwtVerify(forged, createLocalJWKSet(jwks), { issuer: ISSUER })).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
    await expect(
      node.verifyReceipt(forged, { jwks: node.createLocalJwks(jwks), issuer: ISSUER }),
    ).rejects.toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
  });

  it('the signed tree head verifies with jose and with verifyTreeHead', async () => {
    const jwks = await jwksOf();
    // The ledger signs a new tree head within a second of new entries.
    let sth = { treeSize: 0, sth: '' };
    await expect
      .poll(async () => {
        sth = (await (await fetch(`${url}/v1/log/sth`)).json()) as typeof sth;
        return sth.treeSize;
      })
      .toBeGreaterThanOrEqual(events.length);
    const { payload, protectedHeader } = await compactVerify(sth.sth, createLocalJWKSet(jwks));
    expect(protectedHeader.typ).toBe(TREE_HEAD_TYP);
    const head = JSON.parse(new TextDecoder().decode(payload));
    expect(head.treeSize).toBeGreaterThanOrEqual(events.length);
    const ours = await node.verifyTreeHead(sth.sth, { jwks: node.createLocalJwks(jwks) });
    expect(ours).toEqual(head);
  });
});

describe('the RFC 8037 example JWS through the receipt parser', () => {
  it('is refused for what a receipt needs (kid), never as a bad signature', async () => {
    const keys = { keys: [{ ...rfc8037.publicJwk, kid: rfc8037.thumbprint }] };
    for (const v of [node, web])
      await expect(v.verifyReceipt(rfc8037.jws, { keys, issuer: ISSUER })).rejects.toMatchObject({
        code: 'ERR_TOKEN_MALFORMED',
        message: expect.stringMatching(/kid/),
      });
  });
});
