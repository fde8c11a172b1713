import { type AssentConfig, gradeOf, isSeparate, type Purpose } from '@assent/core';
import { countryName, formatDuration } from './format.js';

/** A purpose as the shopper is shown it, in one locale. */
export interface PurposeView {
  id: string;
  basis: Purpose['basis'];
  separate: boolean;
  name: string;
  /** The config's texts in the locale, as written (absent when the config has none). */
  description?: string;
  necessity?: string;
  impact?: string;
  categories: { id: string; label: string; sensitive: boolean }[];
  retention: string;
  recipients: string[];
  transfer: string;
  publicDisclosure: boolean;
}

/** Look a text up in the shopper's locale, then the config's default locale. */
export function localized<T>(
  texts: Record<string, T> | undefined,
  locale: string,
  config: AssentConfig,
): T | undefined {
  return texts?.[locale] ?? texts?.[config.defaultLocale ?? ''] ?? texts?.[config.locales[0] ?? ''];
}

/** Every purpose of the config, described in `locale`. */
export function purposeViews(config: AssentConfig, locale: string): PurposeView[] {
  return config.purposes.map((p) => {
    const tx = localized(p.texts, locale, config) ?? {};
    const who = (name?: string, contact?: string, country?: string) =>
      [name, contact && `(${contact})`, country && countryName(country, locale)].filter(Boolean).join(' ');
    return {
      ...tx,
      id: p.id,
      basis: p.basis,
      separate: isSeparate(p, config),
      name: tx.name ?? p.id,
      categories: p.categories.map((id) => {
        const c = config.categories.find((x) => x.id === id);
        return {
          id,
          label: (c && localized(c.texts, locale, config)?.label) ?? id,
          sensitive: !!c && gradeOf(c) === 'sensitive',
        };
      }),
      retention: p.retention ? formatDuration(p.retention, locale) : '',
      recipients: (p.recipients ?? []).map((r) => who(r.name, r.contact, r.country)),
      transfer: p.transfer ? who(p.transfer.recipient, p.transfer.contact, p.transfer.country) : '',
      publicDisclosure: p.publicDisclosure === true,
    };
  });
}
