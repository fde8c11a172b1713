import { EventInvalid } from './errors.js';
import { CONSENT_METHODS, CONSENT_STATUSES, type ConsentEvent } from './types.js';

/**
 * An event id: a lower-case UUIDv4 (version nibble 4, variant 10xx), as {@link createEventId} makes.
 *
 * @example
 * ```ts
 * UUID_V4.test(createEventId()) // true
 * UUID_V4.test('0B6F9A64-2C1E-4D3B-9F7A-5E8C1D2B3A49') // false: upper case
 * ```
 */
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/**
 * A device subject id: 16 bytes as unpadded base64url, 22 characters. The last character carries
 * only 2 data bits, so it can only be `A`, `Q`, `g` or `w`; anything else is not an encoder's output.
 *
 * @example
 * ```ts
 * SUBJECT_ID.test(createSubjectId()) // true
 * ```
 */
export const SUBJECT_ID = /^[A-Za-z0-9_-]{21}[AQgw]$/;
/**
 * A SHA-256 hash as the wire carries it: 32 bytes as unpadded base64url, 43 characters, the last
 * one with its 2 padding bits zero.
 *
 * @example
 * ```ts
 * HASH_B64URL.test(encodeBase64url(sha256(utf8('abc')))) // true
 * HASH_B64URL.test('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0=') // false: padded
 * ```
 */
export const HASH_B64URL = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
/**
 * A purpose id: a lower-case letter, then up to 63 lower-case letters, digits or hyphens.
 *
 * @example
 * ```ts
 * PURPOSE_ID.test('face-payment') // true
 * PURPOSE_ID.test('Ads') // false
 * ```
 */
export const PURPOSE_ID = /^[a-z][a-z0-9-]{0,63}$/;
/**
 * A UTC time exactly as `Date.prototype.toISOString` prints it (milliseconds, `Z`, no offset).
 * The shape only: {@link validateEvent} also refuses impossible dates such as February 30.
 *
 * @example
 * ```ts
 * RFC3339_UTC.test(new Date().toISOString()) // true
 * RFC3339_UTC.test('2026-11-29T11:20:41.123+08:00') // false: offsets are not allowed
 * ```
 */
export const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/**
 * A jurisdiction code: ISO 3166-1 alpha-2 (`CN`), `EU`, or an ISO 3166-2 subdivision (`US-CA`).
 *
 * @example
 * ```ts
 * JURISDICTION.test('US-CA') // true
 * JURISDICTION.test('usa') // false
 * ```
 */
export const JURISDICTION = /^[A-Z]{2}(?:-[A-Z0-9]{1,3})?$/;
const LOCALE = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,4}$/;
const VERSION = /^[\x21-\x7e]{1,64}$/;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_PURPOSES = 64;
const EVENT_KEYS = new Set([
  'id',
  'subject',
  'at',
  'policy',
  'purposes',
  'method',
  'locale',
  'jurisdiction',
  'gpc',
  'widget',
  'link',
]);

