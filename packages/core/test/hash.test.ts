import {
  type AssentConfig,
  canonicalize,
  definitionHash,
  encodeBase64url,
  gradeOf,
  HASH_B64URL,
  isSeparate,
  policyHash,
  type Purpose,
  purposeHashes,
  sha256,
  utf8,
  validateConfig,
} from '@assent/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { example, exampleJson, type Raw } from './fixtures.js';

// What docs/config.md says the definition hash covers, rebuilt independently with the protocol's
// strict canonicalize: the loader's compact serializer must agree with it byte for byte.
const expected = (p: Purpose, c: AssentConfig) =>
  encodeBase64url(
    sha256(
      utf8(
        canonicalize({
          id: p.id,
          basis: p.basis,
          categories: p.categories.map((id) => {
            const cat = c.categories.find((x) => x.id === id)!;
            return { id, kind: cat.kind, grade: gradeOf(cat), texts: cat.texts };
          }),
          retention: p.retention,
          recipients: p.recipients,
          transfer: p.transfer,
          publicDisclosure: p.publicDisclosure === true,
          separate: isSeparate(p, c),
          texts: p.texts,
        }),
      ),
    ),
  );

const withPurpose = (index: number, change: (p: Record<string, unknown>) => void) => {
  const raw = exampleJson() as { purposes: Record<string, unknown>[] };
  change(raw.purposes[index]!);
  return validateConfig(raw);
};

describe('definition hashes', () => {
  it('hash exactly what the shopper is told (RFC 8785 + SHA-256, base64url)', () => {
    const c = example();
    for (const p of c.purposes) {
      expect(definitionHash(p, c)).toMatch(HASH_B64URL);
      expect(definitionHash(p, c)).toBe(expected(p, c));
    }
    expect(purposeHashes(c)).toEqual(Object.fromEntries(c.purposes.map((p) => [p.id, expected(p, c)])));
  });

  it('agree with the strict canonicalizer on arbitrary texts (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 60 }),
        fc.string({ maxLength: 30 }),
        (name, description) => {
          const c = withPurpose(1, (p) => {
            p.texts = { en: { name, description }, 'zh-CN': { name: description, description: name } };
          });
          expect(definitionHash(c.purposes[1]!, c)).toBe(expected(c.purposes[1]!, c));
        },
      ),
    );
  });

  const told: [string, (p: Raw) => void][] = [
    ['a text', (p) => (p.texts.en.description += ' And more.')],
    ['the retention', (p) => (p.retention = 'P2Y')],
    ['a recipient', (p) => (p.recipients[0].name = 'Other Ads Ltd.')],
    ['the categories', (p) => p.categories.pop()],
    ['public disclosure', (p) => (p.publicDisclosure = true)],
    [
      'the transfer abroad',
      (p) => (p.transfer = { country: 'US', recipient: 'X Inc.', contact: 'x@x.example' }),
    ],
  ];
  for (const [what, change] of told)
    it(`change when ${what} changes`, () => {
      const before = purposeHashes(example());
      const after = purposeHashes(withPurpose(5, change));
      expect(after['ads-partner']).not.toBe(before['ads-partner']);
      for (const id of Object.keys(before)) if (id !== 'ads-partner') expect(after[id]).toBe(before[id]);
    });

  it('change for every purpose using a category whose label changes, and only those', () => {
    const raw = exampleJson() as { categories: { id: string; texts: { en: { label: string } } }[] };
    raw.categories.find((c) => c.id === 'interests')!.texts.en.label = 'Interest profile';
    const before = purposeHashes(example());
    const after = purposeHashes(validateConfig(raw));
    const users = example()
      .purposes.filter((p) => p.categories.includes('interests'))
      .map((p) => p.id);
    for (const id of Object.keys(before)) expect(after[id] !== before[id]).toBe(users.includes(id));
  });

  const technical: [string, (p: Raw) => void][] = [
    ['Consent Mode types', (p) => p.consentMode.pop()],
    ['the marketing flag', (p) => (p.marketing = false)],
    ['the (ignored) default flag', (p) => (p.default = false)],
  ];
  for (const [what, change] of technical)
    it(`stay when only ${what} change`, () => {
      expect(purposeHashes(withPurpose(5, change))).toEqual(purposeHashes(example()));
    });

  it('policy hash covers controller, notice and every definition', () => {
    const c = example();
    const h = policyHash(c);
    expect(h).toMatch(HASH_B64URL);
    expect(
      policyHash(validateConfig({ ...c, controller: { ...c.controller, contact: 'dpo@example.com' } })),
    ).not.toBe(h);
    expect(policyHash(withPurpose(1, (p) => (p.retention = 'P1M')))).not.toBe(h);
    expect(policyHash(validateConfig({ ...c, ui: undefined }))).toBe(h);
  });
});

describe('isSeparate', () => {
  const c = example();
  const byId = (id: string) => c.purposes.find((p) => p.id === id)!;

  it('derives separate consent from sensitive data, third parties, transfers and disclosure', () => {
    expect(isSeparate(byId('face-payment'), c)).toBe(true); // biometric (and a third party)
    expect(isSeparate(byId('precise-location'), c)).toBe(true); // precise location, processor only
    expect(isSeparate(byId('ads-partner'), c)).toBe(true); // third party
    expect(isSeparate(byId('processing-abroad'), c)).toBe(true); // transfer abroad
    expect(isSeparate(byId('analytics'), c)).toBe(false); // processor only, general data
    expect(isSeparate({ ...byId('analytics'), publicDisclosure: true }, c)).toBe(true);
    expect(isSeparate({ ...byId('analytics'), separate: true }, c)).toBe(true);
  });

  it('cannot be turned off by config, and does not apply to non-consent purposes', () => {
    expect(isSeparate({ ...byId('face-payment'), separate: false }, c)).toBe(true);
    expect(isSeparate({ ...byId('ads-partner'), separate: false }, c)).toBe(true);
    expect(isSeparate(byId('order-fulfilment'), c)).toBe(false);
    expect(isSeparate({ ...byId('face-payment'), basis: 'contract' }, c)).toBe(false);
  });
});
