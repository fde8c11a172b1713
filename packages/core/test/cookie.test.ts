// @vitest-environment happy-dom
// @vitest-environment-options {"url":"https://shop.example.com/products"}
import {
  CONSENT_METHODS,
  CONSENT_STATUSES,
  type ConsentChange,
  cookieStorage,
  createConsent,
  createSubjectId,
  type Decision,
  decodeConsentCookie,
  encodeConsentCookie,
  isSeparate,
  MAX_PURPOSES,
  parseConsentCookie,
} from '@assent/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { example } from './fixtures.js';

const clearCookies = () => {
  for (const c of document.cookie.split(';')) {
    const name = c.split('=')[0]!.trim();
    // biome-ignore lint/suspicious/noDocumentCookie: the test clears cookies as a page would
    if (name) document.cookie = `${name}=; Path=/; Max-Age=0`;
  }
};
afterEach(() => {
  clearCookies();
  vi.restoreAllMocks();
});

const hash = (seed: string) => `${seed.repeat(43).slice(0, 42)}A`;
const decision = (over: Partial<Decision> = {}): Decision => ({
  status: 'given',
  at: Date.UTC(2026, 10, 1, 8, 0, 0),
  method: 'banner:accept-all',
  hash: hash('Q'),
  ...over,
});

describe('the consent cookie', () => {
  it('is written first-party with SameSite=Lax, Path=/, Secure on https and about 13 months', () => {
    const writes: string[] = [];
    let proto = Object.getPrototypeOf(document);
    while (!Object.getOwnPropertyDescriptor(proto, 'cookie')) proto = Object.getPrototypeOf(proto);
    const desc = Object.getOwnPropertyDescriptor(proto, 'cookie')!;
    vi.spyOn(document, 'cookie', 'set').mockImplementation((v: string) => {
      writes.push(v);
      desc.set!.call(document, v);
    });
    cookieStorage().save({ subject: createSubjectId(), decisions: { analytics: decision() } });
    expect(writes).toHaveLength(1);
    const attrs = writes[0]!.split(';').slice(1);
    expect(attrs).toEqual(['Path=/', 'Max-Age=34128000', 'SameSite=Lax', 'Secure']);
  });

  it('leaves Secure off on plain http, and sets Domain when asked', () => {
    const writes: string[] = [];
    vi.spyOn(document, 'cookie', 'set').mockImplementation((v: string) => void writes.push(v));
    (window as unknown as { happyDOM: { setURL(u: string): void } }).happyDOM.setURL(
      'http://localhost:3000/',
    );
    try {
      cookieStorage({ domain: 'example.com', maxAgeSeconds: 60 }).save({
        subject: createSubjectId(),
        decisions: {},
      });
    } finally {
      (window as unknown as { happyDOM: { setURL(u: string): void } }).happyDOM.setURL(
        'https://shop.example.com/',
      );
    }
    expect(writes[0]!.split(';').slice(1)).toEqual([
      'Path=/',
      'Max-Age=60',
      'SameSite=Lax',
      'Domain=example.com',
    ]);
  });

  it('round-trips status, method, time (whole seconds) and an 8-character hash prefix', () => {
    const subject = createSubjectId();
    const decisions = {
      analytics: decision(),
      'marketing-email': decision({ status: 'refused', method: 'preferences:save', hash: hash('x') }),
      'face-payment': decision({ status: 'withdrawn', method: 'separate:dialog', at: Date.UTC(2030, 0, 1) }),
    };
    const value = encodeConsentCookie({ subject, decisions });
    expect(value).toMatch(/^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$/); // RFC 6265 cookie-octets
    const back = decodeConsentCookie(value)!;
    expect(back.subject).toBe(subject);
    for (const [id, d] of Object.entries(decisions))
      expect(back.decisions[id]).toEqual({ ...d, hash: d.hash.slice(0, 8) });
  });

  it(`stays under 4,096 bytes for ${MAX_PURPOSES} purposes with 64-character ids (and 32 with room to spare)`, () => {
    const worst = (n: number) => {
      const decisions: Record<string, Decision> = {};
      for (let i = 0; i < n; i++)
        decisions[`p${String(i).padStart(2, '0')}${'x'.repeat(61)}`] = decision({
          status: 'withdrawn',
          method: 'separate:dialog',
          at: Date.UTC(2099, 11, 31, 23, 59, 59), // 7 base-36 digits
        });
      return `assent=${encodeConsentCookie({ subject: createSubjectId(), decisions })}`.length;
    };
    // 31 bytes of name and subject, then 12 + id + 7 (a time after 2038) per purpose.
    expect(worst(32)).toBe(31 + 32 * (12 + 64 + 7));
    expect(worst(32)).toBeLessThanOrEqual(2687);
    expect(worst(MAX_PURPOSES)).toBe(4015);
    expect(worst(MAX_PURPOSES)).toBeLessThanOrEqual(4096);
  });

  it('parses a Cookie header on a server, among other cookies', () => {
    const subject = createSubjectId();
    const value = encodeConsentCookie({ subject, decisions: { analytics: decision() } });
    const header = `theme=dark; assent_receipt=abc; assent=${value}; cart=3`;
    expect(parseConsentCookie(header)?.decisions.analytics?.status).toBe('given');
    expect(parseConsentCookie(`x=1;assent=${value}`)?.subject).toBe(subject);
    expect(parseConsentCookie(`other=${value}`, { name: 'other' })?.subject).toBe(subject);
    expect(parseConsentCookie('theme=dark')).toBeUndefined();
    expect(parseConsentCookie(undefined)).toBeUndefined();
    expect(parseConsentCookie(null)).toBeUndefined();
  });

  const corrupt = [
    ['a foreign value', 'hello'],
    ['another version', `2.${createSubjectId()}`],
    ['a short subject', '1.abc'],
    ['an unknown status', `1.${createSubjectId()}|analytics:x5QQQQQQQQlq2x3k`],
    ['an unknown method', `1.${createSubjectId()}|analytics:g9QQQQQQQQlq2x3k`],
    ['a truncated entry', `1.${createSubjectId()}|analytics:g5QQQQ`],
    ['a time that is not base 36', `1.${createSubjectId()}|analytics:g5QQQQQQQQ-12`],
    ['a repeated purpose', `1.${createSubjectId()}|a:g5QQQQQQQQlq2x3k|a:r5QQQQQQQQlq2x3k`],
    ['an upper-case purpose id', `1.${createSubjectId()}|Ads:g5QQQQQQQQlq2x3k`],
    ['an empty entry', `1.${createSubjectId()}|`],
  ] as const;
  for (const [what, value] of corrupt) {
    it(`treats ${what} as no decision, with a warning`, () => {
      const warnings: string[] = [];
      expect(decodeConsentCookie(value, (m) => warnings.push(m))).toBeUndefined();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/malformed consent cookie/);
    });
  }

  it('never throws on any header', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(() => parseConsentCookie(`${a}; assent=${b}`, { onWarning: () => {} })).not.toThrow();
      }),
    );
  });

  it('a corrupt cookie in the browser means a first visit, reported through onWarning', () => {
    // biome-ignore lint/suspicious/noDocumentCookie: a corrupt cookie, as another script might leave
    document.cookie = 'assent=1.garbage|x; Path=/';
    const warnings: string[] = [];
    const consent = createConsent(example(), {
      storage: cookieStorage({ onWarning: (m) => warnings.push(m) }),
    });
    expect(consent.decisions()).toEqual({});
    expect(consent.needsPrompt().reasons[0]?.kind).toBe('first-visit');
    expect(warnings).toHaveLength(1);
  });
});

