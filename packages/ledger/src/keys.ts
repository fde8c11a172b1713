// The ledger's key file: the Ed25519 signing key, the public halves of retired keys (published
// until every receipt they signed has expired), and the secret for keyed hashes of customer ids.
// One JSON document, written atomically with mode 0600; the same document may come from the
// ASSENT_LEDGER_KEY environment variable instead (containers, secret managers).
import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { chmod, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { thumbprint } from '@assent/verifier';
import { KeyStoreInvalid } from './errors.js';

/** An Ed25519 public key as published in the JWKS. */
export type PublicJwk = {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
};

/** One key in the key file. Only the current key keeps its private half `d`. */
export interface StoredKey {
  kid: string;
  x: string;
  /** Private key (RFC 8037 `d`); dropped when the key is retired. */
  d?: string;
  createdAt: string;
  /** When the key stopped signing. */
  retiredAt?: string;
  /** Until when the public key stays in the JWKS: retirement plus the longest receipt lifetime. */
  publishUntil?: string;
}

/** The key file's JSON document. */
export interface KeyStoreData {
  version: 1;
  /** 32 random bytes, base64url: the HMAC key for customer ids and subject hashes. */
  secret: string;
  /** The current key first, then retired keys, newest first. */
  keys: StoredKey[];
}

/** Keys loaded for use: the signing key imported once, the JWKS to publish, the HMAC secret. */
export interface LedgerKeys {
  kid: string;
  signingKey: KeyObject;
  secret: Buffer;
  /** The keys to publish now: the current key and retired keys whose receipts may be alive. */
  jwks: { keys: PublicJwk[] };
  /** Every public key in the file, published or not (for checking old tree heads). */
  allKeys: { keys: PublicJwk[] };
  data: KeyStoreData;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const B64U = /^[A-Za-z0-9_-]+$/;

function newKey(now: Date): StoredKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' }) as { x: string; d: string };
  return {
    kid: thumbprint({ kty: 'OKP', crv: 'Ed25519', x: jwk.x }),
    x: jwk.x,
    d: jwk.d,
    createdAt: now.toISOString(),
  };
}

/**
 * A new key document: one fresh Ed25519 key and a fresh HMAC secret.
 *
 * @example
 * ```ts
 * const data = createKeyStore()
 * await saveKeyStore('assent-ledger.key', data)
 * ```
 */
export function createKeyStore(now: Date = new Date()): KeyStoreData {
  return { version: 1, secret: randomBytes(32).toString('base64url'), keys: [newKey(now)] };
}

/**
 * Rotate: a new signing key becomes current; the old one loses its private half and stays
 * published for `receiptTtlSeconds` (plus a day of clock slack), the longest any receipt it signed
 * can live. Restart every ledger process that uses the file afterwards.
 *
 * @example
 * ```ts
 * await saveKeyStore(file, rotateKeyStore(await readKeyStoreFile(file), { receiptTtlSeconds: 31_536_000 }))
 * ```
 */
export function rotateKeyStore(
  data: KeyStoreData,
  options: { receiptTtlSeconds: number; now?: Date },
): KeyStoreData {
  const ttl = options?.receiptTtlSeconds;
  if (!Number.isSafeInteger(ttl) || ttl <= 0)
    throw new TypeError('receiptTtlSeconds must be a positive integer');
  const now = options.now ?? new Date();
  const publishUntil = new Date(now.getTime() + (ttl + 86_400) * 1000).toISOString();
  // Retired public keys stay in the file for good (`verify` checks old tree heads with them); only
  // publication in the JWKS ends at publishUntil.
  const keys = data.keys.map((k, i) => {
    if (i > 0) return k;
    const { d: _dropped, ...pub } = k;
    return { ...pub, retiredAt: now.toISOString(), publishUntil };
  });
  return { ...data, keys: [newKey(now), ...keys] };
}

/**
 * Check a parsed key document and return it typed. Throws {@link KeyStoreInvalid}.
 *
 * @example
 * ```ts
 * const data = parseKeyStore(JSON.parse(process.env.ASSENT_LEDGER_KEY!))
 * ```
 */
export function parseKeyStore(value: unknown): KeyStoreData {
  const bad = (path: string, message: string): never => {
    throw new KeyStoreInvalid(`${path}: ${message}`, { path });
  };
  if (!isObject(value)) bad('$', 'must be an object');
  const v = value as Record<string, unknown>;
  if (v.version !== 1) bad('$.version', 'must be 1');
  if (typeof v.secret !== 'string' || !B64U.test(v.secret) || Buffer.from(v.secret, 'base64url').length < 32)
    bad('$.secret', 'must be at least 32 bytes, base64url');
  if (!Array.isArray(v.keys) || v.keys.length === 0) bad('$.keys', 'must be a non-empty array');
  const keys = v.keys as unknown[];
  keys.forEach((k, i) => {
    const p = `$.keys[${i}]`;
    if (!isObject(k)) bad(p, 'must be an object');
    const key = k as Record<string, unknown>;
    if (typeof key.x !== 'string' || Buffer.from(key.x, 'base64url').length !== 32)
      bad(`${p}.x`, 'must be 32 bytes');
    if (key.kid !== thumbprint({ kty: 'OKP', crv: 'Ed25519', x: key.x as string }))
      bad(`${p}.kid`, 'must be the RFC 7638 thumbprint of the key');
    if (i === 0 && (typeof key.d !== 'string' || Buffer.from(key.d, 'base64url').length !== 32))
      bad(`${p}.d`, 'the current key needs its private half');
    if (typeof key.createdAt !== 'string') bad(`${p}.createdAt`, 'must be a time');
  });
  return v as unknown as KeyStoreData;
}

/**
 * Import a key document for signing: the current key as a KeyObject (checked against its public
 * half), and the JWKS of every key still published at `now`.
 *
 * @example
 * ```ts
 * const keys = importKeyStore(createKeyStore())
 * keys.jwks.keys[0].kid === keys.kid
 * ```
 */
export function importKeyStore(data: KeyStoreData, now: Date = new Date()): LedgerKeys {
  const checked = parseKeyStore(data);
  const current = checked.keys[0]!;
  let signingKey: KeyObject;
  try {
    signingKey = createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: current.x, d: current.d! },
      format: 'jwk',
    });
  } catch (cause) {
    throw new KeyStoreInvalid('the current key is not a valid Ed25519 private key', {
      path: '$.keys[0]',
      cause,
    });
  }
  const derived = (signingKey.export({ format: 'jwk' }) as { x: string }).x;
  if (derived !== current.x)
    throw new KeyStoreInvalid('the current key`s d does not belong to its x', { path: '$.keys[0].d' });
  const published = checked.keys.filter(
    (k, i) => i === 0 || !k.publishUntil || Date.parse(k.publishUntil) > now.getTime(),
  );
  const pub = (k: StoredKey): PublicJwk => ({
    kty: 'OKP',
    crv: 'Ed25519',
    x: k.x,
    kid: k.kid,
    alg: 'EdDSA',
    use: 'sig',
  });
  return {
    kid: current.kid,
    signingKey,
    secret: Buffer.from(checked.secret, 'base64url'),
    jwks: { keys: published.map(pub) },
    allKeys: { keys: checked.keys.map(pub) },
    data: checked,
  };
}

