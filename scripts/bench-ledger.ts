// `pnpm bench:ledger`: ledger throughput and latency on loopback, one run, side by side.
//
// Rows: a bare node:http server that only parses the JSON body and answers (the ceiling), the
// ledger on SQLite (WAL, synchronous=FULL, group commit) and on PostgreSQL, each with one event per
// request and with batches of 100, plus one extra SQLite row, labelled as such, with 256
// connections of one event per request (not one of the issue's rows). Every server and the load
// generator run in their own process (this script re-invokes itself with --role), so the generator
// never steals the server's event loop. The generator is a keep-alive HTTP/1.1 client on raw
// sockets, closed loop: each connection sends its next request when the previous answer arrived;
// every event is new (fresh id, subject).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const arg = (name: string, fallback?: string): string => {
  const i = args.indexOf(`--${name}`);
  if (i >= 0 && args[i + 1] !== undefined) return args[i + 1]!;
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
};

const PG_ADMIN =
  process.env.ASSENT_TEST_PG ?? 'postgresql://postgres@localhost/postgres?host=/var/run/postgresql';
const HASH = 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0';

function eventJson(): string {
  const subject = randomBytes(16).toString('base64url');
  return (
    `{"id":"${randomUUID()}","subject":"${subject}","at":"${new Date().toISOString()}",` +
    `"policy":{"version":"2026-01","hash":"${HASH}"},"purposes":{"analytics":{"status":"given","hash":"${HASH}"},` +
    `"ads":{"status":"refused","hash":"${HASH}"},"personalisation":{"status":"given","hash":"${HASH}"}},` +
    `"method":"preferences:save","locale":"en-GB","jurisdiction":"GB","gpc":false,"widget":"0.1.0"}`
  );
}

// ---------------------------------------------------------------- server role

