import { Window } from 'happy-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearOnWithdraw, clearPurposeStorage, clearStorageOf } from '@assent/core';
import { fakeConsent } from './gate-fake.js';

const windows: Window[] = [];
afterEach(async () => {
  for (const w of windows.splice(0)) await w.happyDOM.close();
});
const page = (url: string) => {
  const w = new Window({ url });
  windows.push(w);
  return w as unknown as globalThis.Window & typeof globalThis;
};
const names = (w: globalThis.Window) =>
  w.document.cookie
    .split(/; */)
    .filter(Boolean)
    .map((c) => c.split('=')[0])
    .sort();

describe('clearPurposeStorage', () => {
  it('deletes exact names and /regex/ patterns, and nothing else', () => {
    const w = page('https://shop.example.com/');
    for (const c of ['_ga=1', '_ga_ABC123=2', '_gid=3', 'assent=1.x', 'session=4', 'x_ga_=5'])
      w.document.cookie = `${c};path=/`;
    clearPurposeStorage({ cookies: ['_ga', '/^_ga_/', '_gid'] }, w);
    expect(names(w)).toEqual(['assent', 'session', 'x_ga_']);
  });

  it('honours regex flags', () => {
    const w = page('https://shop.example.com/');
    w.document.cookie = '_FBP=1;path=/';
    w.document.cookie = 'keep=1;path=/';
    clearPurposeStorage({ cookies: ['/^_fbp$/i'] }, w);
    expect(names(w)).toEqual(['keep']);
  });

  it('reaches cookies set on parent paths and on the parent domain', () => {
    const w = page('https://www.shop.example.com/store/items/42');
    const d = w.document;
    d.cookie = 'a=1;path=/';
    d.cookie = 'b=1;path=/store';
    d.cookie = 'c=1;path=/store/items/';
    d.cookie = 'e=1;path=/store/items/42';
    d.cookie = 'f=1;path=/;domain=.example.com';
    d.cookie = 'g=1;path=/store;domain=shop.example.com';
    d.cookie = 'h=1;path=/store/items';
    expect(names(w)).toEqual(['a', 'b', 'c', 'e', 'f', 'g', 'h']);
    clearPurposeStorage({ cookies: ['/^[a-h]$/'] }, w);
    expect(names(w)).toEqual([]);
  });

  it('deletes __Secure- and __Host- cookies on https', () => {
    const w = page('https://shop.example.com/a');
    w.document.cookie = '__Host-id=1;path=/;secure';
    w.document.cookie = '__Secure-id=1;path=/;secure;domain=.example.com';
    expect(names(w)).toEqual(['__Host-id', '__Secure-id']);
    clearPurposeStorage({ cookies: ['__Host-id', '__Secure-id'] }, w);
    expect(names(w)).toEqual([]);
  });

  it('works on http and on a bare host', () => {
    const w = page('http://localhost:8080/x/');
    w.document.cookie = 'z=1;path=/x/';
    w.document.cookie = 'y=1;path=/';
    clearPurposeStorage({ cookies: ['z'] }, w);
    expect(names(w)).toEqual(['y']);
  });

  it('writes only for cookies the page can see, and reads no localStorage without localStorage rules', () => {
    const w = page('https://www.shop.example.com/store/items/42');
    w.document.cookie = '_ga=1;path=/';
    w.document.cookie = 'keep=1;path=/';
    const proto = Object.getPrototypeOf(w.document);
    let desc = Object.getOwnPropertyDescriptor(proto, 'cookie');
    for (let o = proto; !desc; o = Object.getPrototypeOf(o))
      desc = Object.getOwnPropertyDescriptor(o, 'cookie');
    const writes: string[] = [];
    Object.defineProperty(w.document, 'cookie', {
      configurable: true,
      get: () => desc!.get!.call(w.document),
      set: (v: string) => {
        writes.push(v.split('=')[0]!);
        desc!.set!.call(w.document, v);
      },
    });
    const storage = vi.spyOn(w, 'localStorage', 'get');
    // _gid and the pattern match nothing the page can see: no write for them.
    clearPurposeStorage({ cookies: ['_ga', '_gid', '/^_fbp/'] }, w);
    expect(names(w)).toEqual(['keep']);
    expect(new Set(writes)).toEqual(new Set(['_ga']));
    // Paths /, /store, /store/, /store/items, /store/items/, /store/items/42, /store/items/42/
    // by host-only and four domains.
    expect(writes).toHaveLength(7 * 5);
    expect(storage).not.toHaveBeenCalled();
    writes.length = 0;
    clearPurposeStorage({ cookies: ['_gid'] }, w);
    expect(writes).toEqual([]);
  });

  it('deletes localStorage keys by name and pattern', () => {
    const w = page('https://shop.example.com/');
    for (const k of ['_hjSession_1', '_hjid', 'cart', 'hj', 'x_hj']) w.localStorage.setItem(k, '1');
    clearPurposeStorage({ localStorage: ['/^_hj/', 'hj'] }, w);
    expect(Object.keys({ ...w.localStorage }).sort()).toEqual(['cart', 'x_hj']);
    expect(w.localStorage.getItem('cart')).toBe('1');
  });

  it('survives blocked storage', () => {
    const w = page('https://shop.example.com/');
    Object.defineProperty(w, 'localStorage', {
      get() {
        throw new DOMException('blocked', 'SecurityError');
      },
    });
    expect(() => clearPurposeStorage({ localStorage: ['x'] }, w)).not.toThrow();
  });
});

