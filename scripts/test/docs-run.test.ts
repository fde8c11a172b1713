// Every TypeScript/JavaScript example of the docs that runs in Node, executed against the real
// packages: a real ledger (temporary SQLite file, loopback port) whose receipts the examples verify,
// the validated retailer config, real Express and Hono apps; the reader's own functions are
// recording stand-ins (see lib/docs-run.ts). Each example must run to completion; what it builds
// (routes, checkers, tokens, decisions) is then used once and its answer checked against the real
// receipt. Examples that need a page run in docs-run-browser.test.ts.
import { lintConfig } from '@assent/core';
import * as verifier from '@assent/verifier';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { codeExamples, type Example, examples, freeNamesOfExamples } from './lib/docs.js';
import {
  afterExample,
  baseFixtures,
  hono,
  ISSUER,
  type Loose,
  needsPage,
  type Run,
  runExample,
  serve,
  startWorld,
  type World,
} from './lib/docs-run.js';

const code = codeExamples(examples());
const free = freeNamesOfExamples(code);
const nodeExamples = code.filter((e) => !needsPage(e));

let world: World;
beforeAll(async () => {
  world = await startWorld();
}, 60_000);
afterEach(() => afterExample(world));
afterAll(() => world?.close());

const given = (purpose: string) => world.claims.cns[purpose]?.status === 'given';
const headers = () => ({
  'assent-receipt': world.jws,
  cookie: `assent=${world.consentCookie}; assent_receipt=${world.jws}`,
});
const spy = (run: Run, name: string) => run.fx.spies.get(name);

