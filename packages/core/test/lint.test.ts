import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LINT_RULES, type LintFinding, lintConfig, validateConfig } from '@assent/core';
import { describe, expect, it } from 'vitest';
import { example, mutate, type Raw, ROOT } from './fixtures.js';

const lint = (raw: Record<string, unknown>) => lintConfig(validateConfig(raw));
const codes = (findings: LintFinding[]) => findings.map((f) => f.code);
const only = (findings: LintFinding[], code: string) => findings.filter((f) => f.code === code);

// purposes of the example, by index
const ANALYTICS = 1;
const ADS = 5;
const FACE = 6;
const ABROAD = 8;
const ORDERS = 0;

/**
 * Every rule: a change that must trigger it (with the path it must name), and a fix that must
 * silence it, applied on top of that change. Both start from the example config, which lints
 * clean.
 */
const RULES: Record<string, { fail: (c: Raw) => void; path: string; pass: (c: Raw) => void }> = {
  ASSENT_CONTROLLER_MISSING: {
    fail: (c) => delete c.controller.contact,
    path: '$.controller.contact',
    pass: (c) => Object.assign(c.controller, { contact: '+86 21 5555 0100' }),
  },
  ASSENT_CONTROLLER_ADDRESS: {
    fail: (c) => Object.assign(c.controller, { address: '  ' }),
    path: '$.controller.address',
    pass: (c) => Object.assign(c.controller, { address: '1 Road' }),
  },
  ASSENT_PRETICKED: {
    fail: (c) => Object.assign(c.purposes[ANALYTICS], { default: true }),
    path: `$.purposes[${ANALYTICS}].default`,
    pass: (c) => Object.assign(c.purposes[ANALYTICS], { default: false }),
  },
  ASSENT_SENSITIVE_NOT_SEPARATE: {
    fail: (c) => Object.assign(c.purposes[FACE], { separate: false, recipients: [] }),
    path: `$.purposes[${FACE}].separate`,
    pass: (c) => Object.assign(c.purposes[FACE], { separate: true, recipients: [] }),
  },
  ASSENT_SENSITIVE_NO_NECESSITY: {
    fail: (c) => delete c.purposes[FACE].texts.en.impact,
    path: `$.purposes[${FACE}].texts.en.impact`,
    pass: (c) => Object.assign(c.purposes[FACE].texts.en, { impact: 'A face cannot be changed.' }),
  },
  ASSENT_RECIPIENT_NOT_SEPARATE: {
    fail: (c) => Object.assign(c.purposes[ADS], { separate: false }),
    path: `$.purposes[${ADS}].separate`,
    pass: (c) => {
      c.purposes[ADS].recipients[0].role = 'processor';
      c.purposes[ADS].separate = false;
    },
  },
  ASSENT_RECIPIENT_INCOMPLETE: {
    fail: (c) => delete c.purposes[ADS].recipients[0].contact,
    path: `$.purposes[${ADS}].recipients[0].contact`,
    pass: (c) => Object.assign(c.purposes[ADS].recipients[0], { contact: 'https://ads.example.net/privacy' }),
  },
  ASSENT_TRANSFER_NOT_SEPARATE: {
    fail: (c) => Object.assign(c.purposes[ABROAD], { separate: false }),
    path: `$.purposes[${ABROAD}].separate`,
    pass: (c) => Object.assign(c.purposes[ABROAD], { separate: true }),
  },
  ASSENT_TRANSFER_INCOMPLETE: {
    fail: (c) => delete c.purposes[ABROAD].transfer.country,
    path: `$.purposes[${ABROAD}].transfer.country`,
    pass: (c) => Object.assign(c.purposes[ABROAD].transfer, { country: 'DE' }),
  },
  ASSENT_PUBLIC_NOT_SEPARATE: {
    fail: (c) => Object.assign(c.purposes[ORDERS], { publicDisclosure: true }),
    path: `$.purposes[${ORDERS}].basis`,
    // Public disclosure is fine on a consent purpose (asked for separately).
    pass: (c) => {
      c.purposes[ORDERS].publicDisclosure = false;
      c.purposes[ANALYTICS].publicDisclosure = true;
    },
  },
  ASSENT_NON_CONSENT_TRANSFER: {
    fail: (c) =>
      Object.assign(c.purposes[ORDERS], {
        transfer: { country: 'US', recipient: 'Parcel Hub Inc.', contact: 'privacy@parcelhub.example' },
      }),
    path: `$.purposes[${ORDERS}].transfer`,
    // The same overseas party, entrusted to process in China instead: a processor, no transfer.
    pass: (c) => {
      delete c.purposes[ORDERS].transfer;
      c.purposes[ORDERS].recipients = [
        { name: 'Parcel Hub Inc.', contact: 'privacy@parcelhub.example', role: 'processor' },
      ];
    },
  },
  ASSENT_RETENTION_MISSING: {
    fail: (c) => delete c.purposes[ANALYTICS].retention,
    path: `$.purposes[${ANALYTICS}].retention`,
    pass: (c) => Object.assign(c.purposes[ANALYTICS], { retention: 'P26M' }),
  },
  ASSENT_CONTRACT_SENSITIVE: {
    fail: (c) => Object.assign(c.purposes[FACE], { basis: 'contract' }),
    path: `$.purposes[${FACE}].basis`,
    pass: (c) => Object.assign(c.purposes[FACE], { basis: 'consent' }),
  },
  ASSENT_CONTRACT_MARKETING: {
    fail: (c) => Object.assign(c.purposes[ORDERS], { marketing: true }),
    path: `$.purposes[${ORDERS}].basis`,
    pass: (c) => Object.assign(c.purposes[ORDERS], { marketing: false }),
  },
  ASSENT_LOCALE_TEXT_MISSING: {
    fail: (c) => delete c.purposes[ANALYTICS].texts['zh-CN'].description,
    path: `$.purposes[${ANALYTICS}].texts.zh-CN.description`,
    pass: (c) => Object.assign(c.purposes[ANALYTICS].texts['zh-CN'], { description: '统计分析' }),
  },
  ASSENT_NO_REJECT_ALL: {
    fail: (c) => Object.assign(c.ui, { buttons: ['accept-all', 'customize'] }),
    path: '$.ui.buttons',
    pass: (c) => Object.assign(c.ui, { buttons: ['reject-all', 'accept-all', 'customize'] }),
  },
  ASSENT_MAX_AGE_TOO_LONG: {
    fail: (c) => Object.assign(c.jurisdictions.CN, { consentMaxAgeDays: 396 }),
    path: '$.jurisdictions.CN.consentMaxAgeDays',
    pass: (c) => Object.assign(c.jurisdictions.CN, { consentMaxAgeDays: 395 }),
  },
  ASSENT_OPT_OUT_IN_OPT_IN_REGION: {
    fail: (c) => Object.assign(c.jurisdictions.EU, { model: 'opt-out' }),
    path: '$.jurisdictions.EU.model',
    // Opt-out is fine where the law allows it.
    pass: (c) => {
      c.jurisdictions.EU.model = 'opt-in';
      c.jurisdictions['US-VA'] = { model: 'opt-out' };
    },
  },
  ASSENT_OPT_OUT_DEFAULT: {
    fail: (c) => Object.assign(c.jurisdictions.default, { model: 'opt-out' }),
    path: '$.jurisdictions.default.model',
    // Opt-out listed by code, the default opt-in.
    pass: (c) => {
      c.jurisdictions.default.model = 'opt-in';
      c.jurisdictions['US-VA'] = { model: 'opt-out' };
    },
  },
  ASSENT_GRADE_OVERRULED: {
    fail: (c) => Object.assign(c.categories[8], { grade: 'general' }),
    path: '$.categories[8].grade',
    // Grading up is always allowed.
    pass: (c) => {
      c.categories[8].grade = 'sensitive';
      c.categories[5].grade = 'sensitive';
    },
  },
  ASSENT_MINOR_DATA: {
    fail: (c) => Object.assign(c.categories[7], { kind: 'minor' }),
    path: `$.purposes[${2}].categories`,
    pass: (c) => Object.assign(c.categories[7], { kind: 'preferences' }),
  },
  ASSENT_REASK_TOO_SOON: {
    fail: (c) => Object.assign(c.jurisdictions.CN, { refusalReaskDays: 1 }),
    path: '$.jurisdictions.CN.refusalReaskDays',
    pass: (c) => Object.assign(c.jurisdictions.CN, { refusalReaskDays: 2 }),
  },
};

