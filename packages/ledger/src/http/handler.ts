// The ledger's HTTP API on bare node:http: no framework, one switch on method and path. The hot
// path (POST /v1/events) parses, validates, checks link tokens and hands the batch to the store's
// group commit; everything else is reads. Every personal-data read is written to the access log.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ConsentEvent, MAX_EVENTS_BODY_BYTES, SUBJECT_ID, validateEvents } from '@assent/core/protocol';
import { verifyLinkToken, type KeySet } from '@assent/verifier';
import { EventClockSkew, LinkInvalid } from '../errors.js';
import {
  type Controller,
  type ExportContext,
  type ExportFormat,
  EXPORT_FORMATS,
  exportLine,
  exportUnconfigured,
  type PurposeFacts,
} from '../export.js';
import { handleDashboard, isDashboardPath } from '../dashboard/routes.js';
import { b64u } from '../lib/hash.js';
import { consistencyRanges, hashRanges, inclusionRanges } from '../merkle.js';
import { addressKey, RateLimiter } from '../rate-limit.js';
import { customerHash, type EventItem, eventItem, type Item, newItemId, subjectHash } from '../sequence.js';
import { currentConsent, historyOf } from '../subject.js';
import { subtractDuration } from '../duration.js';
import type { Outcome, Store, TokenRecord } from '../store/store.js';
import { mintToken, type Scope, type TokenResolver } from '../tokens.js';
import { FailureLog, type LogLine } from './failure-log.js';
import {
  decodeSegment,
  HttpError,
  RETRY_AFTER_503,
  readBody,
  sendError,
  sendJson,
  toHttpError,
} from './respond.js';
import { PostgresStore } from '../store/postgres.js';

/** Everything the handler needs, assembled by createLedger. */
export interface HandlerContext {
  store: Store;
  tokens: TokenResolver;
  secret: Buffer;
  jwks: () => { keys: object[] };
  issuer: () => string;
  corsOrigins: ReadonlySet<string>;
  linkKeys: KeySet | undefined;
  requireIngestToken: boolean;
  perAddress: RateLimiter | undefined;
  /** Events per subject (`POST /v1/events`). */
  perSubject: RateLimiter | undefined;
  /**
   * Reads per subject (consent, history, the dashboard's history); by default a limiter with the
   * `perSubject` rule of its own, made by createHandler. See {@link createHandler} for why.
   */
  perSubjectRead?: RateLimiter | undefined;
  trustProxy: boolean;
  maxClockSkewSeconds: number;
  maxEventsPerRequest: number;
  controller: Controller | undefined;
  noticeUrl: string | undefined;
  /**
   * Facts of the storefront's current purpose definitions (`purposeFactsOf` of its Assent config),
   * for the Kantara export's categories, sensitivity and third parties; without them these are left
   * out of the receipts.
   */
  purposes?: ReadonlyMap<string, PurposeFacts> | undefined;
  gpcLastUpdate: string | undefined;
  /** Where failure lines go (500s, a broken store, log conflicts); default stderr. */
  log?: LogLine | undefined;
}

type Principal = { kind: 'token'; token: TokenRecord } | { kind: 'link'; sub: string; customer: Buffer };

/** The longest lifetime `POST /v1/tokens` grants: 100 years of 365.25 days. */
const MAX_TOKEN_LIFETIME_SECONDS = 3_155_760_000;

/** `max-age` of the JWKS. */
export const JWKS_MAX_AGE_SECONDS = 5;

const PUBLIC_PATHS = new Set(['/.well-known/jwks.json', '/.well-known/gpc.json', '/healthz']);

/**
 * The ledger's request handler.
 *
 * Reads of a subject and the subject's events take from separate buckets, both per subject: a
 * backend polling a shopper's consent must never make that shopper's withdrawal wait, so no read
 * can take what a write needs. Reads are limited per subject, not per token: one back-office token
 * legitimately reads many shoppers (a per-token bucket low enough to protect one subject would
 * throttle the whole backend), the shopper's own reads carry a link token rather than an API
 * token, and what a read costs (the linked set's entries, an access-log record) is per subject.
 * The per-address limit bounds each client overall.
 *
 * @example
 * ```ts
 * createServer(createHandler(ctx)).listen(8787)
 * ```
 */
