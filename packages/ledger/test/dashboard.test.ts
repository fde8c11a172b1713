// The consent dashboard over HTTP, on SQLite and on PostgreSQL: the page and its files, the stats
// API against aggregates this test computes itself from the events it posted (over several days,
// with erased bodies), and the privacy officer's subject lookup with its access-log record.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  CONSENT_METHODS,
  type ConsentEvent,
  type ConsentMethod,
  type ConsentStatus,
  createSubjectId,
} from '@assent/core/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { chooseLocale } from '../src/dashboard/page.js';
import { MAX_STATS_DAYS, parseDayRange } from '../src/dashboard/stats.js';
import {
  type Fixture,
  fixture,
  get,
  HASH_A,
  HASH_B,
  type Json,
  makeEvent,
  post,
  startServe,
} from './helpers.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const uplotFile = (f: string) => readFileSync(createRequire(import.meta.url).resolve(`uplot/dist/${f}`));

// Three days with events and a gap between them; the range asked for is wider on both sides.
const DAYS = ['2026-03-01', '2026-03-02', '2026-03-04'];
const RANGE = { from: '2026-02-28', to: '2026-03-05' };
const STATUSES: ConsentStatus[] = ['given', 'refused', 'given', 'withdrawn', 'expired', 'given', 'refused'];

interface Sent {
  event: ConsentEvent;
  day: string;
}

/** Deterministic but varied events for day `d`: methods, statuses, and purposes that come and go. */
function eventsFor(d: number, subjects: string[]): ConsentEvent[] {
  const out: ConsentEvent[] = [];
  const n = 9 + 4 * d;
  for (let i = 0; i < n; i++) {
    const purposes: ConsentEvent['purposes'] = {
      analytics: { status: STATUSES[(i + d) % STATUSES.length]!, hash: HASH_A },
    };
    if (i % 3 !== 2) purposes.ads = { status: STATUSES[(2 * i + 1) % STATUSES.length]!, hash: HASH_B };
    if (d === 2 && i % 2 === 0)
      purposes['face-payment'] = { status: i % 4 ? 'given' : 'refused', hash: HASH_A };
    out.push(
      makeEvent({
        subject: subjects[i % subjects.length]!,
        at: `${DAYS[d]}T09:${String(i).padStart(2, '0')}:00.000Z`,
        method: CONSENT_METHODS[(3 * i + d) % CONSENT_METHODS.length]!,
        purposes,
      }),
    );
  }
  return out;
}

/** What /v1/stats must answer, computed from what was sent and which subject was erased. */
function expectedStats(sent: Sent[], erasedSubject: string, days: string[]) {
  const zeros = () => days.map(() => 0);
  const events = zeros();
  const erased = zeros();
  const purposes: Record<string, { given: number[]; decided: number[] }> = {};
  const methods = Object.fromEntries(CONSENT_METHODS.map((m) => [m, 0])) as Record<ConsentMethod, number>;
  for (const { event, day } of sent) {
    const i = days.indexOf(day);
    if (i < 0) continue;
    events[i]!++;
    if (event.subject === erasedSubject) {
      erased[i]!++;
      continue;
    }
    methods[event.method]++;
    for (const [p, s] of Object.entries(event.purposes)) {
      purposes[p] ??= { given: zeros(), decided: zeros() };
      if (s.status === 'given') purposes[p]!.given[i]!++;
      if (s.status !== 'expired') purposes[p]!.decided[i]!++;
    }
  }
  return { events, erased, purposes, methods };
}

function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += 86_400_000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