async function serve(): Promise<void> {
  const mode = arg('mode');
  let close: () => Promise<void> = async () => {};
  let served = () => 0;
  let url: string;
  if (mode === 'bare') {
    let count = 0;
    served = () => count;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const events = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<{ id: string }>;
        count += events.length;
        const body = JSON.stringify({ receipts: events.map((e) => e.id) });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  } else {
    const { createLedger, createKeyStore } = await import('../packages/ledger/src/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'assent-bench-'));
    let storage: { database?: string; postgres?: string } = { database: join(dir, 'bench.db') };
    let dropDb = async () => {};
    if (mode === 'postgres') {
      // pg is the ledger's dependency, not the workspace root's.
      const pg = createRequire(new URL('../packages/ledger/package.json', import.meta.url))('pg');
      const name = `assent_bench_${process.pid}`;
      const admin = new pg.Client({ connectionString: PG_ADMIN });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const u = new URL(PG_ADMIN);
      u.pathname = `/${name}`;
      storage = { postgres: u.toString() };
      dropDb = async () => {
        const a = new pg.Client({ connectionString: PG_ADMIN });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await a.end();
      };
    }
    const threads = Number(arg('threads', '-1'));
    // --signing-backend node:crypto measures the ledger without libsodium (an A/B of the backend).
    const signingBackend = arg('signing-backend', 'auto') as 'auto' | 'libsodium' | 'node:crypto';
    const ledger = await createLedger({
      ...storage,
      keys: createKeyStore(),
      rateLimit: false,
      issuer: 'https://ledger.bench',
      signingBackend,
      ...(threads >= 0 ? { signingThreads: threads } : {}),
    });
    process.stderr.write(`${mode}: signing with ${ledger.signingBackend}\n`);
    url = await ledger.listen(0, '127.0.0.1');
    served = () => ledgerSize;
    let ledgerSize = 0;
    const sizer = setInterval(async () => {
      ledgerSize = await ledger.store.treeSize();
    }, 50);
    close = async () => {
      clearInterval(sizer);
      await ledger.close();
      await dropDb();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  // CPU time of the whole server process (every thread) per event, sampled in steady state (after
  // the warm-up): a figure that stays meaningful when other work shares the machine.
  const samples: Array<{ cpu: number; n: number }> = [];
  const sampler = setInterval(() => {
    const u = process.cpuUsage();
    samples.push({ cpu: u.user + u.system, n: served() });
  }, 250);
  process.stdout.write(`ready ${url}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    clearInterval(sampler);
    const busy = samples.filter((x, i) => i > 0 && x.n > samples[i - 1]!.n);
    const a = busy[Math.min(4, busy.length - 1)];
    const b = busy[busy.length - 1];
    if (a && b && b.n > a.n) process.stdout.write(`cpu ${((b.cpu - a.cpu) / (b.n - a.n)).toFixed(1)}\n`);
    await close();
    process.exit(0);
  });
}

// ---------------------------------------------------------------- load role

interface LoadResult {
  requests: number;
  events: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
  /** The generator's own CPU time (all threads) per request in the measured window. */
  cpuMicrosPerRequest: number;
}

async function load(): Promise<void> {
  const url = new URL(arg('url'));
  const batch = Number(arg('batch'));
  const connections = Number(arg('connections'));
  const warmupMs = Number(arg('warmup-ms', '1000'));
  const durationMs = Number(arg('duration-ms', '5000'));
  const head = (len: number) =>
    `POST /v1/events HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n\r\n`;
  const makeRequest = (): Buffer => {
    const parts: string[] = [];
    for (let i = 0; i < batch; i++) parts.push(eventJson());
    const body = `[${parts.join(',')}]`;
    return Buffer.from(head(Buffer.byteLength(body)) + body);
  };
  // Every request is built before the first one is sent (each event still new: its own id and
  // subject), so the generator's CPU in the measured window goes to sending and reading answers,
  // not to building JSON: on two cores that CPU would otherwise come out of the server's share.
  // Enough for the whole run at well above the targets; should it run out, requests are built on
  // the fly (and that shows in the generator's CPU column).
  const prebuild = Number(arg('prebuild', String(batch === 1 ? 150_000 : 4_000)));
  const pool: Buffer[] = new Array(prebuild);
  for (let i = 0; i < prebuild; i++) pool[i] = makeRequest();
  const res: LoadResult = {
    requests: 0,
    events: 0,
    errors: 0,
    seconds: 0,
    latenciesMs: [],
    cpuMicrosPerRequest: Number.NaN,
  };
  let measuring = false;
  let stopped = false;
  // On a small machine the generator competes with the server for the same cores, so its own CPU
  // per request is part of the picture: every microsecond it burns is one the server lacks.
  let cpuAtStart = 0;
  const cpuNow = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  setTimeout(() => {
    measuring = true;
    cpuAtStart = cpuNow();
  }, warmupMs);
  const done = new Promise<void>((resolve) =>
    setTimeout(() => {
      stopped = true;
      if (res.requests) res.cpuMicrosPerRequest = (cpuNow() - cpuAtStart) / res.requests;
      resolve();
    }, warmupMs + durationMs),
  );
  for (let c = 0; c < connections; c++) {
    const sock = connect({ host: url.hostname, port: Number(url.port), noDelay: true });
    let buf: Buffer = Buffer.alloc(0);
    let sentAt = 0;
    const send = () => {
      if (stopped) return sock.end();
      const req = pool.pop() ?? makeRequest();
      sentAt = performance.now();
      sock.write(req);
    };
    sock.on('connect', send);
    sock.on('error', () => {});
    sock.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const headText = buf.subarray(0, end).toString('latin1');
        const m = /content-length: *(\d+)/i.exec(headText);
        const len = m ? Number(m[1]) : 0;
        if (buf.length < end + 4 + len) return;
        const status = Number(headText.slice(9, 12));
        buf = buf.subarray(end + 4 + len);
        if (measuring && !stopped) {
          res.requests++;
          if (status === 200) res.events += batch;
          else res.errors++;
          res.latenciesMs.push(performance.now() - sentAt);
        }
        send();
      }
    });
  }
  await done;
  res.seconds = durationMs / 1000;
  const lat = res.latenciesMs.sort((a, b) => a - b);
  const summary = { ...res, latenciesMs: undefined, p50: percentile(lat, 50), p99: percentile(lat, 99) };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  setTimeout(() => process.exit(0), 200);
}

// ---------------------------------------------------------------- orchestrator

const self = fileURLToPath(import.meta.url);

interface Child {
  proc: ReturnType<typeof spawn>;
  /** The first complete stdout line starting with prefix (waits for it). */
  line(prefix: string): Promise<string>;
}

function child(role: string, extra: string[]): Child {
  // ASSENT_BENCH_SERVER_NODE_ARGS passes node flags to the server processes only (profiling:
  // `--cpu-prof --cpu-prof-dir=/tmp/prof`, which NODE_OPTIONS refuses).
  const nodeArgs =
    role === 'server' ? (process.env.ASSENT_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean) : [];
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', self, '--role', role, ...extra], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let acc = '';
  const waiters: Array<() => void> = [];
  proc.stdout!.on('data', (d: Buffer) => {
    acc += d;
    for (const w of waiters.splice(0)) w();
  });
  proc.on('exit', () => {
    for (const w of waiters.splice(0)) w();
  });
  return {
    proc,
    async line(prefix) {
      for (;;) {
        const found = acc
          .split('\n')
          .slice(0, -1)
          .find((l) => l.startsWith(prefix));
        if (found) return found;
        if (proc.exitCode !== null) throw new Error(`${role} exited before printing "${prefix}"`);
        await new Promise<void>((r) => waiters.push(r));
      }
    },
  };
}

interface Row {
  target: string;
  /** Set for extra rows beside the issue's (other connection count): named in the table. */
  connections?: number;
  batch: number;
  eventsPerSecond: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server process CPU time (all threads) per event, in steady state. */
  cpuMicrosPerEvent: number;
  /** Load generator CPU time per request in the measured window. */
  clientCpuMicrosPerRequest: number;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(
  target: string,
  batch: number,
  connections: number,
  extra: string[] = [],
): Promise<Row> {
  const server = child('server', ['--mode', target, ...extra]);
  const ready = await server.line('ready ');
  const url = ready.slice('ready '.length).trim();
  const gen = child('load', [
    '--url',
    url,
    '--batch',
    String(batch),
    '--connections',
    String(connections),
    '--duration-ms',
    arg('duration-ms', '5000'),
  ]);
  const out = JSON.parse(await gen.line('{')) as LoadResult & { p50: number; p99: number };
  server.proc.stdin!.end();
  const cpuLine = await server.line('cpu ').catch(() => 'cpu NaN');
  await new Promise((r) => (server.proc.exitCode === null ? server.proc.once('exit', r) : r(undefined)));
  return {
    target,
    batch,
    eventsPerSecond: out.events / out.seconds,
    requestsPerSecond: out.requests / out.seconds,
    p50: out.p50,
    p99: out.p99,
    errors: out.errors,
    cpuMicrosPerEvent: Number(cpuLine.slice(4)),
    clientCpuMicrosPerRequest: out.cpuMicrosPerRequest,
  };
}

async function main(): Promise<void> {
  const load0 = loadavg()[0]!.toFixed(2);
  const only = arg('only', 'bare,sqlite,postgres').split(',');
  const rows: Row[] = [];
  // What every ledger server of the run is started with.
  const ledgerArgs = ['--threads', arg('threads', '-1'), '--signing-backend', arg('signing-backend', 'auto')];
  for (const target of only) {
    // --sizes 1 runs only the single-event rows (quick A/B runs of that path).
    const sizes = arg('sizes', '1,100').split(',').map(Number);
    for (const [batch, conns] of [
      [1, Number(arg('connections-single', '64'))],
      [100, Number(arg('connections-batch', '16'))],
    ] as const) {
      if (!sizes.includes(batch)) continue;
      const row = await measure(target, batch, conns, target === 'bare' ? [] : ledgerArgs);
      rows.push(row);
      process.stderr.write(`${target} batch=${batch}: ${Math.round(row.eventsPerSecond)} events/s\n`);
    }
    // Extra row, not one of the issue's: a public ledger sees thousands of independent browsers, not
    // 64 clients each waiting for its previous answer; with 256 the closed loop's latency bound
    // (64 / latency) is less of the limit. --connections-wide 0 leaves it out.
    const wide = Number(arg('connections-wide', '256'));
    if (target === 'sqlite' && wide > 0) {
      const row = await measure(target, 1, wide, ledgerArgs);
      rows.push({ ...row, connections: wide });
      process.stderr.write(
        `${target} batch=1, ${wide} connections: ${Math.round(row.eventsPerSecond)} events/s\n`,
      );
    }
  }
  const ceiling = (batch: number) => rows.find((r) => r.target === 'bare' && r.batch === batch);
  const fmt = (n: number, d = 0) =>
    n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const lines = [
    `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, load average before the run ${load0}, after ${loadavg()[0]!.toFixed(2)}`,
    '',
    '| target | events/request | events/s | requests/s | p50 ms | p99 ms | server CPU µs/event | client CPU µs/request | errors | vs bare node:http |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => {
      const c = r.connections === undefined ? ceiling(r.batch) : undefined;
      const ratio = c && r.target !== 'bare' ? `${fmt((100 * r.eventsPerSecond) / c.eventsPerSecond)} %` : '';
      const name =
        r.target === 'bare'
          ? 'bare node:http (ceiling)'
          : `ledger, ${r.target}${r.connections === undefined ? '' : ` (extra row: ${r.connections} connections)`}`;
      return `| ${name} | ${r.batch} | ${fmt(r.eventsPerSecond)} | ${fmt(r.requestsPerSecond)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.cpuMicrosPerEvent, 1)} | ${fmt(r.clientCpuMicrosPerRequest, 1)} | ${r.errors} | ${ratio} |`;
    }),
  ];
  console.log(lines.join('\n'));
}

const role = arg('role', 'main');
if (role === 'server') void serve();
else if (role === 'load') void load();
else
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
