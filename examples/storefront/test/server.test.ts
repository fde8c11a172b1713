import { createSubjectId, encodeBase64url, encodeConsentCookie, sha256, utf8 } from '@assent/core';
import { createLocalJwks, verifyLinkToken } from '@assent/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS, PRODUCTS } from '../src/index.js';
import { formatPeriod } from '../src/i18n.js';
import { escapeHtml, html, jsonScript } from '../src/lib/html.js';
import { genericList } from '../src/recommendations.js';
import { type Harness, scriptTags, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.shop.close());

const hashOf = (text: string) => encodeBase64url(sha256(utf8(text)));
const cookie = (receipt: string) => ({ cookie: `assent_receipt=${receipt}` });

async function recommend(product: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.url}/api/recommendations?product=${product}`, { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    personalised: boolean;
    reason?: string;
    detail?: string;
    items: { id: string }[];
  };
}

describe('/api/recommendations', () => {
  const generic = (product: string) => genericList(product).map((p) => p.id);

  it('is the generic best-seller list without a receipt, and says why', async () => {
    const body = await recommend('celadon-cup');
    expect(body.personalised).toBe(false);
    expect(body.reason).toBe('no-receipt');
    expect(body.items.map((i) => i.id)).toEqual(generic('celadon-cup'));
    expect(body.items.map((i) => i.id)).not.toContain('celadon-cup');
  });

  it('personalises with a valid receipt allowing personalization for the current definition', async () => {
    const receipt = h.receipt({ personalization: 'given' });
    const body = await recommend('celadon-cup', cookie(receipt));
    expect(body.personalised).toBe(true);
    expect(body.reason).toBeUndefined();
    // Same-category products come first: the two other ceramics.
    expect(
      body.items
        .slice(0, 2)
        .map((i) => i.id)
        .sort(),
    ).toEqual(['blue-white-bowl', 'teapot-yixing']);
    expect(body.items.map((i) => i.id)).not.toEqual(generic('celadon-cup'));
  });

  it('reads the receipt from the Assent-Receipt header too', async () => {
    const body = await recommend('longjing-tea', {
      'assent-receipt': h.receipt({ personalization: 'given' }),
    });
    expect(body.personalised).toBe(true);
  });

  it('is generic again for a receipt given for an old definition of the purpose', async () => {
    const old = hashOf('the wording of last year');
    expect(h.shop.consent.hashes['personalization']).not.toBe(old);
    const receipt = h.receipt({ personalization: 'given' }, { hashes: { personalization: old } });
    const body = await recommend('celadon-cup', cookie(receipt));
    expect(body.personalised).toBe(false);
    expect(body.reason).toBe('definition-changed');
    expect(body.items.map((i) => i.id)).toEqual(generic('celadon-cup'));
  });

  it('is generic when the receipt refuses personalization, whatever else it gives', async () => {
    const body = await recommend(
      'celadon-cup',
      cookie(h.receipt({ analytics: 'given', 'marketing-email': 'given' })),
    );
    expect(body).toMatchObject({ personalised: false, reason: 'not-given', detail: 'refused' });
  });

  it('erases the browsing profile when a later receipt withdraws personalization', async () => {
    const subject = createSubjectId();
    await recommend('puer-cake', cookie(h.receipt({ personalization: 'given' }, { subject })));
    expect(h.shop.recommender.profiles()).toContain(subject);
    const body = await recommend(
      'puer-cake',
      cookie(h.receipt({ personalization: 'withdrawn' }, { subject })),
    );
    expect(body).toMatchObject({ personalised: false, reason: 'not-given', detail: 'withdrawn' });
    expect(h.shop.recommender.profiles()).not.toContain(subject);
  });

  it('refuses receipts that do not verify: tampered, foreign key, wrong issuer, expired', async () => {
    const good = h.receipt({ personalization: 'given' });
    const [head, payload, sig] = good.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.cns.analytics.status = 'given';
    const tampered = `${head}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    const expired = h.receipt({ personalization: 'given' }, { expSeconds: -3600 });
    const cases: [string, string][] = [
      [tampered, 'ERR_SIGNATURE_INVALID'],
      [expired, 'ERR_TOKEN_EXPIRED'],
      ['not.a.receipt', 'ERR_TOKEN_MALFORMED'],
    ];
    for (const [receipt, code] of cases) {
      const body = await recommend('celadon-cup', cookie(receipt));
      expect(body, code).toMatchObject({ personalised: false, reason: 'invalid-receipt', detail: code });
    }
  });
});

