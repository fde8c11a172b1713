// Negative (and edge) cases of the event validator the ledger runs on every `POST /v1/events`.
// Each case breaks exactly one thing in an otherwise valid event, so the expected path proves the
// validator refused it for that reason and not for another.
import { createHash } from 'node:crypto';
import {
  AssentError,
  CONSENT_METHODS,
  EventInvalid,
  validateEvent,
  validateEvents,
} from '@assent/core/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: tests mutate raw JSON freely.
type Json = Record<string, any>;

const hashOf = (s: string) => createHash('sha256').update(s).digest('base64url');
const POLICY_HASH = hashOf('policy'); // 'gjQS0erLZ5ViIOUylZ8BBGAwV8iHBIY8o4580Yj9qBI'
const ADS_HASH = hashOf('ads');
const ID = '0b6f9a64-2c1e-4d3b-9f7a-5e8c1d2b3a49';

const valid = (): Json => ({
  id: ID,
  subject: 'q3Vb2p0hXk8m0aJ1dQ7v4w',
  at: '2026-11-29T03:20:41.123Z',
  policy: { version: '2026-11', hash: POLICY_HASH },
  purposes: {
    analytics: { status: 'given', hash: hashOf('analytics') },
    ads: { status: 'refused', hash: ADS_HASH },
  },
  method: 'preferences:save',
  locale: 'zh-CN',
  jurisdiction: 'CN',
  gpc: false,
  widget: '0.1.0',
});