describe('createConsent in the browser', () => {
  it('dispatches assent:change on window with the change as detail', () => {
    const seen: ConsentChange[] = [];
    const listener = (e: Event) => seen.push((e as CustomEvent<ConsentChange>).detail);
    window.addEventListener('assent:change', listener);
    try {
      createConsent(example()).set({ analytics: true }, 'preferences:save');
    } finally {
      window.removeEventListener('assent:change', listener);
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]!.changed).toEqual(['analytics']);
    expect(seen[0]!.event.method).toBe('preferences:save');
  });

  const config = example();
  const consentIds = config.purposes.filter((p) => p.basis === 'consent').map((p) => p.id);
  const separate = config.purposes.filter((p) => isSeparate(p, config)).map((p) => p.id);

  it('a decision survives a reload through the cookie (property)', () => {
    const step = fc.oneof(
      fc.constant(['acceptAll'] as const),
      fc.constant(['rejectAll'] as const),
      fc.tuple(
        fc.constant('set' as const),
        fc.constantFrom(...consentIds.filter((id) => !separate.includes(id))),
        fc.boolean(),
      ),
      fc.tuple(fc.constant('grant' as const), fc.constantFrom(...separate)),
      fc.tuple(fc.constant('withdraw' as const), fc.constantFrom(...consentIds, 'all')),
    );
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 12 }),
        fc.constantFrom(...CONSENT_METHODS),
        (steps, method) => {
          clearCookies();
          let t = Date.UTC(2026, 10, 1, 12, 0, 0, 999);
          const now = () => t;
          const consent = createConsent(config, { storage: cookieStorage(), now });
          for (const s of steps) {
            t += 1500;
            if (s[0] === 'acceptAll') consent.acceptAll(method);
            else if (s[0] === 'rejectAll') consent.rejectAll(method);
            else if (s[0] === 'set') consent.set({ [s[1]]: s[2] }, method);
            else if (s[0] === 'grant') consent.grantSeparate(s[1], method);
            else consent.withdraw(s[1], method);
          }
          const reloaded = createConsent(config, { storage: cookieStorage(), now });
          // No cookie is written before the first decision, so only then is the subject kept.
          if (Object.keys(consent.decisions()).length) expect(reloaded.subject).toBe(consent.subject);
          expect(reloaded.decisions()).toEqual(consent.decisions());
          for (const id of consentIds) expect(reloaded.allows(id)).toBe(consent.allows(id));
          for (const d of Object.values(reloaded.decisions())) expect(CONSENT_STATUSES).toContain(d.status);
        },
      ),
      { numRuns: 60 },
    );
  });
});
