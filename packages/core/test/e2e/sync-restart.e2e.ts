// The ledger killed (SIGKILL) and restarted under a page that keeps deciding: the ledger runs as
// its CLI (`assent-ledger serve` on SQLite) in a child process. One event is recorded by the
// ledger but its answer is lost when the process dies; one is made while it is down. After the
// restart nothing is lost and nothing is recorded twice, and the log still verifies.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LedgerEntry } from '@assent/core';
import { consentFromRequest, createLocalJwks, verifyReceipt } from '@assent/verifier';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../../scripts/lib/chromium.js';
import { runCli, startServe } from '../../../ledger/test/helpers.js';
import { type Gate, type Site, startGate, startSite } from './sync-server.js';

const ISSUER = 'http://ledger.test';

let dir: string;
let site: Site;
let gate: Gate;
let browser: Browser;
let ctx: BrowserContext;
const running: ChildProcess[] = [];

const cli = (args: string[]) => runCli(args);

const store = () => ['--db', join(dir, 'ledger.db'), '--key-file', join(dir, 'ledger.key')];

/** `assent-ledger serve` on a free port, through the ledger's own test helper. */
async function serve(): Promise<{ process: ChildProcess; url: string }> {
  const ledger = await startServe([...store(), '--port', '0', '--issuer', ISSUER, '--cors-origin', site.url]);
  running.push(ledger.process);
  return ledger;
}

function kill(p: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (p.exitCode !== null || p.signalCode !== null) return r();
    p.once('exit', () => r());
    p.kill('SIGKILL');
  });
}

async function entries(): Promise<LedgerEntry[]> {
  const r = await cli(['export', ...store()]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LedgerEntry);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-sync-restart-'));
  gate = await startGate('http://127.0.0.1:9');
  site = await startSite(gate.url);
  browser = await launchChromium();
  ctx = await browser.newContext();
});
afterAll(async () => {
  for (const p of running) await kill(p);
  await ctx?.close();
  await browser?.close();
  await site?.close();
  await gate?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type T = {
  consent: {
    subject: string;
    acceptAll(): { event: { id: string } };
    set(c: Record<string, boolean>): { event: { id: string } };
  };
  sync: { pending(): Promise<{ id: string }[]>; receipts(): Promise<{ id: string; verified: boolean }[]> };
  errors: unknown[];
};
const run = <R>(page: Page, fn: (t: T) => R) =>
  page.evaluate(`(${fn.toString()})(window.t)`) as Promise<Awaited<R>>;
const pending = (page: Page) => run(page, (t) => t.sync.pending().then((p) => p.map((e) => e.id)));

describe('sync across a ledger crash', () => {
  it('ledger killed and restarted in the middle: nothing lost, nothing duplicated', async () => {
    let ledger = await serve();
    gate.target = ledger.url;
    // Every POST /v1/events the page makes, and a switch that kills the ledger right after it has
    // answered one, before the page sees the answer.
    const posts: string[][] = [];
    let killAfterAnswer = false;
    await ctx.route(`${gate.url}/v1/events`, async (route) => {
      const req = route.request();
      if (req.method() !== 'POST') return route.continue();
      posts.push((JSON.parse(req.postData() ?? '[]') as { id: string }[]).map((e) => e.id));
      if (!killAfterAnswer) return route.continue();
      killAfterAnswer = false;
      const answer = await route.fetch();
      expect(answer.status()).toBe(200);
      await kill(ledger.process);
      return route.abort('connectionreset');
    });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => {
      throw e;
    });
    await page.goto(site.url, { waitUntil: 'load' });
    const subject = await run(page, (t) => t.consent.subject);

    const e1 = await run(page, (t) => t.consent.acceptAll().event.id);
    await expect.poll(() => pending(page), { timeout: 20_000 }).toEqual([]);

    // Recorded, then the ledger dies before its answer arrives.
    killAfterAnswer = true;
    const e2 = await run(page, (t) => t.consent.set({ marketing: false }).event.id);
    await expect.poll(() => ledger.process.signalCode, { timeout: 20_000 }).toBe('SIGKILL');
    // Made while the ledger is down.
    const e3 = await run(page, (t) => t.consent.set({ analytics: false }).event.id);
    await page.waitForTimeout(800);
    expect(await pending(page)).toEqual([e2, e3]);

    ledger = await serve();
    gate.target = ledger.url;
    await expect.poll(() => pending(page), { timeout: 30_000, interval: 200 }).toEqual([]);

    const got = (await entries()).filter((e) => e.subject === subject);
    expect(got.map((e) => e.id)).toEqual([e1, e2, e3]);
    const seqs = got.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // e2 went twice (before the crash and after), and was recorded once.
    expect(posts.filter((p) => p.includes(e2)).length).toBeGreaterThanOrEqual(2);
    expect(await run(page, (t) => t.errors)).toEqual([]);
    expect((await run(page, (t) => t.sync.receipts())).map((r) => [r.id, r.verified])).toEqual([
      [e1, true],
      [e2, true],
      [e3, true],
    ]);

    const cookie = (await ctx.cookies(site.url)).find((c) => c.name === 'assent_receipt')!;
    const { receipt } = consentFromRequest({ headers: { cookie: `assent_receipt=${cookie.value}` } });
    const jwks = await (await fetch(`${ledger.url}/.well-known/jwks.json`)).json();
    const claims = await verifyReceipt(receipt!, { jwks: createLocalJwks(jwks), issuer: ISSUER });
    expect(claims.jti).toBe(e3);
    expect(Object.entries(claims.cns).filter(([, p]) => p.status === 'given')).toEqual([]);

    // The log survived the SIGKILL intact.
    await kill(ledger.process);
    const verified = await cli(['verify', ...store()]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });
});
