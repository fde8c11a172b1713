// Per-request consent decisions. A decision is `allowed` only for a valid receipt whose purpose is
// `given` and, when the service knows the purpose's current definition hash, was given for that
// definition. Everything else is a refusal with a stable `reason`, never an exception, so a route
// handler can branch on `allowed` without try/catch. Wrong arguments still throw TypeError.
import type { ConsentStatus, ReceiptClaims } from '@assent/core/protocol';
import { AssentError, HASH_B64URL, PURPOSE_ID, SUBJECT_ID } from '@assent/core/protocol';
import type { Backend } from './lib/backend.js';
import { Lru } from './lib/lru.js';
import { tolerance } from './lib/time.js';
import { LedgerUnavailable } from './errors.js';
import { keySetFor } from './jwks.js';
import { type KeyOptions, verifyReceipt } from './receipt.js';

/** Why a decision came out the way it did. Stable strings; switch on them. */
export type ConsentReason =
  /** The purpose is `given` for the current definition: use the data. */
  | 'given'
  /** The purpose is `refused`, `withdrawn` or `expired` (see `status`). */
  | 'not-given'
  /** The request carried no receipt. */
  | 'no-receipt'
  /** The check was bound to a `subject` and the receipt's `sub` is not it (another shopper's receipt). */
  | 'subject-mismatch'
  /** The receipt did not verify; `code` has the error code (e.g. `ERR_TOKEN_EXPIRED`). */
  | 'invalid-receipt'
  /** The receipt has no decision for this purpose. */
  | 'purpose-absent'
  /** `purposes` was given to the checker and does not list this purpose. */
  | 'purpose-unknown'
  /** Consent was given for an older definition of the purpose; ask again. */
  | 'definition-changed'
  /** The request carries `Sec-GPC: 1` and the purpose is one GPC opts out of. */
  | 'gpc'
  /** `checkOnline`: the ledger's current decision comes from a later event and is not `given`. */
  | 'superseded'
  /** `checkOnline`: the ledger holds no decision on this purpose for the subject (erased, or never recorded). */
  | 'unknown-to-ledger'
  /** `checkOnline`: the ledger could not be asked (`code` is `ERR_LEDGER_UNAVAILABLE`). */
  | 'ledger-unavailable';

/** The answer to "may this request's data be used for this purpose?". Frozen; may be shared. */
export interface ConsentDecision {
  readonly allowed: boolean;
  /** The purpose's status in the receipt (or, after `checkOnline`, in the ledger), if known. */
  readonly status: ConsentStatus | undefined;
  readonly reason: ConsentReason;
  /** The receipt's `jti` (the consent event id), when the receipt verified. */
  readonly receiptId: string | undefined;
  /** The receipt's `sub` (device subject id), when the receipt verified. */
  readonly subject: string | undefined;
  /**
   * The receipt's `gpc`: whether a Global Privacy Control signal was present when the decision was
   * made, so that a purpose given under it was an explicit opt-in. `undefined` without a verified
   * receipt; `false` for receipts issued before the claim existed. After `checkOnline` follows a
   * newer ledger decision, the deciding event's `gpc` as the ledger reports it, or `undefined`
   * when the ledger does not say (which the adapters' GPC rule treats as not under the signal).
   */
  readonly gpc: boolean | undefined;
  /** Error code, for `invalid-receipt` and `ledger-unavailable`. */
  readonly code?: string;
}

export interface ConsentCheckerOptions extends KeyOptions {
  /** The ledger's issuer URL; receipts must carry it in `iss`. */
  issuer: string;
  /**
   * Current definition hash per purpose id (from your config build). When given, consent counts
   * only if it was given for this hash, and purposes not listed are refused (`purpose-unknown`).
   */
  purposes?: Readonly<Record<string, string>>;
  /** Ledger base URL for `checkOnline`, e.g. `https://ledger.example`. */
  ledgerUrl?: string | URL;
  /** Bearer token for the ledger's consent endpoint (an API token with read scope). */
  ledgerToken?: string;
  /** Abort a ledger query after this long, milliseconds; default 2000. */
  ledgerTimeoutMs?: number;
  /** What `checkOnline` does when the ledger cannot be asked: refuse (default) or trust the receipt. */
  onLedgerError?: 'deny' | 'receipt';
  /** Most verified receipts kept in memory; default 10,000. 0 disables the cache. */
  cacheMaxEntries?: number;
  /**
   * Memory budget of the cache, bytes; default 32 MiB. Each entry is charged twice its receipt's
   * length plus 512 bytes, which covers what it measurably retains (see docs/verifier.md).
   */
  cacheMaxBytes?: number;
  /** Longest a verified receipt is trusted from the cache, seconds; default 300. */
  cacheMaxAgeSeconds?: number;
  /** Allowed clock skew, seconds; default 30, at most 300. */
  clockToleranceSeconds?: number;
}

