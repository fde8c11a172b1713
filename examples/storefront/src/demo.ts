// The whole demo in one call: the consent ledger on embedded SQLite and the storefront, wired to
// each other the way a retailer would wire them. `pnpm start` (scripts/start.ts) and the Chromium
// journey test both use it.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AssentConfig, type LintFinding, lintConfig, validateConfig } from '@assent/core';
import { createKeyStore, createLedger, type Ledger } from '@assent/ledger';
import { createRemoteJwks, thumbprint } from '@assent/verifier';
import { createStorefront, type Storefront } from './server.js';

export interface DemoOptions {
  /** Storefront port; default 3000. 0 picks a free one. */
  storefrontPort?: number;
  /** Ledger port; default 8787. 0 picks a free one. */
  ledgerPort?: number;
  /** Interface both listen on; default 127.0.0.1 (this machine only). */
  host?: string;
  /**
   * Directory for the ledger's SQLite database and key file, kept between runs; default
   * `examples/storefront/.data`. `':memory:'` keeps nothing (tests).
   */
  dataDir?: string;
  /** The retailer config; default `examples/retailer.config.json`. */
  configPath?: string;
  /** Where the widget's browser files are; default @assent/widget's `dist/browser`. */
  widgetDir?: string;
}

export interface Demo {
  storefrontUrl: string;
  ledgerUrl: string;
  /** The ledger's consent dashboard (privacy officer; sign in with `adminToken`). */
  dashboardUrl: string;
  /** Ledger API token with the admin, read:subject, audit and erase scopes; revoked by `close`. */
  adminToken: string;
  config: AssentConfig;
  /** Compliance lint findings for the config (warnings only: errors stop the demo). */
  findings: LintFinding[];
  ledger: Ledger;
  storefront: Storefront;
  /** The storefront's link-key pair; the ledger trusts the public half for link tokens. */
  linkKey: { privateKey: KeyObject; publicJwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string } };
  /** Stop the storefront, then the ledger (which lets accepted events commit). Idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('../../retailer.config.json', import.meta.url));
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../.data/', import.meta.url));

/** A port nobody listens on right now (the OS picks it), for `port: 0`. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function port(value: number | undefined, fallback: number, name: string): number {
  const p = value ?? fallback;
  if (!Number.isSafeInteger(p) || p < 0 || p > 65535)
    throw new TypeError(`${name} must be a port number (0 to 65535)`);
  return p;
}

/** Read, validate and lint the retailer config; lint errors stop the demo as they stop the widget. */
export async function loadRetailerConfig(path = DEFAULT_CONFIG_PATH): Promise<{
  config: AssentConfig;
  findings: LintFinding[];
}> {
  const config = validateConfig(JSON.parse(await readFile(path, 'utf8')));
  const findings = lintConfig(config);
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length) {
    throw new Error(
      `${path} has compliance errors: ${errors.map((f) => `${f.code} at ${f.path}: ${f.message.en}`).join('; ')}`,
    );
  }
  return { config, findings };
}

/**
 * Start the ledger and the storefront.
 *
 * @example
 * ```ts
 * const demo = await startDemo({ storefrontPort: 3000, ledgerPort: 8787 })
 * console.log(demo.storefrontUrl, demo.dashboardUrl, demo.adminToken)
 * process.once('SIGINT', () => demo.close())
 * ```
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const host = options.host ?? '127.0.0.1';
  // Browsers and the printed URLs say `localhost`; the ledger's CORS list accepts both spellings.
  const publicHost = host === '127.0.0.1' || host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  let shopPort = port(options.storefrontPort, 3000, 'storefrontPort');
  let ledgerPort = port(options.ledgerPort, 8787, 'ledgerPort');
  if (shopPort === 0) shopPort = await freePort(host);
  if (ledgerPort === 0) ledgerPort = await freePort(host);
  const storefrontUrl = `http://${publicHost}:${shopPort}`;
  const ledgerUrl = `http://${publicHost}:${ledgerPort}`;

  const { config, findings } = await loadRetailerConfig(options.configPath);

  // The storefront's link-token key: made fresh each start (a link token lives minutes), and
  // handed to the ledger as the only key it accepts link tokens from.
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const { x } = publicKey.export({ format: 'jwk' }) as { x: string };
  const publicJwk = {
    kty: 'OKP' as const,
    crv: 'Ed25519' as const,
    x,
    kid: thumbprint({ kty: 'OKP', crv: 'Ed25519', x }),
  };

  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const memory = dataDir === ':memory:';
  if (!memory) await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const ledger = await createLedger({
    database: memory ? ':memory:' : join(dataDir, 'ledger.db'),
    ...(memory ? { keys: createKeyStore() } : { keyFile: join(dataDir, 'ledger.key') }),
    issuer: ledgerUrl,
    corsOrigins: [storefrontUrl, `http://127.0.0.1:${shopPort}`],
    linkKeys: { keys: [publicJwk] },
    controller: { ...config.controller, name: config.controller.name ?? 'Example Retail' },
    noticeUrl: new URL(config.notice.url, storefrontUrl).href,
  });
  let storefront: Storefront | undefined;
  try {
    await ledger.listen(ledgerPort, host);
    const admin = await ledger.createToken({
      scopes: ['admin', 'read:subject', 'audit', 'erase'],
      label: 'pnpm start (admin)',
    });
    // The storefront's own token: only reads a subject's current decisions, for online checks.
    const reader = await ledger.createToken({ scopes: ['read:subject'], label: 'storefront' });
    storefront = createStorefront({
      config,
      ledgerUrl,
      ledgerKeys: createRemoteJwks(new URL('/.well-known/jwks.json', ledgerUrl)),
      ledgerToken: reader.token,
      linkKey: privateKey,
      ...(options.widgetDir ? { widgetDir: options.widgetDir } : {}),
    });
    await storefront.listen(shopPort, host);
    const shop = storefront;
    let closing: Promise<void> | undefined;
    return {
      storefrontUrl,
      ledgerUrl,
      dashboardUrl: `${ledgerUrl}/dashboard`,
      adminToken: admin.token,
      config,
      findings,
      ledger,
      storefront: shop,
      linkKey: { privateKey, publicJwk },
      close() {
        closing ??= (async () => {
          await shop.close();
          // Tokens minted for this run die with it; the database outlives the process.
          await ledger.revokeToken(admin.record.id).catch(() => false);
          await ledger.revokeToken(reader.record.id).catch(() => false);
          await ledger.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    await storefront?.close();
    await ledger.close();
    throw e;
  }
}