export function createHandler(ctx: HandlerContext): (req: IncomingMessage, res: ServerResponse) => void {
  if (ctx.perSubject && !ctx.perSubjectRead) ctx.perSubjectRead = new RateLimiter(ctx.perSubject.rule);
  const failures = new FailureLog(ctx.log);
  return (req, res) => {
    handle(ctx, req, res).then(
      // A store breaks in the background (a failed WAL sync): the next request, a health check
      // included, notices it, so the operator reads why without waiting for a failed write.
      () => failures.storage(ctx.store.broken),
      (e) => {
        const answer = toHttpError(e);
        failures.failed(req, e, answer);
        failures.storage(ctx.store.broken);
        sendError(res, answer);
      },
    );
  };
}

function clientAddress(ctx: HandlerContext, req: IncomingMessage): string {
  if (ctx.trustProxy) {
    const fwd = req.headers['x-forwarded-for'];
    const list = (Array.isArray(fwd) ? fwd.join(',') : (fwd ?? '')).split(',');
    // The right-most address is the one our own proxy saw; the rest is whatever the client claims.
    const last = list[list.length - 1]?.trim();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? '';
}

/** CORS: returns false when a browser request comes from an origin not on the allow-list. */
function cors(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, path: string): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (PUBLIC_PATHS.has(path) || path.startsWith('/v1/log/')) {
    res.setHeader('access-control-allow-origin', '*');
    return true;
  }
  if (!ctx.corsOrigins.has(origin)) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'Origin');
  res.setHeader('access-control-expose-headers', 'Retry-After');
  return true;
}

