// Compact JWS verification shared by receipts, tree heads and link tokens. The order of checks is
// deliberate: structure, then the (cached) header's alg allow-list, kid and typ, then the
// signature, and only then is the payload parsed, so unauthenticated JSON never reaches a parser.
import type { Backend } from './backend.js';
import { isThenable, type KeySet } from '../jwks.js';
import { AlgorithmUnsupported, SignatureInvalid, TokenMalformed, TypeMismatch } from '../errors.js';

interface Header {
  readonly kid: string;
  readonly typ: string | undefined;
}

/** Larger than any receipt the ledger issues (64 purposes fit in about 8 KiB). */
export const MAX_TOKEN_LENGTH = 32 * 1024;
const ALGORITHMS = new Set(['EdDSA', 'Ed25519']);
// Headers repeat (one per ledger key and token type), so parsing each once leaves a single
// JSON.parse per verification. Bounded; cleared when full rather than tracked as an LRU.
const HEADER_CACHE_SIZE = 64;
const headers = new Map<string, Header>();

const malformed = (message: string, path?: string): never => {
  throw new TokenMalformed(message, path === undefined ? undefined : { path });
};

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(b: Backend, segment: string, what: string): Record<string, unknown> {
  const bytes = b.decode(segment);
  if (bytes === undefined) malformed(`${what} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(b.text(bytes!));
  } catch {
    malformed(`${what} is not JSON`);
  }
  if (!isObject(value)) malformed(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function parseHeader(b: Backend, segment: string): Header {
  const h = parseJson(b, segment, 'header');
  if (typeof h['alg'] !== 'string' || !ALGORITHMS.has(h['alg'])) {
    throw new AlgorithmUnsupported(`alg ${JSON.stringify(h['alg'])} is not EdDSA or Ed25519`, {
      path: '$.header.alg',
    });
  }
  if (typeof h['kid'] !== 'string' || h['kid'] === '') malformed('kid is required', '$.header.kid');
  // We implement no JWS extensions, and RFC 7515 §4.1.11 says to reject what we do not understand.
  if (h['crit'] !== undefined) malformed('crit header parameters are not supported', '$.header.crit');
  if (h['typ'] !== undefined && typeof h['typ'] !== 'string')
    malformed('typ must be a string', '$.header.typ');
  return { kid: h['kid'] as string, typ: h['typ'] as string | undefined };
}

function header(b: Backend, segment: string): Header {
  let h = headers.get(segment);
  if (h === undefined) {
    h = parseHeader(b, segment);
    if (headers.size >= HEADER_CACHE_SIZE) headers.clear();
    headers.set(segment, h);
  }
  return h;
}

// RFC 7515 §4.1.9: `typ` may omit the "application/" prefix, and media types are case-insensitive.
function typeMatches(typ: string | undefined, expected: string): boolean {
  if (typ === expected) return true;
  if (typ === undefined) return false;
  const t = typ.toLowerCase();
  return t === expected || t === `application/${expected}`;
}

/** Verify a compact JWS of type `typ` and return its payload object. */
export async function verifyJws(
  b: Backend,
  token: string,
  keys: KeySet,
  typ: string,
): Promise<Record<string, unknown>> {
  if (typeof token !== 'string') throw new TypeError('token must be a string');
  if (token.length > MAX_TOKEN_LENGTH) malformed(`token is longer than ${MAX_TOKEN_LENGTH} characters`);
  const d1 = token.indexOf('.');
  const d2 = d1 < 0 ? -1 : token.indexOf('.', d1 + 1);
  if (d1 <= 0 || d2 < 0 || token.indexOf('.', d2 + 1) >= 0) malformed('not a compact JWS');
  const h = header(b, token.slice(0, d1));
  if (!typeMatches(h.typ, typ)) {
    throw new TypeMismatch(`typ is ${JSON.stringify(h.typ)}, expected ${typ}`, { path: '$.header.typ' });
  }
  let key = keys.get(h.kid);
  if (isThenable(key)) key = await key;
  const signature = b.decode(token.slice(d2 + 1));
  if (signature === undefined) malformed('signature is not base64url');
  if (signature!.length !== 64) throw new SignatureInvalid(`signature is ${signature!.length} bytes, not 64`);
  let ok = b.verify(key, signature!, token, d2);
  if (typeof ok !== 'boolean') ok = await ok;
  if (!ok) throw new SignatureInvalid('signature does not verify');
  // Decoded only now: the payload characters are exactly what the key holder signed.
  let claims: unknown;
  try {
    const text = b.signedText(token.slice(d1 + 1, d2));
    if (text === undefined) malformed('payload is not base64url');
    claims = JSON.parse(text!);
  } catch (e) {
    if (e instanceof TokenMalformed) throw e;
    malformed('payload is not JSON');
  }
  if (!isObject(claims)) malformed('payload is not a JSON object');
  return claims as Record<string, unknown>;
}
