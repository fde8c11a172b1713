// @vitest-environment happy-dom
// The documentation examples that need a page (document, cookies, IndexedDB, `window.assent`, a
// relative URL), executed under happy-dom with the real core, widget and sync code against the same
// real ledger as docs-run.test.ts: the widget is started with `startAssent` and its real lazy
// module, IndexedDB is fake-indexeddb, relative URLs reach a stand-in for the reader's backend (it
// serves the config and signs real link tokens). Dialogs are answered by closing them: happy-dom's
// clicks are not trusted events, and the widget rightly ignores untrusted clicks on its buttons.
import 'fake-indexeddb/auto';
import { createConsent, digestPurposes, memoryStorage, readConsent, separatePurposes } from '@assent/core';
import { createSync } from '@assent/core/sync';
import { loadSync, loadUi, startAssent } from '@assent/widget';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { codeExamples, type Example, examples, freeNamesOfExamples } from './lib/docs.js';
import {
  afterExample,
  baseFixtures,
  type FixtureDefs,
  ISSUER,
  type Loose,
  needsPage,
  type Run,
  runExample,
  startWorld,
  type World,
} from './lib/docs-run.js';

const code = codeExamples(examples());
const free = freeNamesOfExamples(code);
const pageExamples = code.filter(needsPage);

// Examples that cannot run outside real Chromium, with the e2e test that covers their flow. Keyed
// by `file:line` of the fence; the last test below fails if an entry is stale or if an example
// needing a page was neither run nor listed here. Empty today: happy-dom runs every one of them.
const BROWSER_ONLY: Record<string, string> = {};

let world: World;
beforeAll(async () => {
  // The ledger allows the page's origin, as a storefront's ledger does (happy-dom's fetch enforces CORS).
  world = await startWorld({ corsOrigins: [location.origin] });
}, 60_000);
afterEach(async () => {
  for (const el of document.querySelectorAll('assent-widget, assent-settings, #pay-with-face')) el.remove();
  Reflect.deleteProperty(window, 'assent');
  Reflect.deleteProperty(document, 'currentScript');
  for (const c of document.cookie.split(';')) {
    const name = c.split('=')[0]?.trim();
    // biome-ignore lint/suspicious/noDocumentCookie: the page state the examples read and write
    if (name) document.cookie = `${name}=; Max-Age=0; Path=/`;
  }
  await afterExample(world);
});
afterAll(() => world?.close());

const shadow = () => document.querySelector('assent-widget')?.shadowRoot;
const dialogShown = () =>
  vi.waitFor(() => expect(shadow()?.querySelector('[role="dialog"]')).toBeTruthy(), { timeout: 10_000 });

function pageFixtures(): FixtureDefs {
  return {
    ...baseFixtures(world),
    // The page's Assent, started as a bundle does (widget.md), syncing with the fixture ledger.
    assent: async (fx) => {
      const config = await fx.get('config');
      const api = startAssent({
        config: { ...config, ledgerUrl: ISSUER },
        loadUi,
        loadSync,
        storage: memoryStorage(),
        floatingButton: 'off',
      });
      window.assent = api;
      await api.ready;
      return api;
    },
    // A sync that has already recorded a decision, so it holds a receipt.
    sync: async (fx) => {
      const consent = await fx.get('consent');
      const sync = createSync({ ledgerUrl: ISSUER, consent });
      world.closers.push(async () => sync.stop());
      const ids: string[] = [];
      consent.subscribe(({ event }: Loose) => ids.push(event.id));
      consent.acceptAll();
      // The device's receipt store (IndexedDB) is shared by the syncs of this file: wait for ours.
      await vi.waitFor(async () => expect((await sync.receipts()).map((r) => r.id)).toContain(ids[0]), {
        timeout: 10_000,
      });
      return sync;
    },
    script: () => {
      const s = document.createElement('script');
      s.dataset.region = 'CN';
      return s;
    },
    view: async (fx) => {
      const config = await fx.get('config');
      return readConsent(config, {
        hashes: await digestPurposes(config),
        separate: separatePurposes(config),
        stored: undefined,
        jurisdiction: 'CN',
      });
    },
    acceptButton: () => document.createElement('button'),
    rejectButton: () => document.createElement('button'),
    saveButton: () => document.createElement('button'),
    faceDialog: () => document.createElement('dialog'),
    payWithFace: () => document.body.appendChild(document.createElement('button')),
    outbox: () => [],
  };
}

