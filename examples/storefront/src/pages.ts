// Server-rendered pages. Every script tag carries the response's nonce; everything else is data,
// escaped by `html`.
import type { AssentConfig } from '@assent/core';
import { type Product, PRODUCTS, formatPrice } from './catalog.js';
import { clientMessages, formatPeriod, type Locale, LOCALES, type MessageKey, t } from './i18n.js';
import { type Html, type HtmlValue, html, jsonScript } from './lib/html.js';
import type { Account } from './accounts.js';
import type { CartLine } from './cart.js';
import type { Order } from './orders.js';

/** What every page needs to know about the request it answers. */
export interface PageContext {
  locale: Locale;
  nonce: string;
  /** Path and query of this page, for the language switch to come back to. */
  path: string;
  account: Account | undefined;
  cartCount: number;
  /** A fresh link token for the widget when the shopper is signed in and has a device subject. */
  linkToken: string | undefined;
  /** Purpose ids the gated tags wait for. */
  tags: { analytics: string; ads: string };
  /** Who runs the store (the config's controller), for the footer. */
  controllerName: string;
}

const LANGUAGE_NAMES: Record<Locale, string> = { 'zh-CN': '中文', en: 'English' };

export function layout(ctx: PageContext, title: string, page: string, main: Html, data: object = {}): Html {
  const { locale, nonce } = ctx;
  const m = (key: MessageKey, params?: Record<string, string | number>) => t(locale, key, params);
  return html`<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${m('shopName')}</title>
<link rel="stylesheet" href="/static/shop.css">
<link rel="icon" href="/img/favicon.svg">
<script src="/assent/assent.js" data-config="/assent.config.json" nonce="${nonce}"${
    ctx.linkToken ? html` data-link-token="${ctx.linkToken}"` : ''
  }></script>
<script type="application/json" id="shop-data" nonce="${nonce}">${jsonScript({
    locale,
    page,
    messages: clientMessages(locale),
    signedIn: ctx.account !== undefined,
    ...data,
  })}</script>
<script src="/static/shop.js" defer nonce="${nonce}"></script>
</head>
<body data-page="${page}">
<a class="skip" href="#main">${locale === 'en' ? 'Skip to content' : '跳到正文'}</a>
<header class="site-header">
  <a class="brand" href="/">${m('shopName')}</a>
  <nav aria-label="${m('navProducts')}">
    <a href="/">${m('navProducts')}</a>
    <a href="/cart" data-testid="cart-link">${m('navCart')} <span class="badge" id="cart-count">${ctx.cartCount}</span></a>
    ${
      ctx.account
        ? html`<span class="who">${m('signedInAs', { name: ctx.account.name[locale] })}</span>
    <form method="post" action="/signout" class="inline"><button type="submit" class="link">${m('navSignOut')}</button></form>`
        : html`<a href="/signin">${m('navSignIn')}</a>`
    }
  </nav>
  <div class="lang" role="group" aria-label="${m('language')}">
    ${LOCALES.map((l) =>
      l === locale
        ? html`<strong aria-current="true" lang="${l}">${LANGUAGE_NAMES[l]}</strong>`
        : html`<a href="/lang/${l}?next=${encodeURIComponent(ctx.path)}" lang="${l}" hreflang="${l}">${LANGUAGE_NAMES[l]}</a>`,
    )}
  </div>
</header>
<main id="main">
${main}
</main>
<footer class="site-footer">
  <form class="newsletter" id="newsletter" method="post" action="/api/newsletter">
    <h2>${m('newsletterTitle')}</h2>
    <p>${m('newsletterText')}</p>
    <label>${m('email')} <input type="email" name="email" required autocomplete="email"></label>
    <button type="submit">${m('subscribe')}</button>
    <p class="status" role="status" id="newsletter-status"></p>
  </form>
  <p class="links">
    <a href="/privacy">${m('privacyNotice')}</a> ·
    <a href="/privacy#settings" data-assent-open>${m('privacySettings')}</a>
  </p>
  <p class="demo">${m('operatedBy', { controller: ctx.controllerName })} · ${m('footerDemo')}</p>
</footer>
<script type="text/plain" data-assent="${ctx.tags.analytics}" data-src="/tags/analytics.js" nonce="${nonce}"></script>
<script type="text/plain" data-assent="${ctx.tags.ads}" data-src="/tags/ads.js" nonce="${nonce}"></script>
</body>
</html>
`;
}

function productCard(p: Product, locale: Locale): Html {
  return html`<li class="card">
  <a href="/products/${p.id}">
    <img src="/img/${p.id}.svg" alt="" width="240" height="180">
    <span class="name">${p.name[locale]}</span>
  </a>
  <span class="price">${formatPrice(p.priceFen, locale)}</span>
</li>`;
}

