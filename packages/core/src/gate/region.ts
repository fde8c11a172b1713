import { JURISDICTION } from '../protocol/validate.js';

// EU member states and the other EEA countries (Iceland, Liechtenstein, Norway), ISO 3166-1.
const EEA = 'ATBEBGCYCZDEDKEEESFIFRGRHRHUIEITLTLULVMTNLPLPTROSESISKISLINO';

/** The part of a config {@link resolveJurisdiction} reads. */
export interface JurisdictionSource {
  jurisdictions?: Record<string, unknown>;
  defaultJurisdiction?: string;
}

/**
 * The jurisdiction code to record and take rules from, given region codes the storefront knows,
 * most trusted first: a value its server supplies (from the request), then a `data-region`
 * attribute. The first well-formed code wins (`us-ca` is read as `US-CA`); an EU or EEA country is
 * recorded as `EU` when the config has `EU` rules and none for that country. Without any, the
 * config's `defaultJurisdiction`, else `ZZ` (unknown). Never asks a geolocation service: the
 * region is the storefront's to state.
 *
 * @example
 * ```ts
 * const script = document.currentScript as HTMLScriptElement
 * resolveJurisdiction(config, window.ASSENT_REGION, script.dataset.region) // 'US-CA'
 * resolveJurisdiction({ jurisdictions: { EU: { model: 'opt-in' } } }, 'DE') // 'EU'
 * ```
 */
export function resolveJurisdiction(
  config: JurisdictionSource,
  ...regions: (string | null | undefined)[]
): string {
  const rules = config.jurisdictions ?? {};
  for (const r of regions) {
    // `undefined` is tested as the text "undefined", which no code matches.
    const c = r?.trim().toUpperCase() as string;
    if (JURISDICTION.test(c)) {
      const country = c.slice(0, 2);
      return !rules[c] && !rules[country] && rules.EU && EEA.match(/../g)!.includes(country) ? 'EU' : c;
    }
  }
  return config.defaultJurisdiction ?? 'ZZ';
}
