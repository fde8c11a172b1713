// The consent dashboard in Chromium: it renders its charts, the numbers it shows are the numbers in
// the SQLite database, the subject lookup shows the history and lands in the access log, the page
// runs under its CSP without a single violation, axe-core finds nothing, and the token never
// appears in a URL. Set DASHBOARD_SCREENSHOT=<file.png> to keep a screenshot.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CONSENT_METHODS, type ConsentEvent, createSubjectId } from '@assent/core/protocol';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchChromium } from '../../../scripts/lib/chromium.js';
import { type Fixture, fixture, HASH_A, HASH_B, makeEvent, post } from './helpers.js';

// axe-core is a dev dependency of the widget; resolve it from there.
const AXE = readFileSync(
  createRequire(new URL('../../widget/package.json', import.meta.url)).resolve('axe-core/axe.min.js'),
  'utf8',
);
const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

interface AxeResult {
  violations: Array<{
    id: string;
    impact: string;
    nodes: Array<{ target: unknown; failureSummary: string }>;
  }>;
  passes: Array<{ id: string }>;
}

async function axe(page: Page): Promise<AxeResult> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const w = window as unknown as { axe: { run: (ctx: unknown, o: unknown) => Promise<AxeResult> } };
    const r = await w.axe.run(document, { resultTypes: ['violations', 'passes'] });
    return {
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
      })),
      passes: r.passes.map((p) => ({ id: p.id })),
    };
  });
}

/** What the database holds, aggregated here in JavaScript from the raw rows. */
function fromDatabase(file: string, from: string) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare("SELECT seq, subject, received_at, body, erased_by FROM entries WHERE kind = 'event'")
      .all() as Array<{
      seq: number;
      subject: string | null;
      received_at: string;
      body: string | null;
      erased_by: number | null;
    }>;
    const size = (db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n;
    const head = db
      .prepare('SELECT tree_size, root FROM tree_heads ORDER BY tree_size DESC, timestamp DESC LIMIT 1')
      .get() as { tree_size: number; root: Buffer };
    const access = db.prepare('SELECT * FROM access_log ORDER BY id').all() as Array<{
      who: string;
      action: string;
      subject_hash: string | null;
      detail: string | null;
    }>;
    const perDay = new Map<string, { events: number; erased: number }>();
    const methods = new Map<string, number>();
    const rates = new Map<string, { given: number; decided: number }>();
    for (const r of rows) {
      const day = r.received_at.slice(0, 10);
      if (day < from) continue;
      const d = perDay.get(day) ?? { events: 0, erased: 0 };
      d.events++;
      if (r.erased_by !== null) d.erased++;
      perDay.set(day, d);
      if (!r.body) continue;
      const e = JSON.parse(r.body) as ConsentEvent;
      methods.set(e.method, (methods.get(e.method) ?? 0) + 1);
      for (const [p, s] of Object.entries(e.purposes)) {
        const k = `${day} ${p}`;
        const x = rates.get(k) ?? { given: 0, decided: 0 };
        if (s.status === 'given') x.given++;
        if (s.status !== 'expired') x.decided++;
        rates.set(k, x);
      }
    }
    return {
      size,
      head: { treeSize: head.tree_size, rootHash: head.root.toString('base64url') },
      perDay,
      methods,
      rates,
      access,
      /** Seqs of a subject's unerased events. */
      subjectSeqs: (subject: string) =>
        rows.filter((r) => r.subject === subject && r.body !== null).map((r) => r.seq),
    };
  } finally {
    db.close();
  }
}

