// A loopback HTTP server for the Chromium tests and the benchmark: serves the built browser
// bundles under /assent/, axe-core, files from node_modules (the benchmark's competitors), and
// pages registered by the test, with the headers each page asks for. Every request is recorded.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const WIDGET_DIR = fileURLToPath(new URL('../../..', import.meta.url));
export const BROWSER_DIST = join(WIDGET_DIR, 'dist/browser');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

export interface Page {
  body: string | Buffer;
  type?: string;
  headers?: Record<string, string>;
  /** Delay before answering, in milliseconds. */
  delayMs?: number;
}

export interface TestServer {
  origin: string;
  /** Paths requested so far (with query strings). */
  requests: string[];
  /** Bytes sent per path (the last response for it). */
  sent: Map<string, number>;
  /** Body bytes sent in all, after compression. */
  readonly total: number;
  route(path: string, page: Page | string): void;
  /** Serve the files of a directory under a URL prefix. */
  mount(prefix: string, dir: string): void;
  close(): Promise<void>;
}

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Compress responses with gzip (level 9) when the browser accepts it, as a CDN would. */
  gzip?: boolean;
}

export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const routes = new Map<string, Page>();
  const mounts: [string, string][] = [['/assent/', BROWSER_DIST]];
  const requests: string[] = [];
  const sent = new Map<string, number>();
  let total = 0;
  const find = (req: IncomingMessage): Page | undefined => {
    const path = (req.url ?? '/').split('?')[0]!;
    const page = routes.get(path);
    if (page) return page;
    for (const [prefix, dir] of mounts)
      if (path.startsWith(prefix) && !path.includes('..')) {
        try {
          return { body: readFileSync(join(dir, path.slice(prefix.length))), type: TYPES[extname(path)] };
        } catch {
          return undefined;
        }
      }
    return undefined;
  };
  const server = createServer((req, res) => {
    requests.push(req.url ?? '/');
    const page = find(req);
    const answer = () => {
      if (!page) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      let body = typeof page.body === 'string' ? Buffer.from(page.body) : page.body;
      const zip = options.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding']));
      if (zip) body = gzipSync(body, { level: 9 });
      sent.set(req.url ?? '/', body.length);
      total += body.length;
      res.writeHead(200, {
        'content-type': page.type ?? 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        ...(zip ? { 'content-encoding': 'gzip' } : {}),
        ...page.headers,
      });
      res.end(body);
    };
    if (page?.delayMs) setTimeout(answer, page.delayMs);
    else answer();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    sent,
    get total() {
      return total;
    },
    route: (path, page) => routes.set(path, typeof page === 'string' ? { body: page } : page),
    mount: (prefix, dir) => mounts.unshift([prefix, dir]),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
