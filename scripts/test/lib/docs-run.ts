// Runs the TypeScript/JavaScript examples of the docs (shared by docs-run.test.ts in Node and
// docs-run-browser.test.ts under happy-dom). An example is transpiled without a type check, its
// imports become lookups (packages: the real ones, through vitest's aliases to src; the reader's own
// modules: fixtures), and it runs as the body of an async function whose parameters are the names
// it leaves to the reader. Those names get real values wherever one exists: the validated retailer
// config, a real ledger on a temporary SQLite file with receipts it issued over HTTP, a real
// checker, a real Express app; only the reader's own app functions are recording stand-ins.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as core from '@assent/core';
import type { ConsentEvent, ReceiptClaims, TreeHead } from '@assent/core/protocol';
import * as ledgerPkg from '@assent/ledger';
import * as verifier from '@assent/verifier';
import ts from 'typescript';
import { type Mock, vi } from 'vitest';
import { type Example, OWN_MODULE, root } from './docs.js';

/** The issuer the docs use; the fixture ledger signs with it and fetches to it reach that ledger. */
export const ISSUER = 'https://consent.shop.example';
/** Where relative URLs (`fetch('/api/link-token')`) go: the fixture storefront backend. */
export const SHOP = 'http://shop.test';
const CUSTOMER = 'customer-42';

// Examples are untyped by construction; their values are inspected loosely.
// biome-ignore lint/suspicious/noExplicitAny: values produced by documentation examples
export type Loose = any;
export type Scope = Record<string, Loose>;

// ---------------------------------------------------------------------------------------------
// From an example to a function body

export interface Prepared {
  /** The body of the async function; it returns the example's top-level declarations. */
  body: string;
  /** The example's top-level declarations. */
  declared: string[];
}

export function prepare(code: string): Prepared {
  const js = ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    reportDiagnostics: false,
  }).outputText;
  const sf = ts.createSourceFile('example.js', js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const edits: [number, number, string][] = [];
  const declared: string[] = [];
  const bind = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) declared.push(name.text);
    else for (const el of name.elements) if (!ts.isOmittedExpression(el)) bind(el.name);
  };
  let n = 0;
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const spec = (st.moduleSpecifier as ts.StringLiteral).text;
      const m = `__m${n++}`;
      const out = [`const ${m} = await __import(${JSON.stringify(spec)});`];
      const clause = st.importClause;
      if (clause?.name) out.push(`const ${clause.name.text} = ${m}.default ?? ${m};`);
      const nb = clause?.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) out.push(`const ${nb.name.text} = ${m};`);
      if (nb && ts.isNamedImports(nb) && nb.elements.length)
        out.push(
          `const { ${nb.elements
            .map((el) => (el.propertyName ? `${el.propertyName.getText()}: ${el.name.text}` : el.name.text))
            .join(', ')} } = ${m};`,
        );
      edits.push([st.getStart(), st.end, out.join(' ')]);
      continue;
    }
    if (ts.isExportDeclaration(st) || ts.isExportAssignment(st)) {
      edits.push([st.getStart(), st.end, '']);
      continue;
    }
    const exported = (ts.canHaveModifiers(st) ? ts.getModifiers(st) : undefined)?.find(
      (m) => m.kind === ts.SyntaxKind.ExportKeyword,
    );
    if (exported) edits.push([exported.getStart(), exported.end, '']);
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) bind(d.name);
    if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) declared.push(st.name.text);
  }
  // `await import('@assent/core/sync')` in an example: the same lookup as a static import.
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      edits.push([node.expression.getStart(), node.expression.end, '__import']);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  let body = js;
  for (const [s, e, t] of edits.sort((a, b) => b[0] - a[0])) body = body.slice(0, s) + t + body.slice(e);
  return { body: `${body}\nreturn { ${declared.join(', ')} };`, declared };
}

/** The free names the transpiled example still uses as values (type-only names are gone). */
export function parametersOf(p: Prepared, free: ReadonlySet<string>): string[] {
  return [...free].filter((n) => !p.declared.includes(n) && new RegExp(`(?<![.\\w$])${n}\\b`).test(p.body));
}