export function homePage(ctx: PageContext): Html {
  const { locale } = ctx;
  const products = [...PRODUCTS].sort((a, b) => a.rank - b.rank);
  return layout(
    ctx,
    t(locale, 'allProducts'),
    'home',
    html`<section class="hero"><h1>${t(locale, 'shopName')}</h1><p>${t(locale, 'tagline')}</p></section>
<h2>${t(locale, 'allProducts')}</h2>
<ul class="grid" data-testid="product-list">${products.map((p) => productCard(p, locale))}</ul>`,
  );
}

export function productPage(ctx: PageContext, p: Product): Html {
  const { locale } = ctx;
  return layout(
    ctx,
    p.name[locale],
    'product',
    html`<article class="product" data-product="${p.id}">
  <img src="/img/${p.id}.svg" alt="" width="480" height="360">
  <div>
    <h1>${p.name[locale]}</h1>
    <p class="price">${formatPrice(p.priceFen, locale)}</p>
    <p>${p.description[locale]}</p>
    <form method="post" action="/cart/add" class="add">
      <input type="hidden" name="product" value="${p.id}">
      <label>${t(locale, 'quantity')} <input type="number" name="quantity" value="1" min="1" max="9"></label>
      <button type="submit">${t(locale, 'addToCart')}</button>
    </form>
  </div>
</article>
<section class="recommendations" id="recommendations" aria-labelledby="rec-title" aria-busy="true">
  <h2 id="rec-title">${t(locale, 'recommended')}</h2>
  <p class="rec-note" id="rec-note">${t(locale, 'recLoading')}</p>
  <ul class="grid small" id="rec-list"></ul>
</section>`,
    { product: p.id },
  );
}

export function cartPage(ctx: PageContext, lines: CartLine[], notice?: string): Html {
  const { locale } = ctx;
  const total = lines.reduce((s, l) => s + l.product.priceFen * l.quantity, 0);
  const body = lines.length
    ? html`<table class="cart">
  <thead><tr><th scope="col"></th><th scope="col">${t(locale, 'quantity')}</th><th scope="col"></th><th scope="col"></th></tr></thead>
  <tbody>${lines.map(
    (l) => html`<tr>
    <th scope="row"><a href="/products/${l.product.id}">${l.product.name[locale]}</a></th>
    <td>${l.quantity}</td>
    <td>${formatPrice(l.product.priceFen * l.quantity, locale)}</td>
    <td><form method="post" action="/cart/remove"><input type="hidden" name="product" value="${l.product.id}"><button type="submit" class="link">${t(locale, 'remove')}</button></form></td>
  </tr>`,
  )}</tbody>
  <tfoot><tr><th scope="row">${t(locale, 'subtotal')}</th><td></td><td data-testid="subtotal">${formatPrice(total, locale)}</td><td></td></tr></tfoot>
</table>
<p><a class="button" href="/checkout">${t(locale, 'toCheckout')}</a></p>`
    : html`<p>${t(locale, 'cartEmpty')}</p><p><a href="/">${t(locale, 'continueShopping')}</a></p>`;
  return layout(
    ctx,
    t(locale, 'cartTitle'),
    'cart',
    html`<h1>${t(locale, 'cartTitle')}</h1>${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}${body}`,
  );
}

export function checkoutPage(ctx: PageContext, lines: CartLine[]): Html {
  const { locale } = ctx;
  const total = lines.reduce((s, l) => s + l.product.priceFen * l.quantity, 0);
  const m = (key: MessageKey, params?: Record<string, string | number>) => t(locale, key, params);
  return layout(
    ctx,
    m('checkoutTitle'),
    'checkout',
    html`<h1>${m('checkoutTitle')}</h1>
<ul class="summary">${lines.map((l) => html`<li>${l.product.name[locale]} × ${l.quantity}</li>`)}</ul>
<form method="post" action="/api/checkout" id="checkout" class="checkout">
  <fieldset>
    <legend>${m('delivery')}</legend>
    <label class="choice"><input type="radio" name="delivery" value="address" checked> ${m('deliverAddress')}</label>
    <label class="field">${m('address')} <textarea name="address" rows="2" placeholder="${m('addressPlaceholder')}" autocomplete="street-address"></textarea></label>
    <label class="choice"><input type="radio" name="delivery" value="location"> ${m('deliverLocation')}</label>
    <p class="hint">${m('deliverLocationNote')}</p>
    <input type="hidden" name="lat"><input type="hidden" name="lon">
  </fieldset>
  <fieldset>
    <legend>${m('payment')}</legend>
    <label class="choice"><input type="radio" name="payment" value="card" checked> ${m('payCard')}</label>
    <label class="field">${m('cardNumber')} <input name="card" inputmode="numeric" autocomplete="cc-number" value="4242 4242 4242 4242"></label>
    <label class="choice"><input type="radio" name="payment" value="face"> ${m('payFace')}</label>
    <p class="hint">${m('payFaceNote')}</p>
  </fieldset>
  <p class="status" role="status" id="checkout-status"></p>
  <button type="submit" id="pay">${m('payNow', { amount: formatPrice(total, locale) })}</button>
</form>`,
  );
}

