import type { AssentConfig, Purpose } from '../config/types.js';
import { gradeOf, usesSensitive } from '../lib/grade.js';
import { classifyCategory } from '../taxonomy.js';

/** A lint finding: what is wrong, where, in both languages, and the provision it comes from. */
export interface LintFinding {
  /** Stable code, e.g. `ASSENT_PRETICKED`. */
  code: string;
  severity: 'error' | 'warning';
  /** JSON path of the field at fault. */
  path: string;
  message: { en: string; 'zh-CN': string };
  /** The article or clause, e.g. `PIPL Art. 29`. */
  reference: string;
}

/** A lint rule: its code, severity, clause and a one-line summary in both languages. */
export interface LintRule {
  code: string;
  severity: 'error' | 'warning';
  reference: string;
  summary: { en: string; 'zh-CN': string };
  check(config: AssentConfig, report: (path: string, en: string, zh: string) => void): void;
}

/**
 * UI texts every locale must have: the banner's first layer and the preference center's save.
 *
 * @example
 * ```ts
 * const missing = REQUIRED_UI_TEXTS.filter((k) => !config.ui?.texts?.['zh-CN']?.[k])
 * ```
 */
export const REQUIRED_UI_TEXTS = ['title', 'summary', 'acceptAll', 'rejectAll', 'customize', 'save'] as const;

// Jurisdictions whose law requires prior consent (opt-in): China, the EU and EEA, the UK.
const OPT_IN_REGIONS =
  ' CN EU AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO GB UK ';

// Texts are read as own properties only: a text key such as `toString` must not find the
// prototype's function.
const blank = (s: unknown) => typeof s !== 'string' || s.trim() === '';
const own = <T>(o: Record<string, T> | undefined, k: string): T | undefined =>
  o && Object.hasOwn(o, k) ? o[k] : undefined;

const consentPurposes = (config: AssentConfig) =>
  config.purposes.map((p, i) => [p, `$.purposes[${i}]`] as const).filter(([p]) => p.basis === 'consent');

const allPurposes = (config: AssentConfig) => config.purposes.map((p, i) => [p, `$.purposes[${i}]`] as const);

const thirdParties = (p: Purpose) => (p.recipients ?? []).filter((r) => r.role !== 'processor');

// Advertising and personalisation types of Google Consent Mode: a purpose that sets them markets.
const AD_TYPES = ['ad_storage', 'ad_user_data', 'ad_personalization'];

/**
 * Whether a purpose serves marketing: flagged, mapped to Consent Mode ad types, or sold/shared.
 *
 * @example
 * ```ts
 * const marketing = config.purposes.filter((p) => isMarketing(p, config)).map((p) => p.id)
 * ```
 */
export function isMarketing(p: Purpose, config: AssentConfig): boolean {
  return (
    p.marketing === true ||
    (p.consentMode ?? []).some((t) => AD_TYPES.includes(t)) ||
    Object.values(config.jurisdictions ?? {}).some((r) =>
      [...(r.sale ?? []), ...(r.sharing ?? []), ...(r.targetedAds ?? [])].includes(p.id),
    )
  );
}

const sensitiveNames = (p: Purpose, config: AssentConfig) =>
  p.categories.filter((id) => {
    const c = config.categories.find((x) => x.id === id);
    return c && gradeOf(c) === 'sensitive';
  });

/**
 * Every rule `lintConfig` applies, in the order it reports them. docs/compliance.md explains each.
 *
 * @example
 * ```ts
 * for (const rule of LINT_RULES) console.log(rule.code, rule.severity, rule.reference, rule.summary.en)
 * ```
 */
