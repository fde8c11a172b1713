import * as node from '@assent/verifier';
import * as web from '@assent/verifier/web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISSUER, makeKey, signReceipt } from './helpers.js';
import { json, startServer, type TestServer } from './server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([
  ['node', node],
  ['web', web],
] as const)('createRemoteJwks (%s entry)', (_name, v) => {
  it('fetches once, caches, and picks up a rotated-in key with one refetch', async () => {
    const k1 = makeKey();
    const k2 = makeKey();
    let published = [k1.publicJwk];
    server.requests.length = 0;
    server.handler = (_req, res) => json(res, { keys: published });
    const jwks = v.createRemoteJwks(`${server.url}/.well-known/jwks.json`, { cooldownSeconds: 0 });
    const opts = { jwks, issuer: ISSUER };
    for (let i = 0; i < 5; i++) expect((await v.verifyReceipt(signReceipt(k1), opts)).iss).toBe(ISSUER);
    expect(server.requests.length).toBe(1);
    expect(server.requests[0]!.url).toBe('/.well-known/jwks.json');
    published = [k1.publicJwk, k2.publicJwk];
    expect((await v.verifyReceipt(signReceipt(k2), opts)).iss).toBe(ISSUER);
    expect(server.requests.length).toBe(2);
  });

  it('refetches an unknown kid at most once per cooldown', async () => {
    const k1 = makeKey();
    server.requests.length = 0;
    server.handler = (_req, res) => json(res, { keys: [k1.publicJwk] });
    const jwks = v.createRemoteJwks(`${server.url}/jwks`, { cooldownSeconds: 0.3 });
    const opts = { jwks, issuer: ISSUER };
    await v.verifyReceipt(signReceipt(k1), opts);
    const stranger = makeKey();
    for (let i = 0; i < 10; i++) {
      await expect(v.verifyReceipt(signReceipt(stranger), opts)).rejects.toMatchObject({
        code: 'ERR_KID_UNKNOWN',
      });
    }
    expect(server.requests.length).toBe(1);
    await sleep(350);
    await expect(v.verifyReceipt(signReceipt(stranger), opts)).rejects.toMatchObject({
      code: 'ERR_KID_UNKNOWN',
    });
    expect(server.requests.length).toBe(2);
  });

  it('refreshes after cacheMaxAgeSeconds and keeps old keys when the host fails', async () => {
    const k1 = makeKey();
    let up = true;
    server.requests.length = 0;
    server.handler = (_req, res) => (up ? json(res, { keys: [k1.publicJwk] }) : res.writeHead(503).end());
    const jwks = v.createRemoteJwks(`${server.url}/jwks`, { cacheMaxAgeSeconds: 0.1, cooldownSeconds: 0 });
    const opts = { jwks, issuer: ISSUER };
    await v.verifyReceipt(signReceipt(k1), opts);
    await sleep(150);
    up = false;
    expect((await v.verifyReceipt(signReceipt(k1), opts)).iss).toBe(ISSUER);
    expect(server.requests.length).toBe(2);
  });

  it('reports an unreachable, failing or malformed JWKS with a code', async () => {
    const k1 = makeKey();
    server.handler = (_req, res) => res.writeHead(500).end();
    const failing = v.createRemoteJwks(`${server.url}/jwks`, { cooldownSeconds: 60 });
    await expect(v.verifyReceipt(signReceipt(k1), { jwks: failing, issuer: ISSUER })).rejects.toMatchObject({
      code: 'ERR_JWKS_UNAVAILABLE',
    });
    // Within the cooldown the failure is reported without another request.
    const before = server.requests.length;
    await expect(v.verifyReceipt(signReceipt(k1), { jwks: failing, issuer: ISSUER })).rejects.toMatchObject({
      code: 'ERR_JWKS_UNAVAILABLE',
    });
    expect(server.requests.length).toBe(before);
    server.handler = (_req, res) => res.writeHead(200).end('not json');
    await expect(v.createRemoteJwks(`${server.url}/jwks`).reload()).rejects.toMatchObject({
      code: 'ERR_JWKS_INVALID',
    });
    server.handler = (_req, res) => json(res, { keys: 'nope' });
    await expect(v.createRemoteJwks(`${server.url}/jwks`).reload()).rejects.toMatchObject({
      code: 'ERR_JWKS_INVALID',
    });
    server.handler = () => {}; // never answers
    const slow = v.createRemoteJwks(`${server.url}/jwks`, { timeoutMs: 100 });
    await expect(slow.reload()).rejects.toMatchObject({ code: 'ERR_JWKS_UNAVAILABLE' });
  });

  it('stops reading a body once it is over 256 KiB (audit #3)', async () => {
    const CAP = 32 * 1024 * 1024;
    let sent = 0;
    let closed: Promise<void> = Promise.resolve();
    // An endless chunked body: the server writes until the client goes away or CAP is reached.
    server.handler = (req, res) => {
      sent = 0;
      closed = new Promise((r) => res.once('close', () => r()));
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (!res.destroyed && sent < CAP) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      req.socket.setNoDelay(true);
      pump();
    };
    await expect(
      v.createRemoteJwks(`${server.url}/jwks`, { timeoutMs: 10_000 }).reload(),
    ).rejects.toMatchObject({
      code: 'ERR_JWKS_INVALID',
      message: expect.stringMatching(/larger than 256 KiB/),
    });
    await closed;
    // The client cancelled long before the end (socket buffers hold a few MiB at most).
    expect(sent).toBeLessThan(CAP / 2);
    // A declared Content-Length over the limit is refused before the body arrives.
    server.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) });
      res.write('{"keys":['); // and then nothing: only the header can answer in time
    };
    const started = Date.now();
    await expect(
      v.createRemoteJwks(`${server.url}/jwks`, { timeoutMs: 5000 }).reload(),
    ).rejects.toMatchObject({
      code: 'ERR_JWKS_INVALID',
    });
    expect(Date.now() - started).toBeLessThan(4000);
    // A set under the limit still loads.
    const k = makeKey();
    server.handler = (_req, res) => json(res, { keys: [k.publicJwk], pad: ' '.repeat(200 * 1024) });
    await expect(v.createRemoteJwks(`${server.url}/jwks`).reload()).resolves.toBeUndefined();
  });

  it('refuses redirects, same-origin or not (audit #3)', async () => {
    const k = makeKey();
    const elsewhere = await startServer();
    try {
      elsewhere.handler = (_req, res) => json(res, { keys: [k.publicJwk] });
      server.handler = (req, res) => {
        if (req.url === '/real') return json(res, { keys: [k.publicJwk] });
        const to = req.url === '/cross' ? `${elsewhere.url}/jwks` : '/real';
        res.writeHead(302, { location: to }).end();
      };
      for (const path of ['/cross', '/same']) {
        server.requests.length = 0;
        const jwks = v.createRemoteJwks(`${server.url}${path}`, {
          headers: { authorization: 'Bearer s3cret' },
        });
        await expect(jwks.reload(), path).rejects.toMatchObject({
          code: 'ERR_JWKS_UNAVAILABLE',
          message: expect.stringMatching(/redirect/),
        });
        expect(server.requests.map((r) => r.url)).toEqual([path]);
      }
      expect(elsewhere.requests.length).toBe(0);
      await expect(v.createRemoteJwks(`${server.url}/real`).reload()).resolves.toBeUndefined();
    } finally {
      await elsewhere.close();
    }
  });

  it('validates its arguments', () => {
    expect(() => v.createRemoteJwks('not a url')).toThrow(TypeError);
    expect(() => v.createRemoteJwks('ftp://x/jwks')).toThrow(/http/);
    expect(() => v.createRemoteJwks(`${server.url}/jwks`, { cooldownSeconds: -1 })).toThrow(
      /cooldownSeconds/,
    );
    expect(() => v.createRemoteJwks(`${server.url}/jwks`, { timeoutMs: Number.NaN })).toThrow(/timeoutMs/);
  });
});
