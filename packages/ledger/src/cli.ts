#!/usr/bin/env node
// assent-ledger: run the ledger and look after it (keys, tokens, verify, export, retention).
import { createWriteStream, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { AssentError } from '@assent/core/protocol';
import { subtractDuration } from './duration.js';
import { validateConfig } from '@assent/core';
import {
  EXPORT_FORMATS,
  type ExportContext,
  type ExportFormat,
  exportUnconfigured,
  purposeFactsOf,
} from './export.js';
import { LedgerSettingsMismatch } from './errors.js';
import { exportLines } from './http/handler.js';
import {
  importKeyStore,
  type KeyStoreData,
  loadOrCreateKeyStore,
  parseKeyStore,
  readKeyStoreFile,
  rotateKeyStore,
  saveKeyStore,
} from './keys.js';
import { createLedger, type LedgerOptions } from './ledger.js';
import { openStore as openStoreAt } from './open-store.js';
import type { Store } from './store/store.js';
import { mintToken, SCOPES } from './tokens.js';
import { verifyStore } from './verify-log.js';

const HELP = `assent-ledger: the Assent consent ledger

Usage: assent-ledger <command> [options]

Commands
  serve                          Run the HTTP API (creates the database and key on first start)
  keys rotate                    New signing key; the old one stays published until its receipts expire
  keys show                      Print the published JWKS
  tokens create --scope <s>...   Make an API token (printed once; only its hash is stored)
  tokens list                    List tokens (id, scopes, label, dates)
  tokens revoke <id>             Revoke a token
  verify                         Recompute every leaf and the tree; exit 1 naming the first tampered seq
  export                         Write entries as NDJSON
  purge --older-than <P...>      Erase consent bodies older than an ISO 8601 duration (leaves stay);
                                 on SQLite only with the server stopped (else POST /v1/purge)

Storage and keys (every command)
  --db <file>                    SQLite database (default ./assent-ledger.db)
  --postgres <url>               PostgreSQL instead (or ASSENT_LEDGER_POSTGRES)
  --schema <name>                PostgreSQL schema (default assent)
  --key-file <file>              Key file (default ./assent-ledger.key); ASSENT_LEDGER_KEY may hold the
                                 key document instead
  --config <file>                JSON file with ledger options (corsOrigins, issuer, controller, ...)
  --site-config <file>           The storefront's Assent config: controller, notice URL and purpose
                                 facts (data categories, sensitive ones, third parties) for exports

serve
  --port <n>                     Port (default 8787)
  --host <address>               Address to listen on (default 127.0.0.1; 0.0.0.0 in containers)
  --issuer <url>                 Receipt issuer (default http://<host>:<port>; on PostgreSQL the
                                 one stored by the ledger's first process)
  --cors-origin <origin>         Storefront origin allowed from browsers (repeatable)
  --link-jwks <file>             The storefront's public keys for link tokens (JWKS JSON)
  --require-ingest-token         POST /v1/events needs a token with scope events:write
  --trust-proxy                  Client address from the last X-Forwarded-For entry
  --signing-threads <n>          Worker threads signing receipts
  --signing-backend <name>       auto (default: libsodium if sodium-native loads), libsodium, node:crypto
  --receipt-ttl-seconds <n>      Receipt lifetime (default 31536000; on PostgreSQL the stored one).
                                 On PostgreSQL a process whose --issuer or --receipt-ttl-seconds
                                 differs from the stored value exits with status 78

tokens create
  --scope <scope>                Scope of the token (repeatable; see Scopes below)
  --label <text>                 A name for the token, shown by tokens list
  --expires <P...>               Lifetime as an ISO 8601 duration (P90D, P1Y); default: no expiry

verify
  --json                         Print the full report as JSON

export
  --format <name>                native (default), iso27560 or kantara
  --out <file>                   Write to a file (created owner-only) instead of stdout

keys rotate
  --receipt-ttl-seconds <n>      Receipt lifetime: the retired key stays published this long plus a day

Scopes: ${SCOPES.join(', ')}
`;

class UsageError extends Error {}

const { values: opts, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        postgres: { type: 'string' },
        schema: { type: 'string' },
        'key-file': { type: 'string' },
        config: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        issuer: { type: 'string' },
        'cors-origin': { type: 'string', multiple: true },
        'link-jwks': { type: 'string' },
        'site-config': { type: 'string' },
        'require-ingest-token': { type: 'boolean' },
        'trust-proxy': { type: 'boolean' },
        'signing-threads': { type: 'string' },
        'signing-backend': { type: 'string' },
        'receipt-ttl-seconds': { type: 'string' },
        scope: { type: 'string', multiple: true },
        label: { type: 'string' },
        expires: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        'older-than': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
})();

