// Shared test setup: the example config, a storefront on a free port, and receipts signed with a
// test ledger key that the storefront's checker trusts.
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type AssentConfig,
  createEventId,
  createSubjectId,
  type ConsentStatus,
  policyHash,
  purposeHashes,
  type ReceiptClaims,
} from '@assent/core';
import { createLocalJwks, thumbprint } from '@assent/verifier';
import { createStorefront, type Storefront } from '../src/index.js';

/** The shipped example config; `STOREFRONT_CONFIG` points the tests at another one. */
export const CONFIG_PATH =
  process.env['STOREFRONT_CONFIG'] ?? fileURLToPath(new URL('../../retailer.config.json', import.meta.url));

export function loadConfig(): AssentConfig {
  return JSON.parse(readFileSync(CONFIG_PATH, 'utf8')) as AssentConfig;
}

export interface TestKey {
  privateKey: KeyObject;
  publicJwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string };
}

export function ed25519Key(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const { x } = publicKey.export({ format: 'jwk' }) as { x: string };
  return {
    privateKey,
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x, kid: thumbprint({ kty: 'OKP', crv: 'Ed25519', x }) },
  };
}

const b64 = (s: string) => Buffer.from(s).toString('base64url');

/** A compact JWS receipt, signed the way the ledger signs one. */
export function signReceipt(claims: ReceiptClaims, key: TestKey): string {
  const input = `${b64(JSON.stringify({ alg: 'EdDSA', typ: 'assent-receipt+jwt', kid: key.publicJwk.kid }))}.${b64(JSON.stringify(claims))}`;
  return `${input}.${sign(null, Buffer.from(input), key.privateKey).toString('base64url')}`;
}

/**
 * Receipt claims for `config` where every consent purpose is refused unless `statuses` says
 * otherwise; `hashes` overrides the definition hash a purpose was decided for.
 */
export function receiptClaims(
  config: AssentConfig,
  issuer: string,
  statuses: Record<string, ConsentStatus>,
  options: { hashes?: Record<string, string>; subject?: string; expSeconds?: number } = {},
): ReceiptClaims {
  const current = purposeHashes(config);
  const now = Math.floor(Date.now() / 1000);
  const cns: ReceiptClaims['cns'] = {};
  for (const p of config.purposes) {
    if (p.basis !== 'consent') continue;
    cns[p.id] = { status: statuses[p.id] ?? 'refused', hash: options.hashes?.[p.id] ?? current[p.id]! };
  }
  return {
    iss: issuer,
    sub: options.subject ?? createSubjectId(),
    iat: now,
    exp: now + (options.expSeconds ?? 3600),
    jti: createEventId(),
    pol: { version: config.notice.version, hash: policyHash(config, current) },
    cns,
    mth: 'preferences:save',
    jur: 'CN',
    seq: 0,
    lh: b64('0'.repeat(32)),
  };
}

export interface Harness {
  shop: Storefront;
  url: string;
  config: AssentConfig;
  ledgerKey: TestKey;
  linkKey: TestKey;
  issuer: string;
  receipt(statuses: Record<string, ConsentStatus>, options?: Parameters<typeof receiptClaims>[3]): string;
}

/** A storefront on a free port that trusts `ledgerKey` as the ledger's signing key. */
export async function startHarness(): Promise<Harness> {
  const config = loadConfig();
  const ledgerKey = ed25519Key();
  const linkKey = ed25519Key();
  const issuer = 'http://ledger.test:8787';
  const shop = createStorefront({
    config,
    ledgerUrl: issuer,
    ledgerKeys: createLocalJwks({ keys: [ledgerKey.publicJwk] }),
    linkKey: linkKey.privateKey,
  });
  const url = await shop.listen(0);
  return {
    shop,
    url,
    config,
    ledgerKey,
    linkKey,
    issuer,
    receipt: (statuses, options) => signReceipt(receiptClaims(config, issuer, statuses, options), ledgerKey),
  };
}

/** Every `<script ...>` start tag of a page. */
export function scriptTags(page: string): string[] {
  return page.match(/<script\b[^>]*>/gi) ?? [];
}
