// The assent-ledger CLI, run from source in a child process.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyReceipt } from '@assent/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, fixture, get, makeEvent, post, runCli, startServe, tamperBody } from './helpers.js';
import { SITE } from './site-config.js';

describe('assent-ledger CLI (SQLite)', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await fixture('sqlite');
  });
  afterAll(async () => {
    await fx.cleanup();
  });

  it('serve creates ./assent-ledger.db and an owner-only key on first start, then tokens, export, verify, purge, keys', async () => {
    const cwd = fx.dir;
    const s = await startServe(['--port', '0', '--issuer', 'https://ledger.cli'], { cwd });
    try {
      expect(s.output()).toMatch(/storage sqlite \.\/assent-ledger\.db/);
      expect(s.output()).toMatch(/created \.\/assent-ledger\.key/);
      // The startup line names the signing library (sodium-native is installed here), never the key.
      expect(s.output()).toMatch(/signing libsodium/);
      const d = JSON.parse(readFileSync(join(cwd, 'assent-ledger.key'), 'utf8')).keys[0].d as string;
      expect(d).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(s.output()).not.toContain(d);
      expect(statSync(join(cwd, 'assent-ledger.key')).mode & 0o777).toBe(0o600);
      expect(statSync(join(cwd, 'assent-ledger.db')).mode & 0o777).toBe(0o600);
      const events = [makeEvent(), makeEvent(), makeEvent()];
      const r = await post(s.url, events);
      expect(r.status).toBe(200);
      const jwks = (await get(`${s.url}/.well-known/jwks.json`)).body;
      const c = await verifyReceipt(r.body.receipts[2], { keys: jwks, issuer: 'https://ledger.cli' });
      expect(c.seq).toBe(2);

      // tokens: made by the CLI, used against the running server.
      const made = await runCli(['tokens', 'create', '--scope', 'audit', '--label', 'auditor'], { cwd });
      expect(made.code).toBe(0);
      const token = made.stdout.trim();
      expect(token).toMatch(/^alt_[A-Za-z0-9_-]{12}_[A-Za-z0-9_-]{43}$/);
      expect(made.stderr).toMatch(/shown only now/);
      const exp = await get(`${s.url}/v1/export`, { authorization: `Bearer ${token}` });
      expect(exp.status).toBe(200);
      expect(exp.text.trimEnd().split('\n')).toHaveLength(3);
      const list = await runCli(['tokens', 'list'], { cwd });
      expect(list.stdout).toMatch(/audit\s+auditor/);
      const id = token.slice(4, 16);
      expect((await runCli(['tokens', 'revoke', id], { cwd })).code).toBe(0);
      expect((await runCli(['tokens', 'revoke', id], { cwd })).code).toBe(2);
      expect((await runCli(['tokens', 'create', '--scope', 'root'], { cwd })).code).toBe(2);
    } finally {
      s.process.kill('SIGTERM');
      await new Promise((r) => s.process.once('exit', r));
    }

    // verify, export and keys on the stopped ledger's files.
    const ok = await runCli(['verify'], { cwd });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/OK: the log verifies/);
    // Kantara receipts need a controller and a notice URL: refused without them (audit-4 #8)...
    const unconfigured = await runCli(['export', '--format', 'kantara'], { cwd });
    expect(unconfigured.code).toBe(2);
    expect(unconfigured.stderr).toMatch(/ERR_EXPORT_UNCONFIGURED/);
    expect(unconfigured.stdout).toBe('');
    // ...and with the storefront's config, the same controller and service name as over HTTP.
    writeFileSync(join(cwd, 'site.json'), JSON.stringify(SITE));
    const ex = await runCli(
      ['export', '--format', 'kantara', '--site-config', 'site.json', '--out', join(cwd, 'out.ndjson')],
      { cwd },
    );
    expect(ex.code).toBe(0);
    const lines = readFileSync(join(cwd, 'out.ndjson'), 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).version)).toEqual(['KI-CR-v1.1.0', 'KI-CR-v1.1.0', 'KI-CR-v1.1.0']);
    const receipt = JSON.parse(lines[0]!);
    expect(receipt.services[0].service).toBe('Shop Ltd');
    expect(receipt.policyUrl).toBe(SITE.notice.url);
    expect(receipt.piiControllers[0].address).toEqual({ streetAddress: SITE.controller.address });
    // makeEvent's purposes are not the config's: nothing about them is asserted.
    expect(receipt).not.toHaveProperty('sensitive');
    expect((await runCli(['export', '--format', 'xml'], { cwd })).code).toBe(2);

    const before = await runCli(['keys', 'show'], { cwd });
    const oldKid = JSON.parse(before.stdout).keys[0].kid;
    const rot = await runCli(['keys', 'rotate'], { cwd });
    expect(rot.code).toBe(0);
    expect(rot.stdout).toMatch(/retired and published until/);
    const after = JSON.parse((await runCli(['keys', 'show'], { cwd })).stdout).keys.map(
      (k: { kid: string }) => k.kid,
    );
    expect(after).toHaveLength(2);
    expect(after[1]).toBe(oldKid);

    const purge = await runCli(['purge', '--older-than', 'PT0S'], { cwd });
    expect(purge.code).toBe(0);
    expect(purge.stdout).toMatch(/erased 3 entries/);
    expect((await runCli(['purge', '--older-than', '3 days'], { cwd })).code).toBe(2);
    expect((await runCli(['verify'], { cwd })).code).toBe(0);
  });

  it('verify exits 1 and names the first tampered seq', async () => {
    const l = await fx.ledger({ database: join(fx.dir, 'tamper.db') });
    await l.append([makeEvent(), makeEvent(), makeEvent(), makeEvent()]);
    await l.treeHead();
    await l.close();
    const db = join(fx.dir, 'tamper.db');
    const keyFile = join(fx.dir, 'tamper.key');
    const { saveKeyStore } = await import('@assent/ledger');
    await saveKeyStore(keyFile, fx.keys);
    expect((await runCli(['verify', '--db', db, '--key-file', keyFile])).code).toBe(0);
    await tamperBody({ ...fx, storage: () => ({ database: db }) }, 2);
    const bad = await runCli(['verify', '--db', db, '--key-file', keyFile]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/TAMPERED: first bad entry is seq 2/);
    expect(bad.stdout).toMatch(/ERR_LEAF_MISMATCH: entry 2/);
    const json = JSON.parse((await runCli(['verify', '--db', db, '--key-file', keyFile, '--json'])).stdout);
    expect(json).toMatchObject({ ok: false, firstBadSeq: 2, treeSize: 4 });
  });

  it('explains usage errors with exit code 2', async () => {
    const r = await runCli(['frobnicate'], { cwd: fx.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command frobnicate/);
    const h = await runCli(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/purge --older-than/);
    expect((await runCli(['tokens', 'create'], { cwd: fx.dir })).code).toBe(2);
  });

  // audit-4 #12, the CLI's parts.
  it('--help lists every option docs/ledger.md gives the CLI', async () => {
    const docs = readFileSync(new URL('../../../docs/ledger.md', import.meta.url), 'utf8');
    const used = new Set<string>();
    for (const line of docs.split('\n'))
      for (const m of line.matchAll(/assent-ledger [a-z][^`#\n]*/g))
        for (const o of m[0].matchAll(/(?<=\s)--[a-z][a-z-]*/g)) used.add(o[0]);
    // The guide's own examples: the check reads what it claims to.
    expect([...used]).toEqual(expect.arrayContaining(['--label', '--expires', '--json', '--older-than']));
    const help = (await runCli(['--help'])).stdout;
    for (const o of used) expect(help, o).toMatch(new RegExp(`\\s${o}\\b`));
  });

  it('tokens create --expires with a bad duration exits 2 and names --expires', async () => {
    const cwd = fx.dir;
    for (const bad of ['P1Y2', 'two years', 'P999999Y']) {
      const r = await runCli(
        ['tokens', 'create', '--scope', 'audit', '--expires', bad, '--db', join(cwd, 'expires.db')],
        {
          cwd,
        },
      );
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toMatch(/--expires must be an ISO 8601 duration/);
      expect(r.stderr).not.toMatch(/olderThan/);
    }
    const ok = await runCli(
      ['tokens', 'create', '--scope', 'audit', '--expires', 'P90D', '--db', join(cwd, 'expires.db')],
      {
        cwd,
      },
    );
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/expires \d{4}-/);
  });

  it('export into a pipe that closes early (| head -1) exits quietly', async () => {
    const db = join(fx.dir, 'pipe.db');
    const l = await fx.ledger({ database: db });
    // More than a pipe buffer (64 KiB) of lines, so the CLI is still writing when the reader leaves.
    for (let i = 0; i < 8; i++) await l.append(Array.from({ length: 256 }, () => makeEvent()));
    await l.close();
    const { spawn } = await import('node:child_process');
    const { CLI } = await import('./helpers.js');
    const p = spawn(CLI.command, [...CLI.args, 'export', '--db', db], {
      cwd: fx.dir,
      env: CLI.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    const first = await new Promise<string>((resolve) => p.stdout.once('data', (d) => resolve(String(d))));
    p.stdout.destroy();
    const code = await new Promise<number | null>((r) => p.on('close', r));
    expect(JSON.parse(first.split('\n')[0]!).seq).toBe(0);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('verify on a log whose last entries were removed names the first missing seq', async () => {
    const db = join(fx.dir, 'truncated.db');
    const l = await fx.ledger({ database: db });
    await l.append(Array.from({ length: 20 }, () => makeEvent()));
    expect((await l.store.refreshTreeHead(true))?.treeSize).toBe(20);
    await l.close();
    const keyFile = join(fx.dir, 'truncated.key');
    const { saveKeyStore } = await import('@assent/ledger');
    await saveKeyStore(keyFile, fx.keys);
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(db);
    raw.prepare('DELETE FROM entries WHERE seq = 19').run();
    raw.close();
    const bad = await runCli(['verify', '--db', db, '--key-file', keyFile]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/ERR_SIZE_MISMATCH: .*entries 19\.\.19 are missing/);
    expect(bad.stdout).toMatch(/TAMPERED: first bad entry is seq 19\n/);
    const json = JSON.parse((await runCli(['verify', '--db', db, '--key-file', keyFile, '--json'])).stdout);
    expect(json).toMatchObject({ ok: false, firstBadSeq: 19, treeSize: 19 });
  });
});
