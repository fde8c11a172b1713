// The two Ed25519 backends (libsodium through sodium-native, node:crypto) against public vectors and
// each other: Ed25519 is deterministic, so for the same key and message they must give the same
// bytes, on the event loop, on the signing threads and on the SQLite writer thread, and a ledger
// must issue the same receipts whichever it uses.
import { createPrivateKey, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECEIPT_TYP } from '@assent/core/protocol';
import { createKeyStore, createLedger, type Ledger } from '@assent/ledger';
import { verifyReceipt } from '@assent/verifier';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createEd25519Signer, loadSodium, sodiumFor } from '../src/lib/ed25519.js';
import { Signer } from '../src/signer.js';
import { makeEvent } from './helpers.js';

const vectors = join(import.meta.dirname, 'vectors');
const read = (f: string) => JSON.parse(readFileSync(join(vectors, f), 'utf8'));

interface WycheproofTest {
  tcId: number;
  msg: string;
  sig: string;
  result: 'valid' | 'invalid';
}
const wycheproof = read('wycheproof/ed25519_test.json') as {
  testGroups: Array<{ publicKey: { pk: string }; tests: WycheproofTest[] }>;
};
const secretKeys = read('wycheproof/ed25519_keys.json').keys as Record<string, string>;
const rfc8037 = read('rfc8037.json');

// An Ed25519 private KeyObject from its 32-byte RFC 8032 secret (PKCS #8 prefix + seed).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const keyFromSeed = (seed: Uint8Array): KeyObject =>
  createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });

const SODIUM = loadSodium();
const BACKENDS = [
  ['libsodium', SODIUM],
  ['node:crypto', undefined],
] as const;

describe('sodium-native', () => {
  it('is installed and loads here, so the default backend of every ledger test is libsodium', () => {
    expect(SODIUM).toMatch(/sodium-native/);
    expect(sodiumFor('auto')).toBe(SODIUM);
  });
});

describe('Wycheproof Ed25519 vectors (every valid one whose secret key is published)', () => {
  const cases = wycheproof.testGroups.flatMap((g) =>
    g.tests.map((t) => ({ ...t, pk: g.publicKey.pk, sk: secretKeys[g.publicKey.pk] })),
  );

  it('every published secret key belongs to its public key', () => {
    for (const [pk, sk] of Object.entries(secretKeys)) {
      const spki = createPublicKey(keyFromSeed(Buffer.from(sk, 'hex'))).export({
        format: 'der',
        type: 'spki',
      });
      expect(spki.subarray(-32).toString('hex')).toBe(pk);
    }
  });

  it('the published secret keys cover every valid vector but one (a key testvectors_v1 added without its secret)', () => {
    const valid = cases.filter((c) => c.result === 'valid');
    expect(valid).toHaveLength(88);
    expect(valid.filter((c) => c.sk === undefined).map((c) => c.pk)).toEqual([
      '100fdf47fb94f1536a4f7c3fda27383fa03375a8f527c537e6f1703c47f94f86',
    ]);
  });

  for (const [name, sodium] of BACKENDS) {
    it(`${name}: signing each valid vector's message with its key gives exactly its signature`, () => {
      let n = 0;
      for (const c of cases) {
        if (c.result !== 'valid' || c.sk === undefined) continue;
        const signer = createEd25519Signer(keyFromSeed(Buffer.from(c.sk, 'hex')), sodium);
        expect(signer.backend).toBe(name);
        const sig = Buffer.from(signer.sign(Buffer.from(c.msg, 'hex')), 'base64url').toString('hex');
        expect({ tcId: c.tcId, sig }).toEqual({ tcId: c.tcId, sig: c.sig });
        signer.close();
        n++;
      }
      expect(n).toBe(87);
    });

    it(`${name}: never produces an invalid vector's signature; what it produces verifies`, () => {
      let n = 0;
      for (const c of cases) {
        if (c.result !== 'invalid') continue;
        // Every invalid vector is refused by node:crypto's verifier (a second check of the data).
        const pub = createPublicKey({
          key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(c.pk, 'hex')]),
          format: 'der',
          type: 'spki',
        });
        const msg = Buffer.from(c.msg, 'hex');
        expect(verify(null, msg, pub, Buffer.from(c.sig, 'hex'))).toBe(false);
        if (c.sk === undefined) continue;
        const sig = createEd25519Signer(keyFromSeed(Buffer.from(c.sk, 'hex')), sodium).sign(msg);
        expect(Buffer.from(sig, 'base64url').toString('hex')).not.toBe(c.sig);
        expect(verify(null, msg, pub, Buffer.from(sig, 'base64url'))).toBe(true);
        n++;
      }
      expect(n).toBe(62);
    });

    it(`${name}: the RFC 8037 Appendix A.4 JWS, byte for byte`, () => {
      const key = createPrivateKey({ key: rfc8037.privateJwk, format: 'jwk' });
      const input = rfc8037.jws.split('.').slice(0, 2).join('.');
      expect(`${input}.${createEd25519Signer(key, sodium).sign(Buffer.from(input))}`).toBe(rfc8037.jws);
    });
  }
});

