// Compact JWS signing with the ledger's Ed25519 key. One signature costs tens of microseconds on a
// slow core, far more than anything else per event, so receipts of a batch can be signed on worker
// threads while the main thread keeps parsing requests. Ed25519 is deterministic: the same claims
// and key always give the same receipt, which keeps retries and re-signing reproducible, whichever
// library (libsodium or node:crypto, see lib/ed25519.ts) computes the signature.
import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import {
  createEd25519Signer,
  type Ed25519Signer,
  SIGN_SOURCE,
  type SigningBackend,
  type SigningBackendOption,
  sodiumFor,
} from './lib/ed25519.js';

const b64uJson = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

// The worker takes the receipt payloads (JSON texts) of a batch as one string joined by newlines
// (one structured clone of a flat string instead of one per receipt; JSON text never holds a raw
// newline) with the header prefix, and answers with the whole compact JWS, joined the same way: the
// base64url encoding and the concatenation happen there, and splitting the answer here makes
// substrings that share its memory instead of new strings.
// A 'close' message zeroes the thread's libsodium key and lets the thread end.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
${SIGN_SOURCE}
const signer = createSign(workerData.key, workerData.sodium, require);
let scratch = Buffer.allocUnsafe(4096);
parentPort.on('message', (m) => {
  if (m === 'close') {
    signer.close();
    parentPort.close();
    return;
  }
  const payloads = m.payloads.split('\\n');
  let out = '';
  for (let i = 0; i < payloads.length; i++) {
    const input = m.prefix + Buffer.from(payloads[i], 'utf8').toString('base64url');
    if (scratch.length < input.length) scratch = Buffer.allocUnsafe(input.length * 2);
    const n = scratch.write(input, 0, 'latin1');
    out += (i ? '\\n' : '') + input + '.' + signer.sign(scratch.subarray(0, n));
  }
  parentPort.postMessage({ id: m.id, out });
});
`;

// Below this many receipts a batch is signed here: for a handful of signatures, handing them to a
// worker and back (a structured clone, two thread wake-ups) is a large share of the work moved.
const INLINE_BELOW = 16;

interface Job {
  resolve: (sigs: string) => void;
  reject: (e: unknown) => void;
  /** What was sent, so the job can be signed here if its thread dies. */
  worker: Worker;
  prefix: string;
  payloads: string;
}

/** Signs JWS payloads for one key, inline or on a small pool of worker threads. */
export class Signer {
  readonly kid: string;
  readonly #key: KeyObject;
  readonly #sodium: string | undefined;
  readonly #impl: Ed25519Signer;
  readonly #workers: Worker[] = [];
  readonly #threads: number;
  readonly #jobs = new Map<number, Job>();
  readonly #prefixes = new Map<string, string>();
  #scratch = Buffer.allocUnsafe(2048);
  #next = 0;
  #rr = 0;
  #started = false;
  #closed = false;

  /**
   * `backend`: `auto` (libsodium when `sodium-native` loads, else node:crypto), or one of them;
   * `libsodium` throws when it cannot be used.
   */
  constructor(kid: string, key: KeyObject, threads = 0, backend: SigningBackendOption = 'auto') {
    this.kid = kid;
    this.#key = key;
    this.#threads = threads;
    this.#sodium = sodiumFor(backend);
    this.#impl = createEd25519Signer(key, this.#sodium);
    if (backend === 'libsodium' && this.#impl.backend !== 'libsodium')
      throw new Error('signingBackend is libsodium, but libsodium did not take the key');
    if (this.#impl.backend !== 'libsodium') this.#sodium = undefined;
  }

  /** The library that signs (on this thread; threads use the same one unless it fails to load there). */
  get backend(): SigningBackend {
    return this.#impl.backend;
  }

  /** Absolute path of `sodium-native` for threads that sign with this key, or undefined (node:crypto). */
  get sodiumPath(): string | undefined {
    return this.#sodium;
  }

  /** Worker threads this signer may use (started on first use). */
  get threads(): number {
    return this.#threads;
  }

  /** The private key, for a thread that signs with it (KeyObjects can be posted to threads). */
  get key(): KeyObject {
    return this.#key;
  }

  /** `base64url(header).`: the start of every JWS of this key and `typ`. */
  prefix(typ: string): string {
    let prefix = this.#prefixes.get(typ);
    if (prefix === undefined) {
      prefix = `${this.header(typ)}.`;
      this.#prefixes.set(typ, prefix);
    }
    return prefix;
  }

  #start(): void {
    this.#started = true;
    const workerData = { key: this.#key, sodium: this.#sodium ?? null };
    for (let i = 0; i < this.#threads; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData });
      w.on('message', (m: { id: number; out: string }) => {
        const job = this.#jobs.get(m.id);
        this.#jobs.delete(m.id);
        job?.resolve(m.out);
      });
      w.on('error', () => this.#lost(w));
      w.on('exit', () => this.#lost(w));
      this.#workers.push(w);
    }
  }

  // A thread that died (or was stopped) leaves the pool, which is not refilled: its jobs and every
  // later one are signed here, so no caller waits forever on a thread that will never answer.
  #lost(w: Worker): void {
    const i = this.#workers.indexOf(w);
    if (i >= 0) this.#workers.splice(i, 1);
    for (const [id, job] of this.#jobs) {
      if (job.worker !== w) continue;
      this.#jobs.delete(id);
      try {
        job.resolve(this.#signJoined(job.prefix, job.payloads));
      } catch (e) {
        job.reject(e);
      }
    }
  }

  /** Sign newline-joined payloads here, answering as a worker does. */
  #signJoined(prefix: string, payloads: string): string {
    let out = '';
    for (const p of payloads.split('\n')) {
      const input = prefix + Buffer.from(p, 'utf8').toString('base64url');
      out += `${out ? '\n' : ''}${input}.${this.#signInput(input)}`;
    }
    return out;
  }

  /** `base64url(header)` for a JWS of this key and `typ`. */
  header(typ: string): string {
    return b64uJson({ alg: 'EdDSA', kid: this.kid, typ });
  }

  /** Sign one JWS now, on this thread. */
  signSync(header: string, payload: unknown): string {
    const input = `${header}.${b64uJson(payload)}`;
    return `${input}.${this.#impl.sign(Buffer.from(input, 'latin1'))}`;
  }

  /**
   * Sign one JWS per payload (JSON text) under this key and `typ`; uses the worker pool for larger
   * batches when there is one. JWS segments are ASCII, so the signing input is written as latin1.
   */
  async signMany(typ: string, payloads: readonly string[]): Promise<string[]> {
    const prefix = this.prefix(typ);
    const pool = this.#threads > 0 && !this.#closed && (!this.#started || this.#workers.length > 0);
    if (!pool || payloads.length < INLINE_BELOW) {
      const out: string[] = new Array(payloads.length);
      for (let i = 0; i < payloads.length; i++) {
        const input = prefix + Buffer.from(payloads[i]!, 'utf8').toString('base64url');
        out[i] = `${input}.${this.#signInput(input)}`;
      }
      return out;
    }
    if (this.#workers.length === 0) this.#start();
    // Spread a large batch over every worker; a small one goes to the next worker in turn.
    const parts = Math.min(this.#workers.length, Math.ceil(payloads.length / 64));
    const size = Math.ceil(payloads.length / parts);
    const chunks: Promise<string>[] = [];
    for (let i = 0; i < payloads.length; i += size)
      chunks.push(this.#run(prefix, payloads.slice(i, i + size).join('\n')));
    const done = await Promise.all(chunks);
    return done.length === 1 ? done[0]!.split('\n') : done.flatMap((jws) => jws.split('\n'));
  }

  #signInput(input: string): string {
    if (this.#scratch.length < input.length) this.#scratch = Buffer.allocUnsafe(input.length * 2);
    const n = this.#scratch.write(input, 0, 'latin1');
    return this.#impl.sign(this.#scratch.subarray(0, n));
  }

  #run(prefix: string, payloads: string): Promise<string> {
    const id = this.#next++;
    const w = this.#workers[this.#rr++ % this.#workers.length]!;
    return new Promise((resolve, reject) => {
      this.#jobs.set(id, { resolve, reject, worker: w, prefix, payloads });
      w.postMessage({ id, prefix, payloads });
    });
  }

  /** @internal Test hook, not API: stop the signing threads as a crash would. */
  async terminateWorkersForTest(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  /**
   * Stop the threads and zero the libsodium copies of the key: each thread is asked to zero its own
   * and end, and is terminated if it has not within a second. Anything signed after this goes
   * through node:crypto (same bytes).
   */
  async close(): Promise<void> {
    this.#closed = true;
    const workers = this.#workers.splice(0);
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void w.terminate().then(() => resolve()), 1000);
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            try {
              w.postMessage('close');
            } catch {
              clearTimeout(timer);
              void w.terminate().then(() => resolve());
            }
          }),
      ),
    );
    this.#impl.close();
  }
}
