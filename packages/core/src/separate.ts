import type { AssentConfig, Purpose } from './config/types.js';
import { usesSensitive } from './lib/grade.js';

/**
 * Whether a consent purpose needs separate consent (单独同意): it uses a sensitive category (PIPL
 * Art. 29), provides data to a third party (Art. 23), transfers it abroad (Art. 39) or makes it
 * public (Art. 25), or the config asks for it. A config cannot turn this off. Separate purposes are
 * never granted by "Accept all" and are asked for in their own dialog. Purposes on another legal
 * basis are not consent toggles, so this is `false` for them.
 *
 * @example
 * ```ts
 * const face = config.purposes.find((p) => p.id === 'face-payment')!
 * isSeparate(face, config) // true: biometric data
 * ```
 */
export function isSeparate(purpose: Purpose, config: AssentConfig): boolean {
  return (
    purpose.basis === 'consent' &&
    (purpose.separate === true ||
      purpose.publicDisclosure === true ||
      purpose.transfer !== undefined ||
      (purpose.recipients ?? []).some((r) => r.role !== 'processor') ||
      usesSensitive(purpose, config))
  );
}

/**
 * The ids of a config's purposes that need separate consent, in config order: what `readConsent`
 * takes as `separate`.
 *
 * @example
 * ```ts
 * separatePurposes(config) // ['face-payment', 'precise-location', 'ads-partner', ...]
 * ```
 */
export function separatePurposes(config: AssentConfig): string[] {
  return config.purposes.filter((p) => isSeparate(p, config)).map((p) => p.id);
}
