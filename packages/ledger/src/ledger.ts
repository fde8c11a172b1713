// createLedger: keys, storage, signer and the HTTP handler put together.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { validateEvents } from '@assent/core/protocol';
import { createLocalJwks, type KeySet } from '@assent/verifier';
import { EventConflict, EventErased, LedgerSettingsMismatch, StorageUnavailable } from './errors.js';
import { type AssentConfig, validateConfig } from '@assent/core';
import {
  type Controller,
  type ExportContext,
  type ExportFormat,
  EXPORT_FORMATS,
  exportUnconfigured,
  purposeFactsOf,
} from './export.js';
import { createHandler, exportLines } from './http/handler.js';
import {
  importKeyStore,
  type KeyStoreData,
  type LedgerKeys,
  loadOrCreateKeyStore,
  type PublicJwk,
} from './keys.js';
import { SIGNING_BACKENDS, type SigningBackend, type SigningBackendOption } from './lib/ed25519.js';
import { type RateLimit, RateLimiter } from './rate-limit.js';
import { type EventItem, eventItem, newItemId, type SequenceContext } from './sequence.js';
import { Signer } from './signer.js';
import { openPostgresStore, PostgresStore } from './store/postgres.js';
import { openSqliteStore } from './store/sqlite.js';
import type { Store, StoredTreeHead, TokenRecord } from './store/store.js';
import { mintToken, type Scope, TokenResolver } from './tokens.js';
import { subtractDuration } from './duration.js';
import { type VerifyReport, verifyStore } from './verify-log.js';

/** Options of {@link createLedger}. Durations carry their unit in the name. */
export interface LedgerOptions {
  /** SQLite database file; default `:memory:` (tests). Ignored when `postgres` is set. */
  database?: string;
  /** PostgreSQL instead of SQLite: a connection string, or options. */
  postgres?:
    | string
    | {
        connectionString: string;
        schema?: string;
        sequencer?: boolean;
        poolSize?: number;
        /** How long opening a database connection may take; default 10000. */
        connectTimeoutMs?: number;
        /** How long a query of the pool may wait for its answer (not the sequencer's); default 60000. */
        queryTimeoutMs?: number;
        /** How long an ingest waits for a sequencer before answering 503; default 30000. */
        integrateTimeoutMs?: number;
        /** How often a follower tries to take the sequencer lock; default 250. */
        lockPollMs?: number;
        /** A sequencer whose heartbeat is this old while events wait is replaced; default 5000. */
        staleSequencerMs?: number;
      };
  /** The key document (see `createKeyStore`). Takes precedence over `keyFile`. */
  keys?: KeyStoreData;
  /** Key file, created with mode 0600 on first start when missing (and `ASSENT_LEDGER_KEY` is unset). */
  keyFile?: string;
  /**
   * `iss` of receipts; default `http://<host>:<port>` of the first `listen`. Set it in production.
   * On PostgreSQL it is ledger-wide: the first process stores it in the database, a process
   * without `issuer` adopts the stored one, and one with another `issuer` fails to start
   * (`LedgerSettingsMismatch`).
   */
  issuer?: string;
  /**
   * Lifetime of receipts; default 365 days. On PostgreSQL ledger-wide like `issuer`: without this
   * option a process adopts the stored lifetime; with another value it fails to start.
   */
  receiptTtlSeconds?: number;
  /** Storefront origins allowed to call the API from browsers (`https://shop.example`). */
  corsOrigins?: readonly string[];
  /** The storefront's public keys for link tokens: a JWKS, an array of JWKs or one JWK. */
  linkKeys?: { keys: object[] } | readonly object[] | object;
  /** Require a token with scope `events:write` for `POST /v1/events`; default false (browsers post). */
  requireIngestToken?: boolean;
  /**
   * Rate limits; `false` disables them (all, or one of the two). Defaults: 1200 requests/min per
   * client address; per subject, 120 events/min and, in a bucket of their own, 120 reads/min
   * (consent, history, the dashboard's lookup). `perSubject` sets both subject limits.
   */
  rateLimit?: false | { perAddress?: RateLimit | false; perSubject?: RateLimit | false };
  /** Take the client address from the last `X-Forwarded-For` entry (behind a reverse proxy). */
  trustProxy?: boolean;
  /** How far in the future an event's `at` may lie; default 300. */
  maxClockSkewSeconds?: number;
  /** Events per request; default 256. */
  maxEventsPerRequest?: number;
  /** Worker threads that sign receipts; default 1 on a multi-core machine, else 0 (inline). */
  signingThreads?: number;
  /**
   * Ed25519 library: `auto` (default) uses libsodium when the optional `sodium-native` package
   * loads, node:crypto otherwise; `node:crypto` never loads it; `libsodium` fails to start without
   * it. Signatures are byte-identical either way (Ed25519 is deterministic).
   */
  signingBackend?: SigningBackendOption;
  /** Extra wait for a group commit to gather requests; default 0 (the next event-loop turn). */
  commitDelayMs?: number;
  /** Most items one batch takes (sequenced and signed together); default 2048. */
  maxBatchItems?: number;
  /** How often a new tree head is signed while the log grows; default 1000. */
  treeHeadIntervalMs?: number;
  /**
   * Controller details for the ISO 27560 and Kantara exports; default: the `controller` of
   * `siteConfig`. The Kantara format needs one.
   */
  controller?: Controller;
  /**
   * Absolute URL of the privacy notice, for the exports; default: `siteConfig.notice.url` when it is
   * absolute. The Kantara format needs one.
   */
  noticeUrl?: string;
  /**
   * The storefront's Assent config (the JSON the widget uses; checked with `validateConfig` of
   * @assent/core). The Kantara export takes from it, for each purpose whose definition hash is the
   * one a shopper decided on, the data categories, which are sensitive, and the third parties;
   * without it (or for a decision on an older definition) these are left out of the receipt.
   */
  siteConfig?: AssentConfig | object;
  /** `lastUpdate` (YYYY-MM-DD) of `/.well-known/gpc.json`. */
  gpcLastUpdate?: string;
  /**
   * Where the server reports its own failures, one line each: every `500` (method, route with
   * parameters as names, the error's stack), the store refusing all writes from now on, and
   * another process writing the same log; on PostgreSQL also a failing sequencer and events
   * answered 503 because no sequencer integrated them in time. Repeated conflicts and timeouts at
   * most once per 10 s. Never a request body, query, subject id or address.
   * Default: the line and a newline on stderr.
   *
   * @example
   * ```ts
   * const lines: string[] = []
   * const ledger = await createLedger({ keyFile: './assent-ledger.key', log: (line) => lines.push(line) })
   * // 'assent-ledger: 500 ERR_INTERNAL on GET /v1/subjects/:subject/consent: Error: ... at ...'
   * ```
   */
  log?: (line: string) => void;
}

