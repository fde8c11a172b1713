// scripts/start.ts, the program behind `pnpm start`, run as a real child process: it prints the
// storefront URL, the dashboard URL and an admin token that works, and stops cleanly on a signal.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let child: ChildProcess | undefined;
let dir: string | undefined;
afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function waitFor(
  proc: ChildProcess,
  text: string,
  output: { all: string },
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "${text}" within ${timeoutMs} ms:\n${output.all}`)),
      timeoutMs,
    );
    const check = () => {
      if (output.all.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on('data', check);
    proc.stderr!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      if (!output.all.includes(text))
        reject(new Error(`exited with ${code} before "${text}":\n${output.all}`));
    });
    check();
  });
}

describe('scripts/start.ts', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`starts ledger and storefront, prints URLs and a working admin token, stops on ${signal}`, async () => {
      dir = mkdtempSync(join(tmpdir(), 'assent-start-'));
      const [shopPort, ledgerPort] = [await freePort(), await freePort()];
      const output = { all: '' };
      child = spawn(TSX, ['scripts/start.ts'], {
        cwd: ROOT,
        env: {
          ...process.env,
          STOREFRONT_PORT: String(shopPort),
          LEDGER_PORT: String(ledgerPort),
          ASSENT_DATA_DIR: dir,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (d: Buffer) => {
        output.all += d.toString();
      });
      child.stderr!.on('data', (d: Buffer) => {
        output.all += d.toString();
      });
      await waitFor(child, 'Press Ctrl-C', output, 45_000);

      const storefront = /Storefront\s+(http:\/\/\S+)/.exec(output.all)?.[1];
      const dashboard = /Dashboard\s+(http:\/\/\S+)/.exec(output.all)?.[1];
      const token = /Admin token\s+(alt_\S+)/.exec(output.all)?.[1];
      expect(storefront).toBe(`http://localhost:${shopPort}`);
      expect(dashboard).toBe(`http://localhost:${ledgerPort}/dashboard`);
      expect((await fetch(`${storefront}/`)).status).toBe(200);
      const tokens = await fetch(`http://localhost:${ledgerPort}/v1/tokens`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(tokens.status).toBe(200);

      const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
      child.kill(signal);
      expect(await exited).toBe(0);
      expect(output.all).toContain('Stopped.');
      await expect(fetch(`${storefront}/`)).rejects.toThrow();
      await expect(fetch(`http://localhost:${ledgerPort}/healthz`)).rejects.toThrow();
    });
  }

  it('refuses a bad port with a clear message', async () => {
    const output = { all: '' };
    child = spawn(TSX, ['scripts/start.ts'], {
      cwd: ROOT,
      env: { ...process.env, STOREFRONT_PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => {
      output.all += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child!.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(output.all).toContain('STOREFRONT_PORT must be a port number');
  });
});
