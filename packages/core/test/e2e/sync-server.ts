// The sync e2e tests' storefront: one loopback server serving a page with the bundled sync page
// script and a consent config, pointing at whichever ledger the test started.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type AssentConfig, validateConfig } from '@assent/core';
import { build } from 'esbuild';

/** A config with two banner purposes (analytics, marketing) and a contract one. */
export function syncConfig(): AssentConfig {
  const t = (name: string) => ({ en: { name, description: `${name} description` } });
  return validateConfig({
    controller: { name: 'Shop', contact: 'privacy@shop.example', address: '1 Road' },
    notice: { version: 'v1', url: '/privacy' },
    locales: ['en'],
    categories: [
      { id: 'browsing', kind: 'browsing', texts: { en: { label: 'Browsing' } } },
      { id: 'contact', kind: 'contact', texts: { en: { label: 'Contact' } } },
      { id: 'orders', kind: 'purchase-history', texts: { en: { label: 'Orders' } } },
    ],
    purposes: [
      { id: 'orders', basis: 'contract', categories: ['orders'], retention: 'P3Y', texts: t('Orders') },
      {
        id: 'analytics',
        basis: 'consent',
        categories: ['browsing'],
        retention: 'P13M',
        texts: t('Analytics'),
      },
      { id: 'marketing', basis: 'consent', categories: ['contact'], retention: 'P1Y', texts: t('Marketing') },
    ],
    ui: {
      texts: {
        en: { title: 'T', summary: 'S', acceptAll: 'A', rejectAll: 'R', customize: 'C', save: 'Save' },
      },
    },
  });
}

export async function bundlePage(): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./sync-page.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

export interface Site {
  url: string;
  /** The ledger the page talks to; may be changed between page loads. */
  ledger: string;
  close(): Promise<void>;
}

export async function startSite(ledger: string): Promise<Site> {
  const script = await bundlePage();
  const config = JSON.stringify(syncConfig()).replaceAll('<', '\\u003c');
  const site = { ledger } as Site;
  const server = createServer((req, res) => {
    res.setHeader('cache-control', 'no-store');
    if (req.url === '/page.js') {
      res.setHeader('content-type', 'text/javascript');
      res.end(script);
      return;
    }
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(
      `<!doctype html><html lang="en" data-ledger="${site.ledger}"><head><title>shop</title>` +
        `<script type="application/json" id="config">${config}</script>` +
        '<script src="/page.js"></script></head><body><p>shop</p></body></html>',
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  site.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  site.close = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return site;
}

export interface Gate {
  /** The URL the page uses as its ledger URL. */
  url: string;
  /** Where requests go while open. */
  target: string;
  /** While false, every connection is reset, as for a ledger that cannot be reached. */
  open: boolean;
  /** Requests that arrived while closed (beacons included), as `METHOD /path`. */
  refused: string[];
  close(): Promise<void>;
}

/**
 * A loopback gate in front of the ledger. Playwright's route interception does not see what a
 * page sends while it unloads (`sendBeacon`, keepalive fetches), so a test that must keep the
 * ledger unreachable closes this gate as well: then nothing gets through.
 */
export async function startGate(target: string): Promise<Gate> {
  const gate = { target, open: true, refused: [] as string[] } as Gate;
  const server = createServer((req, res) => {
    if (!gate.open) {
      gate.refused.push(`${req.method} ${req.url}`);
      req.socket.destroy();
      return;
    }
    const up = request(
      new URL(req.url ?? '/', gate.target),
      { method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  gate.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  gate.close = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return gate;
}