async function handle(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const method = req.method ?? 'GET';

  // CORS headers first, so that every answer after this, a 429 included, is readable by the
  // storefront's script (with Retry-After exposed); the address limit still counts requests from
  // origins that are then refused.
  const allowedOrigin = cors(ctx, req, res, path);
  if (ctx.perAddress) {
    const wait = ctx.perAddress.take(addressKey(clientAddress(ctx, req)));
    if (wait) throw rateLimited(wait, 'too many requests from this address');
  }
  if (!allowedOrigin) {
    throw new HttpError(403, 'ERR_ORIGIN_FORBIDDEN', `origin ${req.headers.origin} is not on the allow-list`);
  }
  if (method === 'OPTIONS') {
    res.writeHead(204, {
      'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
      'access-control-allow-headers': 'Content-Type, Authorization',
      'access-control-max-age': '600',
    });
    res.end();
    return;
  }

  if (path === '/v1/events') {
    allow(method, ['POST']);
    return postEvents(ctx, req, res);
  }
  if (path === '/.well-known/jwks.json') {
    allow(method, ['GET']);
    // Short: on PostgreSQL a process restarted with a rotated key appears in every process's JWKS
    // within 2 s, and a cache must not hide it much longer than that.
    return sendJson(res, 200, ctx.jwks(), { 'cache-control': `public, max-age=${JWKS_MAX_AGE_SECONDS}` });
  }
  if (path === '/.well-known/gpc.json') {
    allow(method, ['GET']);
    const body = ctx.gpcLastUpdate ? { gpc: true, lastUpdate: ctx.gpcLastUpdate } : { gpc: true };
    return sendJson(res, 200, body, { 'cache-control': 'public, max-age=86400' });
  }
  if (path === '/healthz') {
    allow(method, ['GET']);
    // A store that stopped accepting writes is down, whatever it still reads: a load balancer must
    // send the shoppers' decisions elsewhere, and an operator must look.
    const broken = ctx.store.broken;
    if (broken)
      return sendJson(res, 503, {
        status: 'unavailable',
        storage: ctx.store.kind,
        error: { code: 'ERR_STORAGE_UNAVAILABLE', message: broken.message, path: null },
      });
    const treeSize = await ctx.store.treeSize();
    // PostgreSQL: events waiting longer than the integrate timeout mean no sequencer is working
    // (none running, or one frozen with its lock); every ingest on every process now ends in 503.
    const pg = ctx.store instanceof PostgresStore ? ctx.store : undefined;
    const pendingMs = pg ? await pg.pendingAgeMs() : 0;
    if (pg && pendingMs > pg.integrateTimeoutMs)
      return sendJson(
        res,
        503,
        {
          status: 'degraded',
          storage: ctx.store.kind,
          treeSize,
          pendingMs,
          error: {
            code: 'ERR_STORAGE_UNAVAILABLE',
            message: `events have been pending for ${pendingMs} ms: no sequencer is integrating them`,
            path: null,
          },
        },
        { 'retry-after': RETRY_AFTER_503 },
      );
    return sendJson(res, 200, { status: 'ok', storage: ctx.store.kind, treeSize });
  }
  if (path === '/v1/log/sth') {
    allow(method, ['GET']);
    return getTreeHead(ctx, req, res);
  }
  if (path === '/v1/log/inclusion') {
    allow(method, ['GET']);
    return getInclusion(ctx, res, queryOf(url, q));
  }
  if (path === '/v1/log/consistency') {
    allow(method, ['GET']);
    return getConsistency(ctx, res, queryOf(url, q));
  }
  if (path.startsWith('/v1/subjects/')) {
    const parts = path.slice('/v1/subjects/'.length).split('/');
    const subject = decodeSegment(parts[0] ?? '', 'ERR_SUBJECT_INVALID', 'subject');
    if (!SUBJECT_ID.test(subject))
      throw new HttpError(
        400,
        'ERR_SUBJECT_INVALID',
        'the subject must be a 128-bit base64url id',
        'subject',
      );
    if (parts.length === 1) {
      allow(method, ['DELETE']);
      return eraseSubject(ctx, req, res, subject);
    }
    if (parts.length === 2 && (parts[1] === 'consent' || parts[1] === 'history')) {
      allow(method, ['GET']);
      return readSubject(ctx, req, res, subject, parts[1]);
    }
  }
  if (path === '/v1/export') {
    allow(method, ['GET']);
    return getExport(ctx, req, res, queryOf(url, q));
  }
  if (path === '/v1/access-log') {
    allow(method, ['GET']);
    await requireScope(ctx, req, 'audit');
    const query = queryOf(url, q);
    const from = intParam(query, 'from', 0);
    const limit = Math.min(intParam(query, 'limit', 1000), 10_000);
    return sendJson(res, 200, { records: await ctx.store.accessLog(from, limit) });
  }
  if (path === '/v1/tokens') {
    allow(method, ['GET', 'POST']);
    await requireScope(ctx, req, 'admin');
    if (method === 'GET') {
      const tokens = (await ctx.store.listTokens()).map(({ hash: _h, ...t }) => t);
      return sendJson(res, 200, { tokens });
    }
    const body = await jsonBody(req, 4096);
    const b = (body ?? {}) as { scopes?: unknown; label?: unknown; expiresInSeconds?: unknown };
    const expires = b.expiresInSeconds;
    // Checked here, not left to mintToken: its errors would be reported at $.scopes, and a lifetime
    // past the Date range would fail as "Invalid time value". A lifetime of another type was once
    // ignored, which made a token that never expires.
    if (
      expires !== undefined &&
      (typeof expires !== 'number' ||
        !Number.isSafeInteger(expires) ||
        expires <= 0 ||
        expires > MAX_TOKEN_LIFETIME_SECONDS)
    )
      throw new HttpError(
        400,
        'ERR_TOKEN_REQUEST_INVALID',
        `expiresInSeconds must be a positive integer of at most ${MAX_TOKEN_LIFETIME_SECONDS} (100 years)`,
        '$.expiresInSeconds',
      );
    let minted: ReturnType<typeof mintToken>;
    try {
      minted = mintToken(b.scopes as string[], {
        label: typeof b.label === 'string' ? b.label : undefined,
        expiresInSeconds: expires,
      });
    } catch (e) {
      throw new HttpError(400, 'ERR_TOKEN_REQUEST_INVALID', (e as Error).message, '$.scopes');
    }
    await ctx.store.insertToken(minted.record);
    const { hash: _h, ...rec } = minted.record;
    return sendJson(res, 201, { ...rec, token: minted.token });
  }
  if (path.startsWith('/v1/tokens/')) {
    allow(method, ['DELETE']);
    await requireScope(ctx, req, 'admin');
    const id = decodeSegment(path.slice('/v1/tokens/'.length), 'ERR_PARAM_INVALID', 'id');
    if (!(await ctx.store.revokeToken(id, new Date().toISOString())))
      throw new HttpError(404, 'ERR_NOT_FOUND', 'no such live token', 'id');
    ctx.tokens.forget();
    res.writeHead(204);
    res.end();
    return;
  }
  if (path === '/v1/purge') {
    allow(method, ['POST']);
    await requireScope(ctx, req, 'admin');
    const body = (await jsonBody(req, 1024)) as { olderThan?: unknown } | null;
    let before: Date;
    try {
      before = subtractDuration(body?.olderThan as string);
    } catch (e) {
      throw new HttpError(400, 'ERR_DURATION_INVALID', (e as Error).message, '$.olderThan');
    }
    const [o] = await ctx.store.append([
      {
        kind: 'retention',
        id: newItemId(),
        before: before.toISOString(),
        receivedAt: new Date().toISOString(),
      },
    ]);
    if (o?.status !== 'tombstone') throw new HttpError(500, 'ERR_INTERNAL', 'purge was not recorded');
    return sendJson(res, 200, {
      before: before.toISOString(),
      erased: o.erased,
      seq: o.seq,
      leafHash: b64u(o.leaf),
    });
  }
  if (isDashboardPath(path)) return handleDashboard(ctx, req, res, path, queryOf(url, q));
  throw new HttpError(404, 'ERR_NOT_FOUND', `no endpoint ${path}`);
}