// What an example builds, used once. Matched on the example's text, so a new example with the same
// shape is checked the same way; every example also simply has to run to completion.
const PROBES: { when: RegExp; check: (run: Run, e: Example) => Promise<void> }[] = [
  {
    // A recommendations route: personalised exactly when the checker allows it.
    when: /app\.get\('\/api\/recommendations'/,
    async check(run) {
      const app: Loose = run.scope.app ?? (await run.fx.get('app'));
      const res =
        hono && app instanceof hono.Hono
          ? await app.request('/api/recommendations', { headers: headers() })
          : await world.realFetch(`${await serve(world, app)}/api/recommendations`, { headers: headers() });
      expect(res.status).toBe(200);
      const body = await res.json();
      const personal = spy(run, 'recommendFor') ?? spy(run, 'personalised');
      const generic = spy(run, 'bestsellers');
      const called = [personal, generic].filter((s) => s?.mock.calls.length);
      expect(called).toHaveLength(1);
      expect(body).toEqual(await called[0]!.mock.results[0]!.value);
    },
  },
  {
    // A link-token endpoint: a signed-in customer gets a token the storefront key verifies.
    when: /app\.post\('\/api\/link-token'/,
    async check(run) {
      const app: Loose = run.scope.app;
      const init = (body: unknown) => ({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      let res: Response;
      if (app instanceof hono.Hono) {
        // The signed-in customer comes from the reader's session middleware, mounted in front.
        const outer = new hono.Hono();
        outer.use('*', async (c: Loose, next: () => Promise<void>) => {
          c.set('userId', 'customer-42');
          await next();
        });
        outer.route('/', app);
        expect((await app.request('/api/link-token', init({ subject: world.subject }))).status).toBe(401);
        res = await outer.request('/api/link-token', init({ subject: world.subject }), {
          LINK_KEY_JWK: JSON.stringify(world.linkKey.privateJwk),
        });
      } else {
        const url = await serve(world, app);
        res = await world.realFetch(`${url}/api/link-token`, init({ subject: world.subject }));
        // The page rendered for a returning shopper carries a token for the cookie's subject.
        const page = await (await world.realFetch(url, { headers: headers() })).text();
        const carried = /data-link-token="([^"]+)"/.exec(page)?.[1];
        expect(carried).toBeDefined();
        expect((await verify(carried!)).sub).toBe(world.subject);
      }
      expect(res.status).toBe(200);
      const { token } = (await res.json()) as { token: string };
      expect((await verify(token)).sub).toBe(world.subject);
    },
  },
  {
    when: /export async function GET/,
    async check(run) {
      const res: Response = await run.scope.GET(await run.fx.get('request'));
      expect(await res.json()).toMatchObject({ personalised: given('personalization') });
    },
  },
  {
    when: /createLedger\(/,
    async check(run) {
      const url: string = run.scope.url ?? run.scope.ledger.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const jwks = await (await world.realFetch(`${url}/.well-known/jwks.json`)).json();
      expect(jwks.keys.length).toBeGreaterThan(0);
    },
  },
  {
    // A decision for a purpose, as the ledger's receipt records it.
    when: /^const decision = await checker/m,
    async check(run, e) {
      const purpose = /check(?:Online)?\([^'"]*['"]([^'"]+)['"]\)/.exec(e.code)![1]!;
      expect(run.scope.decision.allowed).toBe(given(purpose));
    },
  },
  {
    when: /const \{ allowed, reason \} = await checker\.check\(receipt/,
    async check(run) {
      expect(run.scope.allowed).toBe(given('personalization'));
    },
  },
  {
    when: /export const checker/,
    async check(run) {
      expect((await run.scope.checker.check(world.jws, 'personalization')).allowed).toBe(
        given('personalization'),
      );
    },
  },
  {
    when: /const personalise =/,
    async check(run) {
      expect(run.scope.personalise).toBe(given('personalization'));
    },
  },
  {
    when: /await verifyReceipt\(jws/,
    async check(run) {
      expect(run.scope.claims).toEqual(world.claims);
    },
  },
  {
    when: /verifyConsistency\(/,
    async check(run) {
      expect(run.scope.head.treeSize).toBeGreaterThan(world.claims.seq);
      expect(run.scope.head.treeSize).toBeGreaterThan(world.old.treeSize);
    },
  },
  {
    when: /const link = await createLinkToken/,
    async check(run) {
      expect((await verify(run.scope.link)).sub).toBe(world.subject);
    },
  },
  {
    when: /for \(const f of lintConfig\(config\)\) console\.log/,
    async check(run) {
      expect(run.console.log).toHaveBeenCalledTimes(lintConfig(world.config).length);
    },
  },
  {
    when: /validateConfig\(json\)/,
    async check(run) {
      // The real config is valid: nothing to report.
      expect(run.console.error).not.toHaveBeenCalled();
    },
  },
  {
    when: /createSync\(\{ ledgerUrl, consent, backlog \}\)/,
    async check(run) {
      // A decision buffered before sync loaded reaches the ledger and comes back receipted.
      const consent = await run.fx.get('consent');
      expect(run.scope.backlog).toEqual([]);
      consent.acceptAll();
      await expect.poll(async () => (await run.scope.sync.receipts()).length, { timeout: 10_000 }).toBe(1);
      await run.scope.sync.close?.();
    },
  },
];

const verify = (token: string) =>
  verifier.verifyLinkToken(token, {
    jwks: verifier.createLocalJwks(world.linkKey.publicJwk as verifier.Jwk),
  });

describe('documentation examples run in Node', () => {
  it('finds the examples that need no page', () => {
    expect(nodeExamples.length).toBeGreaterThan(15);
  });

  it('the fixture receipt, from the real ledger, records a mixed decision', () => {
    expect(world.claims.iss).toBe(ISSUER);
    // The runs below would prove little if every decision came out the same way.
    expect(world.claims.cns['personalization']?.status).toBe('given');
    expect(world.claims.cns['marketing-email']?.status).toBe('refused');
    expect(world.claims.cns['face-payment']).toBeUndefined();
  });

  for (const e of nodeExamples) {
    it(`${e.file}:${e.line} runs`, async () => {
      const run = await runExample(e, free.get(e)!, world, baseFixtures(world));
      expect(run.scope).toBeTypeOf('object');
      for (const probe of PROBES) if (probe.when.test(e.code)) await probe.check(run, e);
    });
  }
});

it('every probe still matches an example (a reworded example must not lose its check silently)', () => {
  for (const probe of PROBES)
    expect(
      nodeExamples.some((e) => probe.when.test(e.code)),
      String(probe.when),
    ).toBe(true);
});
