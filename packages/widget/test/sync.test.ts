// The widget's sync wiring (src/sync.ts, reached through the decision module): what it hands to
// `createSync` (decisions buffered while the module loads, plus the history's decisions newer than
// the newest receipt), the localStorage flag the loader reads, the events it forwards, and a module
// that fails to load. `createSync` is replaced by a recorder; the real one is tested in core and in
// the Chromium test (test/e2e/sync.e2e.ts).
import { type ConsentEvent, createConsent, createMemoryHistory, memoryStorage } from '@assent/core';
import type { SyncOptions } from '@assent/core/sync';
import { type AssentApi, loadUi, type SyncModule, startAssent } from '@assent/widget';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { storeConfig } from './fixtures/config.js';
import { cleanup } from './helpers.js';

const LEDGER = 'https://consent.shop.example';

beforeEach(() => {
  localStorage.clear();
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

/** A stand-in for `@assent/core/sync`: records the options, lets the test fire events and set what waits. */
function fakeSync(receipts: { id: string; at: string }[] = []) {
  const made: SyncOptions[] = [];
  const listeners: Record<string, ((d: unknown) => void)[]> = {};
  let waiting: ConsentEvent[] = [];
  const links: string[] = [];
  const mod: SyncModule = {
    createIdbSyncStore: () =>
      ({
        outbox: {},
        receipts: {
          entries: async () => receipts.map((r) => [r.id, { ...r, jws: 'x', seq: 0, verified: true }]),
        },
      }) as never,
    createSync: ((o: SyncOptions) => {
      made.push(o);
      waiting = [...(o.backlog ?? []).map((c) => c.event)];
      o.consent.subscribe((c) => waiting.push(c.event));
      return {
        flush: async () => {},
        pending: async () => waiting,
        receipts: async () => [],
        rejected: async () => [],
        link: async (t: string) => {
          links.push(t);
          return { status: 'merged', applied: [], sent: [] };
        },
        on: (type: string, f: (d: unknown) => void) => {
          listeners[type] ??= [];
          listeners[type].push(f);
          return () => {};
        },
        stop() {},
      };
    }) as never,
  };
  return {
    mod,
    made,
    links,
    fire: (type: string, d: unknown) => {
      for (const f of listeners[type] ?? []) f(d);
    },
    drain: () => {
      waiting = [];
    },
  };
}

function start(loadSync: () => Promise<SyncModule>, extra: Partial<Parameters<typeof startAssent>[0]> = {}) {
  const api: AssentApi = startAssent({
    config: { ...storeConfig(), ledgerUrl: LEDGER },
    loadUi,
    loadSync,
    storage: memoryStorage(),
    floatingButton: 'off',
    ...extra,
  });
  const events: [string, unknown][] = [];
  for (const e of ['receipt', 'sync-error', 'linked', 'error'] as const)
    api.on(e, (d) => events.push([e, d]));
  return { api, events };
}
const flag = () => localStorage.getItem('assent-outbox');

describe('sync wiring', () => {
  it('loads sync on the first decision, hands over what was decided meanwhile, and forwards its events', async () => {
    const f = fakeSync();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const load = vi.fn(() => gate.then(() => f.mod));
    const { api, events } = start(load);
    await api.ready;
    expect(load).not.toHaveBeenCalled();
    const first = await api.rejectAll();
    // The flag is set at once, before the sync module has even arrived.
    expect(flag()).toBe('1');
    const second = await api.set({ analytics: true });
    release();
    await vi.waitFor(() => expect(f.made).toHaveLength(1));
    expect(load).toHaveBeenCalledOnce();
    const o = f.made[0]!;
    expect(o.ledgerUrl).toBe(`${LEDGER}/`);
    expect(o.widget).toBe(api.version);
    expect(o.backlog!.map((c) => c.event.id)).toContain(first!.event.id);
    expect(o.backlog!.map((c) => c.event.id)).toContain(second!.event.id);

    f.fire('receipt', { event: second!.event, receipt: 'a.b.c' });
    f.fire('sync-error', { code: 'ERR_EVENT_INVALID', message: 'no' });
    expect(events.map(([e]) => e)).toEqual(['receipt', 'sync-error']);
    // Something still waits: the flag stays; drained, it goes.
    await vi.waitFor(() => expect(flag()).toBe('1'));
    f.drain();
    f.fire('receipt', { event: second!.event, receipt: 'a.b.c' });
    await vi.waitFor(() => expect(flag()).toBeNull());
  });

  it('hands over the history decisions newer than the newest receipt (a page closed before its sync ran)', async () => {
    const { wireSync } = await import('../src/sync.js');
    const config = { ...storeConfig(), ledgerUrl: LEDGER };
    const run = async (receiptAt: string) => {
      const history = createMemoryHistory();
      const consent = createConsent(config, { storage: memoryStorage(), history, onWarning: () => {} });
      // Recorded on an earlier page whose sync never ran: in the history only.
      const lost = consent.rejectAll()!.event;
      const f = fakeSync([{ id: 'older', at: receiptAt }]);
      wireSync({ consent, history, ledgerUrl: LEDGER, load: async () => f.mod, emit: () => {} });
      const now = consent.set({ analytics: true })!.event;
      await vi.waitFor(() => expect(f.made).toHaveLength(1));
      return { ids: f.made[0]!.backlog!.map((c) => c.event.id), lost: lost.id, now: now.id };
    };
    // The newest receipt is older than the lost decision: it is handed over, ahead of this page's.
    const before = await run('2000-01-01T00:00:00.000Z');
    expect(before.ids.indexOf(before.lost)).toBeGreaterThanOrEqual(0);
    expect(before.ids.indexOf(before.lost)).toBeLessThan(before.ids.lastIndexOf(before.now));
    // Everything in the history is older than the newest receipt: only this page's decision goes.
    const after = await run('9999-01-01T00:00:00.000Z');
    expect(after.ids).not.toContain(after.lost);
    expect(after.ids).toContain(after.now);
  });

  it('a returning visitor with nothing waiting loads neither module; with the flag set, both at idle', async () => {
    const f = fakeSync();
    const first = start(async () => f.mod);
    await first.api.ready;
    const storage = memoryStorage();
    cleanup();
    // A decided visitor whose digest is kept (the loader needs no module to start).
    const config = { ...storeConfig(), ledgerUrl: LEDGER };
    createConsent(config, { storage }).rejectAll();
    await (await loadUi()).read({ config, storage });

    const ui = vi.fn(loadUi);
    const load = vi.fn(async () => f.mod);
    const quiet = startAssent({ config, loadUi: ui, loadSync: load, storage, floatingButton: 'off' });
    await quiet.ready;
    await new Promise((r) => setTimeout(r, 50));
    expect(ui).not.toHaveBeenCalled();
    expect(load).not.toHaveBeenCalled();
    cleanup();

    localStorage.setItem('assent-outbox', '1');
    const again = startAssent({ config, loadUi: ui, loadSync: load, storage, floatingButton: 'off' });
    await again.ready;
    await vi.waitFor(() => expect(load).toHaveBeenCalledOnce());
    expect(ui).toHaveBeenCalledOnce();
  });

  it('data-link-token links once sync has loaded; assent.link forwards; a module that fails to load emits error and is retried', async () => {
    const f = fakeSync();
    const { api } = start(async () => f.mod, { linkToken: 'h.p.s' });
    await vi.waitFor(() => expect(f.links).toEqual(['h.p.s']));
    expect(await api.link('h2.p2.s2')).toEqual({ status: 'merged', applied: [], sent: [] });
    expect(f.links).toEqual(['h.p.s', 'h2.p2.s2']);
    cleanup();

    let fail = true;
    const g = fakeSync();
    const load = vi.fn(async () => {
      if (fail) throw Error('offline');
      return g.mod;
    });
    const broken = start(load);
    await broken.api.ready;
    await broken.api.rejectAll();
    await vi.waitFor(() => expect(broken.events.map(([e]) => e)).toContain('error'));
    fail = false;
    const next = await broken.api.set({ analytics: true });
    await vi.waitFor(() => expect(g.made).toHaveLength(1));
    // Nothing decided while the module was missing is lost.
    expect(g.made[0]!.backlog!.length).toBeGreaterThanOrEqual(2);
    expect(g.made[0]!.backlog!.map((c) => c.event.id)).toContain(next!.event.id);
  });
});