const AsyncFunction = (async () => {}).constructor as new (
  ...args: string[]
) => (...values: unknown[]) => Promise<Scope>;

export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Run a prepared example with its parameters' values; resolves to its top-level declarations. */
export function execute(
  p: Prepared,
  params: readonly string[],
  values: readonly unknown[],
  importer: (spec: string) => Promise<unknown>,
): Promise<Scope> {
  const fn = new AsyncFunction(...params, '__import', p.body);
  return fn(...values, importer);
}

// ---------------------------------------------------------------------------------------------
// The world the examples run against: one real ledger per test file

const requireFromVerifier = createRequire(join(root, 'packages/verifier/package.json'));
/** express and hono are dependencies of the verifier package (its guide's frameworks). */
export const express = requireFromVerifier('express') as Loose;
export const hono = requireFromVerifier('hono') as Loose;
const honoCookie = requireFromVerifier('hono/cookie') as Loose;

export interface World {
  dir: string;
  config: core.AssentConfig;
  rawConfig: unknown;
  ledger: ledgerPkg.Ledger;
  ledgerUrl: string;
  /** A receipt the ledger issued for a decision on the config's current purposes. */
  jws: string;
  claims: ReceiptClaims;
  /** A verified tree head from before that receipt's event was appended. */
  old: TreeHead;
  subject: string;
  /** The `assent` cookie value of the decision the receipt records. */
  consentCookie: string;
  linkKey: { privateKey: KeyObject; publicJwk: JsonWebKey; privateJwk: JsonWebKey; pem: string };
  readToken: string;
  /** Requests the fixture storefront backend answered (relative URLs). */
  shopRequests: Request[];
  /** The fetch that reaches the network, before routing. */
  realFetch: typeof fetch;
  /** Servers and ledgers examples started, closed after each example. */
  closers: (() => Promise<unknown>)[];
  closed: boolean;
  close(): Promise<void>;
}

async function post(url: string, events: ConsentEvent[]): Promise<string[]> {
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  if (res.status !== 200) throw new Error(`ledger answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { receipts: string[] }).receipts;
}

async function treeHeadCovering(url: string, size: number, jwks: verifier.KeySet): Promise<TreeHead> {
  for (let i = 0; i < 200; i++) {
    const { sth, treeSize } = (await (await fetch(`${url}/v1/log/sth`)).json()) as {
      sth: string;
      treeSize: number;
    };
    if (treeSize >= size) return verifier.verifyTreeHead(sth, { jwks });
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no signed tree head of size ${size}`);
}

function decided(config: core.AssentConfig, decide: (c: core.Consent) => void) {
  const storage = core.memoryStorage();
  const consent = core.createConsent(config, { storage, onWarning: () => {} });
  const events: ConsentEvent[] = [];
  consent.subscribe(({ event }) => events.push(event));
  decide(consent);
  return { consent, storage, events };
}

