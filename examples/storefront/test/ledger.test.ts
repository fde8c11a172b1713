// The storefront against a real ledger: startDemo runs both in-process on a temporary SQLite file;
// events are posted over HTTP exactly as the widget posts them, and the receipts the ledger signs
// go back to the storefront in the cookie.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ConsentEvent,
  type ConsentStatus,
  createEvent,
  createSubjectId,
  encodeBase64url,
  encodeConsentCookie,
  policyHash,
  sha256,
  utf8,
} from '@assent/core';
import { createLinkToken, verifyInclusion, verifyReceipt, verifyTreeHead } from '@assent/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS, type Demo, startDemo } from '../src/index.js';
import { ed25519Key } from './helpers.js';

let demo: Demo;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-storefront-'));
  demo = await startDemo({ storefrontPort: 0, ledgerPort: 0, dataDir: dir });
});
afterAll(async () => {
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

function event(
  subject: string,
  statuses: Record<string, ConsentStatus>,
  options: { hashes?: Record<string, string>; link?: string } = {},
): ConsentEvent {
  const current = demo.storefront.consent.hashes;
  const purposes: ConsentEvent['purposes'] = {};
  for (const p of demo.config.purposes) {
    if (p.basis !== 'consent') continue;
    purposes[p.id] = { status: statuses[p.id] ?? 'refused', hash: options.hashes?.[p.id] ?? current[p.id]! };
  }
  return createEvent({
    subject,
    policy: { version: demo.config.notice.version, hash: policyHash(demo.config) },
    purposes,
    method: 'preferences:save',
    locale: 'en',
    jurisdiction: 'CN',
    gpc: false,
    widget: 'test',
    ...(options.link ? { link: options.link } : {}),
  });
}

/** POST /v1/events from the storefront's origin, as the widget does; the receipt it answers. */
async function post(e: ConsentEvent): Promise<string> {
  const res = await fetch(`${demo.ledgerUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: demo.storefrontUrl },
    body: JSON.stringify([e]),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  expect(res.headers.get('access-control-allow-origin')).toBe(demo.storefrontUrl);
  const { receipts } = (await res.json()) as { receipts: string[] };
  return receipts[0]!;
}

async function latestHead() {
  const res = await fetch(`${demo.ledgerUrl}/v1/log/sth`);
  expect(res.status).toBe(200);
  const { sth } = (await res.json()) as { sth: string };
  return verifyTreeHead(sth, { keys: demo.ledger.jwks() });
}

async function recommend(receipt: string) {
  const res = await fetch(`${demo.storefrontUrl}/api/recommendations?product=longjing-tea`, {
    headers: { cookie: `assent_receipt=${receipt}` },
  });
  return (await res.json()) as { personalised: boolean; reason?: string; detail?: string };
}

describe('storefront with a real ledger', () => {
  it('personalises on a ledger-signed receipt, and stops on the receipt that withdraws', async () => {
    const subject = createSubjectId();
    const given = await post(event(subject, { personalization: 'given', analytics: 'given' }));
    const claims = await verifyReceipt(given, { keys: demo.ledger.jwks(), issuer: demo.ledgerUrl });
    expect(claims.cns['personalization']).toEqual({
      status: 'given',
      hash: demo.storefront.consent.hashes['personalization'],
    });
    expect(await recommend(given)).toMatchObject({ personalised: true });
    expect(demo.storefront.recommender.profiles()).toContain(subject);

    const withdrawn = await post(event(subject, { personalization: 'withdrawn', analytics: 'given' }));
    expect(await recommend(withdrawn)).toMatchObject({
      personalised: false,
      reason: 'not-given',
      detail: 'withdrawn',
    });
    expect(demo.storefront.recommender.profiles()).not.toContain(subject);
  });

  it('is generic for a ledger-signed receipt given for an old definition hash', async () => {
    const old = encodeBase64url(sha256(utf8('personalization, as worded last year')));
    const receipt = await post(
      event(createSubjectId(), { personalization: 'given' }, { hashes: { personalization: old } }),
    );
    expect(await recommend(receipt)).toMatchObject({ personalised: false, reason: 'definition-changed' });
  });

  it('proves the receipt is in the log: signed tree head and inclusion proof', async () => {
    const receipt = await post(event(createSubjectId(), { 'marketing-email': 'given' }));
    const claims = await verifyReceipt(receipt, { keys: demo.ledger.jwks(), issuer: demo.ledgerUrl });
    // Tree heads are signed about once a second while the log grows: wait for one covering seq.
    let head = await latestHead();
    for (let i = 0; i < 50 && head.treeSize <= claims.seq; i++) {
      await new Promise((r) => setTimeout(r, 100));
      head = await latestHead();
    }
    expect(head.treeSize).toBeGreaterThan(claims.seq);
    const proof = (await (
      await fetch(`${demo.ledgerUrl}/v1/log/inclusion?seq=${claims.seq}&treeSize=${head.treeSize}`)
    ).json()) as { proof: string[] };
    expect(() =>
      verifyInclusion({
        leafHash: claims.lh,
        index: claims.seq,
        treeSize: head.treeSize,
        proof: proof.proof,
        rootHash: head.rootHash,
      }),
    ).not.toThrow();
  });

  it('refuses the newsletter once the ledger holds a later withdrawal, even with the old receipt', async () => {
    const subject = createSubjectId();
    const given = await post(event(subject, { 'marketing-email': 'given' }));
    const subscribe = (email: string) =>
      fetch(`${demo.storefrontUrl}/api/newsletter`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `assent_receipt=${given}` },
        body: JSON.stringify({ email }),
      });
    expect((await subscribe('first@example.com')).status).toBe(201);
    // Withdrawn on another device: this browser's cookie still holds the older receipt.
    await post(event(subject, { 'marketing-email': 'withdrawn' }));
    const res = await subscribe('second@example.com');
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'consent-required', reason: 'superseded' });
  });

  it('issues link tokens the ledger accepts, and the ledger refuses tokens from other keys', async () => {
    const subject = createSubjectId();
    const signIn = await fetch(`${demo.storefrontUrl}/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `account=${ACCOUNTS[0]!.id}`,
      redirect: 'manual',
    });
    const session = /shop_session=([^;]+)/.exec(signIn.headers.get('set-cookie') ?? '')![1]!;
    const page = await (
      await fetch(`${demo.storefrontUrl}/`, {
        headers: {
          cookie: `shop_session=${session}; assent=${encodeConsentCookie({ subject, decisions: {} })}`,
        },
      })
    ).text();
    const link = /data-link-token="([^"]+)"/.exec(page)![1]!;
    const receipt = await post(event(subject, { analytics: 'given' }, { link }));
    expect(receipt.split('.')).toHaveLength(3);

    const stranger = ed25519Key();
    const forged = await createLinkToken({ customerId: ACCOUNTS[0]!.id, subject, key: stranger.privateKey });
    const res = await fetch(`${demo.ledgerUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: demo.storefrontUrl },
      body: JSON.stringify([event(subject, { analytics: 'given' }, { link: forged })]),
    });
    expect(res.status).toBe(400);
  });

  it('serves the config with this ledger as ledgerUrl and allows it in connect-src', async () => {
    const served = await (await fetch(`${demo.storefrontUrl}/assent.config.json`)).json();
    expect(served.ledgerUrl).toBe(demo.ledgerUrl);
    const res = await fetch(`${demo.storefrontUrl}/`);
    expect(res.headers.get('content-security-policy')).toContain(`connect-src 'self' ${demo.ledgerUrl}`);
  });
});

describe('startDemo', () => {
  it("keeps nothing on disk with dataDir ':memory:' (screenshots, throwaway runs)", async () => {
    const throwaway = await startDemo({ storefrontPort: 0, ledgerPort: 0, dataDir: ':memory:' });
    try {
      const health = await (await fetch(`${throwaway.ledgerUrl}/healthz`)).json();
      expect(health).toMatchObject({ status: 'ok', storage: 'sqlite', treeSize: 0 });
      expect((await fetch(`${throwaway.storefrontUrl}/`)).status).toBe(200);
    } finally {
      await throwaway.close();
    }
  });

  it('keeps the ledger (and its key) across a restart, and stops cleanly', async () => {
    const other = mkdtempSync(join(tmpdir(), 'assent-storefront-'));
    try {
      const first = await startDemo({ storefrontPort: 0, ledgerPort: 0, dataDir: other });
      expect(first.adminToken).toMatch(/^alt_/);
      const admin = await fetch(`${first.ledgerUrl}/v1/tokens`, {
        headers: { authorization: `Bearer ${first.adminToken}` },
      });
      expect(admin.status).toBe(200);
      // The printed dashboard URL serves the dashboard, and the admin token reads its figures.
      expect((await fetch(first.dashboardUrl)).status).toBe(200);
      const stats = await fetch(`${first.ledgerUrl}/v1/stats`, {
        headers: { authorization: `Bearer ${first.adminToken}` },
      });
      expect(stats.status).toBe(200);
      const kid = first.ledger.jwks().keys;
      await first.close();
      await expect(fetch(`${first.storefrontUrl}/`)).rejects.toThrow();
      await expect(fetch(`${first.ledgerUrl}/healthz`)).rejects.toThrow();

      const second = await startDemo({ storefrontPort: 0, ledgerPort: 0, dataDir: other });
      try {
        expect(second.ledger.jwks().keys).toEqual(kid);
        const health = await (await fetch(`${second.ledgerUrl}/healthz`)).json();
        expect(health.treeSize).toBeGreaterThanOrEqual(0);
        // The first run's admin token was revoked when it stopped.
        const stale = await fetch(`${second.ledgerUrl}/v1/tokens`, {
          headers: { authorization: `Bearer ${first.adminToken}` },
        });
        expect(stale.status).toBe(401);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
