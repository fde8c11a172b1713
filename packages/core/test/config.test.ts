import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATEGORY_KINDS, ConfigInvalid, lintConfig, MAX_PURPOSES, validateConfig } from '@assent/core';
import { describe, expect, it } from 'vitest';
import { exampleJson, mutate, type Raw, ROOT } from './fixtures.js';

const faultOf = (value: unknown) => {
  try {
    validateConfig(value);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigInvalid);
    return { code: (e as ConfigInvalid).code, path: (e as ConfigInvalid).path };
  }
  return undefined;
};

describe('validateConfig', () => {
  it('accepts the example retailer config and returns it typed', () => {
    const raw = exampleJson();
    const config = validateConfig(raw);
    expect(config.purposes.map((p) => p.id)).toContain('face-payment');
    expect(config.locales).toEqual(['zh-CN', 'en']);
  });

  // Each case breaks one field of the example; the error must name that field's JSON path.
  const cases: [string, (c: Raw) => void, string][] = [
    ['a non-object config', (c) => Object.assign(c, { controller: 'x' }), '$.controller'],
    ['an unknown top-level field', (c) => Object.assign(c, { colour: 'red' }), '$.colour'],
    ['a missing notice', (c) => delete c.notice, '$.notice'],
    ['a notice version with spaces', (c) => Object.assign(c.notice, { version: 'v 1' }), '$.notice.version'],
    ['a notice url that is not a URL', (c) => Object.assign(c.notice, { url: 'privacy' }), '$.notice.url'],
    [
      'a controller name that is a number',
      (c) => Object.assign(c.controller, { name: 42 }),
      '$.controller.name',
    ],
    ['no locales', (c) => Object.assign(c, { locales: [] }), '$.locales'],
    ['a malformed locale', (c) => c.locales.push('english!'), '$.locales[2]'],
    ['a repeated locale', (c) => c.locales.push('en'), '$.locales[2]'],
    ['a defaultLocale not declared', (c) => Object.assign(c, { defaultLocale: 'fr' }), '$.defaultLocale'],
    ['a ledgerUrl that is not a URL', (c) => Object.assign(c, { ledgerUrl: 'ftp://x' }), '$.ledgerUrl'],
    [
      'a protocol-relative ledgerUrl',
      (c) => Object.assign(c, { ledgerUrl: '//attacker.example/collect' }),
      '$.ledgerUrl',
    ],
    [
      'a ledgerUrl browsers read as protocol-relative',
      (c) => Object.assign(c, { ledgerUrl: '/\\attacker.example' }),
      '$.ledgerUrl',
    ],
    [
      'a protocol-relative notice URL',
      (c) => Object.assign(c.notice, { url: '//attacker.example/privacy' }),
      '$.notice.url',
    ],
    [
      'a category kind outside the taxonomy',
      (c) => Object.assign(c.categories[1], { kind: 'shoe-size' }),
      '$.categories[1].kind',
    ],
    [
      'a category grade that is not a grade',
      (c) => Object.assign(c.categories[1], { grade: 'secret' }),
      '$.categories[1].grade',
    ],
    [
      'a category without a label',
      (c) => delete c.categories[0].texts.en.label,
      '$.categories[0].texts.en.label',
    ],
    [
      'texts in an undeclared locale',
      (c) => Object.assign(c.categories[0].texts, { fr: { label: 'Nom' } }),
      '$.categories[0].texts.fr',
    ],
    [
      'a repeated category id',
      (c) => Object.assign(c.categories[1], { id: 'identity' }),
      '$.categories[1].id',
    ],
    [
      'a purpose id with upper case',
      (c) => Object.assign(c.purposes[1], { id: 'Analytics' }),
      '$.purposes[1].id',
    ],
    [
      'a legal basis that does not exist',
      (c) => Object.assign(c.purposes[1], { basis: 'legitimate-interest' }),
      '$.purposes[1].basis',
    ],
    [
      'a purpose naming an unknown category',
      (c) => c.purposes[1].categories.push('shoe-size'),
      '$.purposes[1].categories[2]',
    ],
    [
      'a retention that is not ISO 8601',
      (c) => Object.assign(c.purposes[1], { retention: '13 months' }),
      '$.purposes[1].retention',
    ],
    [
      'an empty ISO 8601 duration',
      (c) => Object.assign(c.purposes[1], { retention: 'P' }),
      '$.purposes[1].retention',
    ],
    [
      'a recipient country that is not ISO 3166',
      (c) => Object.assign(c.purposes[5].recipients[0], { country: 'China' }),
      '$.purposes[5].recipients[0].country',
    ],
    [
      'a recipient role that does not exist',
      (c) => Object.assign(c.purposes[5].recipients[0], { role: 'friend' }),
      '$.purposes[5].recipients[0].role',
    ],
    [
      'a transfer with an unknown field',
      (c) => Object.assign(c.purposes[8].transfer, { via: 'ship' }),
      '$.purposes[8].transfer.via',
    ],
    [
      'a non-boolean publicDisclosure',
      (c) => Object.assign(c.purposes[1], { publicDisclosure: 'no' }),
      '$.purposes[1].publicDisclosure',
    ],
    [
      'an unknown Consent Mode type',
      (c) => c.purposes[1].consentMode.push('cookie_storage'),
      '$.purposes[1].consentMode[1]',
    ],
    [
      'a repeated Consent Mode type',
      (c) => c.purposes[1].consentMode.push('analytics_storage'),
      '$.purposes[1].consentMode[1]',
    ],
    [
      'a purpose text field that does not exist',
      (c) => Object.assign(c.purposes[1].texts.en, { slogan: 'x' }),
      '$.purposes[1].texts.en.slogan',
    ],
    ['a repeated purpose id', (c) => Object.assign(c.purposes[2], { id: 'analytics' }), '$.purposes[2].id'],
    [
      'a jurisdiction key that is not a code',
      (c) => Object.assign(c.jurisdictions, { China: { model: 'opt-in' } }),
      '$.jurisdictions.China',
    ],
    [
      'a jurisdiction model that does not exist',
      (c) => Object.assign(c.jurisdictions.CN, { model: 'maybe' }),
      '$.jurisdictions.CN.model',
    ],
    [
      'a fractional consentMaxAgeDays',
      (c) => Object.assign(c.jurisdictions.CN, { consentMaxAgeDays: 1.5 }),
      '$.jurisdictions.CN.consentMaxAgeDays',
    ],
    [
      'a sale list naming an unknown purpose',
      (c) => c.jurisdictions['US-CA'].sale.push('ghost'),
      '$.jurisdictions.US-CA.sale[1]',
    ],
    [
      'a defaultJurisdiction that is not a code',
      (c) => Object.assign(c, { defaultJurisdiction: 'China' }),
      '$.defaultJurisdiction',
    ],
    ['an unknown banner button', (c) => c.ui.buttons.splice(2, 1, 'maybe-later'), '$.ui.buttons[2]'],
    ['a repeated banner button', (c) => c.ui.buttons.splice(2, 1, 'accept-all'), '$.ui.buttons[2]'],
    [
      'a UI text that is not a string',
      (c) => Object.assign(c.ui.texts.en, { title: 1 }),
      '$.ui.texts.en.title',
    ],
    [
      'a UI text key with punctuation',
      (c) => Object.assign(c.ui.texts.en, { 'accept-all': 'x' }),
      '$.ui.texts.en.accept-all',
    ],
    [
      'a lone surrogate in a text',
      (c) => Object.assign(c.purposes[1].texts.en, { name: 'bad \ud800 text' }),
      '$.purposes[1].texts.en.name',
    ],
  ];
  for (const [what, change, path] of cases) {
    it(`refuses ${what}, naming ${path}`, () => {
      expect(faultOf(mutate(change))).toEqual({ code: 'ERR_CONFIG_INVALID', path });
    });
  }

  it('refuses values that are not objects at all', () => {
    expect(faultOf(null)?.path).toBe('$');
    expect(faultOf([])?.path).toBe('$');
    expect(faultOf('config')?.path).toBe('$');
  });

  it(`caps a config at ${MAX_PURPOSES} purposes, so the consent cookie stays under 4 KB`, () => {
    const tooMany = mutate((c) => {
      const base = c.purposes[1];
      c.purposes = Array.from({ length: MAX_PURPOSES + 1 }, (_, i) => ({ ...base, id: `p${i}` }));
    });
    expect(faultOf(tooMany)?.path).toBe('$.purposes');
    const enough = mutate((c) => {
      delete c.jurisdictions['US-CA'];
      const base = c.purposes[1];
      c.purposes = Array.from({ length: MAX_PURPOSES }, (_, i) => ({ ...base, id: `p${i}` }));
    });
    expect(faultOf(enough)).toBeUndefined();
  });

  it('leaves compliance content to lint: a config without controller contact or retention is valid', () => {
    const c = mutate((x) => {
      delete x.controller.contact;
      delete x.purposes[1].retention;
    });
    expect(faultOf(c)).toBeUndefined();
  });
});

describe('docs/config.md', () => {
  const doc = readFileSync(join(ROOT, 'docs/config.md'), 'utf8');

  it('shows exactly examples/retailer.config.json as its complete example, which validates and lints clean', () => {
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
    const complete = blocks.find((b) => b.trimStart().startsWith('{\n'));
    expect(complete).toBeDefined();
    expect(JSON.parse(complete!)).toEqual(exampleJson());
    expect(lintConfig(validateConfig(JSON.parse(complete!)))).toEqual([]);
  });

  it('documents every taxonomy kind', () => {
    for (const kind of CATEGORY_KINDS) expect(doc).toMatch(new RegExp(`\\| +\`${kind}\` +\\|`));
  });
});