/** `corsOrigins`: the page origin, when examples run in a (happy-dom) page whose fetch enforces CORS. */
export async function startWorld(options: { corsOrigins?: string[] } = {}): Promise<World> {
  const realFetch = globalThis.fetch;
  const dir = mkdtempSync(join(tmpdir(), 'assent-docs-run-'));
  const rawConfig = JSON.parse(readFileSync(join(root, 'examples/retailer.config.json'), 'utf8'));
  const config = core.validateConfig(structuredClone(rawConfig));
  const pair = generateKeyPairSync('ed25519');
  const linkKey = {
    privateKey: pair.privateKey,
    publicJwk: pair.publicKey.export({ format: 'jwk' }),
    privateJwk: pair.privateKey.export({ format: 'jwk' }),
    pem: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
  const ledger = await ledgerPkg.createLedger({
    database: join(dir, 'ledger.db'),
    keys: ledgerPkg.createKeyStore(),
    issuer: ISSUER,
    rateLimit: false,
    corsOrigins: options.corsOrigins ?? [],
    linkKeys: { keys: [linkKey.publicJwk] },
    treeHeadIntervalMs: 50,
  });
  const ledgerUrl = await ledger.listen(0, '127.0.0.1');
  const jwks = verifier.createLocalJwks(ledger.jwks() as verifier.JsonWebKeySet);

  // An earlier visitor, so that the receipt below lands in a larger tree than a kept head.
  await post(ledgerUrl, decided(config, (c) => c.rejectAll()).events);
  const old = await treeHeadCovering(ledgerUrl, 1, jwks);
  // Mixed, so that "allowed" and "refused" answers are both exercised.
  const shopper = decided(config, (c) =>
    c.set(
      { analytics: true, personalization: true, 'marketing-email': false, 'marketing-sms': false },
      'preferences:save',
    ),
  );
  const [jws] = await post(ledgerUrl, shopper.events);
  const claims = await verifier.verifyReceipt(jws!, { jwks, issuer: ISSUER });
  await treeHeadCovering(ledgerUrl, claims.seq + 1, jwks);
  const { token: readToken } = await ledger.createToken({ scopes: ['read:subject'] });

  const world: World = {
    dir,
    config,
    rawConfig,
    ledger,
    ledgerUrl,
    jws: jws!,
    claims,
    old,
    subject: shopper.consent.subject,
    consentCookie: core.encodeConsentCookie(shopper.storage.load()!),
    linkKey,
    readToken,
    shopRequests: [],
    realFetch,
    closers: [],
    closed: false,
    async close() {
      // fetch stays routed: a sync an example started may still retry, and must not reach the
      // network for the docs' made-up host.
      world.closed = true;
      vi.unstubAllEnvs();
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // The docs' ledger (its issuer, and the config's ledgerUrl) is this ledger; relative URLs are
  // the page's own backend.
  const routed = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request ? input : undefined;
    const raw = req ? req.url : input instanceof URL ? input.href : String(input);
    for (const origin of [ISSUER, config.ledgerUrl].filter(Boolean) as string[])
      if (raw.startsWith(origin)) {
        if (world.closed) throw new TypeError('fetch failed: the fixture ledger is closed');
        const target = ledgerUrl + raw.slice(origin.length);
        return realFetch(req ? new Request(target, req) : target, init);
      }
    const local = typeof location === 'object' && raw.startsWith(location.origin);
    if (raw.startsWith('/') || raw.startsWith(SHOP) || local) {
      const path = local ? raw.slice(location.origin.length) : raw;
      return shop(world, new Request(new URL(path, SHOP), req ?? init));
    }
    return realFetch(input, init);
  };
  vi.stubGlobal('fetch', routed);
  vi.stubEnv('STOREFRONT_LINK_KEY_PEM', linkKey.pem);
  vi.stubEnv('ASSENT_READ_TOKEN', readToken);
  return world;
}

/** The reader's storefront backend, for the relative URLs page examples fetch. */
async function shop(world: World, req: Request): Promise<Response> {
  world.shopRequests.push(req.clone());
  const { pathname } = new URL(req.url);
  if (pathname === '/assent.config.json') return Response.json(world.rawConfig);
  if (pathname === '/api/link-token' && req.method === 'POST') {
    const { subject } = (await req.json()) as { subject: string };
    const token = await verifier.createLinkToken({
      customerId: CUSTOMER,
      subject,
      key: world.linkKey.privateKey,
      ttlSeconds: 300,
    });
    return Response.json({ token });
  }
  if (pathname === '/api/recommendations') return Response.json({ items: [], personalised: false });
  return new Response('not found', { status: 404 });
}

/** Serve an app (Express, or any Node request listener) on a free loopback port until the example's end. */
export async function serve(world: World, app: Loose): Promise<string> {
  const server: Server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  world.closers.push(() => closeServer(server));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const closeServer = (server: Server) =>
  new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });

// ---------------------------------------------------------------------------------------------
// Fixtures: values for the names an example leaves to the reader

export type FixtureDefs = Record<string, (fx: Fixtures) => unknown>;

export interface Fixtures {
  has(name: string): boolean;
  get(name: string): Promise<Loose>;
  /** The recording stand-ins created so far, by name. */
  spies: Map<string, Mock>;
  importer(spec: string): Promise<unknown>;
}

/** The reader's own functions: recording stand-ins returning plausible values. */
const RECORDERS: Record<string, () => unknown> = {
  bestsellers: () => Promise.resolve([{ sku: 'green-tea', name: 'Green tea' }]),
  recommendFor: () => Promise.resolve([{ sku: 'oolong', name: 'Oolong for you' }]),
  personalised: () => [{ sku: 'oolong', name: 'Oolong for you' }],
  currentUser: () => ({ id: CUSTOMER }),
  loadAnalytics: () => undefined,
  reportToMonitoring: () => undefined,
  showBanner: () => undefined,
  showNotice: () => undefined,
  openConsentDialogFor: () => undefined,
  startFacePayment: () => undefined,
  showOtherPaymentMethods: () => undefined,
};

export function baseFixtures(world: World): FixtureDefs {
  return {
    config: () => core.validateConfig(structuredClone(world.rawConfig)),
    json: () => structuredClone(world.rawConfig),
    LEDGER: () => ISSUER,
    ledgerUrl: () => ISSUER,
    jwks: () => verifier.createRemoteJwks(`${world.ledgerUrl}/.well-known/jwks.json`),
    checker: async (fx) =>
      verifier.createConsentChecker({
        jwks: await fx.get('jwks'),
        issuer: ISSUER,
        purposes: core.purposeHashes(await fx.get('config')),
      }),
    receipt: () => world.jws,
    jws: () => world.jws,
    claims: () => world.claims,
    old: () => world.old,
    subject: () => world.subject,
    user: () => ({ id: CUSTOMER }),
    // The reader's record of the device subjects linked to a customer (verifier guide, subject binding).
    linkedSubjects: () => async () => [world.subject],
    storefrontJwks: () => ({ keys: [world.linkKey.publicJwk] }),
    storefrontPrivateKey: () => world.linkKey.privateKey,
    serverRegion: () => 'CN',
    consent: async (fx) => core.createConsent(await fx.get('config'), { storage: core.memoryStorage() }),
    // What Node's http server hands Express: lowercase headers, the cookies the page sent.
    req: () => ({
      method: 'GET',
      url: '/api/recommendations',
      headers: { cookie: `assent=${world.consentCookie}; assent_receipt=${world.jws}` },
    }),
    request: () =>
      new Request(`${SHOP}/api/recommendations`, {
        headers: { 'assent-receipt': world.jws, cookie: `assent=${world.consentCookie}` },
      }),
    // Never on a fixed port: `app.listen(3000)` binds a free loopback port, closed after the example.
    app: () => {
      const app = express();
      app.listen = (...args: unknown[]) => {
        const server = createServer(app).listen(
          0,
          '127.0.0.1',
          args.find((a) => typeof a === 'function') as never,
        );
        world.closers.push(() => closeServer(server));
        return server;
      };
      return app;
    },
  };
}

/** `@assent/ledger` as examples see it: the real one, with files in the temp dir and port 0 on loopback. */
function ledgerModule(world: World) {
  const inDir = (p: string | undefined) => (p && !p.includes('://') ? join(world.dir, basename(p)) : p);
  return {
    ...ledgerPkg,
    async createLedger(options: ledgerPkg.LedgerOptions) {
      const ledger = await ledgerPkg.createLedger({
        ...options,
        database: inDir(options.database),
        keyFile: inDir(options.keyFile),
      });
      world.closers.push(() => ledger.close());
      return new Proxy(ledger, {
        get: (target, key) =>
          key === 'listen' ? () => target.listen(0, '127.0.0.1') : Reflect.get(target, key, target),
      });
    },
  };
}

export function createFixtures(world: World, defs: FixtureDefs): Fixtures {
  const made = new Map<string, Promise<unknown>>();
  const spies = new Map<string, Mock>();
  const modules: Record<string, () => Promise<unknown>> = {
    '@assent/core': async () => core,
    '@assent/core/protocol': () => import('@assent/core/protocol'),
    '@assent/core/sync': () => import('@assent/core/sync'),
    '@assent/verifier': async () => verifier,
    '@assent/verifier/web': () => import('@assent/verifier/web'),
    '@assent/ledger': async () => ledgerModule(world),
    '@assent/widget': () => import('@assent/widget'),
    express: async () => express,
    hono: async () => hono,
    'hono/cookie': async () => honoCookie,
    'node:crypto': () => import('node:crypto'),
  };
  // Package exports an example uses without importing them (`purposeHashes(config)`).
  const exported = (name: string): unknown =>
    [verifier, core, ledgerPkg].map((m) => (m as Record<string, unknown>)[name]).find((v) => v !== undefined);
  const fx: Fixtures = {
    spies,
    has: (name) => name in defs || name in RECORDERS || exported(name) !== undefined,
    get(name) {
      let v = made.get(name);
      if (!v) {
        if (name in defs) v = Promise.resolve(defs[name]!(fx));
        else if (name in RECORDERS) {
          const spy = vi.fn(RECORDERS[name]!);
          spies.set(name, spy);
          v = Promise.resolve(spy);
        } else if (exported(name) !== undefined) v = Promise.resolve(exported(name));
        else return Promise.reject(new Error(`no fixture for \`${name}\``));
        made.set(name, v);
      }
      return v;
    },
    async importer(spec) {
      if (OWN_MODULE.test(spec)) {
        // The reader's module ('./consent.js', '@/lib/consent', './assent.config.json'): its
        // exports are the fixtures of the same names; a JSON module's default is the config.
        const names = ['default', 'config', 'checker', 'jwks', 'app', 'LEDGER', 'ledgerUrl'];
        const values = await Promise.all(names.map((n) => fx.get(n === 'default' ? 'config' : n)));
        return Object.fromEntries(names.map((n, i) => [n, values[i]]));
      }
      const load = modules[spec];
      if (!load) throw new Error(`example imports ${spec}, which the runner does not provide`);
      return load();
    },
  };
  return fx;
}

// ---------------------------------------------------------------------------------------------
// Running one example

export interface Run {
  scope: Scope;
  fx: Fixtures;
  params: string[];
  /** console.log/info/warn/error calls during the run, by method. */
  console: Record<'log' | 'info' | 'warn' | 'error', Mock>;
}

export async function runExample(
  e: Example,
  free: ReadonlySet<string>,
  world: World,
  defs: FixtureDefs,
  options: {
    timeoutMs?: number;
    /** Set the stage (a page's elements, cookies) before the example runs. */
    before?: (fx: Fixtures) => Promise<void>;
    /** Act while the example runs (answer a dialog it waits for). */
    during?: ((fx: Fixtures) => Promise<void>) | undefined;
  } = {},
): Promise<Run> {
  const prepared = prepare(e.code);
  const params = parametersOf(prepared, free);
  const missing = params.filter((n) => !createFixtures(world, defs).has(n));
  if (missing.length) throw new Error(`${e.file}:${e.line}: no fixture for ${missing.join(', ')}`);
  const fx = createFixtures(world, defs);
  await options.before?.(fx);
  const values = await Promise.all(params.map((n) => fx.get(n)));
  const out = {
    log: vi.spyOn(console, 'log').mockImplementation(() => {}),
    info: vi.spyOn(console, 'info').mockImplementation(() => {}),
    warn: vi.spyOn(console, 'warn').mockImplementation(() => {}),
    error: vi.spyOn(console, 'error').mockImplementation(() => {}),
  };
  const running = execute(prepared, params, values, (spec) => fx.importer(spec));
  const [scope] = await within(
    Promise.all([running, options.during?.(fx)]),
    options.timeoutMs ?? 20_000,
    `${e.file}:${e.line}`,
  );
  return { scope, fx, params, console: out };
}

/** Close what an example started (servers, ledgers) and restore console. */
export async function afterExample(world: World): Promise<void> {
  vi.restoreAllMocks();
  const closers = world.closers.splice(0);
  await Promise.all(closers.map((c) => c()));
}

/** Examples that need a page (DOM, cookies, IndexedDB, the widget, a relative URL): the happy-dom file runs them. */
export function needsPage(e: Example): boolean {
  return /\b(?:window|document|cookieStorage|createIdbHistory)\b|(?:^|[\s(=])assent\.|fetch\(['"`]\/|\bsync\./m.test(
    e.code,
  );
}
