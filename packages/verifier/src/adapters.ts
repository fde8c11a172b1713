// Framework adapters. Both are lazy: they read the receipt and GPC from the request and attach a
// RequestConsent whose checks verify on first use (and the checker caches), so routes that never
// ask about consent pay nothing.
import type { CheckOptions, ConsentChecker, ConsentDecision } from './checker.js';
import { consentFromRequest, type RequestConsentInput, type RequestLike } from './request.js';

/** The device subject id(s) a request's receipt must belong to, or `undefined` for no binding. */
export type RequestSubject = string | readonly string[] | undefined;

export interface RequestConsentOptions<R = RequestLike> {
  /**
   * Purposes a Global Privacy Control signal opts out of (sale or sharing of personal data under
   * CCPA/CPRA, e.g. `['ads']`). For these, a request with `Sec-GPC: 1` is refused with reason `gpc`
   * unless its receipt gives the purpose in a decision made while the signal was present (the
   * receipt's `gpc` claim): the shopper's explicit opt-in, which the signal does not override. A
   * consent given before the signal appeared is overridden.
   */
  gpcPurposes?: readonly string[];
  /**
   * Binds every check of a request to a subject: returns (or resolves to) the device subject ids
   * linked to the signed-in customer, and a receipt for another subject is refused with
   * `subject-mismatch`. Called at most once per request, on its first check. Return `undefined`
   * when no one is signed in (the receipt is then the only identity; key the data you use by
   * `decision.subject`). A `subject` passed to `check` itself takes precedence.
   */
  subject?: (request: R) => RequestSubject | Promise<RequestSubject>;
}

/** Consent for one request: its inputs, and checks bound to its receipt. */
export interface RequestConsent extends RequestConsentInput {
  /** Offline decision for a purpose; `options.subject` binds it to a subject (see `CheckOptions`). */
  check(purposeId: string, options?: CheckOptions): Promise<ConsentDecision>;
  /** Decision for a purpose, confirmed with the ledger (needs the checker's `ledgerUrl`). */
  checkOnline(purposeId: string, options?: CheckOptions): Promise<ConsentDecision>;
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

function subjectOf<R>(options: RequestConsentOptions<R> | undefined): RequestConsentOptions<R>['subject'] {
  const f = options?.subject;
  if (f !== undefined && typeof f !== 'function') {
    throw new TypeError('subject must be a function of the request');
  }
  return f;
}

function gpcSet<R>(options: RequestConsentOptions<R> | undefined): ReadonlySet<string> {
  const list = options?.gpcPurposes ?? [];
  if (!Array.isArray(list) || !list.every((p) => typeof p === 'string')) {
    throw new TypeError('gpcPurposes must be an array of purpose ids');
  }
  return new Set(list);
}

function bind<R extends RequestLike>(
  checker: ConsentChecker,
  gpcPurposes: ReadonlySet<string>,
  subjectFor: RequestConsentOptions<R>['subject'],
  request: R,
): RequestConsent {
  const { receipt, gpc } = consentFromRequest(request);
  // Under the signal, only an opt-in made while it was present counts (CCPA regs. § 7025(c)(3)).
  const honour = (purposeId: string, d: ConsentDecision) =>
    gpc && gpcPurposes.has(purposeId) && !(d.allowed && d.gpc === true) ? GPC : d;
  let bound: Promise<CheckOptions | undefined> | undefined;
  const optionsFor = async (given: CheckOptions | undefined): Promise<CheckOptions | undefined> => {
    if (given?.subject !== undefined || subjectFor === undefined) return given;
    bound ??= Promise.resolve(subjectFor(request)).then((subject) =>
      subject === undefined ? undefined : { subject },
    );
    return bound;
  };
  return {
    receipt,
    gpc,
    check: async (purposeId, options) =>
      honour(purposeId, await checker.check(receipt, purposeId, await optionsFor(options))),
    checkOnline: async (purposeId, options) =>
      honour(purposeId, await checker.checkOnline(receipt, purposeId, await optionsFor(options))),
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
  options?: RequestConsentOptions<Request>,
): (request: Request) => RequestConsent {
  requireChecker(checker);
  const gpcPurposes = gpcSet(options);
  const subjectFor = subjectOf(options);
  return (request) => bind(checker, gpcPurposes, subjectFor, request);
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
export function createConsentMiddleware<R extends NodeRequestLike = NodeRequestLike>(
  checker: ConsentChecker,
  options?: RequestConsentOptions<R>,
): (req: R, res: unknown, next: (err?: unknown) => void) => void {
  requireChecker(checker);
  const gpcPurposes = gpcSet(options);
  const subjectFor = subjectOf(options);
  return (req, _res, next) => {
    try {
      req.consent = bind(checker, gpcPurposes, subjectFor, req);
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
