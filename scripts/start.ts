// `pnpm start`: the consent ledger on embedded SQLite plus the demo storefront, wired together.
// Run after `pnpm build` (the package.json script does both). Ports come from the environment:
//   STOREFRONT_PORT (default 3000), LEDGER_PORT (default 8787), HOST (default 127.0.0.1),
//   ASSENT_DATA_DIR (default examples/storefront/.data: the ledger database and key file).
// Ctrl-C (SIGINT) or SIGTERM stops both cleanly: the storefront stops taking requests, the ledger
// commits what it accepted, closes SQLite, and the tokens printed below are revoked.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startDemo } from '../examples/storefront/src/index.js';

const widget = fileURLToPath(new URL('../packages/widget/dist/browser/assent.js', import.meta.url));

function envPort(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`${name} must be a port number, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return n;
}

const demo = await startDemo({
  storefrontPort: envPort('STOREFRONT_PORT', 3000),
  ledgerPort: envPort('LEDGER_PORT', 8787),
  ...(process.env.HOST ? { host: process.env.HOST } : {}),
  ...(process.env.ASSENT_DATA_DIR ? { dataDir: process.env.ASSENT_DATA_DIR } : {}),
}).catch((e: unknown) => {
  const code = (e as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    console.error(`A port is already in use (${(e as Error).message}). Set STOREFRONT_PORT / LEDGER_PORT.`);
  } else {
    console.error(e instanceof Error ? e.message : e);
  }
  process.exit(1);
});

const warnings = demo.findings.length;
console.log(`
  Assent demo is running.

  Storefront   ${demo.storefrontUrl}
  Dashboard    ${demo.dashboardUrl}
  Ledger API   ${demo.ledgerUrl}
  Admin token  ${demo.adminToken}

  Config ${demo.config.notice.version}: ${demo.config.purposes.length} purposes, compliance lint clean${
    warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''
  }.
  Press Ctrl-C to stop.
`);
if (!existsSync(widget)) {
  console.warn(
    '  Note: packages/widget/dist/browser/assent.js is missing; run `pnpm build` for the consent banner.\n',
  );
}

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) {
    console.error('Stopping anyway.');
    process.exit(1);
  }
  stopping = true;
  console.log(`\n${signal}: stopping the storefront and the ledger...`);
  const timer = setTimeout(() => {
    console.error('Shutdown took longer than 10 s; exiting.');
    process.exit(1);
  }, 10_000);
  timer.unref();
  try {
    await demo.close();
    console.log('Stopped.');
    process.exit(0);
  } catch (e) {
    console.error('Shutdown failed:', e);
    process.exit(1);
  }
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