describe('lintConfig', () => {
  it('finds nothing in the example retailer config', () => {
    expect(lintConfig(example())).toEqual([]);
  });

  it('has a failing and a passing case for every rule, and a unique code per rule', () => {
    expect(Object.keys(RULES).sort()).toEqual(LINT_RULES.map((r) => r.code).sort());
    expect(new Set(LINT_RULES.map((r) => r.code)).size).toBe(LINT_RULES.length);
  });

  for (const rule of LINT_RULES) {
    const t = RULES[rule.code]!;
    it(`${rule.code}: reports ${t.path}`, () => {
      const found = only(lint(mutate(t.fail)), rule.code);
      expect(found.map((f) => f.path)).toContain(t.path);
      const f = found.find((x) => x.path === t.path)!;
      expect(f.severity).toBe(rule.severity);
      expect(f.reference).toBe(rule.reference);
      expect(f.message.en.length).toBeGreaterThan(10);
      expect(f.message['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
    });
    it(`${rule.code}: quiet once fixed`, () => {
      const fixed = lint(
        mutate((c) => {
          t.fail(c);
          t.pass(c);
        }),
      );
      expect(codes(fixed)).not.toContain(rule.code);
    });
  }

  it('ASSENT_NON_CONSENT_TRANSFER: also a third-party recipient of a contract purpose, not a processor', () => {
    const found = only(
      lint(
        mutate((c) => {
          c.purposes[ORDERS].recipients = [
            { name: 'Parcel Hub Inc.', contact: 'privacy@parcelhub.example', role: 'third-party' },
          ];
        }),
      ),
      'ASSENT_NON_CONSENT_TRANSFER',
    );
    expect(found.map((f) => f.path)).toEqual([`$.purposes[${ORDERS}].recipients`]);
  });

  it('ASSENT_OPT_OUT_DEFAULT: also a defaultJurisdiction whose rule is opt-out', () => {
    const found = only(
      lint(
        mutate((c) => {
          c.defaultJurisdiction = 'US-CA';
        }),
      ),
      'ASSENT_OPT_OUT_DEFAULT',
    );
    expect(found.map((f) => f.path)).toEqual(['$.defaultJurisdiction']);
    expect(codes(lint(mutate((c) => Object.assign(c, { defaultJurisdiction: 'CN' }))))).not.toContain(
      'ASSENT_OPT_OUT_DEFAULT',
    );
  });

  it('reports errors before warnings', () => {
    const findings = lint(
      mutate((c) => {
        c.jurisdictions.CN.refusalReaskDays = 0;
        delete c.controller.name;
      }),
    );
    expect(findings.map((f) => f.severity)).toEqual(['error', 'warning']);
  });

  it('checks every declared locale, including UI texts and category labels', () => {
    const findings = lint(
      mutate((c) => {
        delete c.ui.texts.en.save;
        delete c.ui.texts['zh-CN'].withdrawAll;
        c.categories[2].texts.en.label = '';
      }),
    );
    expect(only(findings, 'ASSENT_LOCALE_TEXT_MISSING').map((f) => f.path)).toEqual([
      '$.categories[2].texts.en.label',
      '$.ui.texts.zh-CN.withdrawAll',
      '$.ui.texts.en.save',
    ]);
    const noUi = lint(mutate((c) => delete c.ui));
    expect(only(noUi, 'ASSENT_LOCALE_TEXT_MISSING').map((f) => f.path)).toEqual(['$.ui']);
  });

  it('reports a missing "reject all" text under its own code, not twice', () => {
    const findings = lint(mutate((c) => delete c.ui.texts.en.rejectAll));
    expect(findings.map((f) => [f.code, f.path])).toEqual([
      ['ASSENT_NO_REJECT_ALL', '$.ui.texts.en.rejectAll'],
    ]);
  });

  it('reports marketing on a legal-obligation basis like on a contract basis', () => {
    const findings = lint(
      mutate((c) => Object.assign(c.purposes[ORDERS], { basis: 'legal-obligation', marketing: true })),
    );
    expect(only(findings, 'ASSENT_CONTRACT_MARKETING').map((f) => f.path)).toEqual([
      `$.purposes[${ORDERS}].basis`,
    ]);
  });

  it('reads texts as own properties: a key named like an Object method does not crash it', () => {
    const findings = lint(
      mutate((c) => {
        c.ui.texts.en.toString = 'A text';
      }),
    );
    expect(only(findings, 'ASSENT_LOCALE_TEXT_MISSING').map((f) => f.path)).toEqual([
      '$.ui.texts.zh-CN.toString',
    ]);
  });

  it('wants a category text present in one locale (a description) in every locale', () => {
    const findings = lint(
      mutate((c) => Object.assign(c.categories[2].texts.en, { description: 'How we use it' })),
    );
    expect(only(findings, 'ASSENT_LOCALE_TEXT_MISSING').map((f) => f.path)).toEqual([
      '$.categories[2].texts.zh-CN.description',
    ]);
  });

  it('sees marketing through Consent Mode ad types and sale lists, not only the flag', () => {
    const viaConsentMode = lint(mutate((c) => c.purposes[ORDERS].consentMode.push('ad_storage')));
    expect(codes(viaConsentMode)).toContain('ASSENT_CONTRACT_MARKETING');
    const viaSale = lint(mutate((c) => c.jurisdictions['US-CA'].sale.push('order-fulfilment')));
    expect(codes(viaSale)).toContain('ASSENT_CONTRACT_MARKETING');
  });

  it('is documented: docs/compliance.md explains every rule code', () => {
    const doc = readFileSync(join(ROOT, 'docs/compliance.md'), 'utf8');
    for (const r of LINT_RULES) expect(doc).toContain(r.code);
  });
});