/**
 * Read a key file. Refuses a file that group or others can read: it holds the signing key.
 *
 * @example
 * ```ts
 * const data = await readKeyStoreFile('assent-ledger.key')
 * ```
 */
export async function readKeyStoreFile(file: string): Promise<KeyStoreData> {
  const st = await stat(file);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new KeyStoreInvalid(
      `${file} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 ${file}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new KeyStoreInvalid(`${file} is not JSON`, { cause });
  }
  return parseKeyStore(parsed);
}

/**
 * Write a key file atomically (temporary file, then rename) with mode 0600.
 *
 * @example
 * ```ts
 * await saveKeyStore('assent-ledger.key', createKeyStore())
 * ```
 */
export async function saveKeyStore(file: string, data: KeyStoreData): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(parseKeyStore(data), null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

/**
 * Where the ledger's keys come from, in order: `ASSENT_LEDGER_KEY` (the key document as JSON), an
 * existing key file, or a new key file created on first start.
 *
 * @example
 * ```ts
 * const { data, created } = await loadOrCreateKeyStore({ file: './assent-ledger.key' })
 * ```
 */
export async function loadOrCreateKeyStore(options: {
  file?: string;
  env?: string | undefined;
  create?: boolean;
}): Promise<{ data: KeyStoreData; created: boolean; source: 'env' | 'file' }> {
  if (options.env !== undefined && options.env !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(options.env);
    } catch (cause) {
      throw new KeyStoreInvalid('ASSENT_LEDGER_KEY is not JSON', { cause });
    }
    return { data: parseKeyStore(parsed), created: false, source: 'env' };
  }
  if (!options.file) throw new TypeError('keyFile is required when ASSENT_LEDGER_KEY is not set');
  try {
    return { data: await readKeyStoreFile(options.file), created: false, source: 'file' };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || options.create === false) throw e;
  }
  const data = createKeyStore();
  // Exclusive create: two processes starting at once must not each write a different key.
  try {
    await writeFile(options.file, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      return { data: await readKeyStoreFile(options.file), created: false, source: 'file' };
    throw e;
  }
  return { data, created: true, source: 'file' };
}