const queryOf = (url: string, q: number) => new URLSearchParams(q < 0 ? '' : url.slice(q + 1));

function allow(method: string, methods: string[]): void {
  if (!methods.includes(method))
    throw new HttpError(405, 'ERR_METHOD_NOT_ALLOWED', `use ${methods.join(' or ')}`, null, {
      allow: [...methods, 'OPTIONS'].join(', '),
    });
}

const rateLimited = (seconds: number, message: string) =>
  new HttpError(429, 'ERR_RATE_LIMITED', message, null, { 'retry-after': String(seconds) });

function intParam(query: URLSearchParams, name: string, fallback?: number): number {
  const raw = query.get(name);
  if (raw === null) {
    if (fallback === undefined) throw new HttpError(400, 'ERR_PARAM_INVALID', `${name} is required`, name);
    return fallback;
  }
  if (!/^\d{1,15}$/.test(raw))
    throw new HttpError(400, 'ERR_PARAM_INVALID', `${name} must be a non-negative integer`, name);
  return Number(raw);
}

async function jsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && type !== 'text/plain')
    throw new HttpError(
      415,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      'send application/json (or text/plain for beacons)',
    );
  const raw = await readBody(req, limit);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'ERR_JSON_INVALID', 'the body is not JSON');
  }
}

// ---- authentication ----

async function principal(ctx: HandlerContext, req: IncomingMessage): Promise<Principal | undefined> {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const sp = h.indexOf(' ');
  const scheme = h.slice(0, sp < 0 ? h.length : sp).toLowerCase();
  const value = sp < 0 ? '' : h.slice(sp + 1).trim();
  if (scheme === 'bearer') {
    const token = await ctx.tokens.resolve(value);
    if (!token) throw unauthorized('the token is unknown, expired or revoked');
    return { kind: 'token', token };
  }
  if (scheme === 'link') {
    if (!ctx.linkKeys) throw unauthorized('this ledger is not configured to accept link tokens');
    try {
      const claims = await verifyLinkToken(value, { jwks: ctx.linkKeys });
      return { kind: 'link', sub: claims.sub, customer: customerHash(ctx.secret, claims.cid) };
    } catch (e) {
      throw unauthorized(`the link token did not verify: ${(e as { code?: string }).code ?? 'invalid'}`);
    }
  }
  throw unauthorized('use Authorization: Bearer <token> or Link <link token>');
}

