// pnpm bench:widget: the consent UI in Chromium, side by side in one run with orestbida's
// vanilla-cookieconsent 3.1 and Klaro 0.7 (served from node_modules by the bench server; their code
// is never committed). Every contender guards the same storefront page and the same "analytics"
// tag, loaded the way its documentation recommends, and speaks English.
//
//   bytes          body bytes the page downloads (gzip level 9, no HTTP cache), minus the same page
//                  without a consent tool: scripts, styles and config, first and return visit.
//   script         Chromium's ScriptDuration for the page load (CDP Performance metrics), minus the
//                  baseline page's.
//   banner         navigation start to the first animation frame with the banner visible.
//   applied        return visit: navigation start to the moment the consented analytics tag runs.
//   CLS            cumulative layout shift over the first visit, banner included.
//
// Runs are interleaved (one run of each contender per round) and each figure is the median of
// ROUNDS rounds, so a noisy neighbour on the machine hurts every contender alike.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { buildWidget } from '../packages/widget/scripts/build.js';
import { startServer } from '../packages/widget/test/e2e/lib/server.js';
import { storeConfig } from '../packages/widget/test/fixtures/config.js';
import { launchChromium } from './lib/chromium.js';

const ROUNDS = Number(process.env.ROUNDS ?? 9);
const CPU_THROTTLE = Number(process.env.CPU_THROTTLE ?? 1);
const require = createRequire(new URL('../packages/widget/package.json', import.meta.url));
const dist = (pkg: string) => dirname(require.resolve(`${pkg}/package.json`));

if (!process.env.NOBUILD) await buildWidget('widget:browser');
const server = await startServer({ gzip: true });
server.mount('/vendor/cc/', `${dist('vanilla-cookieconsent')}/dist/`);
server.mount('/vendor/klaro/', `${dist('klaro')}/dist/`);

