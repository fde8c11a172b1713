// Test pages for the widget: a small storefront page with the loader, its config inline or by
// URL, an optional strict Content-Security-Policy, gated tags and a `[data-assent-open]` link.
import type { AssentConfig } from '@assent/core';

export const NONCE = 'bm9uY2UtZm9yLXRlc3Rz';

/** A strict CSP: scripts only with the nonce, no inline styles, nothing from elsewhere. */
export const STRICT_CSP = `default-src 'self'; script-src 'nonce-${NONCE}'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'`;

export interface PageOptions {
  config?: AssentConfig;
  /** Serve the config at this URL (`data-config`) instead of inline. */
  configUrl?: string;
  lang?: string;
  /** Extra attributes on the loader's script tag. */
  attrs?: string;
  /** Markup after the loader in <head>. */
  head?: string;
  /** Markup of <main>. */
  main?: string;
}

const escapeJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

export function storePage(o: PageOptions = {}): string {
  const cfg = o.configUrl
    ? ''
    : `<script type="application/json" data-assent-config>${escapeJson(o.config)}</script>`;
  return `<!doctype html>
<html lang="${o.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lotus Market</title>
<link rel="stylesheet" href="/store.css">
${cfg}
<script nonce="${NONCE}" src="/assent/assent.js"${o.configUrl ? ` data-config="${o.configUrl}"` : ''} ${o.attrs ?? ''}></script>
${o.head ?? ''}
</head>
<body>
<header><h1>Lotus Market</h1><nav><a href="/">Home</a> <a href="#privacy" data-assent-open>Privacy settings</a></nav></header>
<main>
<h2>Tea of the week</h2>
<p>Longjing from the hills west of Hangzhou, picked in early spring.</p>
<p><button type="button" id="buy">Add to cart</button> <span id="cart">0</span></p>
${o.main ?? ''}
</main>
<footer><p>Lotus Market, 1 Garden Road, Hangzhou</p></footer>
<script nonce="${NONCE}" src="/store.js"></script>
</body>
</html>`;
}

/** Page CSS and script, served as files so the strict CSP allows them. */
export const STORE_CSS =
  'body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:0 1rem 12rem;color:#111;background:#fff}a{color:#1d4ed8}';
export const STORE_JS = `document.getElementById('buy').addEventListener('click', () => {
  const c = document.getElementById('cart'); c.textContent = String(+c.textContent + 1);
});`;