const unauthorized = (message: string) =>
  new HttpError(401, 'ERR_UNAUTHORIZED', message, null, {
    'www-authenticate': 'Bearer realm="assent-ledger", Link realm="assent-ledger"',
  });

async function requireScope(ctx: HandlerContext, req: IncomingMessage, scope: Scope): Promise<TokenRecord> {
  const p = await principal(ctx, req);
  if (!p) throw unauthorized(`a token with scope ${scope} is required`);
  if (p.kind !== 'token' || !p.token.scopes.includes(scope))
    throw new HttpError(403, 'ERR_FORBIDDEN', `scope ${scope} is required`);
  return p.token;
}

// ---- ingest ----

async function postEvents(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (ctx.requireIngestToken) await requireScope(ctx, req, 'events:write');
  // The parsed events live only in acceptedItems(): a batch then waits tens of milliseconds for its
  // commit, and whatever it keeps alive meanwhile is copied by every young-generation collection.
  const items = await acceptedItems(ctx, req);
  answerEvents(res, await ctx.store.append(items));
}

/** The request's events, parsed, validated, rate-limited and turned into store items. */
async function acceptedItems(ctx: HandlerContext, req: IncomingMessage): Promise<EventItem[]> {
  const body = await jsonBody(req, MAX_EVENTS_BODY_BYTES);
  const events = validateEvents(body, ctx.maxEventsPerRequest);
  const now = Date.now();
  const receivedAt = new Date(now).toISOString();
  const latest = now + ctx.maxClockSkewSeconds * 1000;
  const perSubject = new Map<string, number>();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (Date.parse(e.at) > latest)
      throw new EventClockSkew(`$[${i}].at: lies more than ${ctx.maxClockSkewSeconds} s in the future`, {
        path: `$[${i}].at`,
      });
    perSubject.set(e.subject, (perSubject.get(e.subject) ?? 0) + 1);
  }
  if (ctx.perSubject) {
    const limiter = ctx.perSubject;
    // All subjects first, then take: a refused request spends nothing, and after its Retry-After
    // (the longest wait of its subjects) every one of them has room again.
    let wait = 0;
    for (const [subject, n] of perSubject) wait = Math.max(wait, limiter.wait(subject, n, now));
    if (wait) throw rateLimited(wait, 'too many events for this subject');
    for (const [subject, n] of perSubject) limiter.take(subject, n, now);
  }
  const items: EventItem[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.link === undefined) items[i] = eventItem(e, receivedAt);
    else items[i] = await linkedItem(ctx, e, i, receivedAt);
  }
  return items;
}

/**
 * The item for an event carrying a link token. A link that does not verify refuses the event,
 * except in a retry of an event the log already holds (same id, same body without `link`): a
 * retry's link is ignored anyway (protocol.md 3.1), and its token may have expired since the first
 * attempt. Refusing it would make the device set aside a decision that is stored.
 */
async function linkedItem(
  ctx: HandlerContext,
  e: ConsentEvent,
  i: number,
  receivedAt: string,
): Promise<EventItem> {
  let customer: Buffer;
  try {
    customer = await linkCustomer(ctx, e, i);
  } catch (err) {
    const retry = eventItem(e, receivedAt);
    if (err instanceof LinkInvalid && (await ctx.store.holdsEvent(retry.id, retry.digest))) return retry;
    throw err;
  }
  return eventItem(e, receivedAt, customer);
}