/** Per-check options. */
export interface CheckOptions {
  /**
   * The device subject id(s) the receipt must belong to: for a signed-in customer, the device
   * subjects you linked to the account (you signed each link token, so you know them). A receipt
   * whose `sub` is not among them is refused with `subject-mismatch`, so another shopper's receipt
   * cannot unlock this customer's data. An empty list refuses every receipt. Omit it only when no
   * one is signed in, and then key the data you use by `decision.subject`.
   */
  subject?: string | readonly string[];
}

export interface ConsentChecker {
  /** Decide offline, from the receipt alone. Never rejects for bad data. */
  check(receipt: string | undefined, purposeId: string, options?: CheckOptions): Promise<ConsentDecision>;
  /** As `check`, then ask the ledger whether a newer decision for the subject exists. */
  checkOnline(
    receipt: string | undefined,
    purposeId: string,
    options?: CheckOptions,
  ): Promise<ConsentDecision>;
}

/**
 * Receipts longer than this many characters are verified but never cached (64 purposes fit).
 *
 * @example
 * ```ts
 * if (receipt.length > MAX_CACHED_RECEIPT_LENGTH) log.warn('receipt too large to cache')
 * ```
 */
export const MAX_CACHED_RECEIPT_LENGTH = 8 * 1024;
// Measured on Node 20 (docs/verifier.md): an entry retains about 2x the receipt length + 300 bytes
// (the token string, the parsed claims, the map slot, memoised decisions).
const ENTRY_OVERHEAD_BYTES = 512;

interface Cached {
  /** Bytes charged against `cacheMaxBytes`. */
  weight: number;
  claims: ReceiptClaims;
  ref: Ref;
  /** Epoch ms after which the entry is not used (min of `exp` and the cache max age). */
  until: number;
  decisions: Map<string, ConsentDecision>;
}

/** Which receipt a decision is about. */
interface Ref {
  receiptId: string | undefined;
  subject: string | undefined;
  gpc: boolean | undefined;
}

const NONE: Ref = { receiptId: undefined, subject: undefined, gpc: undefined };

const decision = (
  allowed: boolean,
  reason: ConsentReason,
  status: ConsentStatus | undefined,
  ref: Ref,
  code?: string,
): ConsentDecision =>
  Object.freeze(
    code === undefined
      ? { allowed, status, reason, receiptId: ref.receiptId, subject: ref.subject, gpc: ref.gpc }
      : { allowed, status, reason, receiptId: ref.receiptId, subject: ref.subject, gpc: ref.gpc, code },
  );

const NO_RECEIPT = decision(false, 'no-receipt', undefined, NONE);

/** The subject binding of one check: undefined (unbound) or a predicate on the receipt's `sub`. */
function subjectBinding(options: CheckOptions | undefined): ((sub: string) => boolean) | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const { subject } = options;
  if (subject === undefined) return undefined;
  const bad = () => new TypeError('subject must be a device subject id or an array of them');
  if (typeof subject === 'string') {
    // A customer id here (a common mix-up) would silently refuse everything; say so instead.
    if (!SUBJECT_ID.test(subject)) throw bad();
    return (sub) => sub === subject;
  }
  if (!Array.isArray(subject) || !subject.every((s) => typeof s === 'string' && SUBJECT_ID.test(s))) {
    throw bad();
  }
  const set = new Set<string>(subject);
  return (sub) => set.has(sub);
}

function count(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new TypeError(`${name} must be a non-negative integer`);
  }
  return v;
}

function purposeHashes(purposes: unknown): ReadonlyMap<string, string> | undefined {
  if (purposes === undefined) return undefined;
  if (typeof purposes !== 'object' || purposes === null) throw new TypeError('purposes must be an object');
  const out = new Map<string, string>();
  for (const [id, hash] of Object.entries(purposes)) {
    if (!PURPOSE_ID.test(id) || typeof hash !== 'string' || !HASH_B64URL.test(hash)) {
      throw new TypeError(`purposes.${id} must map a purpose id to a base64url SHA-256 definition hash`);
    }
    out.set(id, hash);
  }
  return out;
}

/** Judge one purpose's snapshot against the service's current definitions. */
function judge(
  hashes: ReadonlyMap<string, string> | undefined,
  purposeId: string,
  snapshot: { status: ConsentStatus; hash: string } | undefined,
  ref: Ref,
): ConsentDecision {
  const current = hashes?.get(purposeId);
  if (hashes !== undefined && current === undefined)
    return decision(false, 'purpose-unknown', undefined, ref);
  if (snapshot === undefined) return decision(false, 'purpose-absent', undefined, ref);
  if (snapshot.status !== 'given') return decision(false, 'not-given', snapshot.status, ref);
  if (current !== undefined && snapshot.hash !== current) {
    return decision(false, 'definition-changed', snapshot.status, ref);
  }
  return decision(true, 'given', snapshot.status, ref);
}

