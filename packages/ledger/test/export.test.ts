// Exports: the programmatic ledger.export() and its access log (audit-4 #9), what the Kantara
// Consent Receipt 1.1 export may state (audit-4 #8), and the same rules for GET /v1/export, on
// SQLite and on PostgreSQL.
import { type AssentConfig, definitionHash, validateConfig } from '@assent/core';
import { ExportUnconfigured } from '@assent/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, fixture, get, HASH_A, type Json, makeEvent } from './helpers.js';
import { SITE } from './site-config.js';

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

describe('Kantara Consent Receipt 1.1 export', () => {
  let fx: Fixture;
  let site: AssentConfig;
  const hash = (id: string) => definitionHash(site.purposes.find((p) => p.id === id)!, site);
  beforeAll(async () => {
    fx = await fixture('sqlite');
    site = validateConfig(SITE);
  });
  afterAll(async () => {
    await fx.cleanup();
  });
  describe('ledger.export()', () => {
    const receipts = async (l: Awaited<ReturnType<Fixture['ledger']>>): Promise<Json[]> => {
      const out: Json[] = [];
      for await (const line of l.export('kantara')) out.push(JSON.parse(line));
      return out;
    };

    it('states categories, sensitivity and third parties from the config, only for the definition decided on', async () => {
      const l = await fx.ledger({ database: `${fx.dir}/kantara.db`, siteConfig: SITE });
      await l.append([
        makeEvent({
          purposes: {
            analytics: { status: 'given', hash: hash('analytics') },
            'face-payment': { status: 'given', hash: hash('face-payment') },
            // Decided on an older definition: what the config says now is not what the shopper was told.
            abroad: { status: 'given', hash: HASH_A },
            ads: { status: 'refused', hash: HASH_A },
          },
        }),
        makeEvent({ purposes: { analytics: { status: 'given', hash: hash('analytics') } } }),
        // A purpose the config does not know.
        makeEvent({ purposes: { newsletter: { status: 'given', hash: HASH_A } } }),
      ]);
      const [a, b, c] = await receipts(l);
      expect(a.version).toBe('KI-CR-v1.1.0');
      expect(a.piiControllers).toEqual([
        {
          piiController: 'Shop Ltd',
          contact: 'privacy@shop.example',
          address: { streetAddress: '1 High St, London' },
        },
      ]);
      expect(a.policyUrl).toBe('https://shop.example/privacy');
      expect(a.services).toHaveLength(1);
      expect(a.services[0].service).toBe('Shop Ltd');
      const byId = Object.fromEntries(a.services[0].purposes.map((p: Json) => [p.purpose, p]));
      // In the stored (RFC 8785) order of the event's purposes; the refusal is not a consent.
      expect(Object.keys(byId)).toEqual(['abroad', 'analytics', 'face-payment']);
      expect(byId.analytics).toMatchObject({ piiCategory: ['browsing'], thirdPartyDisclosure: false });
      expect(byId.analytics).not.toHaveProperty('thirdPartyName');
      expect(byId['face-payment']).toMatchObject({
        piiCategory: ['face', 'payment'],
        thirdPartyDisclosure: true,
        thirdPartyName: 'Pay Co',
      });
      // Unknown for the stale definition: left out rather than asserted.
      expect(byId.abroad).not.toHaveProperty('piiCategory');
      expect(byId.abroad).not.toHaveProperty('thirdPartyDisclosure');
      for (const p of a.services[0].purposes) expect(p).not.toHaveProperty('primaryPurpose');
      expect(a).toMatchObject({ sensitive: true, spiCat: ['face'] });
      // Every consented purpose known, none sensitive: false is then a fact.
      expect(b).toMatchObject({ sensitive: false, spiCat: [] });
      // Nothing known: neither stated.
      expect(c).not.toHaveProperty('sensitive');
      expect(c).not.toHaveProperty('spiCat');
      expect(c.services[0].purposes[0]).not.toHaveProperty('thirdPartyDisclosure');
    });

    it('a transfer abroad is a disclosure to its recipient', async () => {
      const l = await fx.ledger({ database: `${fx.dir}/kantara-abroad.db`, siteConfig: SITE });
      await l.append([makeEvent({ purposes: { abroad: { status: 'given', hash: hash('abroad') } } })]);
      const [r] = await receipts(l);
      expect(r.services[0].purposes[0]).toMatchObject({
        piiCategory: ['payment'],
        thirdPartyDisclosure: true,
        thirdPartyName: 'Group Pte',
      });
      expect(r).toMatchObject({ sensitive: false, spiCat: [] });
    });

    it('takes an address object as given, and explicit options over the config', async () => {
      const l = await fx.ledger({
        database: `${fx.dir}/kantara-address.db`,
        siteConfig: SITE,
        controller: { name: 'Shop GmbH', address: { streetAddress: 'Hauptstr. 1', addressCountry: 'DE' } },
        noticeUrl: 'https://shop.example/datenschutz',
      });
      await l.append([makeEvent()]);
      const [r] = await receipts(l);
      expect(r.piiControllers).toEqual([
        { piiController: 'Shop GmbH', address: { streetAddress: 'Hauptstr. 1', addressCountry: 'DE' } },
      ]);
      expect(r.policyUrl).toBe('https://shop.example/datenschutz');
      // No email, phone or contact configured: not written as empty strings.
      expect(JSON.stringify(r)).not.toContain('""');
    });

    it('refuses the format without a controller or an absolute notice URL, before logging the export', async () => {
      const bare = await fx.ledger({ database: `${fx.dir}/kantara-bare.db` });
      await bare.append([makeEvent()]);
      await expect(bare.export('kantara').next()).rejects.toMatchObject({
        code: 'ERR_EXPORT_UNCONFIGURED',
        path: 'controller',
      });
      await expect(bare.export('kantara').next()).rejects.toBeInstanceOf(ExportUnconfigured);
      expect(await bare.store.accessLog(0, 10)).toEqual([]);
      // The other formats need neither.
      let n = 0;
      for await (const _ of bare.export('iso27560')) n++;
      expect(n).toBe(1);
      // A root-relative notice URL in the config is not enough for a receipt.
      const relative = await fx.ledger({
        database: `${fx.dir}/kantara-relative.db`,
        siteConfig: { ...SITE, notice: { version: '2026-01', url: '/privacy' } },
      });
      await expect(relative.export('kantara').next()).rejects.toMatchObject({
        code: 'ERR_EXPORT_UNCONFIGURED',
        path: 'noticeUrl',
      });
    });

    it('refuses an invalid site config at start', async () => {
      await expect(fx.ledger({ siteConfig: { ...SITE, purposes: 'none' } })).rejects.toMatchObject({
        code: 'ERR_CONFIG_INVALID',
      });
    });
  });

  // Over HTTP on both stores: the export reads the store's entries and writes its access log.
  describe.each(['sqlite', 'postgres'] as const)('GET /v1/export?format=kantara (%s)', (backend) => {
    let store: Fixture;
    beforeAll(async () => {
      store = await fixture(backend);
    });
    afterAll(async () => {
      await store?.cleanup();
    });
    // Each ledger on its own log: a SQLite file, or a schema of the fixture's PostgreSQL database.
    const serve = async ({ name, ...options }: Parameters<Fixture['ledger']>[0] & { name: string }) => {
      const s = store.storage();
      const l = await store.ledger({
        ...options,
        ...(typeof s.postgres === 'string'
          ? { postgres: { connectionString: s.postgres, schema: name.replaceAll('-', '_') } }
          : { database: `${store.dir}/${name}.db` }),
      });
      const url = await l.listen(0);
      const auditor = { authorization: `Bearer ${(await l.createToken({ scopes: ['audit'] })).token}` };
      return { l, url, auditor };
    };

    it('states the categories, sensitivity and third parties of the site config, as ledger.export() does', async () => {
      const { l, url, auditor } = await serve({ name: 'http-kantara', siteConfig: SITE });
      await l.append([
        makeEvent({
          purposes: {
            analytics: { status: 'given', hash: hash('analytics') },
            'face-payment': { status: 'given', hash: hash('face-payment') },
          },
        }),
      ]);
      const r = await get(`${url}/v1/export?format=kantara`, auditor);
      expect(r.status).toBe(200);
      const lines = r.text.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      const k = JSON.parse(lines[0]!);
      const byId = Object.fromEntries(k.services[0].purposes.map((p: Json) => [p.purpose, p]));
      expect(byId.analytics).toMatchObject({ piiCategory: ['browsing'], thirdPartyDisclosure: false });
      expect(byId['face-payment']).toMatchObject({
        piiCategory: ['face', 'payment'],
        thirdPartyDisclosure: true,
        thirdPartyName: 'Pay Co',
      });
      expect(k).toMatchObject({ sensitive: true, spiCat: ['face'] });
      // Line for line what the programmatic export gives.
      const programmatic: string[] = [];
      for await (const line of l.export('kantara')) programmatic.push(line);
      expect(programmatic).toEqual(lines);
    });

    it('is refused with 409 ERR_EXPORT_UNCONFIGURED without a controller or notice URL, and nothing is logged', async () => {
      const { l, url, auditor } = await serve({ name: 'http-kantara-bare' });
      await l.append([makeEvent()]);
      const r = await get(`${url}/v1/export?format=kantara`, auditor);
      expect(r.status).toBe(409);
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      expect(r.body.error).toMatchObject({ code: 'ERR_EXPORT_UNCONFIGURED', path: 'controller' });
      expect(r.body.error.message).toMatch(/controller.*noticeUrl/);
      expect(await l.store.accessLog(0, 10)).toEqual([]);
      // A controller alone is not enough; the error then names the notice URL.
      const half = await serve({
        name: 'http-kantara-half',
        controller: { name: 'Shop Ltd' },
      });
      const h = await get(`${half.url}/v1/export?format=kantara`, half.auditor);
      expect(h.status).toBe(409);
      expect(h.body.error).toMatchObject({ code: 'ERR_EXPORT_UNCONFIGURED', path: 'noticeUrl' });
      expect(await half.l.store.accessLog(0, 10)).toEqual([]);
      // The other formats need neither, and are logged.
      const iso = await get(`${url}/v1/export?format=iso27560`, auditor);
      expect(iso.status).toBe(200);
      expect(iso.text.trimEnd().split('\n')).toHaveLength(1);
      expect((await l.store.accessLog(0, 10)).map((x) => x.detail)).toEqual(['format=iso27560 from=0 to=1']);
    });
  });
});
