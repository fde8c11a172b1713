// The storefront's HTTP server: plain node:http, server-rendered pages, a few JSON endpoints. It
// serves the Assent widget from @assent/widget's dist, the retailer config with the ledger URL
// filled in, and asks the verifier (through `ConsentGate`) before it uses data for a purpose.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type AssentConfig, parseConsentCookie } from '@assent/core';
import { createLinkToken, type KeySet, type SigningKeyInput } from '@assent/verifier';
import { ACCOUNTS, type Account, createSessions, findAccount } from './accounts.js';
import { CART_COOKIE, addToCart, cartCount, parseCart, removeFromCart, serializeCart } from './cart.js';
import { findProduct, formatPrice } from './catalog.js';
import { createConsentGate, type ConsentGate, type ConsentVerdict } from './consent.js';
import { contentSecurityPolicy, createNonce } from './csp.js';
import { type Locale, negotiateLocale } from './i18n.js';
import { FAVICON, productSvg } from './images.js';
import type { Html } from './lib/html.js';
import {
  HttpError,
  parseCookies,
  readFields,
  redirect,
  safeNext,
  sendJson,
  serializeCookie,
} from './lib/http.js';
import { serveFile } from './lib/static.js';
import { createOrderBook, type OrderBook, parseCheckout } from './orders.js';
import {
  cartPage,
  checkoutPage,
  homePage,
  notFoundPage,
  orderPage,
  type PageContext,
  privacyPage,
  productPage,
  signInPage,
} from './pages.js';
import { createRecommender, type Recommender } from './recommendations.js';

const SESSION_COOKIE = 'shop_session';
const LANG_COOKIE = 'shop_lang';
const YEAR_SECONDS = 365 * 24 * 3600;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,63}$/;

export interface StorefrontOptions {
  /** The retailer's Assent config; served with `ledgerUrl` set to the option below. */
  config: AssentConfig;
  /** The ledger's URL as the browser reaches it; receipts must name it as `iss`. */
  ledgerUrl: string;
  /** The ledger's verification keys (e.g. `createRemoteJwks(new URL('/.well-known/jwks.json', ledgerUrl))`). */
  ledgerKeys: KeySet;
  /** The storefront's Ed25519 private key for link tokens; its public key is a link key of the ledger. */
  linkKey: SigningKeyInput;
  /** Directory holding `assent.js` and `assent-ui.js`. Default: @assent/widget's `dist/browser`. */
  widgetDir?: string;
  /** Purpose ids the analytics and advertising tags are gated on. */
  tagPurposes?: { analytics: string; ads: string };
  /**
   * A ledger API token with the `read:subject` scope. With it, the newsletter and the sensitive
   * checkout uses (face payment, precise location) are confirmed with the ledger, not only from
   * the receipt, so a withdrawal made on another device counts at once.
   */
  ledgerToken?: string;
  /** Link token lifetime, seconds. Default 600. */
  linkTokenTtlSeconds?: number;
}

export interface TagHit {
  tag: string;
  page: string;
  at: string;
}

export interface NewsletterSubscriber {
  email: string;
  subject: string;
  at: string;
}

export interface Storefront {
  /** The request listener, for `http.createServer` or a test harness. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** Listen on `port` (0 for any free one) and resolve with the storefront's URL. */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
  readonly consent: ConsentGate;
  readonly orders: OrderBook;
  readonly recommender: Recommender;
  /** Every request the gated tags made: proof of whether they ran. */
  readonly tagHits: TagHit[];
  readonly subscribers: NewsletterSubscriber[];
}

const WIDGET_DIR = fileURLToPath(new URL('../node_modules/@assent/widget/dist/browser/', import.meta.url));
const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

/**
 * The demo storefront, ready to listen.
 *
 * @example
 * ```ts
 * const shop = createStorefront({ config, ledgerUrl, ledgerKeys, linkKey })
 * console.log(await shop.listen(3000))
 * ```
 */
