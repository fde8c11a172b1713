// Small HTTP helpers for the node:http handler: JSON answers, the error body, the body reader.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AssentError } from '@assent/core/protocol';

/** An error answered as `{ error: { code, message, path } }` with `status`. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly path: string | null;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, path: string | null = null, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.path = path;
    this.headers = headers;
  }
}

/** HTTP status for each data-error code the ledger raises. */
const STATUS: Record<string, number> = {
  ERR_EVENT_INVALID: 400,
  ERR_EVENT_CLOCK_SKEW: 400,
  ERR_LINK_INVALID: 400,
  ERR_EVENT_CONFLICT: 409,
  ERR_EVENT_ERASED: 410,
  // The request is well-formed; the ledger's configuration (no controller or notice URL) is what
  // stands in its way, and the same request succeeds once the operator sets them.
  ERR_EXPORT_UNCONFIGURED: 409,
  ERR_STORAGE_UNAVAILABLE: 503,
  ERR_LOG_CONFLICT: 503,
};

/** Seconds in the `Retry-After` of a 503. */
export const RETRY_AFTER_503 = '5';

export function toHttpError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  if (e instanceof AssentError) {
    const status = STATUS[e.code];
    // A 503 is temporary by definition: say when to come back. On PostgreSQL a stalled sequencer is
    // replaced within staleSequencerMs (5 s by default).
    if (status === 503)
      return new HttpError(status, e.code, e.message, e.path ?? null, { 'retry-after': RETRY_AFTER_503 });
    if (status) return new HttpError(status, e.code, e.message, e.path ?? null);
  }
  return new HttpError(500, 'ERR_INTERNAL', 'internal error');
}

/**
 * A path segment, percent-decoded. Malformed percent-encoding (`%ZZ`, a cut-off UTF-8 sequence)
 * is the client's fault: a 400 with `code` and `path`, never the URIError's 500.
 */
export function decodeSegment(raw: string, code: string, path: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, code, `${path}: malformed percent-encoding in the URL path`, path);
  }
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, e: HttpError, extra: Record<string, unknown> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, e.status, { error: { code: e.code, message: e.message, path: e.path }, ...extra }, e.headers);
}

/**
 * Read a request body of at most `limit` bytes. A declared Content-Length over the limit is refused
 * before reading; a chunked body is refused as soon as it passes the limit. Either way the
 * connection is closed afterwards, since the rest of the body is never read.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', (e) => {
      if (!failed)
        reject(new HttpError(400, 'ERR_BODY_INCOMPLETE', `the request body did not arrive: ${e.message}`));
      failed = true;
    });
  });
}

const tooLarge = (limit: number) =>
  new HttpError(413, 'ERR_BODY_TOO_LARGE', `the body is larger than ${limit} bytes`, null, {
    connection: 'close',
  });
