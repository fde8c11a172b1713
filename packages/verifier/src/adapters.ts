// Framework adapters. Both are lazy: they read the receipt and GPC from the request and attach a
// RequestConsent whose checks verify on first use (and the checker caches), so routes that never
// ask about consent pay nothing.
import type { ConsentChecker, ConsentDecision } from './checker.js';
import { consentFromRequest, type RequestConsentInput, type RequestLike } from './request.js';

export interface RequestConsentOptions {
  /**
   * Purposes a Global Privacy Control signal opts out of (sale or sharing of personal data under
   * CCPA/CPRA, e.g. `['ads']`). For these, a request with `Sec-GPC: 1` is refused with reason `gpc`
   * unless its receipt gives the purpose in a decision made while the signal was present (the
   * receipt's `gpc` claim): the shopper's explicit opt-in, which the signal does not override. A
   * consent given before the signal appeared is overridden.
   */
  gpcPurposes?: readonly string[];
}

/** Consent for one request: its inputs, and checks bound to its receipt. */
export interface RequestConsent extends RequestConsentInput {
  /** Offline decision for a purpose. */
  check(purposeId: string): Promise<ConsentDecision>;
  /** Decision for a purpose, confirmed with the ledger (needs the checker's `ledgerUrl`). */
  checkOnline(purposeId: string): Promise<ConsentDecision>;
}

const GPC: ConsentDecision = Object.freeze({
  allowed: false,
  status: undefined,
  reason: 'gpc',
  receiptId: undefined,
  subject: undefined,
  gpc: true,
});

function requireChecker(checker: ConsentChecker): void {
  if (typeof checker?.check !== 'function')
    throw new TypeError('checker must come from createConsentChecker');
}

function gpcSet(options: RequestConsentOptions | undefined): ReadonlySet<string> {
  const list = options?.gpcPurposes ?? [];
  if (!Array.isArray(list) || !list.every((p) => typeof p === 'string')) {
    throw new TypeError('gpcPurposes must be an array of purpose ids');
  }
  return new Set(list);
}

function bind(
  checker: ConsentChecker,
  gpcPurposes: ReadonlySet<string>,
  request: RequestLike,
): RequestConsent {
  const { receipt, gpc } = consentFromRequest(request);
  // Under the signal, only an opt-in made while it was present counts (CCPA regs. § 7025(c)(3)).
  const honour = (purposeId: string, d: ConsentDecision) =>
    gpc && gpcPurposes.has(purposeId) && !(d.allowed && d.gpc === true) ? GPC : d;
  return {
    receipt,
    gpc,
    check: async (purposeId) => honour(purposeId, await checker.check(receipt, purposeId)),
    checkOnline: async (purposeId) => honour(purposeId, await checker.checkOnline(receipt, purposeId)),
  };
}

/**
 * Fetch API adapter (Hono, Next.js route handlers, Cloudflare Workers, Deno, Bun): returns a
 * function that reads a `Request` into a {@link RequestConsent}, whose checks verify lazily.
 *
 * @example
 * ```ts
 * const consentOf = createFetchConsent(checker, { gpcPurposes: ['ads'] })
 * app.use('*', async (c, next) => { c.set('consent', consentOf(c.req.raw)); await next() })
 * // in a handler: if ((await c.get('consent').check('ads')).allowed) ...
 * ```
 */
export function createFetchConsent(
  checker: ConsentChecker,
  options?: RequestConsentOptions,
): (request: Request) => RequestConsent {
  requireChecker(checker);
  const gpcPurposes = gpcSet(options);
  return (request) => bind(checker, gpcPurposes, request);
}

/** The parts of an Express/Connect request the middleware reads and writes. */
export interface NodeRequestLike {
  headers: Record<string, string | string[] | undefined>;
  consent?: RequestConsent;
}

/**
 * Express/Connect middleware: sets `req.consent` (a {@link RequestConsent}) on every request and
 * calls `next()`. Checks verify lazily, so routes that never ask pay nothing.
 *
 * @example
 * ```ts
 * app.use(createConsentMiddleware(checker, { gpcPurposes: ['ads'] }))
 * app.get('/recs', async (req, res) => {
 *   const { allowed } = await req.consent!.check('personalization')
 *   res.json(allowed ? personalised(req) : generic())
 * })
 * ```
 */
export function createConsentMiddleware(
  checker: ConsentChecker,
  options?: RequestConsentOptions,
): (req: NodeRequestLike, res: unknown, next: (err?: unknown) => void) => void {
  requireChecker(checker);
  const gpcPurposes = gpcSet(options);
  return (req, _res, next) => {
    try {
      req.consent = bind(checker, gpcPurposes, req);
    } catch (e) {
      next(e);
      return;
    }
    next();
  };
}

declare global {
  // Lets `req.consent` type-check in Express handlers once the middleware is installed.
  namespace Express {
    interface Request {
      consent?: RequestConsent;
    }
  }
}