interface LedgerPurpose {
  status: ConsentStatus;
  hash: string;
  at: string;
  seq: number;
  /** The deciding event's GPC flag, when the ledger reports it (older ledgers do not). */
  gpc?: unknown;
}

function ledgerPurpose(body: unknown, subject: string, purposeId: string): LedgerPurpose | undefined {
  const doc = body as { subject?: unknown; purposes?: Record<string, unknown> } | null;
  if (typeof doc !== 'object' || doc === null || doc.subject !== subject) {
    throw new LedgerUnavailable('ledger answer is not for this subject');
  }
  if (typeof doc.purposes !== 'object' || doc.purposes === null)
    throw new LedgerUnavailable('ledger answer has no purposes');
  const p = Object.hasOwn(doc.purposes, purposeId)
    ? (doc.purposes[purposeId] as LedgerPurpose | undefined)
    : undefined;
  if (p === undefined) return undefined;
  if (
    typeof p !== 'object' ||
    p === null ||
    !['given', 'refused', 'withdrawn', 'expired'].includes(p.status) ||
    typeof p.hash !== 'string' ||
    !Number.isSafeInteger(p.seq) ||
    (p.gpc !== undefined && typeof p.gpc !== 'boolean')
  ) {
    throw new LedgerUnavailable(`ledger answer for purpose ${purposeId} is malformed`);
  }
  return p;
}

