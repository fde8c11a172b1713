// The only thing that differs between the Node and the Web Crypto entries. Shared modules take a
// Backend as their first argument; `node.ts` and `web.ts` bind one. Hashing is synchronous on both
// (node:crypto there, the protocol's plain-JS SHA-256 on the edge) so the Merkle API has one shape;
// signatures are `boolean | Promise<boolean>` because Web Crypto has no synchronous verify.

/** An Ed25519 public key as a JWK (RFC 8037). */
export interface Ed25519PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid?: string;
  alg?: string;
  use?: string;
  key_ops?: string[];
}

/** An Ed25519 private key as a JWK (RFC 8037): the public `x` plus the private `d`. */
export interface Ed25519PrivateJwk extends Ed25519PublicJwk {
  d: string;
}

/**
 * A JSON Web Key as it appears in a JWKS document. Only Ed25519 `OKP` keys are used; other keys
 * are kept by `kid` so a token naming one fails with a clear error rather than "unknown kid".
 */
export interface Jwk {
  kty: string;
  kid?: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  k?: string;
  d?: string;
  alg?: string;
  use?: string;
  key_ops?: string[];
}

/** A JSON Web Key Set document (RFC 7517 §5). */
export interface JsonWebKeySet {
  keys: Jwk[];
}

/**
 * An Ed25519 private key usable for signing: a Node `KeyObject`, a Web Crypto `CryptoKey` (the Web
 * entry takes only these and JWKs), or a private JWK. Typed structurally so the edge entry's
 * declarations need no Node types.
 */
export type SigningKeyInput = { readonly type: string } | Ed25519PrivateJwk;

export interface Backend {
  /** `'node'` or `'web'`: keys imported by one backend cannot be used by the other. */
  readonly name: string;
  readonly sha256: (data: Uint8Array) => Uint8Array;
  /** SHA-256 over the concatenation of the parts, without copying them together where possible. */
  readonly sha256Parts: (a: Uint8Array, b: Uint8Array, c?: Uint8Array) => Uint8Array;
  /** Strict unpadded base64url: `undefined` for anything but the canonical encoding. */
  readonly decode: (s: string) => Uint8Array | undefined;
  /** UTF-8 bytes to string; may throw on invalid UTF-8. */
  readonly text: (bytes: Uint8Array) => string;
  /**
   * Text of a base64url segment whose signature has already been verified; `undefined` unless the
   * segment is canonical unpadded base64url (both backends: one token, one answer). The Node
   * backend skips the alphabet regex here and lets a length check catch stray characters.
   */
  readonly signedText: (segment: string) => string | undefined;
  /** Import 32 raw public key bytes; a KeyObject on Node, a Promise of a CryptoKey on the edge. */
  readonly importPublicKey: (x: Uint8Array) => unknown;
  /**
   * Verify an Ed25519 signature over the characters `token.slice(0, end)` as UTF-8 bytes. Tokens
   * are ASCII, so anything else changes the bytes and fails here rather than being reinterpreted.
   */
  readonly verify: (
    key: unknown,
    signature: Uint8Array,
    token: string,
    end: number,
  ) => boolean | Promise<boolean>;
  /** Import a private key; `x` is its public half (base64url), unless the key cannot tell. */
  /** Verify an Ed25519 signature over arbitrary bytes. */
  readonly verifyBytes: (key: unknown, signature: Uint8Array, data: Uint8Array) => boolean | Promise<boolean>;
  readonly signingKey: (input: SigningKeyInput) => Promise<{ key: unknown; x: string | undefined }>;
  readonly sign: (key: unknown, data: Uint8Array) => Promise<Uint8Array>;
}