describe.each(['sqlite', 'postgres'] as const)('dashboard (%s)', (backend) => {
  let fx: Fixture;
  let url: string;
  let ledger: Awaited<ReturnType<Fixture['ledger']>>;
  let admin: { token: string; id: string };
  let auditor: string;
  let reader: string;
  let eraser: string;
  const sent: Sent[] = [];
  const erasedSubject = createSubjectId();
  const keptSubject = createSubjectId();

  beforeAll(async () => {
    fx = await fixture(backend);
    ledger = await fx.ledger({ treeHeadIntervalMs: 50 });
    url = await ledger.listen(0);
    const a = await ledger.createToken({ scopes: ['admin'], label: 'privacy officer' });
    admin = { token: a.token, id: a.record.id };
    auditor = (await ledger.createToken({ scopes: ['audit'] })).token;
    reader = (await ledger.createToken({ scopes: ['read:subject'] })).token;
    eraser = (await ledger.createToken({ scopes: ['erase'] })).token;

    // The ledger stamps receivedAt with its own clock: move that clock to each day in turn, so the
    // events really arrive on different days through POST /v1/events.
    const subjects = [erasedSubject, keptSubject, createSubjectId(), createSubjectId()];
    for (const [d, day] of DAYS.entries()) {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date(`${day}T12:00:00.000Z`));
      const events = eventsFor(d, subjects);
      const r = await post(url, events);
      vi.useRealTimers();
      expect(r.status).toBe(200);
      for (const event of events) sent.push({ event, day });
    }
    // Erase one subject's bodies: its events stay in the log (and in the daily counts, as erased).
    const del = await fetch(`${url}/v1/subjects/${erasedSubject}`, {
      method: 'DELETE',
      headers: bearer(eraser),
    });
    expect(del.status).toBe(200);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    await fx?.cleanup();
  });

  it('serves the page under a strict CSP, in English or Chinese', async () => {
    const page = await get(`${url}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toMatch(/unsafe|\*|https?:/);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = page.text as string;
    expect(html).toContain('<html lang="en">');
    // No inline script or style: every script has a src, there is no <style> and no style="".
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts).toEqual([
      '<script src="/dashboard/uplot.js" defer>',
      '<script src="/dashboard/app.js" defer>',
    ]);
    expect(html).not.toMatch(/<style|\sstyle=|javascript:|\son[a-z]+=/i);
    // Everything the page loads is the ledger's own.
    const refs = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(4);
    for (const r of refs) expect(r).toMatch(/^\/dashboard(?:\/|\?|$)/);
    // Every input has a label.
    for (const id of [...html.matchAll(/<input id="([^"]+)"/g)].map((m) => m[1]))
      expect(html).toContain(`<label for="${id}">`);

    const zh = await get(`${url}/dashboard`, { 'accept-language': 'zh-TW,zh;q=0.9,en;q=0.5' });
    expect(zh.text).toContain('<html lang="zh-CN">');
    expect(zh.text).toContain('同意管理看板');
    expect(zh.headers.get('content-language')).toBe('zh-CN');
    const en = await get(`${url}/dashboard?lang=en`, { 'accept-language': 'zh-CN' });
    expect(en.text).toContain('<html lang="en">');
    expect(en.text).toContain('Consent dashboard');
    expect((await get(`${url}/dashboard?lang=zh-CN`)).text).toContain('<html lang="zh-CN">');
  });

  it('serves its script, labels and uPlot from the installed package, with ETags', async () => {
    const js = await fetch(`${url}/dashboard/uplot.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(Buffer.from(await js.arrayBuffer()).equals(uplotFile('uPlot.iife.min.js'))).toBe(true);
    const css = await fetch(`${url}/dashboard/uplot.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(Buffer.from(await css.arrayBuffer()).equals(uplotFile('uPlot.min.css'))).toBe(true);
    const app = await fetch(`${url}/dashboard/app.js`);
    const appSource = readFileSync(new URL('../src/dashboard/assets/app.js', import.meta.url), 'utf8');
    expect(await app.text()).toBe(appSource);
    const etag = app.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    const again = await fetch(`${url}/dashboard/app.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);

    const labels = (await get(`${url}/dashboard/i18n.json`)).body as Record<string, Record<string, string>>;
    expect(Object.keys(labels).sort()).toEqual(['en', 'zh-CN']);
    expect(Object.keys(labels['zh-CN']!).sort()).toEqual(Object.keys(labels.en!).sort());
    // Every method and status the wire knows has a label in both languages.
    for (const l of Object.values(labels)) {
      for (const m of CONSENT_METHODS) expect(l[`m.${m}`]).toBeTruthy();
      for (const s of ['given', 'refused', 'withdrawn', 'expired']) expect(l[`s.${s}`]).toBeTruthy();
    }
    expect((await get(`${url}/dashboard/..%2Fpackage.json`)).status).toBe(404);
    expect((await get(`${url}/dashboard/nope.js`)).status).toBe(404);
    const post405 = await fetch(`${url}/dashboard`, { method: 'POST' });
    expect(post405.status).toBe(405);
  });

  it('answers /v1/stats only to admin or audit tokens, and checks its range', async () => {
    const q = `from=${RANGE.from}&to=${RANGE.to}`;
    expect((await get(`${url}/v1/stats?${q}`)).status).toBe(401);
    expect((await get(`${url}/v1/stats?${q}`, bearer('alt_nope'))).status).toBe(401);
    const forbidden = await get(`${url}/v1/stats?${q}`, bearer(reader));
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('ERR_FORBIDDEN');
    expect((await get(`${url}/v1/stats?${q}`, bearer(admin.token))).status).toBe(200);
    expect((await get(`${url}/v1/stats?${q}`, bearer(auditor))).status).toBe(200);
    for (const [bad, path] of [
      ['from=2026-02-30&to=2026-03-05', 'from'],
      ['from=2026-03-01&to=yesterday', 'to'],
      ['from=2026-03-05&to=2026-03-01', 'from'],
      ['from=2020-01-01&to=2026-03-01', 'from'],
    ] as const) {
      const r = await get(`${url}/v1/stats?${bad}`, bearer(admin.token));
      expect(r.status, bad).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'ERR_PARAM_INVALID', path });
    }
  });

  it('stats match the posted events per day, purpose and method; erased bodies count only as erased', async () => {
    const r = await get(`${url}/v1/stats?from=${RANGE.from}&to=${RANGE.to}`, bearer(admin.token));
    expect(r.status).toBe(200);
    const s: Json = r.body;
    const days = daysBetween(RANGE.from, RANGE.to);
    const want = expectedStats(sent, erasedSubject, days);
    expect(s.from).toBe(RANGE.from);
    expect(s.to).toBe(RANGE.to);
    expect(s.days).toEqual(days);
    expect(s.events).toEqual(want.events);
    expect(s.erased).toEqual(want.erased);
    expect(s.purposes).toEqual(want.purposes);
    expect(s.methods).toEqual(want.methods);
    // The fixture is varied enough for the comparison to mean something.
    expect(want.events.filter((n) => n > 0)).toHaveLength(3);
    expect(want.erased.reduce((a, b) => a + b)).toBeGreaterThan(3);
    expect(Object.keys(want.purposes).sort()).toEqual(['ads', 'analytics', 'face-payment']);
    expect(Object.values(want.methods).filter((n) => n > 0).length).toBeGreaterThanOrEqual(6);
    const rates = want.purposes.analytics!.given.map(
      (g, i) => g / (want.purposes.analytics!.decided[i] || 1),
    );
    expect(new Set(rates.filter((x) => x > 0)).size).toBeGreaterThan(1);

    // Log size counts every entry: the events and the erasure's tombstone.
    expect(s.log.size).toBe(sent.length + 1);
    expect(s.log.size).toBe(await ledger.store.treeSize());
    // Once a tree head covers the whole log, the dashboard shows exactly that head.
    const deadline = Date.now() + 10_000;
    while ((await ledger.treeHead()).treeSize < sent.length + 1 && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 25));
    const sth = (await get(`${url}/v1/log/sth`)).body;
    expect(sth.treeSize).toBe(sent.length + 1);
    const again = (await get(`${url}/v1/stats?from=${RANGE.from}&to=${RANGE.to}`, bearer(auditor))).body;
    expect(again.log.treeHead).toEqual({
      treeSize: sth.treeSize,
      rootHash: sth.rootHash,
      timestamp: sth.timestamp,
      sth: sth.sth,
    });
    expect(again.log.treeHead.rootHash).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // A narrower range holds that day only.
    const one = (await get(`${url}/v1/stats?from=2026-03-02&to=2026-03-02`, bearer(admin.token))).body;
    const wantOne = expectedStats(sent, erasedSubject, ['2026-03-02']);
    expect(one.days).toEqual(['2026-03-02']);
    expect(one.events).toEqual(wantOne.events);
    expect(one.erased).toEqual(wantOne.erased);
    expect(one.purposes).toEqual(wantOne.purposes);
    expect(one.methods).toEqual(wantOne.methods);
    // A range without data is all zeros, with every method present.
    const none = (await get(`${url}/v1/stats?from=2025-01-01&to=2025-01-03`, bearer(admin.token))).body;
    expect(none.events).toEqual([0, 0, 0]);
    expect(none.purposes).toEqual({});
    expect(Object.keys(none.methods).sort()).toEqual([...CONSENT_METHODS].sort());
    expect(Object.values(none.methods).every((n) => n === 0)).toBe(true);
  });

  it('the subject lookup answers the history for admin or audit and records every read', async () => {
    const before = (await get(`${url}/v1/access-log?limit=10000`, bearer(auditor))).body.records.length;
    const r = await get(`${url}/v1/dashboard/subjects/${keptSubject}/history`, bearer(admin.token));
    expect(r.status).toBe(200);
    const mine = sent.filter((x) => x.event.subject === keptSubject).map((x) => x.event);
    expect(r.body.subject).toBe(keptSubject);
    expect(r.body.events.map((e: Json) => e.id).sort()).toEqual(mine.map((e) => e.id).sort());
    // The same answer as the read:subject endpoint.
    const direct = await get(`${url}/v1/subjects/${keptSubject}/history`, bearer(reader));
    expect(r.body).toEqual(direct.body);

    const log = (await get(`${url}/v1/access-log?limit=10000`, bearer(auditor))).body.records;
    expect(log.length).toBe(before + 2);
    const rec = log[log.length - 2];
    expect(rec).toMatchObject({ who: `token:${admin.id}`, action: 'history', detail: 'dashboard' });
    expect(rec.subjectHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(rec.subjectHash).not.toContain(keptSubject);
    expect(log[log.length - 1].subjectHash).toBe(rec.subjectHash);

    // An erased subject answers no events, and the lookup is still recorded.
    const gone = await get(`${url}/v1/dashboard/subjects/${erasedSubject}/history`, bearer(auditor));
    expect(gone.status).toBe(200);
    expect(gone.body.events).toEqual([]);
    const after = (await get(`${url}/v1/access-log?limit=10000`, bearer(auditor))).body.records;
    expect(after.length).toBe(before + 3);
    expect(after[after.length - 1].action).toBe('history');

    expect((await get(`${url}/v1/dashboard/subjects/${keptSubject}/history`)).status).toBe(401);
    expect((await get(`${url}/v1/dashboard/subjects/${keptSubject}/history`, bearer(reader))).status).toBe(
      403,
    );
    const invalid = await get(`${url}/v1/dashboard/subjects/not-a-subject/history`, bearer(admin.token));
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('ERR_SUBJECT_INVALID');
    // Refused requests read nothing and log nothing.
    const final = (await get(`${url}/v1/access-log?limit=10000`, bearer(auditor))).body.records;
    expect(final.length).toBe(before + 3);
  });
});