describe('/api/newsletter (marketing-email)', () => {
  const subscribe = (email: string, headers: Record<string, string> = {}) =>
    fetch(`${h.url}/api/newsletter`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ email }),
    });

  it('refuses a shopper without a receipt', async () => {
    const res = await subscribe('a@example.com');
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({
      error: 'consent-required',
      purpose: 'marketing-email',
      reason: 'no-receipt',
    });
    expect(h.shop.subscribers.map((s) => s.email)).not.toContain('a@example.com');
  });

  it('refuses a shopper whose receipt refuses marketing-email, even with everything else given', async () => {
    const receipt = h.receipt({ analytics: 'given', personalization: 'given', 'marketing-sms': 'given' });
    const res = await subscribe('b@example.com', cookie(receipt));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ reason: 'not-given', detail: 'refused' });
  });

  it('refuses consent given for an old definition of marketing-email', async () => {
    const receipt = h.receipt(
      { 'marketing-email': 'given' },
      { hashes: { 'marketing-email': hashOf('an older wording') } },
    );
    const res = await subscribe('c@example.com', cookie(receipt));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ reason: 'definition-changed' });
  });

  it('subscribes a shopper whose receipt gives marketing-email, once', async () => {
    const receipt = h.receipt({ 'marketing-email': 'given' });
    expect((await subscribe('d@example.com', cookie(receipt))).status).toBe(201);
    expect((await subscribe('d@example.com', cookie(receipt))).status).toBe(200);
    expect(h.shop.subscribers.filter((s) => s.email === 'd@example.com')).toHaveLength(1);
  });

  it('rejects a malformed address before anything else', async () => {
    const res = await subscribe('not an email', cookie(h.receipt({ 'marketing-email': 'given' })));
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('bad-email');
  });
});