/** The answer to a POST /v1/events whose items the store has appended. */
function answerEvents(res: ServerResponse, outcomes: Outcome[]): void {
  const receipts: Array<string | null> = new Array(outcomes.length);
  let failure: HttpError | undefined;
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i]!;
    if (o.status === 'ok') receipts[i] = o.receipt;
    else {
      receipts[i] = null;
      failure ??=
        o.status === 'conflict'
          ? new HttpError(
              409,
              'ERR_EVENT_CONFLICT',
              'this event id was recorded with a different body',
              `$[${i}].id`,
            )
          : new HttpError(410, 'ERR_EVENT_ERASED', 'this event was recorded and later erased', `$[${i}].id`);
    }
  }
  // Compact JWS are base64url segments and dots: nothing in them needs JSON escaping.
  if (failure) sendError(res, failure, { receipts });
  else sendJson(res, 200, `{"receipts":["${receipts.join('","')}"]}`);
}

async function linkCustomer(ctx: HandlerContext, e: ConsentEvent, i: number): Promise<Buffer> {
  const path = `$[${i}].link`;
  if (!ctx.linkKeys) throw new LinkInvalid(`${path}: this ledger accepts no link tokens`, { path });
  let claims: { sub: string; cid: string };
  try {
    claims = await verifyLinkToken(e.link!, { jwks: ctx.linkKeys });
  } catch (cause) {
    throw new LinkInvalid(`${path}: ${(cause as Error).message}`, { path, cause });
  }
  if (claims.sub !== e.subject) throw new LinkInvalid(`${path}: the token links another subject`, { path });
  return customerHash(ctx.secret, claims.cid);
}

// ---- log ----

async function getTreeHead(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const head = (await ctx.store.latestTreeHead()) ?? (await ctx.store.refreshTreeHead(true));
  if (!head)
    throw new HttpError(503, 'ERR_STORAGE_UNAVAILABLE', 'no signed tree head yet', null, {
      'retry-after': RETRY_AFTER_503,
    });
  if ((req.headers.accept ?? '').includes('application/jwt')) {
    res.writeHead(200, { 'content-type': 'application/jwt', 'cache-control': 'no-cache' });
    res.end(head.jws);
    return;
  }
  sendJson(
    res,
    200,
    { treeSize: head.treeSize, rootHash: b64u(head.rootHash), timestamp: head.timestamp, sth: head.jws },
    { 'cache-control': 'no-cache' },
  );
}

async function getInclusion(ctx: HandlerContext, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const seq = intParam(query, 'seq');
  const size = await ctx.store.treeSize();
  const treeSize = intParam(query, 'treeSize', (await ctx.store.latestTreeHead())?.treeSize ?? size);
  if (treeSize > size)
    throw new HttpError(
      400,
      'ERR_PARAM_INVALID',
      `treeSize ${treeSize} exceeds the log size ${size}`,
      'treeSize',
    );
  if (seq >= treeSize)
    throw new HttpError(400, 'ERR_PARAM_INVALID', `seq ${seq} is not in a tree of ${treeSize}`, 'seq');
  const [leaf] = await ctx.store.nodes([{ level: 0, index: seq }]);
  const proof = await hashRanges(inclusionRanges(seq, 0, treeSize), (c) => ctx.store.nodes(c));
  sendJson(res, 200, { seq, treeSize, leafHash: b64u(leaf!), proof: proof.map(b64u) });
}

async function getConsistency(
  ctx: HandlerContext,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const first = intParam(query, 'first');
  const second = intParam(query, 'second');
  const size = await ctx.store.treeSize();
  if (second > size)
    throw new HttpError(400, 'ERR_PARAM_INVALID', `second ${second} exceeds the log size ${size}`, 'second');
  if (first > second) throw new HttpError(400, 'ERR_PARAM_INVALID', 'first must not exceed second', 'first');
  const proof = await hashRanges(consistencyRanges(first, second), (c) => ctx.store.nodes(c));
  sendJson(res, 200, { first, second, proof: proof.map(b64u) });
}

// ---- subjects ----

