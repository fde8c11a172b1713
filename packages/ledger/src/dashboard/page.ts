// The dashboard's HTML: static markup in the chosen language, no inline script or style (the page is
// served under a CSP of 'self' only). The app script fills in numbers, charts and tables.
import { dashboardLabels, type Labels } from './assets.js';

/** Locales the dashboard is written in; the first is the fallback. */
export const DASHBOARD_LOCALES = ['en', 'zh-CN'] as const;
export type DashboardLocale = (typeof DASHBOARD_LOCALES)[number];

/**
 * The page's Content-Security-Policy: scripts, styles, images and requests from the ledger itself,
 * nothing inline, no frames, and forms that cannot submit (the script handles them, so a token can
 * never end up in a URL even if the script failed to load).
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Pick the locale: an explicit `?lang=` wins, then the first supported `Accept-Language` entry
 * (any `zh` tag reads Simplified Chinese), else English.
 *
 * @example
 * ```ts
 * chooseLocale(null, 'zh-TW,zh;q=0.9,en;q=0.8') // 'zh-CN'
 * ```
 */
export function chooseLocale(lang: string | null, acceptLanguage: string | undefined): DashboardLocale {
  if (lang === 'en' || lang === 'zh-CN') return lang;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.toLowerCase(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    if (tag === 'zh' || tag.startsWith('zh-')) return 'zh-CN';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/**
 * The dashboard page in one locale.
 *
 * @example
 * ```ts
 * res.end(dashboardPage('zh-CN'))
 * ```
 */
export function dashboardPage(locale: DashboardLocale): string {
  const all = dashboardLabels();
  const L: Labels = all[locale] ?? all.en!;
  const t = (key: string): string => esc(L[key] ?? all.en?.[key] ?? key);
  const langLink = (code: DashboardLocale, name: string) =>
    `<a href="/dashboard?lang=${code}" hreflang="${code}" lang="${code}"${
      code === locale ? ' aria-current="page"' : ''
    }>${name}</a>`;
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${t('title')} · ${t('titleSuffix')}</title>
<link rel="icon" href="/dashboard/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/dashboard/uplot.css">
<link rel="stylesheet" href="/dashboard/dashboard.css">
<script src="/dashboard/uplot.js" defer></script>
<script src="/dashboard/app.js" defer></script>
</head>
<body>
<header class="top">
<a class="skip" href="#main">${t('skip')}</a>
<h1>${t('title')}</h1>
<nav aria-label="${t('language')}">${langLink('en', 'English')} ${langLink('zh-CN', '中文')}</nav>
</header>
<main id="main" tabindex="-1">
<section id="access" aria-labelledby="access-h">
<h2 id="access-h">${t('accessH')}</h2>
<form id="token-form" autocomplete="off">
<label for="token">${t('tokenLabel')}</label>
<input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required aria-describedby="token-hint">
<button type="submit">${t('tokenSubmit')}</button>
<p id="token-hint" class="hint">${t('tokenHint')}</p>
</form>
<p id="signed-in" hidden>${t('signedIn')} <button type="button" id="forget">${t('tokenForget')}</button></p>
</section>
<p id="status" class="status" role="status" aria-live="polite"></p>
<div id="content" hidden>
<section id="period" aria-labelledby="period-h">
<h2 id="period-h">${t('periodH')}</h2>
<form id="range-form">
<label for="from">${t('from')}</label> <input id="from" name="from" type="date" required>
<label for="to">${t('to')}</label> <input id="to" name="to" type="date" required>
<button type="submit">${t('show')}</button>
<p class="hint">${t('periodHint')}</p>
</form>
</section>
<section id="log" aria-labelledby="log-h">
<h2 id="log-h">${t('logH')}</h2>
<dl class="numbers">
<div><dt>${t('logSize')}</dt><dd id="log-size"></dd></div>
<div><dt>${t('eventsTotal')}</dt><dd id="events-total"></dd></div>
<div><dt>${t('erasedTotal')}</dt><dd id="erased-total"></dd></div>
<div><dt>${t('sthSize')}</dt><dd id="sth-size"></dd></div>
<div class="wide"><dt>${t('sthRoot')}</dt><dd><code id="sth-root"></code></dd></div>
<div class="wide"><dt>${t('sthTime')}</dt><dd id="sth-time" class="small"></dd></div>
</dl>
</section>
<section id="rate" aria-labelledby="rate-h">
<h2 id="rate-h">${t('rateH')}</h2>
<p class="hint">${t('rateHint')}</p>
<div class="chart" id="rate-chart" role="img" aria-label="${t('rateChart')}"></div>
<details><summary>${t('dataTable')}</summary><div class="scroll" id="rate-table"></div></details>
</section>
<section id="methods" aria-labelledby="methods-h">
<h2 id="methods-h">${t('methodsH')}</h2>
<div class="chart" id="methods-chart" role="img" aria-label="${t('methodsChart')}"></div>
<div class="scroll" id="methods-table"></div>
</section>
<section id="events" aria-labelledby="events-h">
<h2 id="events-h">${t('eventsH')}</h2>
<div class="chart" id="events-chart" role="img" aria-label="${t('eventsChart')}"></div>
<details><summary>${t('dataTable')}</summary><div class="scroll" id="events-table"></div></details>
</section>
<section id="subject" aria-labelledby="subject-h">
<h2 id="subject-h">${t('subjectH')}</h2>
<form id="subject-form" novalidate>
<label for="subject-id">${t('subjectLabel')}</label>
<input id="subject-id" name="subject" type="text" autocomplete="off" spellcheck="false" required minlength="22" maxlength="22" pattern="[A-Za-z0-9_\\-]{21}[AQgw]" aria-describedby="subject-hint">
<button type="submit">${t('subjectSubmit')}</button>
<p id="subject-hint" class="hint">${t('subjectHint')}</p>
</form>
<p id="subject-status" class="status" role="status" aria-live="polite"></p>
<div id="subject-result" class="scroll"></div>
</section>
</div>
</main>
<footer><p>${t('footer')}</p></footer>
</body>
</html>
`;
}
