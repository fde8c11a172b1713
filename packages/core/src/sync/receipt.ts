import { ReceiptInvalid } from '../protocol/errors.js';
import { fromUtf8, utf8 } from '../protocol/lib/utf8.js';
import { type ConsentEvent, RECEIPT_TYP, type ReceiptClaims } from '../protocol/types.js';

/** A receipt as the device keeps it. */
export interface StoredReceipt {
  /** The event id (the receipt's `jti`). */
  id: string;
  /** The compact JWS. */
  jws: string;
  /** The event's time, RFC 3339. */
  at: string;
  /** Leaf index of the event in the ledger's log. */
  seq: number;
  /** Whether the signature was checked against the ledger's JWKS (false where the browser lacks Ed25519). */
  verified: boolean;
}

const ED25519 = { name: 'Ed25519' };
// RFC 8032 §7.1 test 1 public key: importing it tells whether this engine has Ed25519.
const PROBE_X = '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo';
const importX = (x: string) =>
  crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x }, ED25519, false, ['verify']);
let probe: Promise<boolean> | undefined;

/**
 * Whether Web Crypto here can verify Ed25519 (Chrome 137+, Firefox 129+, Safari 17+, Node 20);
 * `false` also outside secure contexts, where `crypto.subtle` is missing. Asked once.
 *
 * @example
 * ```ts
 * if (!(await supportsEd25519())) console.info('receipts are kept unverified')
 * ```
 */
export function supportsEd25519(): Promise<boolean> {
  probe ??= (async () => !!(await importX(PROBE_X)))().catch(() => false);
  return probe;
}

// base64url through atob, which every engine that runs this has: smaller than a decoder of our
// own, and strictness buys nothing here, since the signature covers the exact characters.
const bytes = (segment: string): Uint8Array | undefined => {
  try {
    return Uint8Array.from(atob(segment.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
};
const json = (segment: string) => {
  const b = bytes(segment);
  return b && (JSON.parse(fromUtf8(b)) as Record<string, unknown>);
};

/**
 * The header and claims of a compact JWS, unverified; `undefined` when it is not one. For reading
 * what a token says before (or without) checking it, never for trusting it.
 *
 * @example
 * ```ts
 * decodeJws(receipt)?.claims.cns // what the receipt claims, not yet verified
 * ```
 */
export function decodeJws(
  jws: string,
): { header: Record<string, unknown>; claims: Record<string, unknown> } | undefined {
  const [h, p, s, extra] = jws.split('.');
  try {
    const header = json(h!);
    const claims = json(p!);
    if (header && claims && s && extra === undefined) return { header, claims };
  } catch {
    // Not JSON: not a JWS of ours.
  }
  return undefined;
}

/**
 * A receipt checker for one ledger: the receipt must be an unexpired `assent-receipt+jwt` for
 * exactly this event (its `jti`, `sub`, `pol`, `mth`, and exactly its purposes with their status
 * and hash), and, where the engine supports Ed25519, signed by a key of the ledger's JWKS (fetched
 * once, again for an unknown `kid` at most every 30 s). Rejects with {@link ReceiptInvalid}
 * (`ERR_RECEIPT_INVALID`) saying what is wrong; resolves `verified: false` when the signature could
 * not be checked (no Ed25519 here, JWKS unreachable, or an unknown `kid` less than 30 s after the
 * last fetch: a key rotated since).
 *
 * @example
 * ```ts
 * const check = createReceiptCheck(`${ledgerUrl}/.well-known/jwks.json`, fetch)
 * const { claims, verified } = await check(receipt, event)
 * ```
 */
export function createReceiptCheck(jwksUrl: string, fetchFn: typeof fetch, now = Date.now) {
  let keys: Promise<Map<string, CryptoKey>> | undefined;
  let fetchedAt = 0;
  const load = () => {
    fetchedAt = now();
    keys = (async () => {
      const res = await fetchFn(jwksUrl, { credentials: 'omit' });
      // Caught by the receipt check, which then keeps the receipt unverified; never seen by callers.
      if (!res.ok) throw new ReceiptInvalid(`JWKS ${res.status}`);
      const out = new Map<string, CryptoKey>();
      for (const k of ((await res.json()) as { keys?: Record<string, unknown>[] }).keys ?? [])
        if (k.kty === 'OKP' && k.crv === 'Ed25519' && typeof k.kid === 'string' && typeof k.x === 'string')
          out.set(k.kid, await importX(k.x));
      return out;
    })();
    // A failed fetch is forgotten, so that the next receipt asks again.
    keys.catch(() => {
      keys = undefined;
    });
    return keys;
  };
  // `null`: the kid is unknown, but the JWKS was fetched too recently to ask again (a key rotated
  // since then is published now): the signature cannot be checked yet. `undefined`: unknown even
  // in a JWKS fetched for this receipt.
  const keyFor = async (kid: string): Promise<CryptoKey | null | undefined> => {
    const fresh = !keys;
    const key = (await (keys ?? load())).get(kid);
    if (key || fresh) return key;
    return now() - fetchedAt > 30_000 ? (await load()).get(kid) : null;
  };

  return async (jws: string, event: ConsentEvent): Promise<{ claims: ReceiptClaims; verified: boolean }> => {
    const d = decodeJws(jws);
    const fail = (why: string): never => {
      throw new ReceiptInvalid(`the receipt for event ${event.id} ${why}`);
    };
    if (!d) return fail('is not a compact JWS');
    const { header, claims } = d;
    const c = claims as unknown as ReceiptClaims;
    if (header.alg !== 'EdDSA' && header.alg !== 'Ed25519') fail('is not signed with EdDSA');
    if (header.typ !== RECEIPT_TYP || typeof header.kid !== 'string') fail(`is not an ${RECEIPT_TYP}`);
    if (c.jti !== event.id || c.sub !== event.subject || typeof c.seq !== 'number')
      fail('names another event or subject');
    const ids = Object.keys(event.purposes);
    for (const id of ids)
      if (c.cns?.[id]?.status !== event.purposes[id]!.status || c.cns[id]!.hash !== event.purposes[id]!.hash)
        fail(`does not confirm ${id}`);
    // Exactly the event's purposes: a receipt granting one more would grant what nobody chose.
    if (ids.length && Object.keys(c.cns).length !== ids.length) fail('names purposes the event does not');
    if (c.pol?.version !== event.policy.version || c.pol.hash !== event.policy.hash)
      fail('names another policy');
    if (c.mth !== event.method) fail('names another method');
    if (!(c.exp * 1000 > now())) fail('has expired');
    if (!(await supportsEd25519())) return { claims: c, verified: false };
    let key: CryptoKey | null | undefined;
    try {
      key = await keyFor(header.kid as string);
    } catch {
      key = null;
    }
    if (key === null) return { claims: c, verified: false };
    if (!key) return fail(`is signed by ${header.kid}, a key the ledger does not publish`);
    const dot = jws.lastIndexOf('.');
    const sig = bytes(jws.slice(dot + 1));
    const ok =
      sig?.length === 64 &&
      (await crypto.subtle.verify(
        ED25519,
        key,
        sig as Uint8Array<ArrayBuffer>,
        utf8(jws.slice(0, dot)) as Uint8Array<ArrayBuffer>,
      ));
    return ok ? { claims: c, verified: true } : fail('has a signature that does not verify');
  };
}
