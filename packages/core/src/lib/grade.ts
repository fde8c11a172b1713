import type { AssentConfig, DataCategory, Grade, Purpose } from '../config/types.js';

// Kept apart from the labelled taxonomy so that the loader, which must know whether a purpose
// needs separate consent, does not ship every label in two languages.
const SENSITIVE =
  ' precise-location biometric health financial-account religious-belief specific-identity government-id minor sexual-orientation criminal-record ';

/** Whether a taxonomy kind is sensitive by law, whatever a config says. */
export const isSensitiveKind = (kind: string): boolean => SENSITIVE.includes(` ${kind} `);

/**
 * The effective grade of a data category: sensitive kinds (PIPL Art. 28 and the standards that
 * spell it out) are always `sensitive`; a config may raise any other kind, never lower one.
 *
 * @example
 * ```ts
 * gradeOf({ id: 'face', kind: 'biometric', grade: 'general', texts: {} }) // 'sensitive'
 * ```
 */
export function gradeOf(category: Pick<DataCategory, 'kind' | 'grade'>): Grade {
  return isSensitiveKind(category.kind) || category.grade === 'sensitive' ? 'sensitive' : 'general';
}

/** Whether a purpose touches any sensitive category of the config. */
export function usesSensitive(purpose: Purpose, config: AssentConfig): boolean {
  return purpose.categories.some((id) => {
    const c = config.categories.find((x) => x.id === id);
    return c !== undefined && gradeOf(c) === 'sensitive';
  });
}