/** A running ledger. */
export interface Ledger {
  /** Start serving HTTP; resolves to the base URL. Port 0 picks a free port. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stop serving, let accepted events commit, close storage and signing threads. */
  close(): Promise<void>;
  /** Base URL once listening. */
  readonly url: string | undefined;
  /** The node:http server (for `server.on('upgrade')` or metrics). */
  readonly server: Server;
  /** The request handler, to mount in another node:http server or a framework. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly store: Store;
  /**
   * The JWKS the ledger publishes. On PostgreSQL: this process's keys and every other process's
   * keys recorded in the database (re-read every 2 s).
   */
  jwks(): { keys: PublicJwk[] };
  /** The library computing the Ed25519 signatures: `libsodium` or `node:crypto`. */
  readonly signingBackend: SigningBackend;
  /** Append events programmatically (same validation as the HTTP API); resolves to receipts. */
  append(events: unknown): Promise<string[]>;
  /** Make an API token; the token string is returned once and only its hash is stored. */
  createToken(options: { scopes: Scope[]; label?: string; expiresInSeconds?: number }): Promise<{
    token: string;
    record: Omit<TokenRecord, 'hash'>;
  }>;
  revokeToken(id: string): Promise<boolean>;
  /** Erase a subject's bodies; returns the tombstone's seq and the number erased. */
  erase(subject: string): Promise<{ seq: number; erased: number }>;
  /** Erase every consent body received more than an ISO 8601 duration ago. */
  purge(olderThan: string): Promise<{ seq: number; erased: number; before: string }>;
  /** The latest signed tree head (made now if none exists). */
  treeHead(): Promise<StoredTreeHead>;
  /**
   * Export every entry as NDJSON lines (without the newline). Like `GET /v1/export` and
   * `assent-ledger export`, it is a read of personal data: before the first line is produced, one
   * record is written to the access log (action `export`, `who`, the format and the seq range),
   * durably. Name the person or job in `who`; without it the record says `api`. The `kantara`
   * format throws `ERR_EXPORT_UNCONFIGURED` (before logging) without a controller and an absolute
   * notice URL (options `controller` and `noticeUrl`, or `siteConfig`).
   *
   * @example
   * ```ts
   * for await (const line of ledger.export('iso27560', { who: 'job:quarterly-audit' }))
   *   out.write(`${line}\n`)
   * ```
   */
  export(
    format?: ExportFormat,
    options?: {
      /**
       * Who exports, for the access log: a person, a job or a system, never a shopper's id. Stored
       * as `api:<who>` (the HTTP export logs `token:<id>`, the CLI `cli:<user>`); default `api`.
       */
      who?: string;
    },
  ): AsyncGenerator<string>;
  /** Recompute the log and compare it with storage and the signed tree heads. */
  verify(): Promise<VerifyReport>;
}