describe('dashboard on an in-memory SQLite database', () => {
  it('answers the same aggregates inline (no worker for :memory:)', async () => {
    const { createKeyStore, createLedger } = await import('@assent/ledger');
    const ledger = await createLedger({ keys: createKeyStore(), rateLimit: false, database: ':memory:' });
    try {
      const url = await ledger.listen(0);
      const { token } = await ledger.createToken({ scopes: ['audit'] });
      const events = eventsFor(1, [createSubjectId(), createSubjectId()]);
      const before = new Date().toISOString().slice(0, 10);
      expect((await post(url, events)).status).toBe(200);
      const after = new Date().toISOString().slice(0, 10);
      // The events are on the ledger's today (two days if the test straddles midnight UTC).
      const r = await get(`${url}/v1/stats?from=${before}&to=${after}`, bearer(token));
      expect(r.status).toBe(200);
      const want = expectedStats(
        events.map((event) => ({ event, day: before })),
        'nobody',
        [before],
      );
      const total = (a: number[]) => a.reduce((x, y) => x + y, 0);
      expect(total(r.body.events)).toBe(events.length);
      expect(r.body.methods).toEqual(want.methods);
      const purposes = Object.fromEntries(
        Object.entries(r.body.purposes as Record<string, { given: number[]; decided: number[] }>).map(
          ([p, v]) => [p, { given: [total(v.given)], decided: [total(v.decided)] }],
        ),
      );
      expect(purposes).toEqual(want.purposes);
      expect(r.body.log.size).toBe(events.length);
    } finally {
      await ledger.close();
    }
  });
});

