// The ledger's own failures, one line each, for the operator: every 500, the store becoming
// unusable, a second writer moving the log. The lines name the route, never the path as sent (it
// can hold a subject id), and carry no request body, query, header or client address.
import type { IncomingMessage } from 'node:http';
import type { HttpError } from './respond.js';

/** Where failure lines go; the default writes each to stderr. */
export type LogLine = (line: string) => void;

/** The default line writer: the line and a newline on stderr. */
export const toStderr: LogLine = (line) => {
  process.stderr.write(`${line}\n`);
};

// A second writer fails every commit it races: one line per this many ms is enough to see it.
const REPEAT_EVERY_MS = 10_000;

/**
 * For a failure that repeats (a second writer, a missing sequencer): at most one line per 10 s,
 * the next one saying how many were left out meanwhile.
 */
export class Throttled {
  #at = Number.NEGATIVE_INFINITY;
  #skipped = 0;

  /** The suffix for a line written now (empty, or ` (n more since the last line)`), or undefined to skip it. */
  next(now = Date.now()): string | undefined {
    if (now - this.#at < REPEAT_EVERY_MS) {
      this.#skipped++;
      return undefined;
    }
    const more = this.#skipped ? ` (${this.#skipped} more since the last line)` : '';
    this.#at = now;
    this.#skipped = 0;
    return more;
  }
}

/** Write a line; a failing writer must not turn into a failing request or a stopped sequencer. */
export function writeLine(write: LogLine, line: string): void {
  try {
    write(line);
  } catch {
    // Nothing sensible is left to do with it.
  }
}

const ROUTES = [
  [/^\/v1\/subjects\/[^/]*$/, '/v1/subjects/:subject'],
  [/^\/v1\/subjects\/[^/]*\/(consent|history)$/, '/v1/subjects/:subject/$1'],
  [/^\/v1\/tokens\/.*$/, '/v1/tokens/:id'],
  [/^\/v1\/dashboard\/subjects\/[^/]*\/history$/, '/v1/dashboard/subjects/:subject/history'],
  // Whatever else sits under a subject: never the id.
  [/^\/v1\/(dashboard\/)?subjects\/.*$/, '/v1/$1subjects/(other)'],
] as const;

/** The route of a path, its parameters replaced by their names (`/v1/subjects/:subject/consent`). */
export function routeOf(path: string): string {
  for (const [re, route] of ROUTES) if (re.test(path)) return path.replace(re, route);
  // Every other answered path is fixed text (4xx answers are not logged); anything longer or odd
  // is cut, so that no client-chosen text of any length reaches the log.
  return /^\/[\w./-]{0,80}$/.test(path) ? path : '(other path)';
}

/** An error with its stack (and its cause's) on one line. */
export function oneLine(e: unknown): string {
  const text = (x: unknown) =>
    x instanceof Error ? (x.stack ?? `${x.name}: ${x.message}`) : `non-error thrown: ${typeof x}`;
  let s = text(e);
  const cause = (e as { cause?: unknown } | undefined)?.cause;
  if (cause !== undefined) s += ` [cause: ${text(cause)}]`;
  return s.replace(/\s*\n\s*/g, ' ');
}

/** Writes the failure lines of one handler; each kind of storage failure only as often as it helps. */
export class FailureLog {
  readonly #write: LogLine;
  #brokenSeen = false;
  readonly #conflicts = new Throttled();

  constructor(write: LogLine | undefined) {
    this.#write = write ?? toStderr;
  }

  /** A request failed with `answer`; `error` is what was thrown. Logs 500s and log conflicts. */
  failed(req: IncomingMessage, error: unknown, answer: HttpError): void {
    if (answer.code === 'ERR_LOG_CONFLICT') {
      const more = this.#conflicts.next();
      if (more === undefined) return;
      this.#line(
        `assent-ledger: log conflict: another process wrote to this ledger's log; run one writer per database${more}: ${oneLine(error)}`,
      );
      return;
    }
    if (answer.status !== 500) return;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const route = routeOf(q < 0 ? url : url.slice(0, q));
    this.#line(`assent-ledger: 500 ${answer.code} on ${req.method ?? 'GET'} ${route}: ${oneLine(error)}`);
  }

  /** Logs, once, that the store refuses every write from now on (`broken` is its first cause). */
  storage(broken: Error | undefined): void {
    if (!broken || this.#brokenSeen) return;
    this.#brokenSeen = true;
    this.#line(
      `assent-ledger: storage broken: every write is refused until the ledger is restarted: ${oneLine(broken)}`,
    );
  }

  #line(line: string): void {
    writeLine(this.#write, line);
  }
}