describe('clearOnWithdraw', () => {
  const purposes = [
    { id: 'analytics', cookies: ['_ga', '/^_ga_/'], localStorage: ['_ga_ls'], reloadOnWithdraw: true },
    { id: 'ads', cookies: ['_fbp', '_ga'] },
  ];

  it('clears what purposes that are not allowed left, at start and after each change', () => {
    const w = page('https://shop.example.com/');
    for (const c of ['_ga=1', '_ga_X=1', '_fbp=1']) w.document.cookie = `${c};path=/`;
    const consent = fakeConsent({ analytics: true });
    const reload = vi.spyOn(w.location, 'reload').mockImplementation(() => {});
    clearOnWithdraw(consent, purposes, w);
    // _ga is kept: analytics, which is allowed, lists it too.
    expect(names(w)).toEqual(['_ga', '_ga_X']);
    w.localStorage.setItem('_ga_ls', '1');
    consent.set({ analytics: false });
    expect(names(w)).toEqual([]);
    expect(w.localStorage.getItem('_ga_ls')).toBeNull();
    expect(reload).toHaveBeenCalledTimes(1);
  });

  it("never lets a withdrawn purpose's pattern take what an allowed purpose lists, by name or by pattern", () => {
    const w = page('https://shop.example.com/');
    for (const c of ['_stats=1', '_stats_shared=1', '_stats_x=1', '_mkt_a=1'])
      w.document.cookie = `${c};path=/`;
    for (const k of ['_stats', '_stats_shared', '_mkt_b']) w.localStorage.setItem(k, '1');
    const shared = [
      { id: 'analytics', cookies: ['/^_stats/'], localStorage: ['/^_stats/', '/^_mkt_/'] },
      {
        id: 'marketing',
        cookies: ['_stats_shared', '/^_mkt_/'],
        localStorage: ['_stats_shared', '/^_mkt_/'],
      },
    ];
    clearOnWithdraw(fakeConsent({ marketing: true }), shared, w);
    expect(names(w)).toEqual(['_mkt_a', '_stats_shared']);
    expect(Object.keys(w.localStorage).sort()).toEqual(['_mkt_b', '_stats_shared']);
  });

  it('with now false leaves the first sweep to the caller, and still sweeps after each change', () => {
    const w = page('https://shop.example.com/');
    for (const c of ['_ga=1', '_fbp=1']) w.document.cookie = `${c};path=/`;
    const consent = fakeConsent({ analytics: true });
    clearOnWithdraw(consent, purposes, w, false);
    expect(names(w)).toEqual(['_fbp', '_ga']);
    consent.set({ analytics: false });
    expect(names(w)).toEqual([]);
  });

  it('clearStorageOf sweeps once, with no subscription and no reload', () => {
    const w = page('https://shop.example.com/');
    for (const c of ['_ga=1', '_ga_X=1', '_fbp=1']) w.document.cookie = `${c};path=/`;
    const reload = vi.spyOn(w.location, 'reload').mockImplementation(() => {});
    clearStorageOf((id) => id === 'ads', purposes, w);
    // analytics is not allowed, but ads (allowed) lists _ga too.
    expect(names(w)).toEqual(['_fbp', '_ga']);
    expect(reload).not.toHaveBeenCalled();
  });

  it('reloads only on a change from allowed to not allowed, and stops when unsubscribed', () => {
    const w = page('https://shop.example.com/');
    const consent = fakeConsent();
    const reload = vi.spyOn(w.location, 'reload').mockImplementation(() => {});
    const stop = clearOnWithdraw(consent, purposes, w);
    consent.set({ analytics: false });
    expect(reload).not.toHaveBeenCalled();
    consent.set({ analytics: true });
    consent.set({ ads: false });
    expect(reload).not.toHaveBeenCalled();
    stop();
    w.document.cookie = '_ga=1;path=/';
    consent.set({ analytics: false });
    expect(reload).not.toHaveBeenCalled();
    expect(names(w)).toEqual(['_ga']);
  });
});