const fail = (path: string, message: string): never => {
  throw new EventInvalid(`${path}: ${message}`, { path });
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function matches(v: unknown, re: RegExp, path: string, what: string): string {
  if (typeof v !== 'string' || !re.test(v)) fail(path, `must be ${what}`);
  return v as string;
}

// For a string RFC3339_UTC matched: whether it names a real instant (no February 30, no hour 24,
// no leap second), the same answer as `new Date(Date.parse(s)).toISOString() === s` (tested
// against it), without that round trip's allocations: about a microsecond on every event a ledger
// takes.
function isRealInstant(s: string): boolean {
  const d = (i: number) => (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48;
  const year = d(0) * 100 + d(2);
  const month = d(5);
  const day = d(8);
  if (month < 1 || month > 12 || day < 1 || d(11) > 23 || d(14) > 59 || d(17) > 59) return false;
  if (month === 2) return day <= (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28);
  return day <= (month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31);
}

/**
 * Check that a value is a well-formed consent event and return it typed. Unknown members are
 * refused (a ledger must not store fields it cannot explain to an auditor), and so is anything
 * the wire format does not allow. Throws {@link EventInvalid} with the JSON path of the first
 * fault.
 *
 * @example
 * ```ts
 * const event = validateEvent(JSON.parse(body))
 * ```
 */
export function validateEvent(value: unknown, path = '$'): ConsentEvent {
  if (!isObject(value)) fail(path, 'must be an object');
  const e = value as Record<string, unknown>;
  for (const k of Object.keys(e))
    if (!EVENT_KEYS.has(k)) fail(`${path}.${k}`, 'is not a consent event field');
  matches(e.id, UUID_V4, `${path}.id`, 'a lower-case UUIDv4');
  matches(e.subject, SUBJECT_ID, `${path}.subject`, 'a 128-bit base64url subject id');
  const at = matches(e.at, RFC3339_UTC, `${path}.at`, 'an RFC 3339 UTC time with milliseconds');
  if (!isRealInstant(at)) fail(`${path}.at`, 'is not a real date and time');

  const policy = e.policy;
  if (!isObject(policy)) fail(`${path}.policy`, 'must be an object');
  const p = policy as Record<string, unknown>;
  for (const k of Object.keys(p))
    if (k !== 'version' && k !== 'hash') fail(`${path}.policy.${k}`, 'is not a policy field');
  matches(p.version, VERSION, `${path}.policy.version`, '1 to 64 printable ASCII characters');
  matches(p.hash, HASH_B64URL, `${path}.policy.hash`, 'a base64url SHA-256 hash');

  const purposes = e.purposes;
  if (!isObject(purposes)) fail(`${path}.purposes`, 'must be an object');
  const ids = Object.keys(purposes as object);
  if (ids.length > MAX_PURPOSES) fail(`${path}.purposes`, `must have at most ${MAX_PURPOSES} purposes`);
  for (const id of ids) {
    const pp = `${path}.purposes.${id}`;
    if (!PURPOSE_ID.test(id)) fail(pp, 'purpose id must match [a-z][a-z0-9-]{0,63}');
    const s = (purposes as Record<string, unknown>)[id];
    if (!isObject(s)) fail(pp, 'must be an object');
    const snap = s as Record<string, unknown>;
    for (const k of Object.keys(snap))
      if (k !== 'status' && k !== 'hash') fail(`${pp}.${k}`, 'is not a field');
    if (!CONSENT_STATUSES.includes(snap.status as never))
      fail(`${pp}.status`, `must be one of ${CONSENT_STATUSES.join(', ')}`);
    matches(snap.hash, HASH_B64URL, `${pp}.hash`, 'a base64url SHA-256 hash');
  }

  if (!CONSENT_METHODS.includes(e.method as never))
    fail(`${path}.method`, `must be one of ${CONSENT_METHODS.join(', ')}`);
  matches(e.locale, LOCALE, `${path}.locale`, 'a BCP 47 language tag');
  matches(e.jurisdiction, JURISDICTION, `${path}.jurisdiction`, 'an ISO 3166 code');
  if (typeof e.gpc !== 'boolean') fail(`${path}.gpc`, 'must be a boolean');
  matches(e.widget, VERSION, `${path}.widget`, '1 to 64 printable ASCII characters');
  if (e.link !== undefined) {
    const link = matches(e.link, COMPACT_JWS, `${path}.link`, 'a compact JWS');
    if (link.length > 4096) fail(`${path}.link`, 'must be at most 4096 characters');
  }
  return e as unknown as ConsentEvent;
}

/**
 * Validate the body of `POST /v1/events`: a non-empty array of consent events with distinct ids.
 *
 * @example
 * ```ts
 * const events = validateEvents(JSON.parse(body))
 * ```
 */
export function validateEvents(value: unknown, maxEvents = 256): ConsentEvent[] {
  if (!Array.isArray(value)) fail('$', 'must be an array of consent events');
  const arr = value as unknown[];
  if (arr.length === 0) fail('$', 'must hold at least one event');
  if (arr.length > maxEvents) fail('$', `must hold at most ${maxEvents} events`);
  const seen = new Set<string>();
  return arr.map((v, i) => {
    const ev = validateEvent(v, `$[${i}]`);
    if (seen.has(ev.id)) fail(`$[${i}].id`, 'repeats the id of an earlier event in the same request');
    seen.add(ev.id);
    return ev;
  });
}