export function orderPage(ctx: PageContext, order: Order): Html {
  const { locale } = ctx;
  const m = (key: MessageKey, params?: Record<string, string | number>) => t(locale, key, params);
  const place =
    order.delivery.mode === 'location'
      ? m('preciseLocation', { lat: order.delivery.lat.toFixed(4), lon: order.delivery.lon.toFixed(4) })
      : order.delivery.address;
  return layout(
    ctx,
    m('orderTitle', { id: order.id }),
    'order',
    html`<h1>${m('orderTitle', { id: order.id })}</h1>
<p class="notice" role="status" data-testid="order-confirmed">${m('orderPlaced', { id: order.id })}</p>
<ul class="summary">${order.lines.map((l) => html`<li>${findName(l.productId, locale)} × ${l.quantity}</li>`)}</ul>
<p data-testid="paid-with">${m('orderPaidWith', { method: m(order.payment === 'face' ? 'payFace' : 'payCard') })} · ${formatPrice(order.totalFen, locale)}</p>
<p>${m('orderDeliverTo', { place })}</p>
<p><a href="/">${m('continueShopping')}</a></p>`,
  );
}

function findName(id: string, locale: Locale): string {
  return PRODUCTS.find((p) => p.id === id)?.name[locale] ?? id;
}

export function signInPage(ctx: PageContext, accounts: readonly Account[]): Html {
  const { locale } = ctx;
  return layout(
    ctx,
    t(locale, 'signInTitle'),
    'signin',
    html`<h1>${t(locale, 'signInTitle')}</h1>
<p>${t(locale, 'signInText')}</p>
<ul class="accounts">${accounts.map(
      (a) =>
        html`<li><form method="post" action="/signin"><input type="hidden" name="account" value="${a.id}"><button type="submit">${t(locale, 'signInAs', { name: a.name[locale] })}</button> <span class="hint">${a.email}</span></form></li>`,
    )}</ul>`,
  );
}

export function notFoundPage(ctx: PageContext): Html {
  return layout(
    ctx,
    t(ctx.locale, 'notFound'),
    'not-found',
    html`<h1>${t(ctx.locale, 'notFound')}</h1><p><a href="/">${t(ctx.locale, 'backHome')}</a></p>`,
  );
}

/** The privacy notice, written from the same config the widget shows and the hashes cover. */
export function privacyPage(ctx: PageContext, config: AssentConfig): Html {
  const { locale } = ctx;
  const m = (key: MessageKey, params?: Record<string, string | number>) => t(locale, key, params);
  const pick = <T>(texts: Record<string, T>): T | undefined =>
    texts[locale] ?? texts[config.defaultLocale ?? ''] ?? Object.values(texts)[0];
  const basis: Record<string, MessageKey> = {
    consent: 'basisConsent',
    contract: 'basisContract',
    'legal-obligation': 'basisLegal',
  };
  const rows: HtmlValue[] = config.purposes.map((p) => {
    const texts = pick(p.texts) ?? {};
    const cats = p.categories.map((id) => {
      const c = config.categories.find((x) => x.id === id);
      return c ? (pick(c.texts)?.label ?? id) : id;
    });
    return html`<section class="purpose" id="purpose-${p.id}">
  <h3>${texts.name ?? p.id}</h3>
  <p>${texts.description ?? ''}</p>
  <dl>
    <dt>${m('noticeBasis')}</dt><dd>${m(basis[p.basis] ?? 'basisConsent')}</dd>
    <dt>${m('noticeCategories')}</dt><dd>${cats.join(locale === 'en' ? ', ' : '、')}</dd>
    ${p.retention ? html`<dt>${m('noticeRetention')}</dt><dd>${formatPeriod(locale, p.retention)}</dd>` : ''}
    ${
      p.recipients?.length
        ? html`<dt>${m('noticeRecipients')}</dt><dd>${p.recipients.map((r) => [r.name, r.country].filter(Boolean).join(', ')).join('; ')}</dd>`
        : ''
    }
    ${p.transfer ? html`<dt>${m('noticeTransfer')}</dt><dd>${[p.transfer.recipient, p.transfer.country].filter(Boolean).join(', ')}</dd>` : ''}
  </dl>
  ${texts.necessity ? html`<p>${texts.necessity}</p>` : ''}
  ${texts.impact ? html`<p>${texts.impact}</p>` : ''}
</section>`;
  });
  return layout(
    ctx,
    m('privacyNotice'),
    'privacy',
    html`<h1>${m('privacyNotice')}</h1>
<p class="hint">${m('noticeVersion', { version: config.notice.version })}</p>
<h2>${m('noticeController')}</h2>
<p>${config.controller.name ?? ''}<br>${config.controller.address ?? ''}<br>${config.controller.contact ?? ''}</p>
<h2>${m('noticePurposes')}</h2>
${rows}
<p id="settings"><button type="button" data-assent-open>${m('privacySettings')}</button></p>`,
  );
}
