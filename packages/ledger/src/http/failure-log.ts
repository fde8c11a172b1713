// The ledger's own failures, one line each, for the operator: every 500, the store becoming
// unusable, a second writer moving the log. The lines name the route, never the path as sent (it
// can hold a subject id), and carry no request body, query, header or client address.
import type { IncomingMessage } from 'node:http';
import { type LogLine, oneLine, Throttled, toStderr, writeLine } from '../lib/log.js';
import type { HttpError } from './respond.js';

export type { LogLine } from '../lib/log.js';

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
