// Formatting with the platform's Intl, so every locale (Arabic included) gets native wording and
// digits without the widget shipping tables.

/**
 * `P1Y6M` -> "1 year, 6 months" / "1年6个月", `PT30M` -> "30 minutes". Unknown shapes are shown as
 * written.
 */
export function formatDuration(iso: string, locale: string): string {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(
    iso,
  );
  if (!m) return iso;
  const parts: string[] = [];
  // The pattern's groups, in order.
  ['year', 'month', 'week', 'day', 'hour', 'minute', 'second'].forEach((unit, i) => {
    const n = m[i + 1];
    if (n) parts.push(new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(+n));
  });
  // The language's own way of joining units (no spaces in Chinese).
  return parts.length ? new Intl.ListFormat(locale, { type: 'unit' }).format(parts) : iso;
}

/** A country name from an ISO 3166-1 alpha-2 code, in the shopper's language. */
export function countryName(code: string, locale: string): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** A decision time (milliseconds) as a local date and time. */
export const formatTime = (at: number, locale: string): string =>
  new Date(at).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });

/** Fill `{name}` placeholders. Values are inserted as text; the result is only ever a text node. */
export const fill = (template: string, vars: Record<string, string> = {}): string =>
  template.replace(/\{(\w+)\}/g, (all, k: string) => vars[k] ?? all);
