// @assent/verifier, Web Crypto entry for edge runtimes (Cloudflare Workers, Vercel Edge, Deno,
// Bun) and browsers: the same API as the Node entry, bound to Web Crypto. No `node:` import may be
// reachable from here; a test bundles this entry for the browser platform and checks.
// The two entries repeat their one-line bindings on purpose: binding through a shared factory
// (`bind(backend)` returning every function) would defeat tree-shaking, and an edge function that
// imports only `verifyReceipt` would ship the whole package (size-limit: 5.1 kB instead of 9.8 kB).
import type { LinkClaims, ReceiptClaims, TreeHead } from '@assent/core/protocol';
import type { JsonWebKeySet, Jwk } from './lib/backend.js';
import { webBackend as backend } from './lib/crypto-web.js';
import * as checker from './checker.js';
import * as jwks from './jwks.js';
import * as link from './link-token.js';
import * as merkle from './merkle.js';
import * as receipt from './receipt.js';
import * as remote from './remote-jwks.js';
import * as sig from './signature.js';
import * as sth from './tree-head.js';
import * as tp from './thumbprint.js';
import type { ConsentChecker, ConsentCheckerOptions } from './checker.js';
import type { VerifyTreeHeadOptions } from './tree-head.js';
import type { KeySet } from './jwks.js';
import type { RemoteJwksOptions, RemoteKeySet } from './remote-jwks.js';
import type { CreateLinkTokenOptions, VerifyLinkTokenOptions } from './link-token.js';
import type { ConsistencyInput, InclusionInput, InclusionProofInput } from './merkle.js';
import type { VerifyReceiptOptions } from './receipt.js';
import type { VerifySignatureInput } from './signature.js';

export * from './common.js';

/**
 * RFC 7638 JWK thumbprint (SHA-256, base64url): the `kid` Assent signers put in their headers.
 *
 * @example
 * ```ts
 * thumbprint({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' })
 * // 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k'
 * ```
 */
export function thumbprint(jwk: Jwk): string {
  return tp.thumbprint(backend, jwk);
}

/**
 * A key set from a JWKS document, an array of JWKs or one JWK, imported once. Keys without `kid`
 * are addressed by their thumbprint; keys that are not Ed25519 make tokens naming them fail with
 * `ERR_ALG_UNSUPPORTED`. Throws `JwksInvalid` for a malformed set.
 *
 * @example
 * ```ts
 * const jwks = createLocalJwks(JSON.parse(readFileSync('jwks.json', 'utf8')))
 * const claims = await verifyReceipt(receipt, { jwks, issuer: 'https://ledger.example' })
 * ```
 */
export function createLocalJwks(keys: JsonWebKeySet | readonly Jwk[] | Jwk): KeySet {
  return jwks.createLocalJwks(backend, keys);
}

/**
 * A key set fetched from a URL (the ledger's `/.well-known/jwks.json`) and cached for
 * `cacheMaxAgeSeconds` (default 600). A token naming an unknown `kid` triggers one refetch, at most
 * once per `cooldownSeconds` (default 30), which is how rotated-in keys are picked up. Fetches time
 * out after `timeoutMs` (default 5000). If a refetch fails, the keys already held stay in use;
 * with none held, verification fails with `ERR_JWKS_UNAVAILABLE`.
 *
 * @example
 * ```ts
 * const jwks = createRemoteJwks('https://ledger.example/.well-known/jwks.json', { cacheMaxAgeSeconds: 600 })
 * await jwks.reload() // optional warm-up
 * ```
 */
export function createRemoteJwks(url: string | URL, options?: RemoteJwksOptions): RemoteKeySet {
  return remote.createRemoteJwks(backend, url, options);
}

/**
 * A consent checker: `check(receipt, purposeId)` decides offline from the receipt, caching
 * verified receipts in a bounded LRU (`cacheMaxEntries`, default 10,000; receipts over 8 KiB are
 * not cached), and `checkOnline` also asks the ledger (`ledgerUrl`) for a newer decision. Results
 * are `{ allowed, status, reason, receiptId }`; bad receipts give `allowed: false`, never throw.
 *
 * @example
 * ```ts
 * const consent = createConsentChecker({ jwks, issuer: 'https://ledger.example', purposes: { ads: adsHash } })
 * const { allowed, reason } = await consent.check(receipt, 'ads')
 * ```
 */
export function createConsentChecker(options: ConsentCheckerOptions): ConsentChecker {
  return checker.createConsentChecker(backend, options);
}

/**
 * Verify a consent receipt and return its claims. Throws an `AssentError` subclass with a stable
 * code: `ERR_TOKEN_MALFORMED`, `ERR_ALG_UNSUPPORTED`, `ERR_KID_UNKNOWN`, `ERR_SIGNATURE_INVALID`,
 * `ERR_TYP_MISMATCH`, `ERR_ISSUER_MISMATCH`, `ERR_TOKEN_EXPIRED`, `ERR_TOKEN_NOT_YET_VALID`.
 * Only `EdDSA`/`Ed25519` with an Ed25519 key named by `kid` is accepted.
 *
 * @example
 * ```ts
 * const claims = await verifyReceipt(jws, { jwks, issuer: 'https://ledger.example' })
 * if (claims.cns.ads?.status === 'given') showPersonalisedAds()
 * ```
 */
export function verifyReceipt(jws: string, options: VerifyReceiptOptions): Promise<ReceiptClaims> {
  return receipt.verifyReceipt(backend, jws, options);
}