export const LINT_RULES: readonly LintRule[] = [
  {
    code: 'ASSENT_CONTROLLER_MISSING',
    severity: 'error',
    reference: 'PIPL Art. 17(1)1; GB/T 35273-2020 §5.5; GDPR Art. 13(1)(a)',
    summary: {
      en: 'The controller name or contact is missing.',
      'zh-CN': '缺少个人信息处理者的名称或联系方式。',
    },
    check(c, report) {
      for (const k of ['name', 'contact'] as const)
        if (blank(c.controller[k]))
          report(
            `$.controller.${k}`,
            `The notice must name the controller and how to contact it: controller.${k} is missing.`,
            `告知须包含个人信息处理者的名称和联系方式：缺少 controller.${k}。`,
          );
    },
  },
  {
    code: 'ASSENT_CONTROLLER_ADDRESS',
    severity: 'warning',
    reference: 'GB/T 35273-2020 §5.5; GB/T 42574-2023 §8.2',
    summary: { en: 'The controller address is missing.', 'zh-CN': '缺少个人信息处理者的地址。' },
    check(c, report) {
      if (blank(c.controller.address))
        report(
          '$.controller.address',
          'State the controller’s registered address in the notice.',
          '建议在告知中写明个人信息处理者的注册地址。',
        );
    },
  },
  {
    code: 'ASSENT_PRETICKED',
    severity: 'error',
    reference: 'PIPL Art. 14; GB/T 35273-2020 §5.3 b); GB/T 42574-2023 §7.2; GDPR Art. 4(11), Recital 32',
    summary: {
      en: 'A consent purpose is pre-ticked or on by default.',
      'zh-CN': '基于同意的处理目的被默认勾选或默认开启。',
    },
    check(c, report) {
      for (const [p, path] of consentPurposes(c))
        if (p.default === true)
          report(
            `${path}.default`,
            `"${p.id}" is on by default. Consent needs an affirmative act: every consent purpose starts off (Assent ignores this flag).`,
            `“${p.id}”被默认开启。同意必须由个人主动作出：基于同意的目的一律默认关闭（Assent 会忽略此设置）。`,
          );
    },
  },
  {
    code: 'ASSENT_SENSITIVE_NOT_SEPARATE',
    severity: 'error',
    reference: 'PIPL Art. 29; GB/T 35273-2020 §5.4 b)',
    summary: {
      en: 'A purpose uses a sensitive category without separate consent.',
      'zh-CN': '处理敏感个人信息未取得单独同意。',
    },
    check(c, report) {
      for (const [p, path] of consentPurposes(c))
        if (p.separate === false && usesSensitive(p, c))
          report(
            `${path}.separate`,
            `"${p.id}" uses sensitive data (${sensitiveNames(p, c).join(', ')}) and needs separate consent; "separate": false cannot turn that off.`,
            `“${p.id}”处理敏感个人信息（${sensitiveNames(p, c).join('、')}），须取得单独同意，不能以 "separate": false 关闭。`,
          );
    },
  },
  {
    code: 'ASSENT_SENSITIVE_NO_NECESSITY',
    severity: 'error',
    reference: 'PIPL Art. 30; GB/T 42574-2023 §8.2',
    summary: {
      en: 'Sensitive processing does not state its necessity and its impact on the individual.',
      'zh-CN': '处理敏感个人信息未告知其必要性以及对个人权益的影响。',
    },
    check(c, report) {
      for (const [p, path] of allPurposes(c)) {
        if (!usesSensitive(p, c)) continue;
        for (const locale of c.locales)
          for (const k of ['necessity', 'impact'] as const)
            if (blank(p.texts[locale]?.[k]))
              report(
                `${path}.texts.${locale}.${k}`,
                `"${p.id}" processes sensitive data: state its ${k === 'necessity' ? 'necessity' : 'impact on the shopper'} (${locale}).`,
                `“${p.id}”处理敏感个人信息，须说明${k === 'necessity' ? '处理的必要性' : '对个人权益的影响'}（${locale}）。`,
              );
      }
    },
  },
  {
    code: 'ASSENT_RECIPIENT_NOT_SEPARATE',
    severity: 'error',
    reference: 'PIPL Art. 23; GB/T 35273-2020 §9.2',
    summary: {
      en: 'Data goes to a third party without separate consent.',
      'zh-CN': '向其他个人信息处理者提供个人信息未取得单独同意。',
    },
    check(c, report) {
      for (const [p, path] of consentPurposes(c))
        if (p.separate === false && thirdParties(p).length)
          report(
            `${path}.separate`,
            `"${p.id}" provides data to a third party and needs separate consent; "separate": false cannot turn that off.`,
            `“${p.id}”向第三方提供个人信息，须取得单独同意，不能以 "separate": false 关闭。`,
          );
    },
  },
  {
    code: 'ASSENT_RECIPIENT_INCOMPLETE',
    severity: 'error',
    reference: 'PIPL Art. 23; GDPR Art. 13(1)(e)',
    summary: {
      en: 'A recipient has no name or no contact.',
      'zh-CN': '接收方缺少名称或联系方式。',
    },
    check(c, report) {
      for (const [p, path] of allPurposes(c))
        (p.recipients ?? []).forEach((r, j) => {
          for (const k of ['name', 'contact'] as const)
            if (blank(r[k]))
              report(
                `${path}.recipients[${j}].${k}`,
                `"${p.id}": the shopper must be told each recipient's name and contact; recipients[${j}].${k} is missing.`,
                `“${p.id}”：须告知接收方的名称和联系方式，缺少 recipients[${j}].${k}。`,
              );
        });
    },
  },
  {
    code: 'ASSENT_TRANSFER_NOT_SEPARATE',
    severity: 'error',
    reference: 'PIPL Art. 39',
    summary: {
      en: 'A transfer abroad has no separate consent.',
      'zh-CN': '向境外提供个人信息未取得单独同意。',
    },
    check(c, report) {
      for (const [p, path] of consentPurposes(c))
        if (p.separate === false && p.transfer)
          report(
            `${path}.separate`,
            `"${p.id}" transfers data abroad and needs separate consent; "separate": false cannot turn that off.`,
            `“${p.id}”向境外提供个人信息，须取得单独同意，不能以 "separate": false 关闭。`,
          );
    },
  },
  {
    code: 'ASSENT_TRANSFER_INCOMPLETE',
    severity: 'error',
    reference: 'PIPL Art. 39; GDPR Art. 13(1)(f)',
    summary: {
      en: 'A transfer abroad does not name the country, the recipient or its contact.',
      'zh-CN': '境外提供未写明目的国、境外接收方名称或联系方式。',
    },
    check(c, report) {
      for (const [p, path] of allPurposes(c)) {
        if (!p.transfer) continue;
        for (const k of ['country', 'recipient', 'contact'] as const)
          if (blank(p.transfer[k]))
            report(
              `${path}.transfer.${k}`,
              `"${p.id}" transfers data abroad: name the ${k === 'country' ? 'destination country' : k === 'recipient' ? 'overseas recipient' : "recipient's contact"}.`,
              `“${p.id}”向境外提供个人信息：须写明${k === 'country' ? '目的国家或地区' : k === 'recipient' ? '境外接收方名称' : '境外接收方联系方式'}。`,
            );
      }
    },
  },
  {
    code: 'ASSENT_PUBLIC_NOT_SEPARATE',
    severity: 'error',
    reference: 'PIPL Art. 25; GB/T 35273-2020 §9.4',
    summary: {
      en: 'Public disclosure without separate consent.',
      'zh-CN': '公开个人信息未取得单独同意。',
    },
    check(c, report) {
      for (const [p, path] of allPurposes(c))
        if (p.publicDisclosure === true && (p.basis !== 'consent' || p.separate === false))
          report(
            p.basis === 'consent' ? `${path}.separate` : `${path}.basis`,
            `"${p.id}" makes personal data public, which needs the shopper's separate consent${p.basis === 'consent' ? '' : ', so its basis must be consent'}.`,
            `“${p.id}”公开个人信息，须取得个人单独同意${p.basis === 'consent' ? '' : '，其处理依据须为同意'}。`,
          );
    },
  },
  {
    code: 'ASSENT_NON_CONSENT_TRANSFER',
    severity: 'warning',
    reference: 'PIPL Arts. 13(1)2, 23, 38-39',
    summary: {
      en: 'A purpose not based on consent sends data abroad or to a third party.',
      'zh-CN': '不以同意为依据的目的向境外或第三方提供个人信息。',
    },
    check(c, report) {
      for (const [p, path] of allPurposes(c)) {
        if (p.basis === 'consent') continue;
        if (p.transfer)
          report(
            `${path}.transfer`,
            `"${p.id}" (basis ${p.basis}) transfers data abroad without asking: only if strictly necessary for it, with the shopper told the recipient, country and contact, and an Art. 38 mechanism (CAC security assessment, certification or standard contract) in place; otherwise make it a consent purpose, asked for separately.`,
            `“${p.id}”（依据：${p.basis}）未经同意向境外提供个人信息：仅限履行所必需，须告知境外接收方、国家和联系方式，并具备第三十八条规定的条件（安全评估、认证或标准合同）；否则应改为以单独同意为依据。`,
          );
        if (thirdParties(p).length)
          report(
            `${path}.recipients`,
            `"${p.id}" (basis ${p.basis}) provides data to a third party without asking: only if strictly necessary for it (a carrier delivering the order, an authority the law names); otherwise make it a consent purpose, asked for separately, or mark an entrusted party "role": "processor".`,
            `“${p.id}”（依据：${p.basis}）未经同意向第三方提供个人信息：仅限履行所必需（如承运商配送、法定机关）；否则应改为以单独同意为依据，受托处理者请标注 "role": "processor"。`,
          );
      }
    },
  },
  {
    code: 'ASSENT_RETENTION_MISSING',
    severity: 'error',
    reference: 'PIPL Arts. 17(1)2, 19; GB/T 35273-2020 §6.1; GDPR Art. 13(2)(a)',
    summary: { en: 'A purpose has no retention period.', 'zh-CN': '处理目的未写明保存期限。' },
    check(c, report) {
      for (const [p, path] of allPurposes(c))
        if (p.retention === undefined)
          report(
            `${path}.retention`,
            `"${p.id}" has no retention period: give one as an ISO 8601 duration (e.g. P13M).`,
            `“${p.id}”未写明保存期限：请以 ISO 8601 时长表示（如 P13M）。`,
          );
    },
  },
  {
    code: 'ASSENT_CONTRACT_SENSITIVE',
    severity: 'error',
    reference: 'PIPL Arts. 16, 29; GB/T 35273-2020 §5.3 a)',
    summary: {
      en: 'A contract-basis purpose uses sensitive data.',
      'zh-CN': '以履行合同为依据的处理目的使用了敏感个人信息。',
    },
    check(c, report) {
      for (const [p, path] of allPurposes(c))
        if (p.basis === 'contract' && usesSensitive(p, c))
          report(
            `${path}.basis`,
            `"${p.id}" claims the contract as its basis but uses sensitive data (${sensitiveNames(p, c).join(', ')}): offer it as a separate-consent option with an alternative (e.g. card payment).`,
            `“${p.id}”以履行合同为依据却处理敏感个人信息（${sensitiveNames(p, c).join('、')}）：应作为单独同意的可选项，并提供替代方式（如银行卡支付）。`,
          );
    },
  },
  {
    code: 'ASSENT_CONTRACT_MARKETING',
    severity: 'error',
    reference: 'PIPL Arts. 13(1)2, 16; GB/T 35273-2020 §5.3 a); GDPR Art. 6(1)(b)',
    summary: {
      en: 'A contract-basis or legal-obligation purpose serves marketing.',
      'zh-CN': '以履行合同或法定义务为依据的处理目的用于营销。',
    },
    // Any basis but consent: a purpose on another basis is always allowed and skipped by Global
    // Privacy Control, so marketing declared as a legal obligation would escape consent as a
    // contract basis would.
    check(c, report) {
      for (const [p, path] of allPurposes(c))
        if (p.basis !== 'consent' && isMarketing(p, c))
          report(
            `${path}.basis`,
            `"${p.id}" serves marketing or advertising, which no sales contract makes necessary: its basis must be consent.`,
            `“${p.id}”用于营销或广告，并非履行合同所必需：其处理依据须为同意。`,
          );
    },
  },
  {
    code: 'ASSENT_LOCALE_TEXT_MISSING',
    severity: 'error',
    reference: 'PIPL Art. 17; GB/T 42574-2023 §7.1; GDPR Art. 12(1)',
    summary: {
      en: 'A declared locale is missing a text.',
      'zh-CN': '已声明的语言缺少文本。',
    },
    check(c, report) {
      const missing = (path: string, locale: string) =>
        report(path, `Missing ${locale} text at ${path}.`, `缺少 ${locale} 文本：${path}。`);
      c.categories.forEach((cat, i) => {
        // The label always; any other text (a description) in every locale once one locale has it.
        const keys = new Set(['label', ...Object.values(cat.texts).flatMap((t) => Object.keys(t))]);
        for (const l of c.locales)
          for (const k of keys)
            if (blank(own(own(cat.texts, l) as Record<string, string> | undefined, k)))
              missing(`$.categories[${i}].texts.${l}.${k}`, l);
      });
      for (const [p, path] of allPurposes(c)) {
        const keys = new Set([
          'name',
          'description',
          ...Object.values(p.texts).flatMap((t) => Object.keys(t)),
        ]);
        // Sensitive purposes' necessity and impact are ASSENT_SENSITIVE_NO_NECESSITY's to report.
        if (usesSensitive(p, c)) for (const k of ['necessity', 'impact']) keys.delete(k);
        for (const l of c.locales)
          for (const k of keys)
            if (blank(own(own(p.texts, l) as Record<string, string> | undefined, k)))
              missing(`${path}.texts.${l}.${k}`, l);
      }
      if (!c.ui) {
        report(
          '$.ui',
          'The banner has no texts: add ui.texts for every locale.',
          '横幅缺少文本：请为每种语言添加 ui.texts。',
        );
        return;
      }
      const ui = c.ui;
      const keys = new Set<string>([
        ...REQUIRED_UI_TEXTS,
        ...Object.values(ui.texts).flatMap((t) => Object.keys(t)),
      ]);
      // A missing "reject all" is ASSENT_NO_REJECT_ALL's to report.
      keys.delete('rejectAll');
      for (const l of c.locales)
        for (const k of keys)
          if (blank(own(own(ui.texts, l) as Record<string, string> | undefined, k)))
            missing(`$.ui.texts.${l}.${k}`, l);
    },
  },
  {
    code: 'ASSENT_NO_REJECT_ALL',
    severity: 'error',
    reference: 'PIPL Art. 16; GB/T 35273-2020 §5.3; GDPR Art. 7(3), Recital 42',
    summary: {
      en: 'The first layer has no "reject all".',
      'zh-CN': '第一层界面缺少“全部拒绝”。',
    },
    check(c, report) {
      if (c.ui?.buttons && !c.ui.buttons.includes('reject-all'))
        report(
          '$.ui.buttons',
          'The banner must offer "Reject all" next to "Accept all", with equal prominence.',
          '横幅须在“全部接受”旁提供同等显著的“全部拒绝”。',
        );
      for (const l of c.locales)
        if (c.ui && blank(c.ui.texts[l]?.rejectAll))
          report(
            `$.ui.texts.${l}.rejectAll`,
            `The banner has no "Reject all" text in ${l}.`,
            `横幅缺少 ${l} 的“全部拒绝”文本。`,
          );
    },
  },
  {
    code: 'ASSENT_MAX_AGE_TOO_LONG',
    severity: 'error',
    reference: 'GDPR Art. 7(1); CNIL Délibération 2013-378 (13 months)',
    summary: {
      en: 'Consent is kept longer than 13 months before asking again.',
      'zh-CN': '同意的有效期超过 13 个月。',
    },
    check(c, report) {
      for (const [code, r] of Object.entries(c.jurisdictions ?? {}))
        if ((r.consentMaxAgeDays ?? 0) > 395)
          report(
            `$.jurisdictions.${code}.consentMaxAgeDays`,
            `Consent in ${code} is kept ${r.consentMaxAgeDays} days: ask again after at most 13 months (395 days).`,
            `${code} 的同意有效期为 ${r.consentMaxAgeDays} 天：最长 13 个月（395 天）后应重新征求同意。`,
          );
    },
  },
  {
    code: 'ASSENT_OPT_OUT_IN_OPT_IN_REGION',
    severity: 'error',
    reference: 'PIPL Arts. 13-14; GDPR Arts. 6(1)(a), 7',
    summary: {
      en: 'An opt-out model where the law requires prior consent.',
      'zh-CN': '在法律要求事先同意的地区使用了“默认同意、可退出”模式。',
    },
    check(c, report) {
      for (const [code, r] of Object.entries(c.jurisdictions ?? {}))
        if (r.model === 'opt-out' && OPT_IN_REGIONS.includes(` ${code.slice(0, 2)} `))
          report(
            `$.jurisdictions.${code}.model`,
            `${code} requires consent before processing: use "opt-in".`,
            `${code} 要求在处理前取得同意：请使用 "opt-in"。`,
          );
    },
  },
  {
    code: 'ASSENT_OPT_OUT_DEFAULT',
    severity: 'error',
    reference: 'PIPL Arts. 13-14; GDPR Arts. 6(1)(a), 7',
    summary: {
      en: 'Shoppers from unlisted or unknown regions get an opt-out model.',
      'zh-CN': '未列出或无法确定地区的购物者适用“默认同意、可退出”模式。',
    },
    check(c, report) {
      const rules = c.jurisdictions ?? {};
      // The rule for a shopper whose region is unknown, or listed nowhere: it must ask first,
      // since that shopper may well be in China or Europe.
      if (rules.default?.model === 'opt-out')
        report(
          '$.jurisdictions.default.model',
          'The default rule is opt-out: shoppers from every region you did not list, and all whose region is unknown, would be tracked without being asked. Make the default "opt-in" and list the opt-out regions (US-CA, ...) by code.',
          '默认规则为“可退出”：未列出地区及无法确定地区的购物者将未经同意被处理。请将默认规则设为 "opt-in"，并按代码单独列出适用“可退出”的地区（如 US-CA）。',
        );
      const d = c.defaultJurisdiction;
      if (d && (rules[d] ?? rules[d.slice(0, 2)])?.model === 'opt-out')
        report(
          '$.defaultJurisdiction',
          `Shoppers whose region is unknown are treated as ${d}, an opt-out jurisdiction: they would be tracked without being asked. Use an opt-in jurisdiction (or none) as the default.`,
          `无法确定地区的购物者被视为 ${d}（“可退出”地区），将未经同意被处理。请以适用事先同意的地区作为默认（或不设置）。`,
        );
    },
  },
  {
    code: 'ASSENT_GRADE_OVERRULED',
    severity: 'warning',
    reference: 'PIPL Art. 28',
    summary: {
      en: 'A sensitive kind is graded general; it stays sensitive.',
      'zh-CN': '敏感类别被定为一般级别；仍按敏感处理。',
    },
    check(c, report) {
      c.categories.forEach((cat, i) => {
        if (classifyCategory(cat).overruled)
          report(
            `$.categories[${i}].grade`,
            `"${cat.id}" is of kind ${cat.kind}, which the law makes sensitive: it is graded sensitive whatever the config says.`,
            `“${cat.id}”属于${classifyCategory(cat).entry.label['zh-CN']}，依法为敏感个人信息：无论配置如何均按敏感级别处理。`,
          );
      });
    },
  },
  {
    code: 'ASSENT_MINOR_DATA',
    severity: 'warning',
    reference: 'PIPL Art. 31; GB/T 35273-2020 §5.4 d)',
    summary: {
      en: "Children's data needs a guardian's consent.",
      'zh-CN': '处理儿童个人信息须取得监护人同意。',
    },
    check(c, report) {
      for (const [p, path] of allPurposes(c))
        if (p.categories.some((id) => c.categories.find((x) => x.id === id)?.kind === 'minor'))
          report(
            `${path}.categories`,
            `"${p.id}" processes data of children under 14: obtain a parent's or guardian's consent and keep special processing rules; the widget does not verify age.`,
            `“${p.id}”处理不满十四周岁未成年人的个人信息：须取得父母或其他监护人的同意并制定专门的处理规则；组件不核验年龄。`,
          );
    },
  },
  {
    code: 'ASSENT_REASK_TOO_SOON',
    severity: 'warning',
    reference: 'GB/T 35273-2020 §5.3 c)',
    summary: {
      en: 'Refusals are asked again too soon.',
      'zh-CN': '拒绝后过早再次征求同意。',
    },
    check(c, report) {
      for (const [code, r] of Object.entries(c.jurisdictions ?? {}))
        if (r.refusalReaskDays !== undefined && r.refusalReaskDays < 2)
          report(
            `$.jurisdictions.${code}.refusalReaskDays`,
            `A refusal in ${code} is asked again after ${r.refusalReaskDays} days: do not ask repeatedly (wait at least 48 hours; 6 months is common).`,
            `${code} 拒绝后 ${r.refusalReaskDays} 天即再次征求：不应频繁征求同意（至少间隔 48 小时，常见为 6 个月）。`,
          );
    },
  },
];
