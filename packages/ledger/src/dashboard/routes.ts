// The dashboard's routes, mounted by the HTTP handler:
//   GET /dashboard                                   the page (no credentials: it holds none)
//   GET /dashboard/<asset>                           app script, style sheets, labels, icon, uPlot
//   GET /v1/stats?from=&to=                          aggregates, scope admin or audit
//   GET /v1/dashboard/subjects/:subject/history      a subject's history, scope admin or audit,
//                                                    recorded in the access log like every such read
// The token lives in the page's sessionStorage and travels in the Authorization header only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SUBJECT_ID } from '@assent/core/protocol';
import type { HandlerContext } from '../http/handler.js';
import { decodeSegment, HttpError, sendJson } from '../http/respond.js';
import { subjectHash } from '../sequence.js';
import type { TokenRecord } from '../store/store.js';
import { historyOf } from '../subject.js';
import type { Scope } from '../tokens.js';
import { dashboardAsset } from './assets.js';
import { chooseLocale, DASHBOARD_CSP, dashboardPage } from './page.js';
import { dashboardStats, parseDayRange } from './stats.js';

/** Scopes that open the dashboard. */
export const DASHBOARD_SCOPES: readonly Scope[] = ['admin', 'audit'];

const HISTORY = /^\/v1\/dashboard\/subjects\/([^/]+)\/history$/;

/**
 * Whether a path belongs to the dashboard (checked only after the API's own paths).
 *
 * @example
 * ```ts
 * isDashboardPath('/v1/stats') // true
 * ```
 */
export const isDashboardPath = (path: string): boolean =>
  path === '/dashboard' ||
  path.startsWith('/dashboard/') ||
  path === '/v1/stats' ||
  path.startsWith('/v1/dashboard/');

const PAGE_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * Answer a dashboard request (see {@link isDashboardPath}).
 *
 * @example
 * ```ts
 * if (isDashboardPath(path)) return handleDashboard(ctx, req, res, path, query)
 * ```
 */
export async function handleDashboard(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD')
    throw new HttpError(405, 'ERR_METHOD_NOT_ALLOWED', 'use GET', null, { allow: 'GET, HEAD, OPTIONS' });

  if (path === '/dashboard' || path === '/dashboard/') {
    const locale = chooseLocale(query.get('lang'), req.headers['accept-language']);
    const body = dashboardPage(locale);
    res.writeHead(200, {
      ...PAGE_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      'content-language': locale,
      vary: 'Accept-Language',
    });
    res.end(method === 'HEAD' ? undefined : body);
    return;
  }
  if (path.startsWith('/dashboard/')) {
    const asset = dashboardAsset(path.slice('/dashboard/'.length));
    if (!asset) throw new HttpError(404, 'ERR_NOT_FOUND', `no dashboard file ${path}`);
    const headers = {
      ...PAGE_HEADERS,
      'content-type': asset.type,
      etag: asset.etag,
      // Revalidate every time: a cheap 304, and an upgraded ledger never serves a stale script.
      'cache-control': 'no-cache',
    };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': asset.body.length });
    res.end(method === 'HEAD' ? undefined : asset.body);
    return;
  }
  if (path === '/v1/stats') {
    await authorize(ctx, req);
    let range: ReturnType<typeof parseDayRange>;
    try {
      range = parseDayRange(query);
    } catch (e) {
      const message = (e as Error).message;
      throw new HttpError(400, 'ERR_PARAM_INVALID', message, message.split(':')[0]!);
    }
    return sendJson(res, 200, await dashboardStats(ctx.store, range));
  }
  const m = HISTORY.exec(path);
  if (m) return subjectHistory(ctx, req, res, decodeSegment(m[1]!, 'ERR_SUBJECT_INVALID', 'subject'));
  throw new HttpError(404, 'ERR_NOT_FOUND', `no endpoint ${path}`);
}

/** The privacy officer's lookup: the same answer as `/v1/subjects/:subject/history`, logged alike. */
async function subjectHistory(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  subject: string,
): Promise<void> {
  if (!SUBJECT_ID.test(subject))
    throw new HttpError(400, 'ERR_SUBJECT_INVALID', 'the subject must be a 128-bit base64url id', 'subject');
  const token = await authorize(ctx, req);
  // The read bucket (see createHandler): the officer's lookups never hold up the shopper's events.
  if (ctx.perSubjectRead) {
    const wait = ctx.perSubjectRead.take(subject);
    if (wait)
      throw new HttpError(429, 'ERR_RATE_LIMITED', 'too many reads of this subject', null, {
        'retry-after': String(wait),
      });
  }
  const subjects = await ctx.store.linkedSubjects(subject);
  const rows = await ctx.store.subjectEntries(subjects);
  // Durable before the answer leaves, like every personal-data read.
  await ctx.store.logAccess({
    at: new Date().toISOString(),
    who: `token:${token.id}`,
    action: 'history',
    subjectHash: subjectHash(ctx.secret, subject),
    detail: subjects.length > 1 ? `dashboard; ${subjects.length} linked subjects` : 'dashboard',
  });
  sendJson(res, 200, { subject, subjects, events: historyOf(rows) });
}

/** A live bearer token with `admin` or `audit`; 401 without one, 403 with neither scope. */
async function authorize(ctx: HandlerContext, req: IncomingMessage): Promise<TokenRecord> {
  const h = req.headers.authorization ?? '';
  const m = /^bearer\s+(\S+)\s*$/i.exec(h);
  const token = m ? await ctx.tokens.resolve(m[1]!) : undefined;
  if (!token)
    throw new HttpError(
      401,
      'ERR_UNAUTHORIZED',
      h ? 'the token is unknown, expired or revoked' : 'a token with scope admin or audit is required',
      null,
      { 'www-authenticate': 'Bearer realm="assent-ledger"' },
    );
  if (!token.scopes.some((s) => DASHBOARD_SCOPES.includes(s as Scope)))
    throw new HttpError(403, 'ERR_FORBIDDEN', 'scope admin or audit is required');
  return token;
}