/**
 * Verify a signed tree head (`typ: assent-sth+jwt`) from the ledger and return it. Check proofs
 * against its `rootHash` with {@link verifyInclusion} and {@link verifyConsistency}.
 *
 * @example
 * ```ts
 * const head = await verifyTreeHead(await (await fetch(`${ledger}/v1/tree-head`)).text(), { jwks })
 * verifyInclusion({ leafHash: claims.lh, index: claims.seq, treeSize: head.treeSize, proof, rootHash: head.rootHash })
 * ```
 */
export function verifyTreeHead(jws: string, options: VerifyTreeHeadOptions): Promise<TreeHead> {
  return sth.verifyTreeHead(backend, jws, options);
}

/**
 * Sign a link token (`typ: assent-link+jwt`) tying a device subject to a signed-in customer. The
 * storefront backend makes it and hands it to the widget, which sends it with the next event.
 *
 * @example
 * ```ts
 * const link = await createLinkToken({ customerId: user.id, subject, key: privateKey, ttlSeconds: 300 })
 * ```
 */
export function createLinkToken(options: CreateLinkTokenOptions): Promise<string> {
  return link.createLinkToken(backend, options);
}

/**
 * Verify a link token and return its claims (`sub`, `cid`, `iat`, `exp`). Errors as for
 * {@link verifyReceipt}, without the issuer check.
 *
 * @example
 * ```ts
 * const { sub, cid } = await verifyLinkToken(event.link, { jwks: storefrontKeys })
 * ```
 */
export function verifyLinkToken(token: string, options: VerifyLinkTokenOptions): Promise<LinkClaims> {
  return link.verifyLinkToken(backend, token, options);
}

/**
 * Verify an Ed25519 signature over bytes with a public JWK; throws `SignatureInvalid` when it
 * does not verify. The primitive under every token check, for data that is not a JWS.
 *
 * @example
 * ```ts
 * await verifyEd25519({ key: publicJwk, data: message, signature })
 * ```
 */
export function verifyEd25519(input: VerifySignatureInput): Promise<void> {
  return sig.verifyEd25519(backend, input);
}

/**
 * Leaf hash of a ledger entry: SHA-256(0x00 || utf8(RFC 8785 JSON of the entry)).
 *
 * @example
 * ```ts
 * encodeBase64url(leafHash(entry)) === receipt.lh
 * ```
 */
export function leafHash(entry: object): Uint8Array {
  return merkle.leafHash(backend, entry);
}

/**
 * RFC 6962 leaf hash of raw bytes: SHA-256(0x00 || bytes).
 *
 * @example
 * ```ts
 * hashLeaf(new Uint8Array(0)) // the hash of the empty leaf
 * ```
 */
export function hashLeaf(bytes: Uint8Array): Uint8Array {
  return merkle.hashLeaf(backend, bytes);
}

/**
 * RFC 6962 interior node hash: SHA-256(0x01 || left || right).
 *
 * @example
 * ```ts
 * const root = hashChildren(leafHash(a), leafHash(b)) // a tree of two entries
 * ```
 */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return merkle.hashChildren(backend, left, right);
}

/**
 * The root an inclusion proof leads to (RFC 9162 §2.1.3.2). Throws `ProofInvalid` when the index
 * is outside the tree, a hash is not 32 bytes, or the proof has the wrong length.
 *
 * @example
 * ```ts
 * const root = rootFromInclusionProof({ leafHash: lh, index: 5, treeSize: 8, proof })
 * ```
 */
export function rootFromInclusionProof(input: InclusionProofInput): Uint8Array {
  return merkle.rootFromInclusionProof(backend, input);
}

/**
 * Check that a leaf is in the tree with `rootHash` (RFC 9162 §2.1.3.2). Returns nothing; throws
 * `ProofInvalid` (`ERR_PROOF_INVALID`) when the proof does not verify. Hashes are bytes or base64url.
 *
 * @example
 * ```ts
 * verifyInclusion({ leafHash: claims.lh, index: claims.seq, treeSize: head.treeSize, proof, rootHash: head.rootHash })
 * ```
 */
export function verifyInclusion(input: InclusionInput): void {
  merkle.verifyInclusion(backend, input);
}

/**
 * Check that the tree of `size2` leaves extends the tree of `size1` (RFC 9162 §2.1.4.2): nothing
 * was changed or removed in between. Throws `ProofInvalid` otherwise.
 *
 * @example
 * ```ts
 * verifyConsistency({ size1: old.treeSize, size2: head.treeSize, root1: old.rootHash, root2: head.rootHash, proof })
 * ```
 */
export function verifyConsistency(input: ConsistencyInput): void {
  merkle.verifyConsistency(backend, input);
}

export type {
  CheckOptions,
  ConsentChecker,
  ConsentCheckerOptions,
  ConsentDecision,
  ConsentReason,
} from './checker.js';
export type { RemoteJwksOptions, RemoteKeySet } from './remote-jwks.js';
export type { CreateLinkTokenOptions, VerifyLinkTokenOptions } from './link-token.js';
export type { VerifyTreeHeadOptions } from './tree-head.js';
export type { ConsistencyInput, Hash, InclusionInput, InclusionProofInput } from './merkle.js';
export type { KeyOptions, VerifyReceiptOptions } from './receipt.js';
export type { VerifySignatureInput } from './signature.js';
export type { KeySet, KeysInput } from './jwks.js';
export type { JsonWebKeySet, Jwk } from './lib/backend.js';