describe('dashboard helpers', () => {
  it('parseDayRange defaults to the last 30 days and refuses bad ranges', () => {
    const now = new Date('2026-03-31T23:59:59.999Z');
    expect(parseDayRange(new URLSearchParams(), now)).toEqual({ from: '2026-03-02', to: '2026-03-31' });
    expect(parseDayRange(new URLSearchParams('to=2026-01-10'), now)).toEqual({
      from: '2025-12-12',
      to: '2026-01-10',
    });
    expect(parseDayRange(new URLSearchParams('from=2024-02-29&to=2024-02-29'), now)).toEqual({
      from: '2024-02-29',
      to: '2024-02-29',
    });
    const longest = new Date(Date.parse('2026-01-01') + (MAX_STATS_DAYS - 1) * 86_400_000)
      .toISOString()
      .slice(0, 10);
    expect(parseDayRange(new URLSearchParams(`from=2026-01-01&to=${longest}`)).to).toBe(longest);
    for (const q of [
      'from=2023-02-29',
      'to=2026-3-1',
      'from=2026-03-01T00:00:00Z',
      'from=2026-04-01&to=2026-03-01',
      `from=2026-01-01&to=${new Date(Date.parse(longest) + 86_400_000).toISOString().slice(0, 10)}`,
    ])
      expect(() => parseDayRange(new URLSearchParams(q), now), q).toThrow(RangeError);
  });

  it('chooseLocale: ?lang wins, then Accept-Language by quality, else English', () => {
    expect(chooseLocale('zh-CN', 'en')).toBe('zh-CN');
    expect(chooseLocale('en', 'zh-CN')).toBe('en');
    expect(chooseLocale('fr', 'zh-CN')).toBe('zh-CN');
    expect(chooseLocale(null, 'zh-Hans-CN')).toBe('zh-CN');
    expect(chooseLocale(null, 'en;q=0.4, zh;q=0.8')).toBe('zh-CN');
    expect(chooseLocale(null, 'fr-FR, en-GB;q=0.7, zh;q=0.5')).toBe('en');
    expect(chooseLocale(null, 'zh;q=0, en')).toBe('en');
    expect(chooseLocale(null, 'de')).toBe('en');
    expect(chooseLocale(null, undefined)).toBe('en');
  });

  it('assent-ledger serve prints the dashboard URL, and the page answers there', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const cwd = mkdtempSync(join(tmpdir(), 'assent-dash-cli-'));
    const s = await startServe(['--port', '0'], { cwd });
    try {
      const deadline = Date.now() + 10_000;
      while (!/dashboard: /.test(s.output()) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      const m = /dashboard: (http:\/\/\S+)/.exec(s.output());
      expect(m?.[1]).toBe(`${s.url}/dashboard`);
      const page = await fetch(m![1]!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('id="token-form"');
    } finally {
      s.process.kill('SIGTERM');
      await new Promise((r) => s.process.once('exit', r));
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
