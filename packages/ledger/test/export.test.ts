// Exports outside HTTP: the programmatic ledger.export() and its access log (audit-4 #9).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, fixture, makeEvent } from './helpers.js';

describe('ledger.export()', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await fixture('sqlite');
  });
  afterAll(async () => {
    await fx.cleanup();
  });

  it('writes one access-log record before the first line, naming who exports', async () => {
    const ledger = await fx.ledger({ database: `${fx.dir}/export-log.db` });
    await ledger.append([makeEvent(), makeEvent()]);
    const it = ledger.export('native', { who: 'job:quarterly-audit' });
    const first = await it.next();
    expect(first.done).toBe(false);
    // Recorded by the time the first line is out, not after the export ends.
    const log = await ledger.store.accessLog(0, 10);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      who: 'api:job:quarterly-audit',
      action: 'export',
      subjectHash: null,
      detail: 'format=native from=0 to=2',
    });
    const rest: string[] = [];
    for await (const l of it) rest.push(l);
    expect(rest).toHaveLength(1);
    // Without `who` the record still exists, as `api`.
    for await (const _ of ledger.export('iso27560')) break;
    const after = await ledger.store.accessLog(0, 10);
    expect(after.map((r) => [r.who, r.detail])).toEqual([
      ['api:job:quarterly-audit', 'format=native from=0 to=2'],
      ['api', 'format=iso27560 from=0 to=2'],
    ]);
  });

  it('refuses a bad who before logging anything', async () => {
    const ledger = await fx.ledger({ database: `${fx.dir}/export-who.db` });
    await expect(ledger.export('native', { who: '' }).next()).rejects.toThrow(TypeError);
    await expect(ledger.export('native', { who: 7 as unknown as string }).next()).rejects.toThrow(/who/);
    expect(await ledger.store.accessLog(0, 10)).toEqual([]);
  });
});