// The store: the same markup for every contender, a gated analytics tag that stamps its start.
const page = (head: string, tag: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lotus Market</title><link rel="stylesheet" href="/store.css">${head}</head>
<body><header><h1>Lotus Market</h1><nav><a href="/">Home</a> <a href="/tea">Tea</a> <a href="/privacy">Privacy</a></nav></header>
<main>${'<article><h2>Longjing, spring harvest</h2><p>Pan-fired green tea from the hills west of Hangzhou, picked before Qingming. Sweet, chestnut notes, a long finish.</p><p>¥ 128 / 100 g <button type="button">Add to cart</button></p></article>'.repeat(8)}</main>
<footer><p>Lotus Market, 1 Garden Road, Hangzhou</p></footer>${tag}</body></html>`;
server.route('/store.css', {
  type: 'text/css',
  body: 'body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:0 1rem}article{border-bottom:1px solid #ddd;padding:1rem 0}',
});
server.route('/applied.js', { type: 'text/javascript', body: 'window.__applied = performance.now();' });
server.route('/privacy', '<!doctype html><title>Privacy</title><h1>Privacy notice</h1>');
server.route('/favicon.ico', { body: '', type: 'image/x-icon' });

const config = storeConfig();
config.locales = ['en'];
for (const c of config.categories) c.texts = { en: c.texts.en! };
for (const p of config.purposes) p.texts = { en: p.texts.en! };

const ccConfig = {
  // cookieconsent hides itself from headless browsers unless told otherwise.
  hideFromBots: false,
  categories: { necessary: { enabled: true, readOnly: true }, analytics: {}, marketing: {} },
  language: {
    default: 'en',
    translations: {
      en: {
        consentModal: {
          title: 'Your privacy choices',
          description:
            'We ask for your consent before using your data for anything beyond what your orders need.',
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
          showPreferencesBtn: 'Customize',
        },
        preferencesModal: {
          title: 'Privacy preferences',
          acceptAllBtn: 'Accept all',
          acceptNecessaryBtn: 'Reject all',
          savePreferencesBtn: 'Save my choices',
          sections: [
            {
              title: 'Order fulfilment',
              description: 'Delivering what you bought.',
              linkedCategory: 'necessary',
            },
            {
              title: 'Site analytics',
              description: 'Counting visits to improve the store.',
              linkedCategory: 'analytics',
            },
            {
              title: 'Marketing e-mail',
              description: 'Offers picked from your purchases.',
              linkedCategory: 'marketing',
            },
          ],
        },
      },
    },
  },
};
server.route('/cc-init.js', {
  type: 'text/javascript',
  body: `CookieConsent.run(${JSON.stringify(ccConfig)});`,
});

const klaroConfig = {
  version: 1,
  storageMethod: 'cookie',
  default: false,
  mustConsent: false,
  acceptAll: true,
  translations: {
    zz: { privacyPolicyUrl: '/privacy' },
    en: {
      consentNotice: {
        description:
          'We ask for your consent before using your data for anything beyond what your orders need.',
      },
      purposes: { analytics: 'Site analytics', marketing: 'Marketing e-mail' },
    },
  },
  services: [
    { name: 'analytics', title: 'Site analytics', purposes: ['analytics'] },
    { name: 'marketing', title: 'Marketing e-mail', purposes: ['marketing'] },
  ],
};
server.route('/klaro-config.js', {
  type: 'text/javascript',
  body: `window.klaroConfig = ${JSON.stringify(klaroConfig)};`,
});

interface Contender {
  name: string;
  path: string;
  /** Expression true when the banner is visible. */
  visible: string;
  /** Selector of the "Accept all" button (Playwright pierces shadow roots). */
  accept: string;
}

const shown = (el: string) =>
  `((e) => !!e && e.getBoundingClientRect().height > 0 && getComputedStyle(e).visibility === 'visible' && +getComputedStyle(e).opacity > 0)(${el})`;

const contenders: Contender[] = [
  {
    name: 'assent',
    path: '/assent',
    visible: shown("document.querySelector('assent-widget')?.shadowRoot?.querySelector('.banner')"),
    accept: 'assent-widget [data-action="accept-all"]',
  },
  {
    name: 'cookieconsent 3.1',
    path: '/cookieconsent',
    visible: shown("document.querySelector('#cc-main .cm')"),
    accept: '#cc-main .cm [data-role="all"]',
  },
  {
    name: 'klaro 0.7',
    path: '/klaro',
    visible: shown("document.querySelector('.klaro .cookie-notice')"),
    accept: '.klaro .cookie-notice .cm-btn-success',
  },
];
const escapeJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');
server.route('/baseline', page('', ''));
server.route(
  '/assent',
  page(
    `<script type="application/json" data-assent-config>${escapeJson(config)}</script><script src="/assent/assent.js" data-floating-button="off"></script>`,
    '<script type="text/plain" data-assent="analytics" data-src="/applied.js"></script>',
  ),
);
server.route(
  '/cookieconsent',
  page(
    '<link rel="stylesheet" href="/vendor/cc/cookieconsent.css"><script defer src="/vendor/cc/cookieconsent.umd.js"></script><script defer src="/cc-init.js"></script>',
    '<script type="text/plain" data-category="analytics" data-src="/applied.js"></script>',
  ),
);
server.route(
  '/klaro',
  page(
    '<script defer src="/klaro-config.js"></script><script defer src="/vendor/klaro/klaro.js"></script>',
    '<script type="text/plain" data-type="text/javascript" data-name="analytics" data-src="/applied.js"></script>',
  ),
);

// Stamps the first frame in which the banner is visible, and sums layout shifts.
const probe = (visible: string) => `
  window.__cls = 0;
  new PerformanceObserver((l) => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.__cls += e.value; })
    .observe({ type: 'layout-shift', buffered: true });
  const tick = () => { if (document.documentElement && (${visible || 'false'})) window.__banner = performance.now(); else requestAnimationFrame(tick); };
  requestAnimationFrame(tick);`;

interface Sample {
  bytes: number;
  script: number;
  banner?: number;
  applied?: number;
  cls: number;
}

const browser = await launchChromium();

async function load(
  ctx: BrowserContext,
  c: Pick<Contender, 'path' | 'visible'>,
  waitFor: string,
): Promise<[Page, Sample]> {
  const p = await ctx.newPage();
  p.on('pageerror', (e) => process.stderr.write(`${c.path}: ${e}\n`));
  const cdp = await ctx.newCDPSession(p);
  await cdp.send('Performance.enable');
  if (CPU_THROTTLE > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_THROTTLE });
  await p.addInitScript(probe(c.visible));
  const before = server.total;
  await p.goto(server.origin + c.path, { waitUntil: 'load' });
  await p.waitForFunction(waitFor, undefined, { timeout: 10_000 }).catch(async (e) => {
    const dom = await p.evaluate(() => {
      const el = document.querySelector('#cc-main .cm') ?? document.querySelector('.klaro');
      return el
        ? `${el.outerHTML.slice(0, 200)} ${JSON.stringify(el.getBoundingClientRect())} ${getComputedStyle(el).visibility} ${getComputedStyle(el).opacity}`
        : document.documentElement.outerHTML.slice(-600);
    });
    throw new Error(`${c.path}: ${waitFor} did not happen; ${dom}`, { cause: e });
  });
  await p.waitForTimeout(300);
  const { metrics } = (await cdp.send('Performance.getMetrics')) as {
    metrics: { name: string; value: number }[];
  };
  const state = await p.evaluate(() => {
    const w = window as unknown as { __banner?: number; __applied?: number; __cls: number };
    return { banner: w.__banner, applied: w.__applied, cls: w.__cls };
  });
  return [
    p,
    {
      bytes: server.total - before,
      script: (metrics.find((m) => m.name === 'ScriptDuration')?.value ?? 0) * 1000,
      ...state,
    },
  ];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const first: Record<string, Sample[]> = Object.fromEntries(contenders.map((c) => [c.name, []]));
const again: Record<string, Sample[]> = Object.fromEntries(contenders.map((c) => [c.name, []]));
const base: Sample[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const ctx = await browser.newContext();
  base.push((await load(ctx, { path: '/baseline', visible: '' }, 'document.readyState === "complete"'))[1]);
  await ctx.close();
  for (const c of contenders) {
    const fresh = await browser.newContext();
    const [p, sample] = await load(fresh, c, 'window.__banner !== undefined');
    first[c.name]!.push(sample);
    // Accept all, then come back: the stored decision must let the analytics tag run.
    await p.locator(c.accept).click();
    await p.waitForFunction('window.__applied !== undefined');
    await p.close();
    const [, back] = await load(fresh, { ...c, visible: '' }, 'window.__applied !== undefined');
    again[c.name]!.push(back);
    await fresh.close();
  }
  process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
}
await browser.close();
await server.close();

const b = { bytes: median(base.map((s) => s.bytes)), script: median(base.map((s) => s.script)) };
type Row = { label: string; unit: string; value: (name: string) => number; digits: number };
const rows: Row[] = [
  {
    label: 'bytes, first visit',
    unit: 'B',
    value: (n) => median(first[n]!.map((s) => s.bytes)) - b.bytes,
    digits: 0,
  },
  {
    label: 'bytes, return visit',
    unit: 'B',
    value: (n) => median(again[n]!.map((s) => s.bytes)) - b.bytes,
    digits: 0,
  },
  {
    label: 'script time, first visit',
    unit: 'ms',
    value: (n) => median(first[n]!.map((s) => s.script)) - b.script,
    digits: 1,
  },
  {
    label: 'script time, return visit',
    unit: 'ms',
    value: (n) => median(again[n]!.map((s) => s.script)) - b.script,
    digits: 1,
  },
  {
    label: 'banner visible, first visit',
    unit: 'ms',
    value: (n) => median(first[n]!.map((s) => s.banner!)),
    digits: 1,
  },
  {
    label: 'stored consent applied',
    unit: 'ms',
    value: (n) => median(again[n]!.map((s) => s.applied!)),
    digits: 1,
  },
  { label: 'layout shift (CLS)', unit: '', value: (n) => median(first[n]!.map((s) => s.cls)), digits: 3 },
];
const names = contenders.map((c) => c.name);
const [ours, ...others] = names as [string, ...string[]];
const header = ['', ...names, ...others.map((o) => `${o.split(' ')[0]} / assent`)];
const table = rows.map((r) => {
  const v = names.map((n) => r.value(n));
  const ratio = (x: number) => (v[0]! > 0 ? `${(x / v[0]!).toFixed(1)}x` : '-');
  return [
    `${r.label}${r.unit ? ` (${r.unit})` : ''}`,
    ...v.map((x) => x.toFixed(r.digits)),
    ...v.slice(1).map(ratio),
  ];
});
const widths = header.map((_, i) => Math.max(...[header, ...table].map((row) => row[i]!.length)));
const line = (row: string[]) =>
  `| ${row.map((c, i) => (i ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
console.log(
  `\nWidget benchmark: Chromium ${browser.version()}, ${ROUNDS} rounds, medians, CPU throttle ${CPU_THROTTLE}x; ${ours} vs ${others.join(', ')}\n`,
);
console.log(line(header));
console.log(`|${widths.map((w, i) => (i ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
for (const row of table) console.log(line(row));