const DAY = 86_400;
/**
 * How often a PostgreSQL ledger re-reads the published keys. The JWKS's `Cache-Control: max-age`
 * (JWKS_MAX_AGE_SECONDS in the handler) is kept close to it, so caches see a new key within seconds.
 */
const JWKS_REFRESH_MS = 2000;

function positiveInt(v: unknown, name: string, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
    throw new TypeError(`${name} must be an integer of at least ${min}`);
  return v;
}

/**
 * Create a ledger: open storage (SQLite file or PostgreSQL), load or create the signing key, and
 * prepare the HTTP API. Call `listen` to serve.
 *
 * @example
 * ```ts
 * const ledger = await createLedger({ database: './assent-ledger.db', keyFile: './assent-ledger.key',
 *   corsOrigins: ['https://shop.example'], issuer: 'https://consent.shop.example' })
 * await ledger.listen(8787)
 * ```
 */
export async function createLedger(options: LedgerOptions = {}): Promise<Ledger> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  let receiptTtlSeconds = positiveInt(options.receiptTtlSeconds, 'receiptTtlSeconds', 365 * DAY);
  const maxClockSkewSeconds = positiveInt(options.maxClockSkewSeconds, 'maxClockSkewSeconds', 300, 0);
  const maxEventsPerRequest = positiveInt(options.maxEventsPerRequest, 'maxEventsPerRequest', 256);
  const signingThreads = positiveInt(
    options.signingThreads,
    'signingThreads',
    availableParallelism() > 1 ? 1 : 0,
    0,
  );
  if (options.corsOrigins !== undefined && !Array.isArray(options.corsOrigins))
    throw new TypeError('corsOrigins must be an array of origins');
  for (const o of options.corsOrigins ?? [])
    if (typeof o !== 'string' || !/^https?:\/\/[^/]+$/.test(o))
      throw new TypeError(`corsOrigins: ${String(o)} is not an origin such as https://shop.example`);
  if (options.issuer !== undefined && typeof options.issuer !== 'string')
    throw new TypeError('issuer must be a string');
  if (options.log !== undefined && typeof options.log !== 'function')
    throw new TypeError('log must be a function');
  const signingBackend = options.signingBackend ?? 'auto';
  if (!SIGNING_BACKENDS.includes(signingBackend))
    throw new TypeError(`signingBackend must be one of ${SIGNING_BACKENDS.join(', ')}`);

  let keys: LedgerKeys;
  if (options.keys) keys = importKeyStore(options.keys);
  else if (options.keyFile || process.env.ASSENT_LEDGER_KEY) {
    const { data } = await loadOrCreateKeyStore({
      file: options.keyFile,
      env: process.env.ASSENT_LEDGER_KEY,
    });
    keys = importKeyStore(data);
  } else throw new TypeError('keys or keyFile is required (or set ASSENT_LEDGER_KEY)');

  // Export facts: explicit options first, then the storefront's config.
  const site = options.siteConfig === undefined ? undefined : validateConfig(options.siteConfig);
  const controller: Controller | undefined =
    options.controller ??
    (site?.controller.name
      ? {
          name: site.controller.name,
          ...(site.controller.contact ? { contact: site.controller.contact } : {}),
          ...(site.controller.address ? { address: site.controller.address } : {}),
        }
      : undefined);
  const noticeUrl =
    options.noticeUrl ?? (site && /^https?:\/\//.test(site.notice.url) ? site.notice.url : undefined);
  const purposeFacts = site ? purposeFactsOf(site) : undefined;

  let linkKeys: KeySet | undefined;
  if (options.linkKeys !== undefined) linkKeys = createLocalJwks(options.linkKeys as never);

  let issuer = options.issuer;
  const signer = new Signer(keys.kid, keys.signingKey, signingThreads, signingBackend);
  const ctx: SequenceContext = {
    signer,
    secret: keys.secret,
    get issuer() {
      return issuer ?? 'http://localhost';
    },
    get receiptTtlSeconds() {
      return receiptTtlSeconds;
    },
  };
  // PostgreSQL: whichever process sequences signs every receipt, so `iss` and `exp` must not depend
  // on which one it is. Settled before this process may sequence.
  const settle = async (pgStore: PostgresStore) => {
    const ttl = Number(await pgStore.setting('receipt_ttl_seconds', String(receiptTtlSeconds)));
    if (ttl !== receiptTtlSeconds) {
      if (options.receiptTtlSeconds !== undefined)
        throw new LedgerSettingsMismatch(
          `receiptTtlSeconds ${receiptTtlSeconds} differs from the ledger's ${ttl}, stored in the database by its first process; every process of one ledger must sign receipts with the same lifetime (omit the option to adopt the stored one)`,
          { path: 'receiptTtlSeconds' },
        );
      receiptTtlSeconds = ttl;
    }
    const stored = await pgStore.setting('issuer', options.issuer);
    if (options.issuer !== undefined && stored !== options.issuer)
      throw new LedgerSettingsMismatch(
        `issuer ${JSON.stringify(options.issuer)} differs from the ledger's ${JSON.stringify(stored)}, stored in the database by its first process; every process of one ledger must name the same issuer in its receipts (omit --issuer to adopt the stored one)`,
        { path: 'issuer' },
      );
    issuer = stored;
  };
  const commit = {
    commitDelayMs: options.commitDelayMs,
    maxBatchItems: options.maxBatchItems,
    treeHeadIntervalMs: options.treeHeadIntervalMs,
  };
  let store: Store;
  try {
    if (options.postgres !== undefined) {
      const pg =
        typeof options.postgres === 'string' ? { connectionString: options.postgres } : options.postgres;
      store = await openPostgresStore(ctx, {
        ...pg,
        ...stripUndefined(commit),
        log: options.log,
        beforeSequencing: settle,
      });
    } else {
      store = openSqliteStore(ctx, { file: options.database ?? ':memory:', ...stripUndefined(commit) });
    }
  } catch (e) {
    await signer.close();
    throw e;
  }
  // PostgreSQL: only the sequencer signs, and processes may run different key documents during a
  // rolling rotation, so every process publishes the union of all processes' keys, kept in the
  // database and re-read every JWKS_REFRESH_MS.
  let published = keys.jwks;
  let jwksTimer: NodeJS.Timeout | undefined;
  if (store instanceof PostgresStore) {
    const pgStore = store;
    const refreshJwks = async () => {
      const fromDb = (await pgStore.publishedKeys({
        kid: keys.kid,
        keepPublishedSeconds: receiptTtlSeconds + DAY,
      })) as PublicJwk[];
      const own = new Set(keys.jwks.keys.map((k) => k.kid));
      published = { keys: [...keys.jwks.keys, ...fromDb.filter((k) => !own.has(k.kid))] };
    };
    try {
      await pgStore.publishKeys(
        keys.data.keys.map((k, i) => ({
          jwk: keys.allKeys.keys[i]!,
          publishUntil: i === 0 ? undefined : k.publishUntil,
        })),
      );
      await refreshJwks();
    } catch (e) {
      await store.close();
      await signer.close();
      throw e;
    }
    // A failed refresh keeps the last set; this process's own keys are always in it.
    jwksTimer = setInterval(() => refreshJwks().catch(() => {}), JWKS_REFRESH_MS);
    jwksTimer.unref();
  }
  await store.refreshTreeHead();

  const rl = options.rateLimit;
  const perAddress =
    rl === false || rl?.perAddress === false
      ? undefined
      : new RateLimiter(rl?.perAddress ?? { limit: 1200, windowSeconds: 60 });
  const perSubject =
    rl === false || rl?.perSubject === false
      ? undefined
      : new RateLimiter(rl?.perSubject ?? { limit: 120, windowSeconds: 60 });
  const tokens = new TokenResolver(store);
  const handler = createHandler({
    store,
    tokens,
    secret: keys.secret,
    jwks: () => published,
    issuer: () => ctx.issuer,
    corsOrigins: new Set(options.corsOrigins ?? []),
    linkKeys,
    requireIngestToken: options.requireIngestToken ?? false,
    perAddress,
    perSubject,
    trustProxy: options.trustProxy ?? false,
    maxClockSkewSeconds,
    maxEventsPerRequest,
    controller,
    noticeUrl,
    purposes: purposeFacts,
    gpcLastUpdate: options.gpcLastUpdate,
    log: options.log,
  });
  // Keep-alive longer than common load balancers' idle timeout (60 s), so they close first; slow or
  // stalled clients (slowloris) are cut off instead of holding sockets.
  const server = createServer(
    { keepAliveTimeout: 65_000, headersTimeout: 10_000, requestTimeout: 30_000 },
    handler,
  );
  let url: string | undefined;
  let closing: Promise<void> | undefined;

  const ledger: Ledger = {
    get url() {
      return url;
    },
    server,
    handler,
    store,
    jwks: () => published,
    signingBackend: signer.backend,
    listen(port = 8787, host = '127.0.0.1') {
      if (!Number.isSafeInteger(port) || port < 0 || port > 65535)
        throw new TypeError('port must be 0 to 65535');
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const a = server.address() as AddressInfo;
          const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
          const here = `http://${h === '0.0.0.0' || h === '[::]' ? 'localhost' : h}:${a.port}`;
          url = here;
          if (issuer !== undefined || !(store instanceof PostgresStore)) {
            issuer ??= here;
            return resolve(here);
          }
          // No issuer configured or stored yet: the first process to listen names the ledger.
          store.setting('issuer', here).then(
            (stored) => {
              issuer ??= stored;
              resolve(here);
            },
            (e) => server.close(() => reject(e)),
          );
        });
      });
    },
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          if (!server.listening) return resolve();
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        if (jwksTimer) clearInterval(jwksTimer);
        await store.close();
        await signer.close();
      })();
      return closing;
    },
    async append(input) {
      const events = validateEvents(input, maxEventsPerRequest);
      const receivedAt = new Date().toISOString();
      const items: EventItem[] = events.map((e) => {
        if (e.link !== undefined)
          throw new TypeError('append() takes events without link tokens; post them over HTTP');
        return eventItem(e, receivedAt);
      });
      const outcomes = await store.append(items);
      return outcomes.map((o, i) => {
        if (o.status === 'ok') return o.receipt;
        const path = `$[${i}].id`;
        if (o.status === 'conflict')
          throw new EventConflict(`${path}: recorded with a different body`, { path });
        throw new EventErased(`${path}: recorded and later erased`, { path });
      });
    },
    async createToken({ scopes, label, expiresInSeconds }) {
      const { token, record } = mintToken(scopes, { label, expiresInSeconds });
      await store.insertToken(record);
      const { hash: _h, ...rest } = record;
      return { token, record: rest };
    },
    async revokeToken(id) {
      const ok = await store.revokeToken(id, new Date().toISOString());
      tokens.forget();
      return ok;
    },
    async erase(subject) {
      const [o] = await store.append([
        { kind: 'erasure', id: newItemId(), subject, receivedAt: new Date().toISOString() },
      ]);
      if (o?.status !== 'tombstone') throw new Error('erasure was not recorded');
      return { seq: o.seq, erased: o.erased };
    },
    async purge(olderThan) {
      const before = subtractDuration(olderThan).toISOString();
      const [o] = await store.append([
        { kind: 'retention', id: newItemId(), before, receivedAt: new Date().toISOString() },
      ]);
      if (o?.status !== 'tombstone') throw new Error('purge was not recorded');
      return { seq: o.seq, erased: o.erased, before };
    },
    async treeHead() {
      // On PostgreSQL another process may be the sequencer; its first head comes within a second.
      const until = Date.now() + 10_000;
      for (;;) {
        const h = (await store.latestTreeHead()) ?? (await store.refreshTreeHead(true));
        if (h) return h;
        if (Date.now() > until)
          throw new StorageUnavailable('no signed tree head yet: is a sequencer running?');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async *export(format = 'native', exportOptions = {}) {
      if (!EXPORT_FORMATS.includes(format))
        throw new TypeError(`format must be one of ${EXPORT_FORMATS.join(', ')}`);
      if (typeof exportOptions !== 'object' || exportOptions === null)
        throw new TypeError('options must be an object');
      const { who } = exportOptions;
      if (who !== undefined && (typeof who !== 'string' || who.length === 0 || who.length > 200))
        throw new TypeError('who must be a string of 1 to 200 characters');
      const ectx: ExportContext = { controller, noticeUrl, issuer: ctx.issuer, purposes: purposeFacts };
      const problem = exportUnconfigured(format, ectx);
      if (problem) throw problem;
      const end = await store.treeSize();
      // Logged before the first line is handed out, as the HTTP and CLI exports do.
      await store.logAccess({
        at: new Date().toISOString(),
        who: who === undefined ? 'api' : `api:${who}`,
        action: 'export',
        subjectHash: null,
        detail: `format=${format} from=0 to=${end}`,
      });
      yield* exportLines(store, format, ectx, 0, end);
    },
    verify() {
      return verifyStore(store, { keys: keys.allKeys });
    },
  };
  return ledger;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
