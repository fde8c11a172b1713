// The dashboard's static files: its own (app script, style sheet, labels, icon) from `assets/` next
// to this module, and uPlot from the installed package. Nothing comes from a CDN. Files are read
// once, on first use, and served with a strong ETag.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { b64u, sha256 } from '../lib/hash.js';

/** One static file, ready to send. */
export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** URL path under `/dashboard/` to where the file comes from. */
const FILES: Record<string, { own?: string; uplot?: string; type: string }> = {
  'app.js': { own: 'app.js', type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { own: 'dashboard.css', type: 'text/css; charset=utf-8' },
  'i18n.json': { own: 'i18n.json', type: 'application/json; charset=utf-8' },
  'icon.svg': { own: 'icon.svg', type: 'image/svg+xml' },
  'uplot.js': { uplot: 'uplot/dist/uPlot.iife.min.js', type: 'text/javascript; charset=utf-8' },
  'uplot.css': { uplot: 'uplot/dist/uPlot.min.css', type: 'text/css; charset=utf-8' },
};

// From source the files sit in ./assets; the build copies them to dist/dashboard/assets, next to
// the chunk this module is bundled into.
const CANDIDATES = ['./assets/', './dashboard/assets/'];

let ownDir: string | undefined;

function assetDir(): string {
  if (ownDir) return ownDir;
  for (const c of CANDIDATES) {
    const dir = fileURLToPath(new URL(c, import.meta.url));
    if (existsSync(`${dir}app.js`)) {
      ownDir = dir;
      return dir;
    }
  }
  throw new Error('the dashboard assets are missing from this installation of @assent/ledger');
}

const cache = new Map<string, Asset>();

/**
 * The static file served at `/dashboard/<name>`, or undefined for an unknown name.
 *
 * @example
 * ```ts
 * dashboardAsset('uplot.js')?.type // 'text/javascript; charset=utf-8'
 * ```
 */
export function dashboardAsset(name: string): Asset | undefined {
  const hit = cache.get(name);
  if (hit) return hit;
  const file = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
  if (!file) return undefined;
  const path = file.own
    ? `${assetDir()}${file.own}`
    : createRequire(import.meta.url).resolve(file.uplot as string);
  const body = readFileSync(path);
  const asset = { body, type: file.type, etag: `"${b64u(sha256(body))}"` };
  cache.set(name, asset);
  return asset;
}

/** The dashboard's labels per locale, from `assets/i18n.json`. */
export type Labels = Record<string, string>;

/**
 * The label tables, keyed by locale (`en`, `zh-CN`).
 *
 * @example
 * ```ts
 * dashboardLabels()['zh-CN']?.title
 * ```
 */
export function dashboardLabels(): Record<string, Labels> {
  labels ??= JSON.parse(dashboardAsset('i18n.json')!.body.toString('utf8')) as Record<string, Labels>;
  return labels;
}

let labels: Record<string, Labels> | undefined;
