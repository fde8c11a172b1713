// Key file, environment key, rotation: receipts stay verifiable until they expire.
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createKeyStore,
  importKeyStore,
  KeyStoreInvalid,
  loadOrCreateKeyStore,
  parseKeyStore,
  readKeyStoreFile,
  rotateKeyStore,
  saveKeyStore,
} from '@assent/ledger';
import { thumbprint, verifyReceipt, verifyTreeHead } from '@assent/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, fixture, makeEvent } from './helpers.js';

describe('key file', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await fixture('sqlite');
  });
  afterAll(async () => {
    await fx.cleanup();
  });

  it('creates an Ed25519 key on first start with mode 0600, and reads the same key afterwards', async () => {
    const file = join(fx.dir, 'first.key');
    const a = await loadOrCreateKeyStore({ file });
    expect(a.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const b = await loadOrCreateKeyStore({ file });
    expect(b.created).toBe(false);
    expect(b.data).toEqual(a.data);
    const keys = importKeyStore(a.data);
    expect(keys.kid).toBe(thumbprint({ kty: 'OKP', crv: 'Ed25519', x: a.data.keys[0]!.x }));
    expect(keys.jwks.keys).toEqual([
      { kty: 'OKP', crv: 'Ed25519', x: a.data.keys[0]!.x, kid: keys.kid, alg: 'EdDSA', use: 'sig' },
    ]);
    expect(JSON.stringify(keys.jwks)).not.toContain('"d"');
  });

  it('refuses a key file that others can read, and malformed key documents', async () => {
    const file = join(fx.dir, 'open.key');
    writeFileSync(file, JSON.stringify(createKeyStore()));
    chmodSync(file, 0o644);
    await expect(readKeyStoreFile(file)).rejects.toBeInstanceOf(KeyStoreInvalid);
    await expect(readKeyStoreFile(file)).rejects.toMatchObject({ code: 'ERR_KEYSTORE_INVALID' });
    const good = createKeyStore();
    const bad: Array<[unknown, string]> = [
      [null, '$'],
      [{ ...good, version: 2 }, '$.version'],
      [{ ...good, secret: 'c2hvcnQ' }, '$.secret'],
      [{ ...good, keys: [] }, '$.keys'],
      [{ ...good, keys: [{ ...good.keys[0], kid: 'nope' }] }, '$.keys[0].kid'],
      [{ ...good, keys: [{ ...good.keys[0], d: undefined }] }, '$.keys[0].d'],
    ];
    for (const [doc, path] of bad) {
      expect(() => parseKeyStore(doc)).toThrow(KeyStoreInvalid);
      try {
        parseKeyStore(doc);
      } catch (e) {
        expect((e as KeyStoreInvalid).path).toBe(path);
      }
    }
    const other = createKeyStore();
    expect(() => importKeyStore({ ...good, keys: [{ ...good.keys[0]!, d: other.keys[0]!.d }] })).toThrow(
      KeyStoreInvalid,
    );
  });

  it('takes the key document from ASSENT_LEDGER_KEY', async () => {
    const data = createKeyStore();
    const r = await loadOrCreateKeyStore({ file: join(fx.dir, 'unused.key'), env: JSON.stringify(data) });
    expect(r.source).toBe('env');
    expect(r.data.keys[0]!.kid).toBe(data.keys[0]!.kid);
    await expect(loadOrCreateKeyStore({ env: '{not json' })).rejects.toBeInstanceOf(KeyStoreInvalid);
  });

  it('rotation keeps the retired public key published until its receipts expire', async () => {
    const now = new Date('2026-03-01T00:00:00.000Z');
    const v1 = createKeyStore(now);
    const v2 = rotateKeyStore(v1, { receiptTtlSeconds: 30 * 86_400, now });
    expect(v2.keys).toHaveLength(2);
    expect(v2.keys[0]!.kid).not.toBe(v1.keys[0]!.kid);
    expect(v2.keys[1]).toMatchObject({
      kid: v1.keys[0]!.kid,
      retiredAt: now.toISOString(),
      publishUntil: '2026-04-01T00:00:00.000Z',
    });
    expect(v2.keys[1]!.d).toBeUndefined();
    expect(v2.secret).toBe(v1.secret);
    const during = importKeyStore(v2, new Date('2026-03-31T23:00:00.000Z'));
    expect(during.jwks.keys.map((k) => k.kid)).toEqual([v2.keys[0]!.kid, v1.keys[0]!.kid]);
    const after = importKeyStore(v2, new Date('2026-04-01T00:00:01.000Z'));
    expect(after.jwks.keys.map((k) => k.kid)).toEqual([v2.keys[0]!.kid]);
    expect(after.allKeys.keys).toHaveLength(2);
    expect(() => rotateKeyStore(v1, { receiptTtlSeconds: 0 })).toThrow(TypeError);
    const file = join(fx.dir, 'rotated.key');
    await saveKeyStore(file, v2);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await readKeyStoreFile(file)).toEqual(v2);
  });

  it('a ledger restarted after rotation signs with the new key; old receipts and tree heads still verify', async () => {
    const v1 = createKeyStore();
    const a = await fx.ledger({ keys: v1 });
    const [old] = await a.append([makeEvent()]);
    const oldHead = await a.treeHead();
    await a.close();
    const v2 = rotateKeyStore(v1, { receiptTtlSeconds: 365 * 86_400 });
    const b = await fx.ledger({ keys: v2 });
    const [fresh] = await b.append([makeEvent()]);
    const jwks = b.jwks();
    expect(jwks.keys.map((k) => k.kid)).toEqual([v2.keys[0]!.kid, v1.keys[0]!.kid]);
    const header = (jws: string) => JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString());
    expect(header(fresh!).kid).toBe(v2.keys[0]!.kid);
    expect(header(old!).kid).toBe(v1.keys[0]!.kid);
    await verifyReceipt(old!, { keys: jwks, issuer: 'https://ledger.test' });
    await verifyReceipt(fresh!, { keys: jwks, issuer: 'https://ledger.test' });
    await verifyTreeHead(oldHead.jws, { keys: jwks });
    const report = await b.verify();
    expect(report.signaturesChecked).toBe(true);
    expect(report.ok).toBe(true);
  });

  it('refuses to start without keys, and names bad options', async () => {
    const { createLedger } = await import('@assent/ledger');
    const saved = process.env.ASSENT_LEDGER_KEY;
    delete process.env.ASSENT_LEDGER_KEY;
    await expect(createLedger({})).rejects.toThrow(/keys or keyFile/);
    if (saved !== undefined) process.env.ASSENT_LEDGER_KEY = saved;
    const keys = createKeyStore();
    await expect(createLedger({ keys, corsOrigins: ['shop.example'] })).rejects.toThrow(/corsOrigins/);
    await expect(createLedger({ keys, receiptTtlSeconds: -1 })).rejects.toThrow(/receiptTtlSeconds/);
  });
});