describe('libsodium and node:crypto give the same JWS', () => {
  const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const payloads = fc.array(
    fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
    { minLength: 1, maxLength: 40 },
  );

  it('on the event loop, for random keys and payloads (signMany and signSync)', async () => {
    await fc.assert(
      fc.asyncProperty(seed, payloads, async (s, texts) => {
        const key = keyFromSeed(s);
        const a = new Signer('kid-1', key, 0, 'libsodium');
        const b = new Signer('kid-1', key, 0, 'node:crypto');
        expect([a.backend, b.backend]).toEqual(['libsodium', 'node:crypto']);
        expect(await a.signMany(RECEIPT_TYP, texts)).toEqual(await b.signMany(RECEIPT_TYP, texts));
        const h = a.header('t');
        expect(a.signSync(h, texts)).toBe(b.signSync(h, texts));
        await a.close();
        await b.close();
      }),
      { numRuns: 60 },
    );
  });

  it('on signing threads (batches of 16 and more go to a thread) as inline', async () => {
    await fc.assert(
      fc.asyncProperty(
        seed,
        fc.array(fc.string({ unit: 'binary' }), { minLength: 16, maxLength: 80 }),
        async (s, strs) => {
          const texts = strs.map((t) => JSON.stringify({ t }));
          const key = keyFromSeed(s);
          const threaded = new Signer('kid-2', key, 2, 'libsodium');
          const inline = new Signer('kid-2', key, 0, 'node:crypto');
          try {
            expect(await threaded.signMany(RECEIPT_TYP, texts)).toEqual(
              await inline.signMany(RECEIPT_TYP, texts),
            );
          } finally {
            await threaded.close();
            await inline.close();
          }
        },
      ),
      { numRuns: 8 },
    );
  });

  it('a closed signer has zeroed its libsodium key and signs any late payload through node:crypto', async () => {
    const key = keyFromSeed(Buffer.alloc(32, 7));
    const a = new Signer('kid-3', key, 0, 'libsodium');
    const b = new Signer('kid-3', key, 0, 'node:crypto');
    const before = a.signSync(a.header('t'), { n: 1 });
    await a.close();
    expect(a.signSync(a.header('t'), { n: 1 })).toBe(before);
    expect(before).toBe(b.signSync(b.header('t'), { n: 1 }));
  });
});

describe('fallback to node:crypto', () => {
  it('a sodium-native that does not load is no error for auto, and an error for libsodium', () => {
    expect(loadSodium('assent-no-such-sodium')).toBeUndefined();
    expect(sodiumFor('auto', 'assent-no-such-sodium')).toBeUndefined();
    expect(sodiumFor('node:crypto')).toBeUndefined();
    expect(() => sodiumFor('libsodium', 'assent-no-such-sodium')).toThrow(/sodium-native/);
  });

  it('a thread whose libsodium fails to load signs the same bytes with node:crypto', () => {
    const key = keyFromSeed(Buffer.alloc(32, 9));
    const broken = createEd25519Signer(key, join(tmpdir(), 'assent-no-such-dir', 'sodium.js'));
    expect(broken.backend).toBe('node:crypto');
    const msg = Buffer.from('eyJhbGciOiJFZERTQSJ9.e30');
    expect(broken.sign(msg)).toBe(createEd25519Signer(key, SODIUM).sign(msg));
  });

  it('signingBackend is checked', async () => {
    await expect(
      createLedger({ keys: createKeyStore(), signingBackend: 'openssl' as never }),
    ).rejects.toThrow(TypeError);
  });
});

describe('ledgers on either backend issue the same receipts and tree heads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'assent-signing-'));
  const open: Ledger[] = [];
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    for (const l of open) await l.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('inline (no threads) and threaded (signing threads, SQLite writer thread), same events at the same instant', async () => {
    const keys = createKeyStore();
    const single = makeEvent();
    const batch = Array.from({ length: 40 }, () => makeEvent());
    // Only Date is frozen, so receivedAt, iat and tree head timestamps agree across the ledgers.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-03-01T12:00:00.000Z') });
    const results: Record<string, { receipts: string[]; head: string; backend: string }> = {};
    for (const signingBackend of ['libsodium', 'node:crypto'] as const)
      for (const signingThreads of [0, 1]) {
        const name = `${signingBackend}/${signingThreads}`;
        const ledger = await createLedger({
          keys,
          issuer: 'https://ledger.test',
          rateLimit: false,
          database: join(dir, `${name.replace(/[/:]/g, '-')}.db`),
          signingThreads,
          signingBackend,
        });
        open.push(ledger);
        // One event (signed by the SQLite writer thread when there is one), then 40 (signing threads).
        const receipts = [...(await ledger.append([single])), ...(await ledger.append(batch))];
        const head = (await ledger.store.refreshTreeHead(true))!.jws;
        results[name] = { receipts, head, backend: ledger.signingBackend };
      }
    vi.useRealTimers();
    const ref = results['node:crypto/0']!;
    expect(ref.receipts).toHaveLength(41);
    for (const [name, r] of Object.entries(results)) {
      expect(r.backend).toBe(name.split('/')[0]);
      expect(r.receipts).toEqual(ref.receipts);
      expect(r.head).toBe(ref.head);
    }
    // And they verify, with the published keys, through @assent/verifier.
    const claims = await verifyReceipt(results['libsodium/1']!.receipts[40]!, {
      keys: open[0]!.jwks(),
      issuer: 'https://ledger.test',
      now: new Date('2026-03-01T12:00:01.000Z'),
    });
    expect(claims.jti).toBe(batch[39]!.id);
  });
});