describe('dashboard in Chromium', () => {
  let fx: Fixture;
  let url: string;
  let browser: Browser;
  let admin: { token: string; id: string };
  let dbFile: string;
  const shopper = createSubjectId();
  const erased = createSubjectId();

  beforeAll(async () => {
    fx = await fixture('sqlite');
    dbFile = join(fx.dir, 'ledger.db');
    const ledger = await fx.ledger({ treeHeadIntervalMs: 50 });
    url = await ledger.listen(0);
    const a = await ledger.createToken({ scopes: ['admin'], label: 'privacy officer' });
    admin = { token: a.token, id: a.record.id };
    const eraser = (await ledger.createToken({ scopes: ['erase'] })).token;

    // Three days of events (the ledger's clock moved back for the first two), every method, some
    // refusals and withdrawals, a separate purpose on one day, and one subject erased afterwards.
    const now = Date.now();
    for (let d = 2; d >= 0; d--) {
      const when = now - d * DAY_MS;
      if (d > 0) {
        vi.useFakeTimers({ toFake: ['Date'] });
        vi.setSystemTime(when);
      }
      const events: ConsentEvent[] = [];
      for (let i = 0; i < 8 + 3 * d; i++) {
        const subject = i === 0 ? shopper : i === 1 ? erased : createSubjectId();
        const purposes: ConsentEvent['purposes'] = {
          analytics: { status: (i + d) % 3 ? 'given' : 'refused', hash: HASH_A },
          ads: { status: i % 4 === 0 ? 'given' : i % 4 === 1 ? 'withdrawn' : 'refused', hash: HASH_B },
        };
        if (d === 1) purposes['face-payment'] = { status: i % 2 ? 'given' : 'refused', hash: HASH_A };
        events.push(
          makeEvent({
            subject,
            at: new Date(when - (i + 1) * 60_000).toISOString(),
            method: CONSENT_METHODS[(i + d) % CONSENT_METHODS.length]!,
            purposes,
          }),
        );
      }
      const r = await post(url, events);
      vi.useRealTimers();
      expect(r.status).toBe(200);
    }
    const del = await fetch(`${url}/v1/subjects/${erased}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${eraser}` },
    });
    expect(del.status).toBe(200);
    // Wait for a signed tree head over the whole log, so the page and the database agree on it.
    const size = await ledger.store.treeSize();
    while ((await ledger.treeHead()).treeSize < size) await new Promise((r) => setTimeout(r, 25));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    vi.useRealTimers();
    await fx?.cleanup();
  });

  it('renders charts and tables whose numbers are the database`s, looks up a subject, and passes axe and its CSP', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-GB' });
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content[- ]Security[- ]Policy/i.test(m.text())) errors.push(m.text());
    });
    page.on('request', (r) => requests.push(r.url()));
    await page.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });

    await page.goto(`${url}/dashboard#token=${admin.token}`);
    await page.locator('html[data-ready="true"]').waitFor();
    // The fragment is gone from the address bar; the token sits in this tab's sessionStorage.
    expect(page.url()).toBe(`${url}/dashboard`);
    expect(await page.evaluate(() => sessionStorage.getItem('assent-dashboard-token'))).toBe(admin.token);
    expect(await page.locator('#token-form').isHidden()).toBe(true);

    // uPlot drew a canvas for each chart.
    for (const id of ['rate-chart', 'methods-chart', 'events-chart'])
      expect(await page.locator(`#${id} canvas`).count(), id).toBeGreaterThan(0);
    const box = await page.locator('#rate-chart canvas').first().boundingBox();
    expect(box!.width).toBeGreaterThan(500);
    expect(box!.height).toBeGreaterThan(100);

    const from = await page.inputValue('#from');
    expect(await page.inputValue('#to')).toBe(dayOf(Date.now()));
    const db = fromDatabase(dbFile, from);
    const num = async (sel: string) =>
      Number(((await page.locator(sel).textContent()) ?? '').replace(/[^\d]/g, ''));

    expect(await num('#log-size')).toBe(db.size);
    const events = [...db.perDay.values()].reduce((a, d) => a + d.events, 0);
    const erasedCount = [...db.perDay.values()].reduce((a, d) => a + d.erased, 0);
    expect(events).toBe(8 + 11 + 14);
    expect(await num('#events-total')).toBe(events);
    expect(erasedCount).toBe(3);
    expect(await num('#erased-total')).toBe(erasedCount);
    expect(await num('#sth-size')).toBe(db.head.treeSize);
    expect(db.head.treeSize).toBe(db.size);
    expect(await page.locator('#sth-root').textContent()).toBe(db.head.rootHash);

    // Decisions by method: the table beside the bars.
    const shownMethods = await page.$$eval('#methods-table td[data-method]', (tds) =>
      tds.map((td) => [(td as HTMLElement).dataset.method, Number(td.textContent!.replace(/[^\d]/g, ''))]),
    );
    expect(shownMethods).toHaveLength(CONSENT_METHODS.length);
    for (const [m, n] of shownMethods) expect(n, String(m)).toBe(db.methods.get(m as string) ?? 0);
    expect([...db.methods.values()].filter((n) => n > 0).length).toBe(CONSENT_METHODS.length);

    // Consent rate per purpose and day: the cells say "rate (given/decided)".
    await page.locator('#rate summary').click();
    const cells = await page.$$eval('#rate-table td[data-purpose]', (tds) =>
      tds.map((td) => ({
        day: td.parentElement!.querySelector('th')!.textContent!,
        purpose: (td as HTMLElement).dataset.purpose!,
        text: td.textContent!,
      })),
    );
    let checked = 0;
    for (const c of cells) {
      const want = db.rates.get(`${c.day} ${c.purpose}`);
      if (!want?.decided) {
        expect(c.text).toBe('–');
        continue;
      }
      expect(c.text, `${c.day} ${c.purpose}`).toContain(`(${want.given}/${want.decided})`);
      expect(c.text).toContain(`${Math.round((1000 * want.given) / want.decided) / 10}%`);
      checked++;
    }
    expect(checked).toBe(7); // analytics and ads on three days, face-payment on one

    // Events per day.
    await page.locator('#events summary').click();
    const perDay = await page.$$eval('#events-table td[data-events]', (tds) =>
      tds.map((td) => [(td as HTMLElement).dataset.day, Number((td as HTMLElement).dataset.events)]),
    );
    for (const [day, n] of perDay) expect(n, String(day)).toBe(db.perDay.get(day as string)?.events ?? 0);
    expect(perDay.filter(([, n]) => (n as number) > 0)).toHaveLength(3);

    const tables = await axe(page);
    expect(tables.violations).toEqual([]);
    expect(tables.passes.map((p) => p.id)).toEqual(
      expect.arrayContaining(['color-contrast', 'label', 'html-has-lang', 'th-has-data-cells', 'region']),
    );

    // The privacy officer looks up a subject: the history table, and one more access-log record.
    const accessBefore = db.access.length;
    await page.fill('#subject-id', shopper);
    await page.click('#subject-form button[type="submit"]');
    await page.locator('#subject-result table').waitFor();
    const seqs = await page.$$eval('#subject-result th[data-seq]', (ths) =>
      ths.map((th) => Number((th as HTMLElement).dataset.seq)),
    );
    expect(seqs.sort((a, b) => a - b)).toEqual(db.subjectSeqs(shopper).sort((a, b) => a - b));
    expect(seqs).toHaveLength(3);
    expect(await page.locator('#subject-result caption').textContent()).toContain(shopper);
    expect(await page.locator('#subject-result td.status-given').count()).toBeGreaterThan(0);
    const after = fromDatabase(dbFile, from).access;
    expect(after).toHaveLength(accessBefore + 1);
    expect(after[after.length - 1]).toMatchObject({
      who: `token:${admin.id}`,
      action: 'history',
      detail: 'dashboard',
    });
    expect(after[after.length - 1]!.subject_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // A malformed id is refused in the page, without a request and without a log record.
    await page.fill('#subject-id', 'not-a-subject-id-at-al');
    await page.locator('#subject-form').evaluate((f) => (f as HTMLFormElement).requestSubmit());
    await expect.poll(() => page.locator('#subject-status').textContent()).toContain('22 characters');
    expect(await page.getAttribute('#subject-id', 'aria-invalid')).toBe('true');
    expect(fromDatabase(dbFile, from).access).toHaveLength(accessBefore + 1);

    const searched = await axe(page);
    expect(searched.violations).toEqual([]);
    const shot = process.env.DASHBOARD_SCREENSHOT;
    if (shot) {
      await page.fill('#subject-id', shopper);
      await page.click('#subject-form button[type="submit"]');
      await expect.poll(() => page.locator('#subject-status').textContent()).toContain(shopper);
      for (const s of ['#rate summary', '#events summary']) await page.locator(s).click();
      await page.screenshot({ path: shot, fullPage: true });
    }

    // Chinese, in the same tab: the token is still there, the labels change, the numbers do not.
    await page.click('a[hreflang="zh-CN"]');
    await page.locator('html[lang="zh-CN"][data-ready="true"]').waitFor();
    expect(await page.locator('h1').textContent()).toBe('同意管理看板');
    expect(await num('#log-size')).toBe(db.size);
    expect(await page.locator('#methods-table th[scope="row"]').first().textContent()).toBe('全部接受');
    const zh = await axe(page);
    expect(zh.violations).toEqual([]);

    // Forgetting the token hides the data and clears the storage.
    await page.click('#forget');
    expect(await page.locator('#content').isHidden()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('assent-dashboard-token'))).toBeNull();

    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    expect(errors).toEqual([]);
    // The policy is enforced (and the watch above works): an inline script is refused and reported.
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inline = true';
      document.body.append(s);
    });
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp))
      .toEqual(['script-src-elem inline']);
    expect(await page.evaluate(() => (window as unknown as { __inline?: boolean }).__inline)).toBeUndefined();
    // Everything came from the ledger, and the token never appeared in a URL it requested.
    const secret = admin.token.split('_').pop()!;
    for (const r of requests) {
      expect(r.startsWith(url)).toBe(true);
      expect(r).not.toContain(secret);
    }
    await context.close();
  });

  it('a refused token shows a message and keeps the form, without data', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${url}/dashboard`);
    await page.locator('html[data-ready="true"]').waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.locator('#content').isHidden()).toBe(true);
    await page.fill('#token', `alt_${'a'.repeat(12)}_${'b'.repeat(43)}`);
    await page.click('#token-form button[type="submit"]');
    await expect.poll(() => page.locator('#status').textContent()).toContain('令牌被拒绝');
    expect(await page.locator('#token-form').isVisible()).toBe(true);
    expect(await page.locator('#content').isHidden()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem('assent-dashboard-token'))).toBeNull();
    // The failed request itself is logged by Chromium as a console error; page errors there are none.
    expect(errors).toEqual([]);
    await context.close();
  });
});
