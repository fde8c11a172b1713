// API tokens: `alt_<id>_<secret>`. The ledger keeps only SHA-256(token), so a database dump holds
// no usable credential; the id (not secret) names the token in the access log.
import { randomBytes } from 'node:crypto';
import { sha256 } from './lib/hash.js';
import type { Store, TokenRecord } from './store/store.js';

/**
 * What a token may do. `events:write` is only needed when ingest requires a token.
 *
 * @example
 * ```ts
 * await ledger.createToken({ scopes: [SCOPES[1]] }) // read:subject
 * ```
 */
export const SCOPES = ['events:write', 'read:subject', 'erase', 'audit', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const TOKEN = /^alt_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/;

/**
 * A new token and the record to store for it. The token itself is shown once and never stored;
 * the record holds its SHA-256. Throws TypeError for unknown scopes.
 *
 * @example
 * ```ts
 * const { token, record } = mintToken(['audit'], { label: 'auditor', expiresInSeconds: 90 * 86_400 })
 * await store.insertToken(record)
 * ```
 */
export function mintToken(
  scopes: readonly string[],
  options: { label?: string | undefined; expiresInSeconds?: number | undefined; now?: Date } = {},
): { token: string; record: TokenRecord } {
  if (!Array.isArray(scopes) || scopes.length === 0) throw new TypeError('scopes must be a non-empty array');
  for (const s of scopes)
    if (!SCOPES.includes(s as Scope))
      throw new TypeError(`scopes: unknown scope ${s} (one of ${SCOPES.join(', ')})`);
  const { expiresInSeconds } = options;
  if (expiresInSeconds !== undefined && (!Number.isSafeInteger(expiresInSeconds) || expiresInSeconds <= 0))
    throw new TypeError('expiresInSeconds must be a positive integer');
  const now = options.now ?? new Date();
  // 9 random bytes make 12 base64url characters; the id only has to be unique, the secret secret.
  // Not starting with '-': `assent-ledger tokens revoke <id>` would read such an id as an option
  // (1 token in 64 before).
  let id: string;
  do id = randomBytes(9).toString('base64url');
  while (id[0] === '-');
  const token = `alt_${id}_${randomBytes(32).toString('base64url')}`;
  return {
    token,
    record: {
      id,
      hash: sha256(token),
      scopes: [...new Set(scopes)],
      label: options.label ?? null,
      createdAt: now.toISOString(),
      expiresAt: expiresInSeconds ? new Date(now.getTime() + expiresInSeconds * 1000).toISOString() : null,
      revokedAt: null,
    },
  };
}

/** Whether a string has the shape of a token (cheap check before hashing and a lookup). */
export const isTokenShaped = (s: string): boolean => TOKEN.test(s);

/**
 * Resolves bearer tokens to their records, with a short cache so a busy read path does not query
 * storage per request. Revocation takes effect within `cacheMs`.
 */
export class TokenResolver {
  readonly #store: Store;
  readonly #cacheMs: number;
  readonly #cache = new Map<string, { at: number; record: TokenRecord | undefined }>();

  constructor(store: Store, cacheMs = 5000) {
    this.#store = store;
    this.#cacheMs = cacheMs;
  }

  /** The live record for a token, or undefined (unknown, revoked, expired, malformed). */
  async resolve(token: string, now = Date.now()): Promise<TokenRecord | undefined> {
    if (!isTokenShaped(token)) return undefined;
    const hit = this.#cache.get(token);
    let record: TokenRecord | undefined;
    if (hit && now - hit.at < this.#cacheMs) record = hit.record;
    else {
      record = await this.#store.findToken(sha256(token));
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(token, { at: now, record });
    }
    if (!record || record.revokedAt) return undefined;
    if (record.expiresAt && Date.parse(record.expiresAt) <= now) return undefined;
    return record;
  }

  forget(): void {
    this.#cache.clear();
  }
}
