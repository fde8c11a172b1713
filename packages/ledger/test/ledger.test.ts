// The ledger's HTTP API, the same suite on SQLite and on PostgreSQL.
import { generateKeyPairSync } from 'node:crypto';
import { canonicalize, createSubjectId, utf8 } from '@assent/core/protocol';
import {
  createLinkToken,
  leafHash,
  hashLeaf,
  verifyConsistency,
  verifyInclusion,
  verifyReceipt,
  verifyTreeHead,
} from '@assent/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  everythingStored,
  type Fixture,
  fixture,
  get,
  HASH_A,
  HASH_B,
  type Json,
  makeEvent,
  post,
  tamperBody,
} from './helpers.js';

const ISSUER = 'https://ledger.test';
const STOREFRONT = 'https://shop.example';

describe.each(['sqlite', 'postgres'] as const)('ledger over HTTP (%s)', (backend) => {
  let fx: Fixture;
  let url: string;
  let ledger: Awaited<ReturnType<Fixture['ledger']>>;
  const storefront = generateKeyPairSync('ed25519');
  const storefrontJwk = { ...storefront.publicKey.export({ format: 'jwk' }), kid: 'shop-1' };
  let reader: string;
  let auditor: string;
  let eraser: string;
  let admin: string;

  beforeAll(async () => {
    fx = await fixture(backend);
    ledger = await fx.ledger({
      corsOrigins: [STOREFRONT],
      linkKeys: { keys: [storefrontJwk] },
      treeHeadIntervalMs: 50,
      controller: { name: 'Example Shop Ltd', email: 'privacy@shop.example', address: '1 High St, London' },
      noticeUrl: 'https://shop.example/privacy',
      gpcLastUpdate: '2026-01-15',
    });
    url = await ledger.listen(0);
    reader = (await ledger.createToken({ scopes: ['read:subject'], label: 'support desk' })).token;
    auditor = (await ledger.createToken({ scopes: ['audit'] })).token;
    eraser = (await ledger.createToken({ scopes: ['erase'] })).token;
    admin = (await ledger.createToken({ scopes: ['admin'] })).token;
  });
  afterAll(async () => {
    await fx?.cleanup();
  });

  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  const size = async () => (await get(`${url}/healthz`)).body.treeSize as number;
  const link = (subject: string, customerId: string) =>
    createLinkToken({ customerId, subject, key: storefront.privateKey, kid: 'shop-1' });
  const freshHead = async (atLeast: number) => {
    for (let i = 0; i < 200; i++) {
      const h = await get(`${url}/v1/log/sth`);
      if (h.body.treeSize >= atLeast) return h.body;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no tree head of size ${atLeast}`);
  };

  it('answers one signed receipt per event, with every purpose and the leaf hash of the entry', async () => {
    const jwks = (await get(`${url}/.well-known/jwks.json`)).body;
    expect(jwks.keys).toHaveLength(1);
    const events = [makeEvent(), makeEvent(), makeEvent()];
    const before = await size();
    const r = await post(url, events);
    expect(r.status).toBe(200);
    expect(r.body.receipts).toHaveLength(3);
    const seqs = new Set<number>();
    for (const [i, jws] of r.body.receipts.entries()) {
      const claims = await verifyReceipt(jws, { keys: jwks, issuer: ISSUER });
      const e = events[i]!;
      expect(claims).toMatchObject({
        sub: e.subject,
        jti: e.id,
        pol: e.policy,
        cns: e.purposes,
        mth: e.method,
        jur: 'GB',
      });
      expect(claims.cns.ads?.status).toBe('refused');
      expect(claims.exp - claims.iat).toBe(365 * 86_400);
      seqs.add(claims.seq);
      // The leaf is SHA-256(0x00 || JCS(entry)) of the entry the ledger stored.
      const h = await get(`${url}/v1/log/inclusion?seq=${claims.seq}&treeSize=${claims.seq + 1}`);
      expect(h.body.leafHash).toBe(claims.lh);
    }
    expect([...seqs].sort()).toEqual([before, before + 1, before + 2]);
    expect(await size()).toBe(before + 3);
  });

  it('answers a batch of 100 (signed on the signing threads) with 100 receipts in order, each for its own entry', async () => {
    const jwks = (await get(`${url}/.well-known/jwks.json`)).body;
    const events = Array.from({ length: 100 }, () => makeEvent());
    const before = await size();
    const r = await post(url, events);
    expect(r.status).toBe(200);
    expect(r.body.receipts).toHaveLength(100);
    const seqs: number[] = [];
    for (const [i, jws] of r.body.receipts.entries()) {
      const claims = await verifyReceipt(jws, { keys: jwks, issuer: ISSUER });
      expect(claims).toMatchObject({ sub: events[i]!.subject, jti: events[i]!.id });
      seqs.push(claims.seq);
    }
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => before + i));
    // A retry of the whole batch returns the same receipts.
    expect((await post(url, events)).body.receipts).toEqual(r.body.receipts);
    expect(await size()).toBe(before + 100);
  });

  it('is idempotent by event id: a retry returns the same receipt and adds no leaf', async () => {
    const e = makeEvent();
    const first = await post(url, [e]);
    const n = await size();
    const again = await post(url, [e]);
    expect(again.status).toBe(200);
    expect(again.body.receipts[0]).toBe(first.body.receipts[0]);
    // Concurrent retries, too.
    const many = await Promise.all(Array.from({ length: 8 }, () => post(url, [e])));
    for (const m of many) expect(m.body.receipts[0]).toBe(first.body.receipts[0]);
    expect(await size()).toBe(n);
  });

  it('concurrent first deliveries of one new event make one leaf and one receipt', async () => {
    const e = makeEvent();
    const n = await size();
    const all = await Promise.all(Array.from({ length: 6 }, () => post(url, [e])));
    expect(new Set(all.map((a) => a.body.receipts[0])).size).toBe(1);
    expect(all.every((a) => a.status === 200)).toBe(true);
    expect(await size()).toBe(n + 1);
  });

  it('refuses a reused id with a different body (409) and still answers the other events', async () => {
    const e = makeEvent();
    await post(url, [e]);
    const n = await size();
    const changed = { ...e, purposes: { analytics: { status: 'withdrawn', hash: HASH_A } } };
    const other = makeEvent();
    const r = await post(url, [other, changed]);
    expect(r.status).toBe(409);
    expect(r.body.error).toEqual({
      code: 'ERR_EVENT_CONFLICT',
      message: expect.any(String),
      path: '$[1].id',
    });
    expect(typeof r.body.receipts[0]).toBe('string');
    expect(r.body.receipts[1]).toBeNull();
    expect(await size()).toBe(n + 1);
  });

  it('rejects bad input with a JSON error and a 4xx, stores nothing, and stays up', async () => {
    const n = await size();
    const cases: Array<[unknown, number, string, string | null, Record<string, string>?]> = [
      [[{ ...makeEvent(), method: 'telepathy' }], 400, 'ERR_EVENT_INVALID', '$[0].method'],
      [[{ ...makeEvent(), extra: 1 }], 400, 'ERR_EVENT_INVALID', '$[0].extra'],
      [[], 400, 'ERR_EVENT_INVALID', '$'],
      [{ not: 'an array' }, 400, 'ERR_EVENT_INVALID', '$'],
      ['[{"id": ', 400, 'ERR_JSON_INVALID', null],
      [
        [makeEvent({ at: new Date(Date.now() + 3_600_000).toISOString() })],
        400,
        'ERR_EVENT_CLOCK_SKEW',
        '$[0].at',
      ],
      [
        [makeEvent()],
        415,
        'ERR_UNSUPPORTED_MEDIA_TYPE',
        null,
        { 'content-type': 'application/x-www-form-urlencoded' },
      ],
      [[makeEvent({ link: 'aaa.bbb.ccc' })], 400, 'ERR_LINK_INVALID', '$[0].link'],
    ];
    const e = makeEvent();
    cases.push([[e, { ...e }], 400, 'ERR_EVENT_INVALID', '$[1].id']);
    for (const [body, status, code, path, headers] of cases) {
      const r = await post(url, body, headers);
      expect({ status: r.status, code: r.body.error?.code, path: r.body.error?.path }).toEqual({
        status,
        code,
        path,
      });
      expect(typeof r.body.error.message).toBe('string');
    }
    expect(await size()).toBe(n);
    expect((await get(`${url}/healthz`)).status).toBe(200);
  });

  it('refuses bodies over 64 KiB with 413', async () => {
    const n = await size();
    const big = JSON.stringify(Array.from({ length: 200 }, () => makeEvent()));
    expect(big.length).toBeGreaterThan(64 * 1024);
    const r = await post(url, big);
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('ERR_BODY_TOO_LARGE');
    // Chunked, without a Content-Length: refused while reading.
    const chunked = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode(big));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await size()).toBe(n);
  });

  it('serves JWKS, GPC and health, and answers unknown paths and methods with JSON errors', async () => {
    const gpc = await get(`${url}/.well-known/gpc.json`);
    expect(gpc.body).toEqual({ gpc: true, lastUpdate: '2026-01-15' });
    const health = await get(`${url}/healthz`);
    expect(health.body).toMatchObject({ status: 'ok', storage: backend });
    const nf = await get(`${url}/v1/nothing`);
    expect(nf.status).toBe(404);
    expect(nf.body.error.code).toBe('ERR_NOT_FOUND');
    const m = await fetch(`${url}/v1/events`);
    expect(m.status).toBe(405);
    expect(m.headers.get('allow')).toContain('POST');
    expect(((await m.json()) as Json).error.code).toBe('ERR_METHOD_NOT_ALLOWED');
  });

  it('signs tree heads that inclusion and consistency proofs check against', async () => {
    const jwks = ledger.jwks();
    const first = await freshHead(1);
    const firstHead = await verifyTreeHead(first.sth, { keys: jwks });
    expect(firstHead).toEqual({
      treeSize: first.treeSize,
      rootHash: first.rootHash,
      timestamp: first.timestamp,
    });
    const r = await post(
      url,
      Array.from({ length: 13 }, () => makeEvent()),
    );
    const target = await size();
    const head = await verifyTreeHead((await freshHead(target)).sth, { keys: jwks });
    const raw = await get(`${url}/v1/log/sth`, { accept: 'application/jwt' });
    expect(raw.headers.get('content-type')).toBe('application/jwt');
    expect((await verifyTreeHead(raw.text, { keys: jwks })).treeSize).toBeGreaterThanOrEqual(head.treeSize);
    for (const jws of r.body.receipts) {
      const c = await verifyReceipt(jws, { keys: jwks, issuer: ISSUER });
      const p = await get(`${url}/v1/log/inclusion?seq=${c.seq}&treeSize=${head.treeSize}`);
      verifyInclusion({
        leafHash: c.lh,
        index: c.seq,
        treeSize: head.treeSize,
        proof: p.body.proof,
        rootHash: head.rootHash,
      });
    }
    // Without treeSize, the proof is for the latest tree head.
    const c0 = await verifyReceipt(r.body.receipts[0], { keys: jwks, issuer: ISSUER });
    const latest = await get(`${url}/v1/log/inclusion?seq=${c0.seq}`);
    expect(latest.body.treeSize).toBeGreaterThanOrEqual(head.treeSize);
    const cons = await get(`${url}/v1/log/consistency?first=${firstHead.treeSize}&second=${head.treeSize}`);
    verifyConsistency({
      size1: firstHead.treeSize,
      size2: head.treeSize,
      root1: firstHead.rootHash,
      root2: head.rootHash,
      proof: cons.body.proof,
    });
    for (const bad of [
      `inclusion?seq=${head.treeSize}&treeSize=${head.treeSize}`,
      'inclusion?seq=-1',
      'inclusion',
      `inclusion?seq=0&treeSize=${10 ** 9}`,
      'consistency?first=5&second=2',
      `consistency?first=1&second=${10 ** 9}`,
    ]) {
      const b = await get(`${url}/v1/log/${bad}`);
      expect(b.status).toBe(400);
      expect(b.body.error.code).toBe('ERR_PARAM_INVALID');
    }
  });

  it('reads a subject`s current consent (newest decision per purpose) for read:subject, and logs the read', async () => {
    const subject = createSubjectId();
    // Sent under a Global Privacy Control signal: the answer says so for the decisions it holds.
    const older = makeEvent({
      subject,
      at: '2026-01-01T10:00:00.000Z',
      gpc: true,
      purposes: { analytics: { status: 'given', hash: HASH_A }, ads: { status: 'given', hash: HASH_A } },
    });
    const newer = makeEvent({
      subject,
      at: '2026-01-02T10:00:00.000Z',
      purposes: { ads: { status: 'withdrawn', hash: HASH_B } },
    });
    // Delivered newest first: order of arrival must not matter.
    const rn = await post(url, [newer]);
    const ro = await post(url, [older]);
    const seqNew = (await verifyReceipt(rn.body.receipts[0], { keys: ledger.jwks(), issuer: ISSUER })).seq;
    const seqOld = (await verifyReceipt(ro.body.receipts[0], { keys: ledger.jwks(), issuer: ISSUER })).seq;

    expect((await get(`${url}/v1/subjects/${subject}/consent`)).status).toBe(401);
    expect((await get(`${url}/v1/subjects/${subject}/consent`, bearer(auditor))).status).toBe(403);
    expect(
      (await get(`${url}/v1/subjects/${subject}/consent`, bearer('alt_xxxxxxxxxxxx_' + 'x'.repeat(43))))
        .status,
    ).toBe(401);
    const c = await get(`${url}/v1/subjects/${subject}/consent`, bearer(reader));
    expect(c.status).toBe(200);
    expect(c.body).toEqual({
      subject,
      purposes: {
        analytics: { status: 'given', hash: HASH_A, at: '2026-01-01T10:00:00.000Z', seq: seqOld, gpc: true },
        ads: { status: 'withdrawn', hash: HASH_B, at: '2026-01-02T10:00:00.000Z', seq: seqNew, gpc: false },
      },
    });
    const h = await get(`${url}/v1/subjects/${subject}/history`, bearer(reader));
    expect(h.body.events.map((e: { id: string }) => e.id)).toEqual([older.id, newer.id]);
    expect(h.body.events[0].receipt).toBe(ro.body.receipts[0]);
    expect((await get(`${url}/v1/subjects/not-a-subject/consent`, bearer(reader))).body.error.code).toBe(
      'ERR_SUBJECT_INVALID',
    );

    const log = await get(`${url}/v1/access-log`, bearer(auditor));
    const reads = log.body.records.filter(
      (r: { action: string }) => r.action === 'consent' || r.action === 'history',
    );
    expect(reads.length).toBeGreaterThanOrEqual(2);
    const tokenId = (await ledger.store.listTokens()).find((t) => t.label === 'support desk')!.id;
    expect(reads.at(-1)).toMatchObject({
      who: `token:${tokenId}`,
      action: 'history',
      at: expect.any(String),
    });
    // The access log keeps a keyed hash of the subject, never the id itself.
    expect(JSON.stringify(log.body)).not.toContain(subject);
  });

  it('links devices of one customer: link tokens read merged consent, customer ids are kept only as keyed hashes', async () => {
    const phone = createSubjectId();
    const laptop = createSubjectId();
    const stranger = createSubjectId();
    const customerId = `customer-${Math.random().toString(36).slice(2)}@shop.example`;
    const r1 = await post(url, [
      makeEvent({
        subject: phone,
        at: '2026-02-01T08:00:00.000Z',
        purposes: { analytics: { status: 'given', hash: HASH_A }, ads: { status: 'given', hash: HASH_A } },
        link: await link(phone, customerId),
      }),
    ]);
    expect(r1.status).toBe(200);
    const r2 = await post(url, [
      makeEvent({
        subject: laptop,
        at: '2026-02-03T08:00:00.000Z',
        purposes: { ads: { status: 'refused', hash: HASH_A } },
        link: await link(laptop, customerId),
      }),
    ]);
    expect(r2.status).toBe(200);
    await post(url, [makeEvent({ subject: stranger })]);

    const asPhone = { authorization: `Link ${await link(phone, customerId)}` };
    const c = await get(`${url}/v1/subjects/${phone}/consent`, asPhone);
    expect(c.status).toBe(200);
    expect(c.body.purposes.analytics.status).toBe('given');
    expect(c.body.purposes.ads).toMatchObject({ status: 'refused', at: '2026-02-03T08:00:00.000Z' });
    // The same customer may read the other linked device; nobody else's.
    expect((await get(`${url}/v1/subjects/${laptop}/consent`, asPhone)).status).toBe(200);
    expect((await get(`${url}/v1/subjects/${stranger}/consent`, asPhone)).status).toBe(403);
    const other = { authorization: `Link ${await link(stranger, 'someone-else')}` };
    expect((await get(`${url}/v1/subjects/${phone}/history`, other)).status).toBe(403);
    const forged = createLinkToken({
      customerId,
      subject: phone,
      key: generateKeyPairSync('ed25519').privateKey,
      kid: 'shop-1',
    });
    const bad = await get(`${url}/v1/subjects/${phone}/consent`, { authorization: `Link ${await forged}` });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('ERR_UNAUTHORIZED');

    // A link token for another device is refused on ingest.
    const wrong = await post(url, [makeEvent({ subject: stranger, link: await link(phone, customerId) })]);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 'ERR_LINK_INVALID', path: '$[0].link' });

    const stored = await everythingStored(fx);
    expect(stored).toContain(phone);
    expect(stored).not.toContain(customerId);
    const log = await get(`${url}/v1/access-log`, bearer(auditor));
    expect(log.body.records.at(-1).who).toMatch(/^link:[A-Za-z0-9_-]{43}$/);
  });

  it('answers a retry of a stored event with its receipt even when its link token has expired or is otherwise bad; a new event with a bad link gets 400', async () => {
    const subject = createSubjectId();
    const customerId = `customer-${Math.random().toString(36).slice(2)}`;
    const first = makeEvent({ subject, link: await link(subject, customerId) });
    const r1 = await post(url, [first]);
    expect(r1.status).toBe(200);
    const n = await size();
    // The device retries later (its first answer was lost), when the token has expired.
    const expired = await createLinkToken({
      customerId,
      subject,
      key: storefront.privateKey,
      kid: 'shop-1',
      now: Date.now() - 3_600_000,
      ttlSeconds: 60,
    });
    const forged = await createLinkToken({
      customerId,
      subject,
      key: generateKeyPairSync('ed25519').privateKey,
      kid: 'shop-1',
    });
    const elsewhere = await link(createSubjectId(), customerId);
    for (const bad of [expired, forged, elsewhere]) {
      const again = await post(url, [{ ...first, link: bad }]);
      expect([again.status, again.body.error]).toEqual([200, undefined]);
      expect(again.body.receipts).toEqual(r1.body.receipts);
    }
    // Mixed with a new event in one request: the retry's receipt and the new event's.
    const fresh = makeEvent({ subject });
    const mixed = await post(url, [{ ...first, link: expired }, fresh]);
    expect(mixed.status).toBe(200);
    expect(mixed.body.receipts[0]).toBe(r1.body.receipts[0]);
    expect(await size()).toBe(n + 1);
    // Not a retry: a new event, or the stored id with another body, with that link is refused.
    for (const notRetry of [
      makeEvent({ subject, link: expired }),
      { ...first, gpc: !first.gpc, link: expired },
    ]) {
      const r = await post(url, [notRetry]);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'ERR_LINK_INVALID', path: '$[0].link' });
    }
    expect(await size()).toBe(n + 1);
  });

  it('accepts browser posts from allowed origins without a token, and nothing from other origins', async () => {
    const ok = await post(url, [makeEvent()], { origin: STOREFRONT });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(STOREFRONT);
    expect(ok.headers.get('vary')).toBe('Origin');
    const pre = await fetch(`${url}/v1/events`, {
      method: 'OPTIONS',
      headers: {
        origin: STOREFRONT,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Content-Type/i);
    const n = await size();
    const evil = await post(url, [makeEvent()], { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(evil.body.error.code).toBe('ERR_ORIGIN_FORBIDDEN');
    expect(await size()).toBe(n);
    const preEvil = await fetch(`${url}/v1/events`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example' },
    });
    expect(preEvil.status).toBe(403);
    // Public documents are readable from anywhere.
    const jwks = await get(`${url}/.well-known/jwks.json`, { origin: 'https://evil.example' });
    expect(jwks.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('erases a subject: bodies go, leaves and proofs stay, a tombstone records it, verify passes', async () => {
    const subject = createSubjectId();
    const events = [makeEvent({ subject }), makeEvent({ subject })];
    const r = await post(url, events);
    const claims = await Promise.all(
      r.body.receipts.map((j: string) => verifyReceipt(j, { keys: ledger.jwks(), issuer: ISSUER })),
    );
    expect((await fetch(`${url}/v1/subjects/${subject}`, { method: 'DELETE' })).status).toBe(401);
    expect(
      (await fetch(`${url}/v1/subjects/${subject}`, { method: 'DELETE', headers: bearer(reader) })).status,
    ).toBe(403);
    const del = await fetch(`${url}/v1/subjects/${subject}`, { method: 'DELETE', headers: bearer(eraser) });
    expect(del.status).toBe(200);
    const d = (await del.json()) as { erased: number; seq: number; leafHash: string };
    expect(d.erased).toBe(2);
    const after = await get(`${url}/v1/subjects/${subject}/consent`, bearer(reader));
    expect(after.body.purposes).toEqual({});
    expect((await get(`${url}/v1/subjects/${subject}/history`, bearer(reader))).body.events).toEqual([]);
    // A retry of an erased event cannot get its receipt back.
    const retry = await post(url, [events[0]]);
    expect(retry.status).toBe(410);
    expect(retry.body.error).toMatchObject({ code: 'ERR_EVENT_ERASED', path: '$[0].id' });
    // The tombstone is a leaf; the erased leaves still prove inclusion.
    const head = await verifyTreeHead((await freshHead(d.seq + 1)).sth, { keys: ledger.jwks() });
    for (const c of claims) {
      const p = await get(`${url}/v1/log/inclusion?seq=${c.seq}&treeSize=${head.treeSize}`);
      verifyInclusion({
        leafHash: c.lh,
        index: c.seq,
        treeSize: head.treeSize,
        proof: p.body.proof,
        rootHash: head.rootHash,
      });
    }
    const lines: string[] = [];
    for await (const l of ledger.export('native')) lines.push(l);
    const tomb = JSON.parse(lines[d.seq]!);
    expect(tomb).toMatchObject({ kind: 'erasure', seq: d.seq, erased: [[claims[0].seq, claims[1].seq]] });
    expect(JSON.stringify(tomb)).not.toContain(subject);
    expect(JSON.parse(lines[claims[0].seq]!)).toEqual({
      erased: true,
      erasedBy: d.seq,
      leafHash: claims[0].lh,
      seq: claims[0].seq,
    });
    // The subject id is gone from the database (file and WAL included), not just from query results.
    await new Promise((res) => setTimeout(res, 200));
    expect(await everythingStored(fx)).not.toContain(subject);
    const report = await ledger.verify();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.erased).toBeGreaterThanOrEqual(2);
  });

  it('exports NDJSON for audit: native entries hash to their leaves; ISO 27560 and Kantara records', async () => {
    const e = makeEvent({
      purposes: { analytics: { status: 'given', hash: HASH_A }, ads: { status: 'refused', hash: HASH_B } },
    });
    const r = await post(url, [e]);
    const c = await verifyReceipt(r.body.receipts[0], { keys: ledger.jwks(), issuer: ISSUER });
    expect((await get(`${url}/v1/export`)).status).toBe(401);
    expect((await get(`${url}/v1/export`, bearer(reader))).status).toBe(403);
    expect((await get(`${url}/v1/export?format=csv`, bearer(auditor))).status).toBe(400);

    const native = await get(`${url}/v1/export?format=native`, bearer(auditor));
    expect(native.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = native.text.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(c.seq);
    const line = lines[c.seq]!;
    expect(Buffer.from(hashLeaf(utf8(line))).toString('base64url')).toBe(c.lh);
    const entry = JSON.parse(line);
    expect(canonicalize(entry)).toBe(line);
    expect(Buffer.from(leafHash(entry)).toString('base64url')).toBe(c.lh);
    expect(entry).toMatchObject({ ...e, seq: c.seq, receivedAt: expect.any(String) });

    const iso = (await get(`${url}/v1/export?format=iso27560`, bearer(auditor))).text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const rec = iso.find((x) => x.record_id === e.id);
    expect(rec).toMatchObject({
      schema_version: 'ISO/IEC TS 27560:2023',
      pii_principal_id: e.subject,
      pii_controllers: [{ name: 'Example Shop Ltd', email: 'privacy@shop.example' }],
      notice: { notice_id: '2026-01', url: 'https://shop.example/privacy' },
      // Purposes in RFC 8785 order, as the entry holds them.
      purposes: [
        { purpose_id: 'ads', consent_status: 'dpv:ConsentRefused', purpose_definition_hash: HASH_B },
        { purpose_id: 'analytics', consent_status: 'dpv:ConsentGiven', purpose_definition_hash: HASH_A },
      ],
      event: { event_time: e.at, collection_method: 'preferences:save' },
      record_integrity: { seq: c.seq, leaf_hash: c.lh, receipt: r.body.receipts[0] },
    });
    const kan = (await get(`${url}/v1/export?format=kantara`, bearer(auditor))).text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const k = kan.find((x) => x.consentReceiptID === e.id);
    expect(k).toMatchObject({
      version: 'KI-CR-v1.1.0',
      jurisdiction: 'GB',
      consentTimestamp: Math.floor(Date.parse(e.at) / 1000),
      collectionMethod: 'preferences:save',
      piiPrincipalId: e.subject,
      piiControllers: [
        {
          piiController: 'Example Shop Ltd',
          email: 'privacy@shop.example',
          // CR 1.1 models the address as an object (audit-4 #8).
          address: { streetAddress: '1 High St, London' },
        },
      ],
      policyUrl: 'https://shop.example/privacy',
      services: [
        { service: 'Example Shop Ltd', purposes: [{ purpose: 'analytics', consentType: 'EXPLICIT' }] },
      ],
    });
    expect(k.services[0].purposes).toHaveLength(1);
    // No storefront config: nothing about the data is asserted (it used to say false / []).
    expect(k).not.toHaveProperty('sensitive');
    expect(k).not.toHaveProperty('spiCat');
    expect(k.services[0].purposes[0]).not.toHaveProperty('thirdPartyDisclosure');
    expect(k.services[0].purposes[0]).not.toHaveProperty('piiCategory');
    const log = await get(`${url}/v1/access-log`, bearer(auditor));
    expect(
      log.body.records.filter((x: { action: string }) => x.action === 'export').length,
    ).toBeGreaterThanOrEqual(3);
  });

  it('keeps API tokens only as hashes; revoked tokens stop working', async () => {
    const made = await fetch(`${url}/v1/tokens`, {
      method: 'POST',
      headers: { ...bearer(admin), 'content-type': 'application/json' },
      body: JSON.stringify({ scopes: ['read:subject'], label: 'temp' }),
    });
    expect(made.status).toBe(201);
    const t = (await made.json()) as { token: string; id: string; scopes: string[] };
    expect(t.scopes).toEqual(['read:subject']);
    expect(t.token).toMatch(/^alt_/);
    const subject = createSubjectId();
    expect((await get(`${url}/v1/subjects/${subject}/consent`, bearer(t.token))).status).toBe(200);
    const stored = await everythingStored(fx);
    for (const tok of [t.token, reader, auditor, eraser, admin]) expect(stored).not.toContain(tok);
    const list = await get(`${url}/v1/tokens`, bearer(admin));
    expect(list.body.tokens.find((x: { id: string }) => x.id === t.id)).toMatchObject({
      label: 'temp',
      revokedAt: null,
    });
    expect(JSON.stringify(list.body)).not.toContain('hash');
    expect(
      (await fetch(`${url}/v1/tokens/${t.id}`, { method: 'DELETE', headers: bearer(admin) })).status,
    ).toBe(204);
    expect((await get(`${url}/v1/subjects/${subject}/consent`, bearer(t.token))).status).toBe(401);
    expect((await get(`${url}/v1/tokens`, bearer(reader))).status).toBe(403);
    const badScope = await fetch(`${url}/v1/tokens`, {
      method: 'POST',
      headers: { ...bearer(admin), 'content-type': 'application/json' },
      body: JSON.stringify({ scopes: ['root'] }),
    });
    expect(badScope.status).toBe(400);
    expect(((await badScope.json()) as Json).error.code).toBe('ERR_TOKEN_REQUEST_INVALID');
    expect(
      (await get(`${url}/v1/subjects/${subject}/consent`, { authorization: 'Basic Zm9vOmJhcg==' })).status,
    ).toBe(401);
  });

  it('never stores raw client addresses', async () => {
    await post(url, [makeEvent()]);
    const stored = await everythingStored(fx);
    expect(stored).not.toContain('127.0.0.1');
    expect(stored).not.toContain('::ffff:');
  });

  it('verify names the first tampered seq after one byte of a stored body changes', async () => {
    const r = await post(url, [makeEvent(), makeEvent()]);
    const c = await verifyReceipt(r.body.receipts[1], { keys: ledger.jwks(), issuer: ISSUER });
    expect((await ledger.verify()).ok).toBe(true);
    await tamperBody(fx, c.seq);
    const report = await ledger.verify();
    expect(report.ok).toBe(false);
    expect(report.firstBadSeq).toBe(c.seq);
    expect(report.problems[0]).toMatchObject({ code: 'ERR_LEAF_MISMATCH', seq: c.seq });
  });
});

describe.each(['sqlite', 'postgres'] as const)('ledger policies (%s)', (backend) => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await fixture(backend);
  });
  afterAll(async () => {
    await fx?.cleanup();
  });

  it('rate-limits per client address and per subject with 429 and Retry-After', async () => {
    const l = await fx.ledger({
      rateLimit: { perAddress: { limit: 5, windowSeconds: 60 }, perSubject: { limit: 2, windowSeconds: 60 } },
    });
    const url = await l.listen(0);
    const subject = createSubjectId();
    expect((await post(url, [makeEvent({ subject })])).status).toBe(200);
    expect((await post(url, [makeEvent({ subject })])).status).toBe(200);
    const s = await post(url, [makeEvent({ subject })]);
    expect(s.status).toBe(429);
    expect(s.body.error.code).toBe('ERR_RATE_LIMITED');
    expect(Number(s.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await post(url, [makeEvent()])).status);
    expect(codes).toContain(429);
    const limited = await get(`${url}/healthz`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('can require an events:write token for ingest', async () => {
    const l = await fx.ledger({ requireIngestToken: true });
    const url = await l.listen(0);
    const none = await post(url, [makeEvent()]);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    const wrong = (await l.createToken({ scopes: ['audit'] })).token;
    expect((await post(url, [makeEvent()], { authorization: `Bearer ${wrong}` })).status).toBe(403);
    const ok = (await l.createToken({ scopes: ['events:write'] })).token;
    expect((await post(url, [makeEvent()], { authorization: `Bearer ${ok}` })).status).toBe(200);
  });

  it('purges bodies older than a retention period with a retention tombstone', async () => {
    const l = await fx.ledger();
    const url = await l.listen(0);
    const r = await post(url, [makeEvent(), makeEvent()]);
    expect(r.status).toBe(200);
    await new Promise((res) => setTimeout(res, 30));
    const admin = (await l.createToken({ scopes: ['admin'] })).token;
    const bad = await fetch(`${url}/v1/purge`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ olderThan: 'two years' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).error.code).toBe('ERR_DURATION_INVALID');
    const p = await fetch(`${url}/v1/purge`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ olderThan: 'PT0S' }),
    });
    expect(p.status).toBe(200);
    const body = (await p.json()) as { erased: number; seq: number };
    expect(body.erased).toBeGreaterThanOrEqual(2);
    const lines: string[] = [];
    for await (const line of l.export()) lines.push(line);
    expect(JSON.parse(lines[body.seq]!)).toMatchObject({ kind: 'retention', seq: body.seq });
    expect(lines.slice(0, body.seq).every((x) => JSON.parse(x).erased === true)).toBe(true);
    expect((await l.verify()).ok).toBe(true);
    // Newer events are untouched by an older cutoff.
    const later = await post(url, [makeEvent()]);
    expect(later.status).toBe(200);
    const again = await l.purge('P1D');
    expect(again.erased).toBe(0);
  });

  it('restarts on the same storage and continues the same log', async () => {
    const a = await fx.ledger();
    await a.append([makeEvent(), makeEvent()]);
    const head = await a.treeHead();
    const size = await a.store.treeSize();
    await a.close();
    const b = await fx.ledger();
    const [receipt] = await b.append([makeEvent()]);
    const claims = await verifyReceipt(receipt!, { keys: b.jwks(), issuer: ISSUER });
    expect(claims.seq).toBe(size);
    const report = await b.verify();
    expect(report.ok).toBe(true);
    expect(report.treeHeads).toBeGreaterThanOrEqual(1);
    expect((await b.treeHead()).treeSize).toBeGreaterThanOrEqual(head.treeSize);
  });
});
