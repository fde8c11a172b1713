import type { AssentConfig } from '../config/types.js';
import { LINT_RULES, type LintFinding } from './rules.js';

/**
 * Check a validated config against the compliance rules (PIPL, GB/T 35273-2020, GB/T 42574-2023,
 * GDPR, CCPA) listed in `LINT_RULES` and docs/compliance.md. Returns every finding, errors first;
 * the widget refuses to render a config with errors.
 *
 * @example
 * ```ts
 * const findings = lintConfig(validateConfig(json))
 * if (findings.some((f) => f.severity === 'error')) throw new Error(findings[0]!.message.en)
 * ```
 */
export function lintConfig(config: AssentConfig): LintFinding[] {
  const out: LintFinding[] = [];
  for (const rule of LINT_RULES)
    rule.check(config, (path, en, zh) =>
      out.push({
        code: rule.code,
        severity: rule.severity,
        path,
        message: { en, 'zh-CN': zh },
        reference: rule.reference,
      }),
    );
  // Stable order: errors before warnings, each in rule order.
  return [...out.filter((f) => f.severity === 'error'), ...out.filter((f) => f.severity === 'warning')];
}

export { isMarketing, LINT_RULES, type LintFinding, type LintRule, REQUIRED_UI_TEXTS } from './rules.js';
