// Shared test helpers: events, ledgers on SQLite or a fresh PostgreSQL database, HTTP calls.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConsentEvent, createEventId, createSubjectId } from '@assent/core/protocol';
import {
  createKeyStore,
  createLedger,
  type KeyStoreData,
  type Ledger,
  type LedgerOptions,
} from '@assent/ledger';
import pg from 'pg';

export const HASH_A = 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0';
export const HASH_B = '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU';

export function makeEvent(over: Partial<ConsentEvent> = {}): ConsentEvent {
  return {
    id: createEventId(),
    subject: createSubjectId(),
    at: new Date().toISOString(),
    policy: { version: '2026-01', hash: HASH_A },
    purposes: { analytics: { status: 'given', hash: HASH_A }, ads: { status: 'refused', hash: HASH_B } },
    method: 'preferences:save',
    locale: 'en-GB',
    jurisdiction: 'GB',
    gpc: false,
    widget: '0.1.0',
    ...over,
  };
}

/** Admin connection for creating and dropping test databases. */
export const PG_ADMIN =
  process.env.ASSENT_TEST_PG ?? 'postgresql://postgres@localhost/postgres?host=/var/run/postgresql';

export function pgUrl(db: string): string {
  const u = new URL(PG_ADMIN);
  u.pathname = `/${db}`;
  return u.toString();
}

/** A fresh PostgreSQL database; drop() removes it. Fails (never skips) when PostgreSQL is down. */
export async function freshPgDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `assent_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: pgUrl(name),
    name,
    async drop() {
      const a = new pg.Client({ connectionString: PG_ADMIN });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

export type Backend = 'sqlite' | 'postgres';

/** A backend fixture: makes ledgers on a temp SQLite file or a fresh PostgreSQL database. */
export interface Fixture {
  backend: Backend;
  keys: KeyStoreData;
  dir: string;
  /** Storage options for createLedger on this backend. */
  storage(): Pick<LedgerOptions, 'database' | 'postgres'>;
  ledger(options?: LedgerOptions): Promise<Ledger>;
  cleanup(): Promise<void>;
}

export async function fixture(backend: Backend): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'assent-ledger-'));
  const keys = createKeyStore();
  const db = backend === 'postgres' ? await freshPgDatabase() : undefined;
  const open: Ledger[] = [];
  const storage = () => (db ? { postgres: db.url } : { database: join(dir, 'ledger.db') });
  return {
    backend,
    keys,
    dir,
    storage,
    async ledger(options = {}) {
      const l = await createLedger({
        keys,
        rateLimit: false,
        issuer: 'https://ledger.test',
        ...storage(),
        ...options,
      });
      open.push(l);
      return l;
    },
    async cleanup() {
      for (const l of open) await l.close();
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A parsed JSON response body; tests index into the documented shapes directly. */
// biome-ignore lint/suspicious/noExplicitAny: JSON bodies of many shapes, checked by the assertions
export type Json = any;

export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
}

export async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body: Json = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, body, text };
}

/** Change one byte of the stored body of `seq`, directly in the database. */
export async function tamperBody(fx: Fixture, seq: number): Promise<void> {
  const flip = (body: string) => {
    // Change a digit of the `at` time: still JSON, still canonical-looking, different bytes.
    const i = body.indexOf('"at":"') + 8;
    const c = body[i]!;
    return body.slice(0, i) + (c === '9' ? '8' : String(Number(c) + 1)) + body.slice(i + 1);
  };
  const s = fx.storage();
  if (s.postgres) {
    const c = new pg.Client({ connectionString: s.postgres as string });
    await c.connect();
    try {
      const r = await c.query('SELECT body FROM assent.entries WHERE seq = $1', [seq]);
      await c.query('UPDATE assent.entries SET body = $1 WHERE seq = $2', [flip(r.rows[0].body), seq]);
    } finally {
      await c.end();
    }
  } else {
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(s.database!);
    try {
      const r = db.prepare('SELECT body FROM entries WHERE seq = ?').get(seq) as { body: string };
      db.prepare('UPDATE entries SET body = ? WHERE seq = ?').run(flip(r.body), seq);
    } finally {
      db.close();
    }
  }
}

/** Every text the database stores, concatenated (for "this never appears at rest" checks). */
export async function everythingStored(fx: Fixture): Promise<string> {
  const s = fx.storage();
  if (s.postgres) {
    const c = new pg.Client({ connectionString: s.postgres as string });
    await c.connect();
    try {
      const tables = await c.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'assent'`,
      );
      let all = '';
      for (const t of tables.rows) {
        const r = await c.query(`SELECT * FROM assent.${t.table_name}`);
        all += JSON.stringify(r.rows, (_k, v) =>
          v?.type === 'Buffer' ? Buffer.from(v.data).toString('latin1') : v,
        );
      }
      return all;
    } finally {
      await c.end();
    }
  }
  // Read in another process: closing any descriptor of the file in this one would drop the POSIX
  // locks the ledger's connection holds on it (they belong to the process, not the descriptor), and
  // another SQLite process could then delete the live WAL.
  const { execFile } = await import('node:child_process');
  const script = `
    const { existsSync, readFileSync } = require('node:fs');
    const files = process.argv.slice(1).filter((f) => existsSync(f));
    process.stdout.write(JSON.stringify(files.map((f) => readFileSync(f).toString('base64'))));
  `;
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      ['-e', script, s.database!, `${s.database}-wal`],
      { encoding: 'utf8', maxBuffer: 1 << 30 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    ),
  );
  return (JSON.parse(out) as string[]).map((b) => Buffer.from(b, 'base64').toString('latin1')).join('');
}

const ROOT = new URL('../../../', import.meta.url);
/** `node --import tsx packages/ledger/src/cli.ts`: the CLI from source, runnable from any directory. */
export const CLI = {
  command: process.execPath,
  args: [
    '--import',
    new URL('node_modules/tsx/dist/loader.mjs', ROOT).href,
    new URL('packages/ledger/src/cli.ts', ROOT).pathname,
  ],
  env: { ...process.env, TSX_TSCONFIG_PATH: new URL('tsconfig.json', ROOT).pathname },
};

/** Run the CLI to completion. */
export async function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const p = spawn(CLI.command, [...CLI.args, ...args], {
    cwd: options.cwd,
    env: { ...CLI.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d) => {
    stdout += d;
  });
  p.stderr.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((r) => p.on('close', r));
  return { code, stdout, stderr };
}

/** Start `assent-ledger serve ...` and resolve once it listens. */
export async function startServe(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
) {
  const { spawn } = await import('node:child_process');
  const p = spawn(CLI.command, [...CLI.args, 'serve', ...args], {
    cwd: options.cwd,
    env: { ...CLI.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  p.stderr.on('data', (d) => {
    err += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    p.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    p.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
  return { process: p, url, output: () => out };
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