/** What the page holds before the example's code runs. */
async function preparePage(e: Example, fx: Run['fx']) {
  if (e.code.includes("'#pay-with-face'")) {
    const button = document.createElement('button');
    button.id = 'pay-with-face';
    document.body.append(button);
  }
  if (/window\.assent\.(?!\s*=)/.test(e.code)) await fx.get('assent');
  // Linking after sign-in: the shopper answered the banner before, so the device has a subject.
  if (e.code.includes('assent.consent.subject')) await (await fx.get('assent')).rejectAll();
  if (e.code.includes('document.currentScript'))
    Object.defineProperty(document, 'currentScript', { value: await fx.get('script'), configurable: true });
  // A returning shopper: the cookie the fixture receipt's decision left.
  if (e.code.includes('parseConsentCookie(document.cookie)'))
    // biome-ignore lint/suspicious/noDocumentCookie: the cookie the examples read
    document.cookie = `assent=${world.consentCookie}; Path=/`;
}

const spy = (run: Run, name: string) => run.fx.spies.get(name);

// What an example builds, used once; matched on its text (see docs-run.test.ts).
const PROBES: { when: RegExp; during?: boolean; check: (run: Run, e: Example) => Promise<void> }[] = [
  {
    // A checkout button wired to the separate-consent dialog: clicking it asks; dismissing the
    // dialog leaves the other payment methods.
    when: /addEventListener\('click', async \(\) => \{\s*(?:\/\/.*\s*)?const answer = await (?:window\.)?assent\.requestSeparate\('face-payment'\)/,
    async check(run) {
      const button: HTMLElement = run.params.includes('payWithFace')
        ? await run.fx.get('payWithFace')
        : document.querySelector('#pay-with-face')!;
      button.click();
      await dialogShown();
      window.assent.close();
      await vi.waitFor(() => expect(spy(run, 'showOtherPaymentMethods')).toHaveBeenCalledOnce());
      expect(spy(run, 'startFacePayment')).not.toHaveBeenCalled();
    },
  },
  {
    // Top-level `await window.assent.requestSeparate(...)`: the dialog is answered while the example waits.
    when: /^const answer = await window\.assent\.requestSeparate/m,
    during: true,
    async check() {
      await dialogShown();
      window.assent.close();
    },
  },
  {
    when: /^await window\.assent\.acceptAll\(\)/m,
    async check(run) {
      expect(run.scope.answer).toBe('dismissed');
      expect(window.assent.allows('analytics')).toBe(true);
    },
  },
  {
    when: /^assent\.on\('change'/m,
    async check(run) {
      const assent = await run.fx.get('assent');
      await assent.acceptAll();
      await vi.waitFor(() => expect(run.console.log).toHaveBeenCalled());
      const [method, changed] = run.console.log.mock.calls[0]!;
      expect(method).toBe('api'); // what the widget records for a page script's acceptAll()
      expect(changed).toContain('analytics');
    },
  },
  {
    when: /await (?:assent|sync)\.link\(token\)/,
    async check(run) {
      expect(run.scope.status).toBe('merged');
      expect(Array.isArray(run.scope.applied)).toBe(true);
      expect(spy(run, 'reportToMonitoring')?.mock.calls ?? []).toEqual([]);
      expect(world.shopRequests.some((r) => new URL(r.url).pathname === '/api/link-token')).toBe(true);
    },
  },
  {
    when: /^window\.assent = startAssent/m,
    async check() {
      await window.assent.ready;
      expect(typeof window.assent.requestSeparate).toBe('function');
      await vi.waitFor(() => expect(shadow()?.querySelector('.banner')).toBeTruthy());
    },
  },
  {
    when: /acceptButton\.onclick = \(\) => consent\.acceptAll\(\)/,
    async check(run) {
      expect(spy(run, 'showBanner')).toHaveBeenCalledOnce();
      expect(spy(run, 'loadAnalytics')).not.toHaveBeenCalled();
      const accept: Loose = await run.fx.get('acceptButton');
      accept.onclick();
      const outbox: unknown[] = await run.fx.get('outbox');
      expect(outbox).toHaveLength(1);
      expect(run.scope.consent.allows('analytics')).toBe(true);
      expect(run.scope.consent.allows('face-payment')).toBe(false);
      ((await run.fx.get('faceDialog')) as Loose).onconfirm();
      expect(run.scope.consent.allows('face-payment')).toBe(true);
      expect(await run.scope.consent.history?.list?.()).not.toBeNull();
    },
  },
  {
    when: /const view = readConsent/,
    async check(run) {
      expect(run.scope.view.allows('analytics')).toBe(world.claims.cns['analytics']?.status === 'given');
      expect(spy(run, 'loadAnalytics')).toHaveBeenCalledOnce();
    },
  },
  {
    when: /const consent = recordConsent\(view/,
    async check(run) {
      expect(run.scope.consent.allows('analytics')).toBe(true);
      expect(document.cookie).toMatch(/(^|; )assent=/);
    },
  },
  {
    when: /window\.addEventListener\('assent:change'/,
    async check(run) {
      createConsent(await run.fx.get('config'), { storage: memoryStorage() }).acceptAll();
      expect(spy(run, 'loadAnalytics')).toHaveBeenCalledOnce();
    },
  },
  {
    when: /const records = await history\.list\(\)/,
    async check(run) {
      expect(Array.isArray(run.scope.records)).toBe(true);
    },
  },
  {
    when: /enforceConsent\(consent/,
    async check(run) {
      expect(run.scope.gpc.honoured).toBe(false);
      expect(spy(run, 'showNotice')).not.toHaveBeenCalled();
      expect(run.scope.consent.allows('analytics')).toBe(false);
    },
  },
  {
    when: /sync\.on\('receipt'/,
    async check(run) {
      await vi.waitFor(() => expect(run.console.info).toHaveBeenCalled(), { timeout: 10_000 });
      const [what, id, verified] = run.console.info.mock.calls[0]!;
      expect(what).toBe('recorded');
      expect(id).toMatch(/\S/);
      expect(verified).toBe(true);
      expect(spy(run, 'reportToMonitoring')).not.toHaveBeenCalled();
    },
  },
  {
    when: /'Assent-Receipt': latest/,
    async check(run) {
      const sync = await run.fx.get('sync');
      const latest = (await sync.receipts()).at(-1).jws;
      await vi.waitFor(() =>
        expect(
          world.shopRequests.some(
            (r) =>
              new URL(r.url).pathname === '/api/recommendations' &&
              r.headers.get('assent-receipt') === latest,
          ),
        ).toBe(true),
      );
    },
  },
];

const ran = new Set<string>();
const key = (e: Example) => `${e.file}:${e.line}`;

describe('documentation examples run in a page (happy-dom)', () => {
  it('finds the examples that need a page', () => {
    expect(pageExamples.length).toBeGreaterThan(10);
  });

  for (const e of pageExamples.filter((e) => !(key(e) in BROWSER_ONLY))) {
    it(`${key(e)} runs`, async () => {
      const defs = pageFixtures();
      const during = PROBES.filter((p) => p.during && p.when.test(e.code));
      const run = await runExample(e, free.get(e)!, world, defs, {
        before: (fx) => preparePage(e, fx),
        during: during.length
          ? async (fx) => {
              for (const p of during) await p.check({ fx } as Run, e);
            }
          : undefined,
      });
      for (const probe of PROBES) if (!probe.during && probe.when.test(e.code)) await probe.check(run, e);
      run.scope.sync?.stop?.();
      ran.add(key(e));
    });
  }

  it('every probe still matches an example', () => {
    for (const probe of PROBES)
      expect(
        pageExamples.some((e) => probe.when.test(e.code)),
        String(probe.when),
      ).toBe(true);
  });

  it('every example that needs a page ran, except exactly those listed as browser-only', () => {
    const notRun = pageExamples.map(key).filter((k) => !ran.has(k));
    expect(notRun.sort()).toEqual(Object.keys(BROWSER_ONLY).sort());
  });
});
