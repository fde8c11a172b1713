import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleJson, mutate, ROOT } from './fixtures.js';

// The `assent` bin, spawned as a user runs it (from source through tsx, so that the test does not
// depend on a build; the same file is the bin's entry in dist/cli.js).
const CLI = join(ROOT, 'packages/core/src/cli.ts');
const dir = mkdtempSync(join(tmpdir(), 'assent-cli-'));
const file = (name: string, value: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value));
  return p;
};
const assent = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, LANG: 'C' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('assent lint', () => {
  it('passes the example retailer config with exit status 0', () => {
    const r = assent('lint', 'examples/retailer.config.json');
    expect(r.stdout).toContain('examples/retailer.config.json: 0 errors, 0 warnings');
    expect(r.status).toBe(0);
  });

  it('prints each finding with code, path, message and clause, and exits 1 on errors', () => {
    const bad = file(
      'bad.json',
      mutate((c) => {
        c.purposes[1].default = true;
        c.jurisdictions.CN.refusalReaskDays = 1;
      }),
    );
    const r = assent('lint', bad);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/error {3}ASSENT_PRETICKED {2}\$\.purposes\[1\]\.default/);
    expect(r.stdout).toContain('PIPL Art. 14');
    expect(r.stdout).toMatch(/warning ASSENT_REASK_TOO_SOON/);
    expect(r.stdout).toMatch(/1 error, 1 warning$/m);
  });

  it('exits 0 with warnings only, and speaks Chinese with --locale zh-CN', () => {
    const warn = file(
      'warn.json',
      mutate((c) => (c.jurisdictions.CN.refusalReaskDays = 0)),
    );
    const r = assent('lint', warn, '--locale', 'zh-CN');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('不应频繁征求同意');
    expect(r.stdout).toContain('0 个错误，1 个警告');
  });

  it('prints machine-readable JSON with --json', () => {
    const bad = file(
      'bad2.json',
      mutate((c) => delete c.purposes[2].retention),
    );
    const r = assent('lint', bad, '--json');
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ file: bad, valid: true, errors: 1, warnings: 0 });
    expect(out.findings[0]).toMatchObject({
      code: 'ASSENT_RETENTION_MISSING',
      severity: 'error',
      path: '$.purposes[2].retention',
      reference: expect.stringContaining('PIPL'),
      message: { en: expect.any(String), 'zh-CN': expect.any(String) },
    });
  });

  it('reports an invalid config with its JSON path and exits 1', () => {
    const invalid = file(
      'invalid.json',
      mutate((c) => (c.purposes[3].retention = 'two years')),
    );
    const r = assent('lint', invalid);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('ERR_CONFIG_INVALID');
    expect(r.stderr).toContain('$.purposes[3].retention');
    const j = JSON.parse(assent('lint', invalid, '--json').stdout);
    expect(j).toMatchObject({
      valid: false,
      error: { code: 'ERR_CONFIG_INVALID', path: '$.purposes[3].retention' },
    });
  });

  it('exits 2 for a missing file, a file that is not JSON, and bad usage', () => {
    expect(assent('lint', join(dir, 'nope.json')).status).toBe(2);
    const r = assent('lint', file('broken.json', '{ "controller": '));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('not JSON');
    expect(assent('check', file('x.json', exampleJson())).status).toBe(2);
    expect(assent().stderr).toContain('Usage: assent lint');
    const help = assent('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--json');
    // A mistyped flag or an unknown locale is bad usage, not a silent default.
    const typo = assent('lint', file('ok.json', exampleJson()), '--jsn');
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('unknown option --jsn');
    const fr = assent('lint', file('ok2.json', exampleJson()), '--locale', 'fr');
    expect(fr.status).toBe(2);
    expect(fr.stderr).toContain('--locale must be en or zh-CN');
  });
});