describe('pages and CSP', () => {
  const pages = [
    '/',
    `/products/${PRODUCTS[0]!.id}`,
    '/cart',
    '/checkout',
    '/privacy',
    '/signin',
    '/no-such-page',
  ];

  it('sends a strict nonce CSP, and the nonce on every script tag', async () => {
    const nonces = new Set<string>();
    for (const path of pages) {
      const res = await fetch(`${h.url}${path}`, { headers: { cookie: 'shop_cart=longjing-tea:1' } });
      expect(res.status, path).toBe(path === '/no-such-page' ? 404 : 200);
      const csp = res.headers.get('content-security-policy') ?? '';
      const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
      expect(nonce, `${path}: ${csp}`).toBeDefined();
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).toContain('connect-src');
      expect(csp).toContain('http://ledger.test:8787');
      const page = await res.text();
      const tags = scriptTags(page);
      expect(tags.length, path).toBeGreaterThanOrEqual(5);
      for (const tag of tags) expect(tag, path).toContain(`nonce="${nonce}"`);
      expect(page).not.toMatch(/\son[a-z]+=/i); // no inline handlers, which no nonce could allow
      expect(page).not.toMatch(/\sstyle=/i);
      nonces.add(nonce!);
    }
    expect(nonces.size).toBe(pages.length); // a fresh nonce per response
  });

  it('loads Assent with the config URL, and gates both tags as inert text/plain scripts', async () => {
    const page = await (await fetch(`${h.url}/`)).text();
    expect(page).toMatch(/<script src="\/assent\/assent\.js" data-config="\/assent\.config\.json" nonce="/);
    expect(page).toMatch(
      /<script type="text\/plain" data-assent="analytics" data-src="\/tags\/analytics\.js"/,
    );
    const ads = h.config.purposes.find(
      (p) => p.id !== 'analytics' && page.includes(`data-assent="${p.id}" data-src="/tags/ads.js"`),
    );
    expect(ads?.basis).toBe('consent');
    expect(page).toContain('data-assent-open');
  });

  it('serves the config with the ledger URL filled in', async () => {
    const res = await fetch(`${h.url}/assent.config.json`);
    expect(res.headers.get('content-type')).toContain('application/json');
    const served = await res.json();
    expect(served.ledgerUrl).toBe(h.issuer);
    expect(served.purposes).toEqual(h.config.purposes);
  });

  it('speaks Chinese by default and English when asked', async () => {
    const zh = await (await fetch(`${h.url}/`)).text();
    expect(zh).toContain('<html lang="zh-CN">');
    const en = await (await fetch(`${h.url}/`, { headers: { cookie: 'shop_lang=en' } })).text();
    expect(en).toContain('<html lang="en">');
    expect(zh).toContain('杭州茶舍');
    expect(en).toContain('Hangzhou Tea House');
    expect(en).not.toContain('杭州茶舍');
    const sw = await fetch(`${h.url}/lang/en?next=/cart`, { redirect: 'manual' });
    expect(sw.status).toBe(303);
    expect(sw.headers.get('location')).toBe('/cart');
    expect(sw.headers.get('set-cookie')).toContain('shop_lang=en');
    const evil = await fetch(`${h.url}/lang/en?next=//evil.example/`, { redirect: 'manual' });
    expect(evil.headers.get('location')).toBe('/');
  });

  it('writes the privacy notice from the config: every purpose, in the page language', async () => {
    const en = await (await fetch(`${h.url}/privacy`, { headers: { cookie: 'shop_lang=en' } })).text();
    const zh = await (await fetch(`${h.url}/privacy`)).text();
    for (const p of h.config.purposes) {
      expect(en).toContain(`id="purpose-${p.id}"`);
      expect(en).toContain(escapeHtml(p.texts['en']!.name!));
      expect(zh).toContain(escapeHtml(p.texts['zh-CN']!.name!));
    }
    expect(en).toContain(escapeHtml(h.config.controller.name!));
    expect(formatPeriod('en', 'P13M')).toBe('13 months');
    expect(formatPeriod('en', 'P1Y6M')).toBe('1 year 6 months');
    expect(formatPeriod('zh-CN', 'P30D')).toBe('30 天');
    expect(formatPeriod('en', 'PT5M')).toBe('PT5M');
  });

  it('escapes what it echoes', async () => {
    const res = await fetch(`${h.url}/no-such-page?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E`);
    const page = await res.text();
    expect(page).not.toContain('<script>alert(1)');
    expect(page).not.toContain('"><script');
    expect(html`<a title="${'"><b>'}">${'<i>&'}</a>`.toString()).toBe(
      '<a title="&quot;&gt;&lt;b&gt;">&lt;i&gt;&amp;</a>',
    );
    expect(jsonScript({ s: '</script><script>' }).toString()).not.toContain('</script>');
  });
});

describe('sign-in and link tokens', () => {
  async function signIn(account: string): Promise<string> {
    const res = await fetch(`${h.url}/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `account=${account}`,
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    const session = /shop_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    expect(session).toBeDefined();
    expect(res.headers.get('set-cookie')).toContain('HttpOnly');
    return session!;
  }

  it('puts a link token on the Assent tag that verifies with the storefront key', async () => {
    const account = ACCOUNTS[0]!;
    const session = await signIn(account.id);
    const subject = createSubjectId();
    const assentCookie = encodeConsentCookie({ subject, decisions: {} });
    const page = await (
      await fetch(`${h.url}/`, { headers: { cookie: `shop_session=${session}; assent=${assentCookie}` } })
    ).text();
    const token = /data-link-token="([^"]+)"/.exec(page)?.[1];
    expect(token).toBeDefined();
    const claims = await verifyLinkToken(token!, { jwks: createLocalJwks({ keys: [h.linkKey.publicJwk] }) });
    expect(claims.cid).toBe(account.id);
    expect(claims.sub).toBe(subject);
    expect(claims.exp - claims.iat).toBe(600);
    // A different key does not verify it.
    const other = (await import('./helpers.js')).ed25519Key();
    await expect(verifyLinkToken(token!, { keys: [other.publicJwk] })).rejects.toMatchObject({
      code: 'ERR_KID_UNKNOWN',
    });
  });

  it('issues link tokens from /api/link-token to signed-in shoppers only', async () => {
    const subject = createSubjectId();
    const anon = await fetch(`${h.url}/api/link-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subject }),
    });
    expect(anon.status).toBe(401);
    const session = await signIn(ACCOUNTS[1]!.id);
    const res = await fetch(`${h.url}/api/link-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `shop_session=${session}` },
      body: JSON.stringify({ subject }),
    });
    expect(res.status).toBe(200);
    const { token } = await res.json();
    const claims = await verifyLinkToken(token, { keys: [h.linkKey.publicJwk] });
    expect(claims).toMatchObject({ sub: subject, cid: ACCOUNTS[1]!.id });
    const bad = await fetch(`${h.url}/api/link-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `shop_session=${session}` },
      body: JSON.stringify({ subject: 'short' }),
    });
    expect(bad.status).toBe(400);
  });

  it('does not put a link token on pages for anonymous shoppers', async () => {
    const assentCookie = encodeConsentCookie({ subject: createSubjectId(), decisions: {} });
    const page = await (await fetch(`${h.url}/`, { headers: { cookie: `assent=${assentCookie}` } })).text();
    expect(page).not.toContain('data-link-token');
  });
});

