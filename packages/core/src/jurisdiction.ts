import type { AssentConfig, JurisdictionRule } from './config/types.js';

/**
 * The rule used where a config names none: opt-in, consent kept a year, refusals re-asked after
 * 180 days.
 *
 * @example
 * ```ts
 * // A config whose `jurisdictions` has no `BR`, no `default`: Brazil gets the built-in rule.
 * resolveRule(config, 'BR').consentMaxAgeDays === DEFAULT_RULE.consentMaxAgeDays // true (365)
 * ```
 */
export const DEFAULT_RULE: Readonly<
  Required<Pick<JurisdictionRule, 'model' | 'consentMaxAgeDays' | 'refusalReaskDays'>>
> = {
  model: 'opt-in',
  consentMaxAgeDays: 365,
  refusalReaskDays: 180,
};

/**
 * The rule that applies in a jurisdiction: the exact code (`US-CA`), then its country (`US`), then
 * the config's `default`, then {@link DEFAULT_RULE}; missing durations come from the default rule.
 *
 * @example
 * ```ts
 * resolveRule(config, 'US-CA').model // 'opt-out'
 * ```
 */
export function resolveRule(
  config: AssentConfig,
  jurisdiction: string,
): JurisdictionRule & typeof DEFAULT_RULE {
  const rules = config.jurisdictions ?? {};
  return { ...DEFAULT_RULE, ...(rules[jurisdiction] ?? rules[jurisdiction.slice(0, 2)] ?? rules.default) };
}