const int = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number`);
  return Number(v);
};

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`${what} ${file}: ${(e as Error).message}`);
  }
}

/** Options from --config, then flags and environment on top. */
function ledgerOptions(): LedgerOptions {
  const fromFile = (opts.config ? readJson(opts.config, '--config') : {}) as Omit<
    LedgerOptions,
    'siteConfig'
  > & {
    linkJwks?: string;
    siteConfig?: string | object;
  };
  const { siteConfig: siteFromFile, ...rest } = fromFile;
  const o: LedgerOptions = { ...rest };
  const pgUrl = opts.postgres ?? process.env.ASSENT_LEDGER_POSTGRES;
  if (pgUrl) o.postgres = opts.schema ? { connectionString: pgUrl, schema: opts.schema } : pgUrl;
  else o.database = opts.db ?? fromFile.database ?? './assent-ledger.db';
  if (opts.issuer) o.issuer = opts.issuer;
  if (opts['cors-origin']) o.corsOrigins = opts['cors-origin'];
  // The storefront's Assent config: --site-config, or `siteConfig` in --config (a path or the object).
  const site = opts['site-config'] ?? siteFromFile;
  if (typeof site === 'string') o.siteConfig = readJson(site, '--site-config') as object;
  else if (site !== undefined) o.siteConfig = site;
  const linkFile = opts['link-jwks'] ?? fromFile.linkJwks;
  if (linkFile) o.linkKeys = readJson(linkFile, '--link-jwks') as object;
  delete (o as { linkJwks?: string }).linkJwks;
  if (opts['require-ingest-token']) o.requireIngestToken = true;
  if (opts['trust-proxy']) o.trustProxy = true;
  const threads = int(opts['signing-threads'], 'signing-threads');
  if (threads !== undefined) o.signingThreads = threads;
  const backend = opts['signing-backend'];
  if (backend !== undefined) {
    if (!['auto', 'libsodium', 'node:crypto'].includes(backend))
      throw new UsageError('--signing-backend must be auto, libsodium or node:crypto');
    o.signingBackend = backend as LedgerOptions['signingBackend'];
  }
  const ttl = int(opts['receipt-ttl-seconds'], 'receipt-ttl-seconds');
  if (ttl !== undefined) o.receiptTtlSeconds = ttl;
  return o;
}

function validateConfigOrUsage(value: object) {
  try {
    return validateConfig(value);
  } catch (e) {
    throw new UsageError(`--site-config: ${(e as Error).message}`);
  }
}

const keyFile = () => opts['key-file'] ?? './assent-ledger.key';

/** Storage without signing: for tokens, verify and export, which never append to the log. */
async function openStore(): Promise<Store> {
  const o = ledgerOptions();
  return openStoreAt(o.postgres !== undefined ? { postgres: o.postgres } : { database: o.database! });
}

async function loadKeys(create: boolean): Promise<KeyStoreData | undefined> {
  if (process.env.ASSENT_LEDGER_KEY) return parseKeyStore(JSON.parse(process.env.ASSENT_LEDGER_KEY));
  try {
    return (await loadOrCreateKeyStore({ file: keyFile(), create })).data;
  } catch (e) {
    if (!create && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function serve(): Promise<void> {
  const o = ledgerOptions();
  const created = !process.env.ASSENT_LEDGER_KEY && (await loadOrCreateKeyStore({ file: keyFile() })).created;
  const ledger = await createLedger({ ...o, keyFile: keyFile() });
  const port = int(opts.port, 'port') ?? 8787;
  const url = await ledger.listen(port, opts.host ?? '127.0.0.1');
  const storage = o.postgres !== undefined ? 'postgres' : `sqlite ${o.database}`;
  const kid = ledger.jwks().keys[0] as { kid: string };
  process.stdout.write(
    `assent-ledger listening on ${url} (storage ${storage}, key ${kid.kid}, signing ${ledger.signingBackend}${created ? `, created ${keyFile()}` : ''})\n`,
  );
  process.stdout.write(
    `dashboard: ${url}/dashboard (needs a token: assent-ledger tokens create --scope admin)\n`,
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    ledger.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function keys(sub: string | undefined): Promise<void> {
  if (sub === 'show') {
    const data = await loadKeys(false);
    if (!data) throw new UsageError(`no key file at ${keyFile()}`);
    process.stdout.write(`${JSON.stringify(importKeyStore(data).jwks, null, 2)}\n`);
    return;
  }
  if (sub !== 'rotate') throw new UsageError('keys: use rotate or show');
  const ttl =
    int(opts['receipt-ttl-seconds'], 'receipt-ttl-seconds') ??
    ledgerOptions().receiptTtlSeconds ??
    31_536_000;
  if (process.env.ASSENT_LEDGER_KEY) {
    // The key lives in the environment: print the rotated document for the operator to store.
    const rotated = rotateKeyStore(parseKeyStore(JSON.parse(process.env.ASSENT_LEDGER_KEY)), {
      receiptTtlSeconds: ttl,
    });
    process.stdout.write(`${JSON.stringify(rotated)}\n`);
    process.stderr.write(
      `new key ${rotated.keys[0]!.kid}; store this document in ASSENT_LEDGER_KEY and restart\n`,
    );
    return;
  }
  const rotated = rotateKeyStore(await readKeyStoreFile(keyFile()), { receiptTtlSeconds: ttl });
  await saveKeyStore(keyFile(), rotated);
  const old = rotated.keys[1]!;
  process.stdout.write(
    `new signing key ${rotated.keys[0]!.kid}; ${old.kid} is retired and published until ${old.publishUntil}\n` +
      'restart every ledger process that uses this key file\n',
  );
}

async function tokens(sub: string | undefined, arg: string | undefined): Promise<void> {
  const store = await openStore();
  try {
    if (sub === 'create') {
      if (!opts.scope?.length) throw new UsageError('tokens create needs --scope (repeatable)');
      let expiresInSeconds: number | undefined;
      if (opts.expires !== undefined) {
        const now = new Date();
        try {
          expiresInSeconds = Math.round(
            (now.getTime() - subtractDuration(opts.expires, now).getTime()) / 1000,
          );
        } catch {
          expiresInSeconds = Number.NaN;
        }
        if (!Number.isSafeInteger(expiresInSeconds) || expiresInSeconds < 1)
          throw new UsageError(
            `--expires must be an ISO 8601 duration with integer components, e.g. P90D or P1Y (got ${JSON.stringify(opts.expires)})`,
          );
      }
      let minted: ReturnType<typeof mintToken>;
      try {
        minted = mintToken(opts.scope, { label: opts.label, expiresInSeconds });
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      await store.insertToken(minted.record);
      process.stdout.write(`${minted.token}\n`);
      process.stderr.write(
        `token ${minted.record.id} with scopes ${minted.record.scopes.join(' ')}` +
          `${minted.record.expiresAt ? `, expires ${minted.record.expiresAt}` : ''}; it is shown only now\n`,
      );
    } else if (sub === 'list') {
      for (const t of await store.listTokens()) {
        const state = t.revokedAt
          ? `revoked ${t.revokedAt}`
          : t.expiresAt
            ? `expires ${t.expiresAt}`
            : 'active';
        process.stdout.write(
          `${t.id}  ${t.scopes.join(',')}  ${t.label ?? '-'}  created ${t.createdAt}  ${state}\n`,
        );
      }
    } else if (sub === 'revoke') {
      if (!arg) throw new UsageError('tokens revoke <id>');
      if (!(await store.revokeToken(arg, new Date().toISOString())))
        throw new UsageError(`no active token ${arg}`);
      process.stdout.write(`revoked ${arg}\n`);
    } else throw new UsageError('tokens: use create, list or revoke');
  } finally {
    await store.close();
  }
}

async function verify(): Promise<number> {
  const data = await loadKeys(false);
  const store = await openStore();
  try {
    const report = await verifyStore(store, { keys: data ? importKeyStore(data).allKeys : undefined });
    if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      process.stdout.write(
        `log of ${report.treeSize} entries: ${report.checked} recomputed, ${report.erased} erased (leaf kept), ` +
          `${report.treeHeads} signed tree heads${report.signaturesChecked ? '' : ' (signatures not checked: no key file)'}\n`,
      );
      for (const p of report.problems) process.stdout.write(`  ${p.code}: ${p.message}\n`);
      process.stdout.write(
        report.ok
          ? 'OK: the log verifies\n'
          : report.firstBadSeq === undefined
            ? 'TAMPERED: no single entry is at fault (see above)\n'
            : `TAMPERED: first bad entry is seq ${report.firstBadSeq}\n`,
      );
    }
    return report.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}

async function exportCmd(): Promise<void> {
  const format = (opts.format ?? 'native') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
  const o = ledgerOptions();
  // The same controller, notice URL and purpose facts as the server's exports (createLedger).
  const site = o.siteConfig === undefined ? undefined : validateConfigOrUsage(o.siteConfig);
  const ectx: ExportContext = {
    controller:
      o.controller ??
      (site?.controller.name
        ? {
            name: site.controller.name,
            ...(site.controller.contact ? { contact: site.controller.contact } : {}),
            ...(site.controller.address ? { address: site.controller.address } : {}),
          }
        : undefined),
    noticeUrl: o.noticeUrl ?? (site && /^https?:\/\//.test(site.notice.url) ? site.notice.url : undefined),
    // The server's is its listening URL; the CLI knows only a configured one.
    issuer: o.issuer ?? 'http://localhost',
    purposes: site ? purposeFactsOf(site) : undefined,
  };
  const problem = exportUnconfigured(format, ectx);
  if (problem) throw new UsageError(`${problem.message} (${problem.code}; --config or --site-config)`);
  const store = await openStore();
  try {
    const end = await store.treeSize();
    await store.logAccess({
      at: new Date().toISOString(),
      who: `cli:${userInfo().username}`,
      action: 'export',
      subjectHash: null,
      detail: `format=${format} from=0 to=${end}`,
    });
    const file = opts.out ? createWriteStream(opts.out, { mode: 0o600 }) : undefined;
    const out: NodeJS.WritableStream = file ?? process.stdout;
    // `assent-ledger export | head -1`: the reader went away, which is the end of the export, not
    // an error (the access-log record is already written).
    if (!file)
      process.stdout.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EPIPE') process.exit(0);
        process.stderr.write(`assent-ledger: stdout: ${e.message}\n`);
        process.exit(1);
      });
    for await (const line of exportLines(store, format, ectx, 0, end)) {
      if (!out.write(`${line}\n`)) await new Promise((r) => out.once('drain', r));
    }
    if (file) await new Promise<void>((r) => file.end(() => r()));
  } finally {
    await store.close();
  }
}

async function purge(): Promise<void> {
  const olderThan = opts['older-than'];
  if (!olderThan) throw new UsageError('purge needs --older-than <ISO 8601 duration>, e.g. P2Y');
  try {
    subtractDuration(olderThan);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const data = await loadKeys(false);
  if (!data) throw new UsageError(`no key file at ${keyFile()} (the tombstone is part of the signed log)`);
  const ledger = await createLedger({ ...ledgerOptions(), keys: data });
  try {
    const r = await ledger.purge(olderThan);
    process.stdout.write(`erased ${r.erased} entries received before ${r.before}; tombstone seq ${r.seq}\n`);
  } finally {
    await ledger.close();
  }
}

async function main(): Promise<number> {
  const [cmd, sub, arg] = positionals;
  if (opts.help || !cmd) {
    process.stdout.write(HELP);
    return cmd || opts.help ? 0 : 2;
  }
  switch (cmd) {
    case 'serve':
      await serve();
      return -1;
    case 'keys':
      await keys(sub);
      return 0;
    case 'tokens':
      await tokens(sub, arg);
      return 0;
    case 'verify':
      return verify();
    case 'export':
      await exportCmd();
      return 0;
    case 'purge':
      await purge();
      return 0;
    default:
      throw new UsageError(`unknown command ${cmd}`);
  }
}

main().then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`assent-ledger: ${e.message}\n`);
      process.exit(2);
    }
    const code = e instanceof AssentError ? ` (${e.code})` : '';
    process.stderr.write(`assent-ledger: ${(e as Error).message}${code}\n`);
    // 78 (EX_CONFIG): restarting will not help until the configuration changes, and a supervisor
    // can be told not to (systemd RestartPreventExitStatus=78).
    process.exit(e instanceof LedgerSettingsMismatch ? 78 : 1);
  },
);