export function createStorefront(options: StorefrontOptions): Storefront {
  if (typeof options?.ledgerUrl !== 'string') throw new TypeError('ledgerUrl is required');
  if (!options.ledgerKeys) throw new TypeError('ledgerKeys is required');
  if (!options.linkKey) throw new TypeError('linkKey is required');
  const ledgerUrl = options.ledgerUrl.replace(/\/+$/, '');
  const ledgerOrigin = new URL(ledgerUrl).origin;
  const served = JSON.stringify({ ...options.config, ledgerUrl });
  const widgetDir = options.widgetDir ?? WIDGET_DIR;
  const tags = options.tagPurposes ?? defaultTagPurposes(options.config);
  const consent = createConsentGate({
    config: options.config,
    issuer: ledgerUrl,
    jwks: options.ledgerKeys,
    ...(options.ledgerToken ? { ledgerToken: options.ledgerToken } : {}),
  });
  const sessions = createSessions();
  const orders = createOrderBook();
  const recommender = createRecommender();
  const tagHits: TagHit[] = [];
  const subscribers: NewsletterSubscriber[] = [];
  const ttl = options.linkTokenTtlSeconds ?? 600;

  interface Request {
    req: IncomingMessage;
    res: ServerResponse;
    url: URL;
    cookies: Record<string, string>;
    locale: Locale;
    account: Account | undefined;
    wantsJson: boolean;
  }

  async function linkTokenFor(r: Request, subject?: string): Promise<string | undefined> {
    const sub = subject ?? parseConsentCookie(r.req.headers.cookie, { onWarning: () => {} })?.subject;
    if (!r.account || !sub) return undefined;
    return createLinkToken({ customerId: r.account.id, subject: sub, key: options.linkKey, ttlSeconds: ttl });
  }

  async function page(r: Request, render: (ctx: PageContext) => Html, status = 200): Promise<void> {
    const nonce = createNonce();
    const ctx: PageContext = {
      locale: r.locale,
      nonce,
      path: r.url.pathname + r.url.search,
      account: r.account,
      cartCount: cartCount(parseCart(r.cookies[CART_COOKIE])),
      linkToken: await linkTokenFor(r),
      tags,
      controllerName: options.config.controller.name ?? '',
    };
    const body = render(ctx).toString();
    r.res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': contentSecurityPolicy(nonce, { connect: [ledgerOrigin] }),
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(body),
    });
    r.res.end(body);
  }

  function refuse(r: Request, verdict: ConsentVerdict): void {
    sendJson(r.res, 403, {
      error: 'consent-required',
      purpose: verdict.purpose,
      reason: verdict.reason,
      ...(verdict.detail ? { detail: verdict.detail } : {}),
    });
  }

  async function route(r: Request): Promise<void> {
    const { req, res, url } = r;
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const get = method === 'GET' || method === 'HEAD';

    if (!get && method !== 'POST') throw new HttpError(405, 'method-not-allowed', `${method} is not allowed`);
    if (method === 'POST') checkOrigin(req);

    if (get && path === '/') return page(r, homePage);
    if (get && path.startsWith('/products/')) {
      const p = findProduct(decodeURIComponent(path.slice('/products/'.length)));
      return p ? page(r, (ctx) => productPage(ctx, p)) : page(r, notFoundPage, 404);
    }
    if (get && path === '/cart') return page(r, (ctx) => cartPage(ctx, parseCart(r.cookies[CART_COOKIE])));
    if (get && path === '/checkout') {
      const lines = parseCart(r.cookies[CART_COOKIE]);
      if (!lines.length) return redirect(res, '/cart');
      return page(r, (ctx) => checkoutPage(ctx, lines));
    }
    if (get && path.startsWith('/orders/')) {
      const order = orders.get(path.slice('/orders/'.length));
      return order ? page(r, (ctx) => orderPage(ctx, order)) : page(r, notFoundPage, 404);
    }
    if (get && path === '/privacy') return page(r, (ctx) => privacyPage(ctx, options.config));
    if (get && path === '/signin') return page(r, (ctx) => signInPage(ctx, ACCOUNTS));
    if (get && path.startsWith('/lang/')) {
      const to = path.slice('/lang/'.length);
      const locale = to === 'en' || to === 'zh-CN' ? to : 'zh-CN';
      return redirect(res, safeNext(url.searchParams.get('next')), [
        serializeCookie(LANG_COOKIE, locale, { maxAgeSeconds: YEAR_SECONDS }),
      ]);
    }

    if (method === 'POST' && path === '/cart/add') {
      const fields = await readFields(req);
      const product = findProduct(String(fields['product'] ?? ''));
      if (!product) throw new HttpError(400, 'bad-product', 'no such product');
      const lines = addToCart(parseCart(r.cookies[CART_COOKIE]), product, Number(fields['quantity'] ?? 1));
      if (r.wantsJson) {
        res.setHeader('set-cookie', serializeCookie(CART_COOKIE, serializeCart(lines)));
        return sendJson(res, 200, { count: cartCount(lines) });
      }
      return redirect(res, '/cart', [serializeCookie(CART_COOKIE, serializeCart(lines))]);
    }
    if (method === 'POST' && path === '/cart/remove') {
      const fields = await readFields(req);
      const lines = removeFromCart(parseCart(r.cookies[CART_COOKIE]), String(fields['product'] ?? ''));
      return redirect(res, '/cart', [serializeCookie(CART_COOKIE, serializeCart(lines))]);
    }
    if (method === 'POST' && path === '/signin') {
      const fields = await readFields(req);
      const account = findAccount(String(fields['account'] ?? ''));
      if (!account) throw new HttpError(400, 'bad-account', 'no such demo account');
      sessions.delete(r.cookies[SESSION_COOKIE]);
      const sid = sessions.create(account);
      return redirect(res, '/', [serializeCookie(SESSION_COOKIE, sid, { httpOnly: true })]);
    }
    if (method === 'POST' && path === '/signout') {
      sessions.delete(r.cookies[SESSION_COOKIE]);
      return redirect(res, '/', [serializeCookie(SESSION_COOKIE, '', { httpOnly: true, maxAgeSeconds: 0 })]);
    }

    if (get && path === '/api/recommendations') {
      const verdict = await consent.check(req, 'personalization');
      const rec = recommender.recommend(url.searchParams.get('product') ?? undefined, verdict);
      return sendJson(res, 200, {
        ...rec,
        items: rec.items.map((i) => {
          const p = findProduct(i.id)!;
          return {
            ...i,
            name: p.name[r.locale],
            price: formatPrice(p.priceFen, r.locale),
            url: `/products/${p.id}`,
          };
        }),
      });
    }
    if (method === 'POST' && path === '/api/newsletter') {
      const fields = await readFields(req);
      const email = typeof fields['email'] === 'string' ? fields['email'].trim() : '';
      if (!EMAIL.test(email)) throw new HttpError(400, 'bad-email', 'email is not an email address');
      const verdict = await consent.checkOnline(req, 'marketing-email');
      if (!verdict.allowed) return refuse(r, verdict);
      const existing = subscribers.find((s) => s.email === email);
      if (!existing) subscribers.push({ email, subject: verdict.subject!, at: new Date().toISOString() });
      return sendJson(res, existing ? 200 : 201, { subscribed: true });
    }
    if (method === 'POST' && path === '/api/checkout') {
      const lines = parseCart(r.cookies[CART_COOKIE]);
      if (!lines.length) throw new HttpError(400, 'cart-empty', 'the cart is empty');
      const request = parseCheckout(await readFields(req));
      let subject: string | undefined;
      // Sensitive personal information: the separate consent must be on the receipt before use.
      if (request.payment === 'face') {
        const verdict = await consent.checkOnline(req, 'face-payment');
        if (!verdict.allowed) return refuse(r, verdict);
        subject = verdict.subject;
      }
      if (request.delivery.mode === 'location') {
        const verdict = await consent.checkOnline(req, 'precise-location');
        if (!verdict.allowed) return refuse(r, verdict);
        subject = verdict.subject;
      }
      const order = orders.place(lines, request, subject);
      const clear = serializeCookie(CART_COOKIE, '', { maxAgeSeconds: 0 });
      if (!r.wantsJson) return redirect(res, `/orders/${order.id}`, [clear]);
      res.setHeader('set-cookie', clear);
      return sendJson(res, 201, { order: order.id, url: `/orders/${order.id}` });
    }
    if (method === 'POST' && path === '/api/link-token') {
      if (!r.account) throw new HttpError(401, 'not-signed-in', 'sign in first');
      const fields = await readFields(req);
      const subject = typeof fields['subject'] === 'string' ? fields['subject'] : undefined;
      let token: string | undefined;
      try {
        token = await linkTokenFor(r, subject);
      } catch (e) {
        if (e instanceof TypeError) throw new HttpError(400, 'bad-subject', e.message);
        throw e;
      }
      if (!token)
        throw new HttpError(
          400,
          'no-subject',
          'no device subject: send one or make a consent decision first',
        );
      return sendJson(res, 200, { token });
    }

    if (method === 'POST' && path === '/tags/hit') {
      const fields = await readFields(req);
      const tag = String(fields['tag'] ?? '');
      if (tag !== 'analytics' && tag !== 'ads') throw new HttpError(400, 'bad-tag', 'unknown tag');
      tagHits.push({ tag, page: String(fields['page'] ?? '').slice(0, 200), at: new Date().toISOString() });
      res.writeHead(204);
      return void res.end();
    }
    if (get && path === '/tags/hits') return sendJson(res, 200, tagHits);

    if (get && path === '/assent.config.json') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' });
      return void res.end(served);
    }
    if (get && path.startsWith('/assent/')) {
      if (await serveFile(res, widgetDir, path.slice('/assent/'.length))) return;
    }
    if (get && (path.startsWith('/static/') || path.startsWith('/tags/'))) {
      if (await serveFile(res, PUBLIC_DIR, path.slice(1))) return;
    }
    if (get && path.startsWith('/img/') && path.endsWith('.svg')) {
      const id = path.slice('/img/'.length, -'.svg'.length);
      const p = findProduct(id);
      const svg = id === 'favicon' ? FAVICON : p ? productSvg(p) : undefined;
      if (svg) {
        res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=3600' });
        return void res.end(svg);
      }
    }
    if (path.startsWith('/api/') || !get) throw new HttpError(404, 'not-found', 'no such endpoint');
    return page(r, notFoundPage, 404);
  }

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const cookies = parseCookies(req.headers.cookie);
    const url = new URL(req.url ?? '/', 'http://storefront.invalid');
    const r: Request = {
      req,
      res,
      url,
      cookies,
      locale: negotiateLocale(cookies[LANG_COOKIE], req.headers['accept-language']),
      account: sessions.get(cookies[SESSION_COOKIE]),
      wantsJson:
        url.pathname.startsWith('/api/') &&
        (req.headers['content-type'] ?? '').startsWith('application/json'),
    };
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'strict-origin-when-cross-origin');
    res.setHeader('permissions-policy', 'geolocation=(self), camera=(self), microphone=(), payment=(self)');
    route(r).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof HttpError) return sendJson(res, e.status, { error: e.code, message: e.message });
      console.error('storefront:', e);
      sendJson(res, 500, { error: 'internal', message: 'internal error' });
    });
  };

  let server: Server | undefined;
  return {
    handle,
    consent,
    orders,
    recommender,
    tagHits,
    subscribers,
    listen(port, host = '127.0.0.1') {
      server = createServer(handle);
      const s = server;
      return new Promise((resolvePromise, reject) => {
        s.once('error', reject);
        s.listen(port, host, () => {
          const address = s.address() as AddressInfo;
          resolvePromise(`http://${host === '127.0.0.1' ? 'localhost' : host}:${address.port}`);
        });
      });
    },
    close() {
      const s = server;
      server = undefined;
      if (!s) return Promise.resolve();
      return new Promise((resolvePromise) => {
        s.close(() => resolvePromise());
        s.closeAllConnections();
      });
    },
  };
}

/** Cross-site form posts are refused: a browser always sends `Origin` on POST. */
function checkOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new HttpError(403, 'bad-origin', 'cross-site request refused');
  }
  if (host !== req.headers.host) throw new HttpError(403, 'bad-origin', 'cross-site request refused');
}

/** The analytics tag waits for `analytics`; the ad tag for the config's advertising-partner purpose. */
export function defaultTagPurposes(config: AssentConfig): { analytics: string; ads: string } {
  const ids = config.purposes.map((p) => p.id);
  const ads =
    ids.find((id) => id === 'ads' || id === 'advertising' || id === 'ad-partner' || id === 'ads-partner') ??
    config.purposes.find((p) => p.marketing && p.recipients?.some((x) => x.role !== 'processor'))?.id ??
    'ads';
  return { analytics: 'analytics', ads };
}
