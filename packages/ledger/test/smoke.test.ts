import { verifyReceipt } from '@assent/verifier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, fixture, makeEvent, post } from './helpers.js';

describe.each(['sqlite', 'postgres'] as const)('smoke (%s)', (backend) => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await fixture(backend);
  });
  afterAll(async () => {
    await fx?.cleanup();
  });
  it('ingests and signs', async () => {
    const l = await fx.ledger();
    const url = await l.listen(0);
    const e = makeEvent();
    const r = await post(url, [e]);
    expect(r.status).toBe(200);
    const claims = await verifyReceipt(r.body.receipts[0], { keys: l.jwks(), issuer: 'https://ledger.test' });
    expect(claims.jti).toBe(e.id);
    expect(claims.seq).toBe(0);
  });
});