/** The error `fn` throws; fails the test when it throws nothing. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the validator to throw, but it accepted the value');
}

const expectInvalid = (fn: () => unknown, path: string) => {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(EventInvalid);
  expect(e).toBeInstanceOf(AssentError);
  expect((e as EventInvalid).code).toBe('ERR_EVENT_INVALID');
  expect((e as EventInvalid).path).toBe(path);
  // The message starts with the path so a log line alone tells which field was wrong.
  expect((e as EventInvalid).message.startsWith(`${path}: `)).toBe(true);
};

const withPurposes = (n: number) => {
  const purposes: Json = {};
  for (let i = 0; i < n; i++) purposes[`p${i}`] = { status: 'given', hash: ADS_HASH };
  return purposes;
};

const eventWithId = (i: number): Json => {
  const e = valid();
  e.id = `0b6f9a64-2c1e-4d3b-9f7a-${i.toString(16).padStart(12, '0')}`;
  return e;
};

// [name, mutation of a valid event, JSON path of the fault]
const REJECTED: [string, (e: Json) => void, string][] = [
  // unknown members
  ['an unknown top-level member', (e) => (e.extra = 1), '$.extra'],
  ['a receivedAt (ledger-only) member', (e) => (e.receivedAt = '2026-11-29T03:20:41.123Z'), '$.receivedAt'],
  // JSON.parse makes `__proto__` an own member; defineProperty does the same without JSON.
  [
    'an own __proto__ member',
    (e) => Object.defineProperty(e, '__proto__', { value: { x: 1 }, enumerable: true }),
    '$.__proto__',
  ],
  // id
  ['a missing id', (e) => delete e.id, '$.id'],
  ['a numeric id', (e) => (e.id = 42), '$.id'],
  ['an upper-case UUID', (e) => (e.id = ID.toUpperCase()), '$.id'],
  ['a UUIDv1', (e) => (e.id = '0b6f9a64-2c1e-1d3b-9f7a-5e8c1d2b3a49'), '$.id'],
  ['a UUID with the wrong variant', (e) => (e.id = '0b6f9a64-2c1e-4d3b-cf7a-5e8c1d2b3a49'), '$.id'],
  ['a UUID in braces', (e) => (e.id = `{${ID}}`), '$.id'],
  ['a UUID without hyphens', (e) => (e.id = ID.replace(/-/g, '')), '$.id'],
  ['an empty id', (e) => (e.id = ''), '$.id'],
  // subject
  ['a missing subject', (e) => delete e.subject, '$.subject'],
  ['a 21-character subject', (e) => (e.subject = 'q3Vb2p0hXk8m0aJ1dQ7v4'), '$.subject'],
  ['a 23-character subject', (e) => (e.subject = 'q3Vb2p0hXk8m0aJ1dQ7v4wA'), '$.subject'],
  ['a subject with non-zero padding bits', (e) => (e.subject = 'q3Vb2p0hXk8m0aJ1dQ7v4x'), '$.subject'],
  ['a subject in standard base64', (e) => (e.subject = 'q3Vb2p0hXk8m0aJ1dQ7+4w'), '$.subject'],
  ['a padded subject', (e) => (e.subject = 'q3Vb2p0hXk8m0aJ1dQ7v4w=='), '$.subject'],
  ['a numeric subject', (e) => (e.subject = 1), '$.subject'],
  // at
  ['a missing at', (e) => delete e.at, '$.at'],
  ['an epoch-milliseconds at', (e) => (e.at = 1_795_922_441_123), '$.at'],
  ['an at without milliseconds', (e) => (e.at = '2026-11-29T03:20:41Z'), '$.at'],
  ['an at with microseconds', (e) => (e.at = '2026-11-29T03:20:41.123456Z'), '$.at'],
  ['an at with a +08:00 offset', (e) => (e.at = '2026-11-29T11:20:41.123+08:00'), '$.at'],
  ['an at with a +00:00 offset', (e) => (e.at = '2026-11-29T03:20:41.123+00:00'), '$.at'],
  ['an at with a lower-case z', (e) => (e.at = '2026-11-29T03:20:41.123z'), '$.at'],
  ['an at without a zone', (e) => (e.at = '2026-11-29T03:20:41.123'), '$.at'],
  ['an at with a space for T', (e) => (e.at = '2026-11-29 03:20:41.123Z'), '$.at'],
  ['a date-only at', (e) => (e.at = '2026-11-29'), '$.at'],
  ['an expanded-year at', (e) => (e.at = '+002026-11-29T03:20:41.123Z'), '$.at'],
  ['February 30', (e) => (e.at = '2026-02-30T00:00:00.000Z'), '$.at'],
  ['February 29 of a common year', (e) => (e.at = '2026-02-29T00:00:00.000Z'), '$.at'],
  ['April 31', (e) => (e.at = '2026-04-31T12:00:00.000Z'), '$.at'],
  ['month 13', (e) => (e.at = '2026-13-01T00:00:00.000Z'), '$.at'],
  ['month 00', (e) => (e.at = '2026-00-10T00:00:00.000Z'), '$.at'],
  ['day 00', (e) => (e.at = '2026-11-00T00:00:00.000Z'), '$.at'],
  ['hour 24', (e) => (e.at = '2026-11-29T24:00:00.000Z'), '$.at'],
  ['minute 60', (e) => (e.at = '2026-11-29T03:60:00.000Z'), '$.at'],
  ['a leap second', (e) => (e.at = '2016-12-31T23:59:60.000Z'), '$.at'],
  // policy
  ['a missing policy', (e) => delete e.policy, '$.policy'],
  ['a null policy', (e) => (e.policy = null), '$.policy'],
  ['an array policy', (e) => (e.policy = ['2026-11', POLICY_HASH]), '$.policy'],
  ['an unknown policy member', (e) => (e.policy.url = 'https://shop.example/privacy'), '$.policy.url'],
  ['a missing policy version', (e) => delete e.policy.version, '$.policy.version'],
  ['an empty policy version', (e) => (e.policy.version = ''), '$.policy.version'],
  ['a 65-character policy version', (e) => (e.policy.version = 'v'.repeat(65)), '$.policy.version'],
  ['a policy version with a space', (e) => (e.policy.version = '2026 11'), '$.policy.version'],
  ['a non-ASCII policy version', (e) => (e.policy.version = '第一版'), '$.policy.version'],
  ['a numeric policy version', (e) => (e.policy.version = 3), '$.policy.version'],
  ['a missing policy hash', (e) => delete e.policy.hash, '$.policy.hash'],
  ['a padded policy hash', (e) => (e.policy.hash = `${POLICY_HASH}=`), '$.policy.hash'],
  ['a standard-base64 policy hash', (e) => (e.policy.hash = `+${POLICY_HASH.slice(1)}`), '$.policy.hash'],
  [
    'a hex policy hash',
    (e) => (e.policy.hash = createHash('sha256').update('p').digest('hex')),
    '$.policy.hash',
  ],
  ['a 42-character policy hash', (e) => (e.policy.hash = POLICY_HASH.slice(1)), '$.policy.hash'],
  ['a 44-character policy hash', (e) => (e.policy.hash = `A${POLICY_HASH}`), '$.policy.hash'],
  // 'I' encodes ...000 in its last two bits; 'J' sets a padding bit no encoder would set.
  [
    'a policy hash with non-zero padding bits',
    (e) => (e.policy.hash = `${POLICY_HASH.slice(0, 42)}J`),
    '$.policy.hash',
  ],
  // purposes
  ['missing purposes', (e) => delete e.purposes, '$.purposes'],
  ['null purposes', (e) => (e.purposes = null), '$.purposes'],
  ['an array of purposes', (e) => (e.purposes = [{ status: 'given', hash: ADS_HASH }]), '$.purposes'],
  ['65 purposes (more than MAX_PURPOSES)', (e) => (e.purposes = withPurposes(65)), '$.purposes'],
  [
    'an upper-case purpose id',
    (e) => (e.purposes = { Ads: { status: 'given', hash: ADS_HASH } }),
    '$.purposes.Ads',
  ],
  [
    'a purpose id starting with a digit',
    (e) => (e.purposes = { '1ads': { status: 'given', hash: ADS_HASH } }),
    '$.purposes.1ads',
  ],
  [
    'a purpose id with an underscore',
    (e) => (e.purposes = { ad_x: { status: 'given', hash: ADS_HASH } }),
    '$.purposes.ad_x',
  ],
  ['an empty purpose id', (e) => (e.purposes = { '': { status: 'given', hash: ADS_HASH } }), '$.purposes.'],
  [
    'a 65-character purpose id',
    (e) => (e.purposes = { [`a${'b'.repeat(64)}`]: { status: 'given', hash: ADS_HASH } }),
    `$.purposes.a${'b'.repeat(64)}`,
  ],
  ['a purpose snapshot that is a string', (e) => (e.purposes.ads = 'given'), '$.purposes.ads'],
  ['a null purpose snapshot', (e) => (e.purposes.ads = null), '$.purposes.ads'],
  ['an unknown purpose snapshot member', (e) => (e.purposes.ads.at = e.at), '$.purposes.ads.at'],
  ['a missing purpose status', (e) => delete e.purposes.ads.status, '$.purposes.ads.status'],
  [
    'a purpose status outside the enum (granted)',
    (e) => (e.purposes.ads.status = 'granted'),
    '$.purposes.ads.status',
  ],
  ['a capitalised purpose status', (e) => (e.purposes.ads.status = 'Given'), '$.purposes.ads.status'],
  ['a boolean purpose status', (e) => (e.purposes.ads.status = true), '$.purposes.ads.status'],
  ['a missing purpose hash', (e) => delete e.purposes.ads.hash, '$.purposes.ads.hash'],
  ['a padded purpose hash', (e) => (e.purposes.ads.hash = `${ADS_HASH}=`), '$.purposes.ads.hash'],
  ['a short purpose hash', (e) => (e.purposes.ads.hash = ADS_HASH.slice(0, 22)), '$.purposes.ads.hash'],
  // method
  ['a missing method', (e) => delete e.method, '$.method'],
  ['a method outside the enum', (e) => (e.method = 'banner:accept'), '$.method'],
  ['an upper-case method', (e) => (e.method = 'GPC'), '$.method'],
  ['a numeric method', (e) => (e.method = 0), '$.method'],
  // locale
  ['a missing locale', (e) => delete e.locale, '$.locale'],
  ['a one-letter locale', (e) => (e.locale = 'z'), '$.locale'],
  ['a POSIX locale', (e) => (e.locale = 'zh_CN'), '$.locale'],
  ['an empty locale', (e) => (e.locale = ''), '$.locale'],
  // jurisdiction
  ['a missing jurisdiction', (e) => delete e.jurisdiction, '$.jurisdiction'],
  ['a lower-case jurisdiction', (e) => (e.jurisdiction = 'cn'), '$.jurisdiction'],
  ['an alpha-3 jurisdiction', (e) => (e.jurisdiction = 'CHN'), '$.jurisdiction'],
  ['a jurisdiction with an empty subdivision', (e) => (e.jurisdiction = 'US-'), '$.jurisdiction'],
  ['a jurisdiction with a 4-character subdivision', (e) => (e.jurisdiction = 'US-CALI'), '$.jurisdiction'],
  // gpc
  ['a missing gpc', (e) => delete e.gpc, '$.gpc'],
  ['a string gpc', (e) => (e.gpc = 'true'), '$.gpc'],
  ['a numeric gpc', (e) => (e.gpc = 1), '$.gpc'],
  ['a null gpc', (e) => (e.gpc = null), '$.gpc'],
  // widget
  ['a missing widget', (e) => delete e.widget, '$.widget'],
  ['an empty widget', (e) => (e.widget = ''), '$.widget'],
  ['a 65-character widget', (e) => (e.widget = '1'.repeat(65)), '$.widget'],
  ['a widget with a space', (e) => (e.widget = '0.1.0 beta'), '$.widget'],
  // link
  ['a null link', (e) => (e.link = null), '$.link'],
  ['an empty link', (e) => (e.link = ''), '$.link'],
  ['a two-part link', (e) => (e.link = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0'), '$.link'],
  ['a link with an empty signature', (e) => (e.link = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.'), '$.link'],
  ['a padded link', (e) => (e.link = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0=.c2ln'), '$.link'],
  ['a JWE-shaped (five-part) link', (e) => (e.link = 'a.b.c.d.e'), '$.link'],
  ['a 4097-character link', (e) => (e.link = `a.b.${'c'.repeat(4093)}`), '$.link'],
];

describe('validateEvent rejects', () => {
  it('nothing in the base event (the control for every case below)', () => {
    const e = valid();
    expect(validateEvent(e)).toBe(e);
  });

  for (const v of [null, undefined, [], 'event', 42, true]) {
    it(`a ${Array.isArray(v) ? 'array' : String(v)} at the top level, at $`, () => {
      expectInvalid(() => validateEvent(v), '$');
    });
  }

  for (const [name, mutate, path] of REJECTED) {
    it(`${name}, at ${path}`, () => {
      const e = valid();
      mutate(e);
      expectInvalid(() => validateEvent(e), path);
    });
  }

  it('prefixes paths with the caller-supplied base path', () => {
    const e = valid();
    e.purposes.ads.status = 'granted';
    expectInvalid(() => validateEvent(e, '$.batch[3]'), '$.batch[3].purposes.ads.status');
  });
});

// [name, mutation of a valid event] that must still validate.
const ACCEPTED: [string, (e: Json) => void][] = [
  ['February 29 of a leap year', (e) => (e.at = '2028-02-29T23:59:59.999Z')],
  ['the Unix epoch', (e) => (e.at = '1970-01-01T00:00:00.000Z')],
  ['the last millisecond of a year', (e) => (e.at = '2026-12-31T23:59:59.999Z')],
  ['no purposes at all', (e) => (e.purposes = {})],
  ['exactly 64 purposes (MAX_PURPOSES)', (e) => (e.purposes = withPurposes(64))],
  [
    'a 64-character purpose id',
    (e) => (e.purposes = { [`a${'b'.repeat(63)}`]: { status: 'expired', hash: ADS_HASH } }),
  ],
  ['a one-letter purpose id', (e) => (e.purposes = { a: { status: 'withdrawn', hash: ADS_HASH } })],
  ['a hyphenated purpose id', (e) => (e.purposes = { 'face-payment': { status: 'given', hash: ADS_HASH } })],
  ['a 64-character policy version', (e) => (e.policy.version = `${'~'.repeat(63)}!`)],
  ['a 64-character widget', (e) => (e.widget = '9'.repeat(64))],
  ['a three-letter language with script and region', (e) => (e.locale = 'yue-Hant-HK')],
  ['the EU jurisdiction', (e) => (e.jurisdiction = 'EU')],
  ['an ISO 3166-2 jurisdiction', (e) => (e.jurisdiction = 'US-CA')],
  ['a numeric ISO 3166-2 subdivision', (e) => (e.jurisdiction = 'CN-11')],
  ['gpc true', (e) => (e.gpc = true)],
  ['a 4096-character link', (e) => (e.link = `a.b.${'c'.repeat(4092)}`)],
  ['an explicitly undefined link (not on the wire)', (e) => (e.link = undefined)],
];

for (const method of CONSENT_METHODS) ACCEPTED.push([`method ${method}`, (e) => (e.method = method)]);
for (const status of ['given', 'refused', 'withdrawn', 'expired'])
  ACCEPTED.push([`status ${status}`, (e) => (e.purposes.ads.status = status)]);

describe('validateEvent accepts', () => {
  for (const [name, mutate] of ACCEPTED) {
    it(name, () => {
      const e = valid();
      mutate(e);
      expect(validateEvent(e)).toEqual(e);
    });
  }

  it('an event that went through JSON (what the ledger sees)', () => {
    const e = valid();
    e.link = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
    expect(validateEvent(JSON.parse(JSON.stringify(e)))).toEqual(e);
  });
});

describe('validateEvents', () => {
  it('returns the events of a valid batch in order', () => {
    const batch = [eventWithId(1), eventWithId(2), eventWithId(3)];
    expect(validateEvents(batch).map((e) => e.id)).toEqual(batch.map((e) => e.id));
  });

  it('accepts exactly the default maximum of 256 events', () => {
    const batch = Array.from({ length: 256 }, (_, i) => eventWithId(i));
    expect(validateEvents(batch)).toHaveLength(256);
  });

  const BATCH_REJECTED: [string, () => unknown, string][] = [
    ['a single event that is not in an array', () => validateEvents(valid()), '$'],
    ['null', () => validateEvents(null), '$'],
    ['a string', () => validateEvents('[]'), '$'],
    ['an empty array', () => validateEvents([]), '$'],
    [
      '257 events (default maximum 256)',
      () => validateEvents(Array.from({ length: 257 }, (_, i) => eventWithId(i))),
      '$',
    ],
    [
      '3 events when maxEvents is 2',
      () => validateEvents([eventWithId(1), eventWithId(2), eventWithId(3)], 2),
      '$',
    ],
    ['a non-object element', () => validateEvents([eventWithId(1), 'event']), '$[1]'],
    [
      'an invalid field in the third event',
      () => {
        const bad = eventWithId(3);
        bad.gpc = 'no';
        return validateEvents([eventWithId(1), eventWithId(2), bad]);
      },
      '$[2].gpc',
    ],
    [
      'an unknown member in the first event',
      () => validateEvents([{ ...eventWithId(1), seq: 0 }, eventWithId(2)]),
      '$[0].seq',
    ],
    [
      'a repeated id (reported on the later event)',
      () => validateEvents([eventWithId(1), eventWithId(2), eventWithId(1)]),
      '$[2].id',
    ],
    ['the same event twice', () => validateEvents([valid(), valid()]), '$[1].id'],
  ];

  for (const [name, run, path] of BATCH_REJECTED) {
    it(`rejects ${name}, at ${path}`, () => expectInvalid(run, path));
  }

  it('reports the first fault in array order', () => {
    const first = eventWithId(1);
    first.method = 'nope';
    const second = eventWithId(2);
    second.at = '2026-02-30T00:00:00.000Z';
    expectInvalid(() => validateEvents([first, second]), '$[0].method');
  });
});

describe('validateEvent: real dates and times', () => {
  // The reference: Date.parse rolls 2026-02-31 over into March, so a round trip rejects it.
  const real = (at: string) => {
    const t = Date.parse(at);
    return Number.isFinite(t) && new Date(t).toISOString() === at;
  };
  const accepts = (at: string) => {
    try {
      validateEvent({ ...valid(), at });
      return true;
    } catch (e) {
      expect(e).toBeInstanceOf(EventInvalid);
      expect((e as EventInvalid).path).toBe('$.at');
      return false;
    }
  };
  const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
  const at = fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      two(99),
      two(99),
      two(99),
      two(99),
      two(99),
      fc.integer({ min: 0, max: 999 }),
    )
    .map(
      ([y, mo, d, h, mi, s, ms]) =>
        `${String(y).padStart(4, '0')}-${mo}-${d}T${h}:${mi}:${s}.${String(ms).padStart(3, '0')}Z`,
    );

  it('accepts exactly what a Date round trip accepts, for any digits in the format', () => {
    fc.assert(
      fc.property(at, (s) => accepts(s) === real(s)),
      { numRuns: 20_000 },
    );
  });

  it('agrees with the round trip on days 00-32 of months 00-13, at five times of day, in years 0000-0004, 1900, 2000, 2024-2026, 2100, 2400, 9999', () => {
    for (const y of ['0000', '0001', '0004', '1900', '2000', '2024', '2025', '2026', '2100', '2400', '9999'])
      for (let m = 0; m <= 13; m++)
        for (let d = 0; d <= 32; d++)
          for (const time of [
            '00:00:00.000',
            '23:59:59.999',
            '24:00:00.000',
            '12:60:00.000',
            '12:00:60.000',
          ]) {
            const s = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T${time}Z`;
            expect([s, accepts(s)]).toEqual([s, real(s)]);
          }
  });
});