export function createConsentChecker(b: Backend, options: ConsentCheckerOptions): ConsentChecker {
  if (typeof options !== 'object' || options === null) throw new TypeError('options are required');
  const keys = keySetFor(b, options);
  const { issuer } = options;
  if (typeof issuer !== 'string' || issuer === '') throw new TypeError('issuer is required');
  const hashes = purposeHashes(options.purposes);
  const skew = tolerance(options);
  const maxEntries = count(options.cacheMaxEntries, 'cacheMaxEntries', 10_000);
  const maxBytes = count(options.cacheMaxBytes, 'cacheMaxBytes', 32 * 1024 * 1024);
  const maxAgeMs = count(options.cacheMaxAgeSeconds, 'cacheMaxAgeSeconds', 300) * 1000;
  const ledgerTimeoutMs = count(options.ledgerTimeoutMs, 'ledgerTimeoutMs', 2000);
  const onLedgerError = options.onLedgerError ?? 'deny';
  if (onLedgerError !== 'deny' && onLedgerError !== 'receipt')
    throw new TypeError("onLedgerError must be 'deny' or 'receipt'");
  let ledger: URL | undefined;
  if (options.ledgerUrl !== undefined) {
    try {
      ledger = new URL(options.ledgerUrl);
    } catch {
      throw new TypeError('ledgerUrl must be an absolute http(s) URL');
    }
    if (ledger.protocol !== 'https:' && ledger.protocol !== 'http:')
      throw new TypeError('ledgerUrl must be http(s)');
  }
  if (options.ledgerToken !== undefined && typeof options.ledgerToken !== 'string') {
    throw new TypeError('ledgerToken must be a string');
  }
  const cache = new Lru<string, Cached>(maxEntries, maxBytes, (entry) => entry.weight);
  const verifyOptions = { jwks: keys, issuer, clockToleranceSeconds: skew };

  function checkPurposeId(purposeId: unknown): void {
    if (typeof purposeId !== 'string' || !PURPOSE_ID.test(purposeId))
      throw new TypeError('purposeId must be a purpose id');
  }

  function fromCache(entry: Cached, purposeId: string): ConsentDecision {
    let d = entry.decisions.get(purposeId);
    if (d === undefined) {
      // Own properties only: `constructor` or `toString` must not read Object.prototype's.
      const { cns } = entry.claims;
      d = judge(hashes, purposeId, Object.hasOwn(cns, purposeId) ? cns[purposeId] : undefined, entry.ref);
      entry.decisions.set(purposeId, d);
    }
    return d;
  }

  // The synchronous part: a fresh cache hit, the refusal of an absent receipt, or undefined.
  function cached(receipt: string | undefined): Cached | ConsentDecision | undefined {
    if (receipt === undefined || receipt === '') return NO_RECEIPT;
    if (typeof receipt !== 'string') throw new TypeError('receipt must be a string or undefined');
    const hit = maxEntries > 0 ? cache.get(receipt) : undefined;
    if (hit === undefined) return undefined;
    if (Date.now() < hit.until) return hit;
    cache.delete(receipt);
    return undefined;
  }

  async function verified(receipt: string): Promise<Cached | ConsentDecision> {
    const now = Date.now();
    let claims: ReceiptClaims;
    try {
      claims = await verifyReceipt(b, receipt, verifyOptions);
    } catch (e) {
      if (e instanceof AssentError) return decision(false, 'invalid-receipt', undefined, NONE, e.code);
      throw e;
    }
    const entry: Cached = {
      weight: receipt.length * 2 + ENTRY_OVERHEAD_BYTES,
      claims,
      ref: { receiptId: claims.jti, subject: claims.sub, gpc: claims.gpc === true },
      until: Math.min((claims.exp + skew) * 1000, now + maxAgeMs),
      decisions: new Map(),
    };
    if (receipt.length <= MAX_CACHED_RECEIPT_LENGTH) cache.set(receipt, entry);
    return entry;
  }

  const mismatch = (c: Cached, bound: ((sub: string) => boolean) | undefined): ConsentDecision | undefined =>
    bound === undefined || bound(c.claims.sub)
      ? undefined
      : decision(false, 'subject-mismatch', undefined, c.ref);

  const answer = (
    c: Cached | ConsentDecision,
    purposeId: string,
    bound: ((sub: string) => boolean) | undefined,
  ): ConsentDecision => ('claims' in c ? (mismatch(c, bound) ?? fromCache(c, purposeId)) : c);

  // Not `async`: a cache hit resolves without an extra promise layer, which is most of its cost.
  function check(
    receipt: string | undefined,
    purposeId: string,
    options?: CheckOptions,
  ): Promise<ConsentDecision> {
    let hit: Cached | ConsentDecision | undefined;
    let bound: ((sub: string) => boolean) | undefined;
    try {
      checkPurposeId(purposeId);
      bound = subjectBinding(options);
      hit = cached(receipt);
    } catch (e) {
      return Promise.reject(e);
    }
    if (hit !== undefined) return Promise.resolve(answer(hit, purposeId, bound));
    return verified(receipt as string).then((c) => answer(c, purposeId, bound));
  }

  async function askLedger(subject: string): Promise<unknown> {
    const url = new URL(
      `v1/subjects/${encodeURIComponent(subject)}/consent`,
      ledger!.href.endsWith('/') ? ledger : `${ledger!.href}/`,
    );
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.ledgerToken !== undefined) headers['authorization'] = `Bearer ${options.ledgerToken}`;
    let res: Response;
    try {
      res = await fetch(url, { headers, signal: AbortSignal.timeout(ledgerTimeoutMs) });
    } catch (e) {
      throw new LedgerUnavailable(`cannot reach the ledger: ${(e as Error).message}`, { cause: e });
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return { subject, purposes: {} };
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new LedgerUnavailable(`ledger answered HTTP ${res.status}`);
    }
    try {
      return await res.json();
    } catch (e) {
      throw new LedgerUnavailable('ledger answer is not JSON', { cause: e });
    }
  }

  async function checkOnline(
    receipt: string | undefined,
    purposeId: string,
    options?: CheckOptions,
  ): Promise<ConsentDecision> {
    if (ledger === undefined) throw new TypeError('checkOnline needs the ledgerUrl option');
    checkPurposeId(purposeId);
    const bound = subjectBinding(options);
    const c = cached(receipt) ?? (await verified(receipt as string));
    if (!('claims' in c)) return c;
    // Refuse another shopper's receipt before asking the ledger about its subject.
    const wrong = mismatch(c, bound);
    if (wrong !== undefined) return wrong;
    const offline = fromCache(c, purposeId);
    const { sub, seq } = c.claims;
    let latest: LedgerPurpose | undefined;
    try {
      latest = ledgerPurpose(await askLedger(sub), sub, purposeId);
    } catch (e) {
      if (!(e instanceof LedgerUnavailable)) throw e;
      if (onLedgerError === 'receipt') return offline;
      return decision(false, 'ledger-unavailable', offline.status, c.ref, e.code);
    }
    // The ledger is the authority on the current state. It picks the newest decision across the
    // subject and its linked devices; if that is the receipt's own event, the receipt stands.
    if (latest === undefined) return decision(false, 'unknown-to-ledger', undefined, c.ref);
    if (latest.seq === seq) return offline;
    // Another event decides, so the receipt's `gpc` says nothing about it: carry the deciding
    // event's flag if the ledger reports one, else `undefined`, which the GPC rule treats as "not
    // made under the signal" (fail safe: a consent from a device without the signal must not pass
    // as an opt-in under it).
    const ref: Ref = {
      receiptId: c.ref.receiptId,
      subject: c.ref.subject,
      gpc: typeof latest.gpc === 'boolean' ? latest.gpc : undefined,
    };
    const current = judge(hashes, purposeId, latest, ref);
    return current.reason === 'not-given' ? decision(false, 'superseded', latest.status, ref) : current;
  }

  return { check, checkOnline };
}
