// The assent-ledger CLI, run from source in a child process.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { verifyReceipt } from '@assent/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, fixture, get, makeEvent, post, runCli, startServe, tamperBody } from './helpers.js';

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
    const ex = await runCli(['export', '--format', 'kantara', '--out', join(cwd, 'out.ndjson')], { cwd });
    expect(ex.code).toBe(0);
    const lines = readFileSync(join(cwd, 'out.ndjson'), 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).version)).toEqual(['KI-CR-v1.1.0', 'KI-CR-v1.1.0', 'KI-CR-v1.1.0']);
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
});
