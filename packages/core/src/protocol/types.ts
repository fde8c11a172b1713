/** W3C DPV consent statuses, as the wire carries them. */
export type ConsentStatus = 'given' | 'refused' | 'withdrawn' | 'expired';

/** How a decision was made. */
export type ConsentMethod =
  | 'banner:accept-all'
  | 'banner:reject-all'
  | 'preferences:save'
  | 'separate:dialog'
  | 'gpc'
  | 'api'
  | 'sync';

/** The status of one purpose and the definition hash it was decided for. */
export interface PurposeSnapshot {
  status: ConsentStatus;
  /** base64url SHA-256 of the RFC 8785 form of everything the shopper was told about the purpose. */
  hash: string;
}

/** The notice the decision was made under. */
export interface PolicyRef {
  version: string;
  /** base64url SHA-256 over the canonical controller, notice and purpose definitions. */
  hash: string;
}

/**
 * A consent event, as the device sends it to `POST /v1/events`. `purposes` is a full snapshot of
 * every consent-based purpose, not a delta, so any single event tells the whole state.
 */
export interface ConsentEvent {
  /** UUIDv4, lower case; the ledger's idempotency key. */
  id: string;
  /** Random device subject id: 128 bits, base64url (22 characters). */
  subject: string;
  /** RFC 3339 UTC time with milliseconds, as `Date.prototype.toISOString` prints it. */
  at: string;
  policy: PolicyRef;
  purposes: Record<string, PurposeSnapshot>;
  method: ConsentMethod;
  /** BCP 47 language tag the shopper saw. */
  locale: string;
  /** Jurisdiction code the rules came from: ISO 3166-1 alpha-2, `EU`, or ISO 3166-2 (`US-CA`). */
  jurisdiction: string;
  /** Whether a Global Privacy Control signal was present. */
  gpc: boolean;
  /** Widget version that recorded the decision. */
  widget: string;
  /** Optional storefront-signed link token (compact JWS) tying the subject to a customer account. */
  link?: string;
}

/** An event as the ledger stores it: the leaf it hashes is `0x00 || JCS(entry)`. */
export interface LedgerEntry extends ConsentEvent {
  /** Leaf index in the Merkle log. */
  seq: number;
  /** RFC 3339 UTC time the ledger accepted the event. */
  receivedAt: string;
}

/** Claims of a consent receipt (compact JWS, `typ: assent-receipt+jwt`). */
export interface ReceiptClaims {
  iss: string;
  /** Device subject id. */
  sub: string;
  iat: number;
  exp: number;
  /** The event id. */
  jti: string;
  pol: PolicyRef;
  /** Every purpose, refusals included. */
  cns: Record<string, PurposeSnapshot>;
  mth: ConsentMethod;
  jur: string;
  /**
   * Whether a Global Privacy Control signal was present when the decision was made (the event's
   * `gpc`). A purpose given under the signal was an explicit opt-in. Receipts issued before this
   * claim existed lack it: read that as `false`.
   */
  gpc?: boolean;
  /** Leaf index of the event. */
  seq: number;
  /** base64url leaf hash of the entry. */
  lh: string;
}

/** Payload of a signed tree head (compact JWS, `typ: assent-sth+jwt`). */
export interface TreeHead {
  treeSize: number;
  /** base64url Merkle tree hash (RFC 6962 MTH) of the first `treeSize` leaves. */
  rootHash: string;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
}

/** Claims of a link token (compact JWS, `typ: assent-link+jwt`) made by the storefront backend. */
export interface LinkClaims {
  /** Device subject id being linked. */
  sub: string;
  /** The storefront's customer id; the ledger keeps only a keyed hash of it. */
  cid: string;
  iat: number;
  exp: number;
}

/**
 * The JWS `typ` of a consent receipt ({@link ReceiptClaims}); a verifier refuses any other.
 *
 * @example
 * ```ts
 * const { payload } = await jwtVerify(receipt, jwks, { typ: RECEIPT_TYP })
 * ```
 */
export const RECEIPT_TYP = 'assent-receipt+jwt';
/**
 * The JWS `typ` of a signed tree head ({@link TreeHead}).
 *
 * @example
 * ```ts
 * const { payload, protectedHeader } = await compactVerify(sth, ledgerKey)
 * if (protectedHeader.typ !== TREE_HEAD_TYP) throw new Error('not a signed tree head')
 * const head = JSON.parse(fromUtf8(payload)) as TreeHead
 * ```
 */
export const TREE_HEAD_TYP = 'assent-sth+jwt';
/**
 * The JWS `typ` of a link token ({@link LinkClaims}) the storefront backend signs.
 *
 * @example
 * ```ts
 * // What @assent/verifier's createLinkToken does, written with jose:
 * const link = await new SignJWT({ cid: customerId })
 *   .setProtectedHeader({ alg: 'EdDSA', typ: LINK_TYP })
 *   .setSubject(subject).setIssuedAt().setExpirationTime('5m')
 *   .sign(privateKey)
 * ```
 */
export const LINK_TYP = 'assent-link+jwt';

/**
 * Every {@link ConsentStatus}, in the order the wire format lists them.
 *
 * @example
 * ```ts
 * if (!CONSENT_STATUSES.includes(value as ConsentStatus)) throw new TypeError('status')
 * ```
 */
export const CONSENT_STATUSES: readonly ConsentStatus[] = ['given', 'refused', 'withdrawn', 'expired'];
/**
 * Every {@link ConsentMethod}, e.g. to build a filter menu or check a query parameter.
 *
 * @example
 * ```ts
 * const method = url.searchParams.get('method') ?? 'api'
 * if (!CONSENT_METHODS.includes(method as ConsentMethod)) throw new TypeError(`unknown method ${method}`)
 * ```
 */
export const CONSENT_METHODS: readonly ConsentMethod[] = [
  'banner:accept-all',
  'banner:reject-all',
  'preferences:save',
  'separate:dialog',
  'gpc',
  'api',
  'sync',
];

/**
 * Largest `POST /v1/events` body the ledger accepts, in bytes. `validateEvents` does not check it:
 * the server must cap the body before parsing it.
 *
 * @example
 * ```ts
 * app.use('/v1/events', express.json({ limit: MAX_EVENTS_BODY_BYTES }))
 * ```
 */
// 64 KiB, written as a literal so that bundlers drop it where it is unused.
export const MAX_EVENTS_BODY_BYTES = 65_536;
