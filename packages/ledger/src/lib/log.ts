// Failure lines for the operator, shared by the HTTP handler and the stores: where they go, how a
// repeating failure is thinned out, and an error on one line. No request data ever goes in here.

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

/** An error with its stack (and its cause's) on one line. */
export function oneLine(e: unknown): string {
  const text = (x: unknown) =>
    x instanceof Error ? (x.stack ?? `${x.name}: ${x.message}`) : `non-error thrown: ${typeof x}`;
  let s = text(e);
  const cause = (e as { cause?: unknown } | undefined)?.cause;
  if (cause !== undefined) s += ` [cause: ${text(cause)}]`;
  return s.replace(/\s*\n\s*/g, ' ');
}
