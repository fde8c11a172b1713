// Locale choice, shared by the loader and the UI: what the store says explicitly, then the page's
// language, then the browser's, then the config default.

/**
 * The first of `available` that a candidate names exactly, else by language (`zh` and
 * `zh-Hans-CN` pick `zh-CN`, `en-GB` picks `en`); `fallback` when none does.
 */
export function pickLocale(
  available: readonly string[],
  candidates: readonly (string | null | undefined)[],
  fallback: string,
) {
  // Compared lowercased: the whole tag first (no split limit), then its language subtag alone.
  const key = (l: string, parts?: number) => l.toLowerCase().split('-', parts).join();
  for (const c of candidates)
    if (c)
      for (const parts of [undefined, 1]) {
        const hit = available.find((a) => key(a, parts) === key(c, parts));
        if (hit) return hit;
      }
  return fallback;
}

/** Writing direction of a BCP 47 tag. */
export const dirOf = (locale: string): 'rtl' | 'ltr' =>
  /^(ar|he|fa|ur|ps|sd|ug|yi|dv|ckb)\b/i.test(locale) ? 'rtl' : 'ltr';