describe('checkout', () => {
  const checkout = (fields: Record<string, string>, extraCookie = '') =>
    fetch(`${h.url}/api/checkout`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `shop_cart=longjing-tea:2,celadon-cup:1${extraCookie}`,
      },
      body: JSON.stringify(fields),
    });

  it('always takes card payment to a typed address, without any receipt', async () => {
    const res = await checkout({ payment: 'card', delivery: 'address', address: '1 West Lake Rd, Hangzhou' });
    expect(res.status).toBe(201);
    const { order } = await res.json();
    expect(h.shop.orders.get(order)).toMatchObject({ payment: 'card', totalFen: 2 * 16800 + 8800 });
    expect(res.headers.get('set-cookie')).toContain('shop_cart=;');
  });

  it('refuses face payment without the separate face-payment consent', async () => {
    const before = h.shop.orders.all().length;
    for (const receipt of [undefined, h.receipt({ analytics: 'given', personalization: 'given' })]) {
      const res = await checkout(
        { payment: 'face', delivery: 'address', address: 'x' },
        receipt ? `; assent_receipt=${receipt}` : '',
      );
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'consent-required', purpose: 'face-payment' });
    }
    expect(h.shop.orders.all()).toHaveLength(before);
  });

  it('takes face payment and delivers to the precise location with both separate consents', async () => {
    const both = h.receipt({ 'face-payment': 'given', 'precise-location': 'given' });
    const res = await checkout(
      { payment: 'face', delivery: 'location', lat: '30.2467', lon: '120.1559' },
      `; assent_receipt=${both}`,
    );
    expect(res.status).toBe(201);
    const order = h.shop.orders.get((await res.json()).order)!;
    expect(order).toMatchObject({
      payment: 'face',
      delivery: { mode: 'location', lat: 30.2467, lon: 120.1559 },
    });
    const faceOnly = h.receipt({ 'face-payment': 'given' });
    const refused = await checkout(
      { payment: 'face', delivery: 'location', lat: '30.2', lon: '120.1' },
      `; assent_receipt=${faceOnly}`,
    );
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ purpose: 'precise-location' });
  });

  it('refuses cross-site posts', async () => {
    const res = await fetch(`${h.url}/api/checkout`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: 'https://evil.example',
        cookie: 'shop_cart=longjing-tea:1',
      },
      body: JSON.stringify({ payment: 'card', delivery: 'address', address: 'x' }),
    });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe('bad-origin');
  });
});

describe('gated tags', () => {
  it('records the hits the tags make, and only known tags', async () => {
    const before = h.shop.tagHits.length;
    const ok = await fetch(`${h.url}/tags/hit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tag: 'analytics', page: '/' }),
    });
    expect(ok.status).toBe(204);
    const bad = await fetch(`${h.url}/tags/hit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tag: 'anything' }),
    });
    expect(bad.status).toBe(400);
    expect(h.shop.tagHits.slice(before)).toMatchObject([{ tag: 'analytics', page: '/' }]);
    const served = await fetch(`${h.url}/tags/analytics.js`);
    expect(served.headers.get('content-type')).toContain('text/javascript');
    expect(await served.text()).toContain("tag: 'analytics'");
  });

  it('serves no file outside its directories', async () => {
    for (const path of [
      '/static/../src/server.ts',
      '/static/%2e%2e/package.json',
      '/assent/../../package.json',
    ]) {
      const res = await fetch(`${h.url}${path}`);
      expect(res.status, path).toBe(404);
    }
  });
});
