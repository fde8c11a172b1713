// Serves files from a directory: only names inside it, only known types, no directory listings.
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json; charset=utf-8',
};

/** `true` when the file was sent, `false` when there is no such file (the caller answers 404). */
export async function serveFile(
  res: ServerResponse,
  dir: string,
  name: string,
  cacheControl = 'no-cache',
): Promise<boolean> {
  const type = TYPES[extname(name)];
  if (!type || name.includes('\0')) return false;
  const root = resolve(dir);
  const file = resolve(root, `.${sep}${name}`);
  if (!file.startsWith(root + sep)) return false;
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return false;
  }
  res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'cache-control': cacheControl });
  res.end(body);
  return true;
}
