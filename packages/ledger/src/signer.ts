// Compact JWS signing with the ledger's Ed25519 key. One signature costs tens of microseconds on a
// slow core, far more than anything else per event, so receipts of a batch can be signed on worker
// threads while the main thread keeps parsing requests. Ed25519 is deterministic: the same claims
// and key always give the same receipt, which keeps retries and re-signing reproducible.
import { type KeyObject, sign } from 'node:crypto';
import { Worker } from 'node:worker_threads';

const b64uJson = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createPrivateKey, sign } = require('node:crypto');
const key = createPrivateKey({ key: workerData.jwk, format: 'jwk' });
parentPort.on('message', (m) => {
  const out = new Array(m.inputs.length);
  for (let i = 0; i < m.inputs.length; i++) out[i] = sign(null, Buffer.from(m.inputs[i]), key).toString('base64url');
  parentPort.postMessage({ id: m.id, out });
});
`;

const INLINE_BELOW = 3;

interface Job {
  resolve: (sigs: string[]) => void;
  reject: (e: unknown) => void;
}

/** Signs JWS payloads for one key, inline or on a small pool of worker threads. */
export class Signer {
  readonly kid: string;
  readonly #key: KeyObject;
  readonly #workers: Worker[] = [];
  readonly #jobs = new Map<number, Job>();
  #next = 0;
  #rr = 0;

  constructor(kid: string, key: KeyObject, threads = 0) {
    this.kid = kid;
    this.#key = key;
    const jwk = key.export({ format: 'jwk' });
    for (let i = 0; i < threads; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { jwk } });
      w.on('message', (m: { id: number; out: string[] }) => {
        const job = this.#jobs.get(m.id);
        this.#jobs.delete(m.id);
        job?.resolve(m.out);
      });
      w.on('error', (e) => {
        for (const job of this.#jobs.values()) job.reject(e);
        this.#jobs.clear();
      });
      this.#workers.push(w);
    }
  }

  /** `base64url(header)` for a JWS of this key and `typ`. */
  header(typ: string): string {
    return b64uJson({ alg: 'EdDSA', kid: this.kid, typ });
  }

  /** Sign one JWS now, on this thread. */
  signSync(header: string, payload: unknown): string {
    const input = `${header}.${b64uJson(payload)}`;
    return `${input}.${sign(null, Buffer.from(input), this.#key).toString('base64url')}`;
  }

  /** Sign many payloads under one header; uses the worker pool when there is one. */
  async signMany(header: string, payloads: readonly unknown[]): Promise<string[]> {
    const inputs = payloads.map((p) => `${header}.${b64uJson(p)}`);
    // A message to a worker and back costs about as much as a few signatures: sign tiny batches here.
    if (this.#workers.length === 0 || inputs.length < INLINE_BELOW) {
      return inputs.map((i) => `${i}.${sign(null, Buffer.from(i), this.#key).toString('base64url')}`);
    }
    // Spread a large batch over every worker; a small one goes to the next worker in turn.
    const parts = Math.min(this.#workers.length, Math.ceil(inputs.length / 8));
    const size = Math.ceil(inputs.length / parts);
    const chunks: Promise<string[]>[] = [];
    for (let i = 0; i < inputs.length; i += size) chunks.push(this.#run(inputs.slice(i, i + size)));
    const sigs = (await Promise.all(chunks)).flat();
    return inputs.map((i, n) => `${i}.${sigs[n]}`);
  }

  #run(inputs: string[]): Promise<string[]> {
    const id = this.#next++;
    const w = this.#workers[this.#rr++ % this.#workers.length]!;
    return new Promise((resolve, reject) => {
      this.#jobs.set(id, { resolve, reject });
      w.postMessage({ id, inputs });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
    this.#workers.length = 0;
  }
}