async function readSubject(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  subject: string,
  what: 'consent' | 'history',
): Promise<void> {
  const p = await principal(ctx, req);
  if (!p) throw unauthorized('a token with scope read:subject or a link token for this subject is required');
  let who: string;
  if (p.kind === 'token') {
    if (!p.token.scopes.includes('read:subject'))
      throw new HttpError(403, 'ERR_FORBIDDEN', 'scope read:subject is required');
    who = `token:${p.token.id}`;
  } else {
    if (p.sub !== subject && !(await ctx.store.isLinked(subject, p.customer)))
      throw new HttpError(403, 'ERR_FORBIDDEN', 'the link token is for another subject');
    who = `link:${subjectHash(ctx.secret, p.sub)}`;
  }
  if (ctx.perSubjectRead) {
    const wait = ctx.perSubjectRead.take(subject);
    if (wait) throw rateLimited(wait, 'too many reads of this subject');
  }
  const subjects = await ctx.store.linkedSubjects(subject);
  const rows = await ctx.store.subjectEntries(subjects);
  await ctx.store.logAccess({
    at: new Date().toISOString(),
    who,
    action: what,
    subjectHash: subjectHash(ctx.secret, subject),
    detail: subjects.length > 1 ? `${subjects.length} linked subjects` : null,
  });
  if (what === 'consent') return sendJson(res, 200, { subject, purposes: currentConsent(rows) });
  sendJson(res, 200, { subject, subjects, events: historyOf(rows) });
}

async function eraseSubject(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  subject: string,
): Promise<void> {
  const token = await requireScope(ctx, req, 'erase');
  const item: Item = { kind: 'erasure', id: newItemId(), subject, receivedAt: new Date().toISOString() };
  const [o] = await ctx.store.append([item]);
  if (o?.status !== 'tombstone') throw new HttpError(500, 'ERR_INTERNAL', 'erasure was not recorded');
  await ctx.store.logAccess({
    at: new Date().toISOString(),
    who: `token:${token.id}`,
    action: 'erase',
    subjectHash: subjectHash(ctx.secret, subject),
    detail: `${o.erased} entries, tombstone ${o.seq}`,
  });
  sendJson(res, 200, { subject, erased: o.erased, seq: o.seq, leafHash: b64u(o.leaf) });
}

// ---- export ----

async function getExport(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const token = await requireScope(ctx, req, 'audit');
  const format = (query.get('format') ?? 'native') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format))
    throw new HttpError(
      400,
      'ERR_PARAM_INVALID',
      `format must be one of ${EXPORT_FORMATS.join(', ')}`,
      'format',
    );
  const from = intParam(query, 'from', 0);
  const ectx: ExportContext = {
    controller: ctx.controller,
    noticeUrl: ctx.noticeUrl,
    issuer: ctx.issuer(),
    purposes: ctx.purposes,
  };
  // Refused before the access-log record, as ledger.export() and the CLI do: nothing was read.
  const problem = exportUnconfigured(format, ectx);
  if (problem) throw problem;
  const end = await ctx.store.treeSize();
  await ctx.store.logAccess({
    at: new Date().toISOString(),
    who: `token:${token.id}`,
    action: 'export',
    subjectHash: null,
    detail: `format=${format} from=${from} to=${end}`,
  });
  res.writeHead(200, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  for await (const line of exportLines(ctx.store, format, ectx, from, end)) {
    if (!res.write(`${line}\n`)) await new Promise((r) => res.once('drain', r));
    if (res.destroyed) return;
  }
  res.end();
}

/**
 * Export lines for entries `[from, end)`, page by page.
 *
 * @example
 * ```ts
 * for await (const line of exportLines(store, 'native', { issuer }, 0, await store.treeSize())) out.write(line + '\n')
 * ```
 */
export async function* exportLines(
  store: Store,
  format: ExportFormat,
  ectx: ExportContext,
  from: number,
  end: number,
): AsyncGenerator<string> {
  for (let seq = from; seq < end; ) {
    const rows = await store.scan(seq, 1000);
    if (!rows.length) return;
    for (const row of rows) {
      if (row.seq >= end) return;
      const line = exportLine(row, format, ectx);
      if (line !== undefined) yield line;
    }
    seq = rows[rows.length - 1]!.seq + 1;
  }
}
