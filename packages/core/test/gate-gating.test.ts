// @vitest-environment happy-dom
// @vitest-environment-options {"settings":{"handleDisabledFileLoadingAsSuccess":true}}
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGate, type Gate, placeholders } from '@assent/core';
import { fakeConsent } from './gate-fake.js';

let gate: Gate | undefined;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
  gate?.disconnect();
  gate = undefined;
  document.body.replaceChildren();
});

const html = (markup: string) => {
  document.body.innerHTML = markup;
};
const start = (
  consent: ReturnType<typeof fakeConsent>,
  extra: Partial<Parameters<typeof createGate>[0]> = {},
) => {
  gate = createGate({ allows: consent.allows, subscribe: (fn) => consent.subscribe(fn), ...extra });
  return gate;
};
const scripts = () => [...document.querySelectorAll('script')];
const tick = () => new Promise((r) => setTimeout(r, 0));

// happy-dom "fails" every external script synchronously on insertion (it loads no files). To see
// the queue wait like a browser, swallow those events and fire load/error by hand.
const holdScriptEvents = () => {
  let hold = true;
  const stop = (e: Event) => {
    if (hold) e.stopImmediatePropagation();
  };
  for (const t of ['load', 'error']) {
    document.addEventListener(t, stop, true);
    cleanups.push(() => document.removeEventListener(t, stop, true));
  }
  return (el: Element, type: 'load' | 'error') => {
    hold = false;
    el.dispatchEvent(new Event(type));
    hold = true;
  };
};

describe('createGate: scripts', () => {
  it('leaves gated scripts inert until every purpose they name is allowed', () => {
    html(`<script type="text/plain" data-assent="analytics ads" data-src="https://tags.test/a.js"></script>`);
    const consent = fakeConsent();
    start(consent);
    expect(scripts()[0]!.type).toBe('text/plain');
    consent.set({ analytics: true });
    expect(scripts()[0]!.type).toBe('text/plain');
    expect(scripts()[0]!.hasAttribute('src')).toBe(false);
    consent.set({ ads: true });
    expect(scripts()[0]!.type).toBe('');
    expect(scripts()[0]!.getAttribute('src')).toBe('https://tags.test/a.js');
  });

  it('never activates an element whose data-assent names no purpose', () => {
    html(`<script type="text/plain" data-assent=" " data-src="https://tags.test/a.js"></script>`);
    start(fakeConsent({ '': true }));
    expect(scripts()[0]!.type).toBe('text/plain');
  });

  it('keeps the attributes that matter and applies data-type', () => {
    html(
      `<script type="text/plain" data-assent="analytics" data-type="module" data-src="https://tags.test/m.js"
        nonce="n0nce" integrity="sha384-abc" crossorigin="anonymous" referrerpolicy="no-referrer" async id="m" data-extra="1"></script>`,
    );
    start(fakeConsent({ analytics: true }));
    const s = scripts()[0]!;
    expect(s.type).toBe('module');
    expect(s.getAttribute('src')).toBe('https://tags.test/m.js');
    for (const [k, v] of [
      ['integrity', 'sha384-abc'],
      ['crossorigin', 'anonymous'],
      ['referrerpolicy', 'no-referrer'],
      ['id', 'm'],
      ['data-extra', '1'],
      ['data-assent', 'analytics'],
      ['nonce', 'n0nce'],
    ])
      expect(s.getAttribute(k!)).toBe(v);
    expect(s.hasAttribute('async')).toBe(true);
  });

  it('keeps defer (and nomodule, fetchpriority) on a classic external script', () => {
    html(
      `<script type="text/plain" data-assent="analytics" data-src="https://tags.test/d.js"
        defer nomodule fetchpriority="low" nonce="d3fer"></script>`,
    );
    start(fakeConsent({ analytics: true }));
    const s = scripts()[0]!;
    // No data-type: a classic script, not a module.
    expect(s.type).toBe('');
    expect(s.getAttribute('src')).toBe('https://tags.test/d.js');
    expect(s.hasAttribute('defer')).toBe(true);
    expect(s.defer).toBe(true);
    expect(s.hasAttribute('nomodule')).toBe(true);
    expect(s.getAttribute('fetchpriority')).toBe('low');
    expect(s.getAttribute('nonce')).toBe('d3fer');
    // Not async: like a deferred parser script, it runs in order with the other gated scripts.
    expect(s.async).toBe(false);
  });

  it('copies inline code', () => {
    html(`<script type="text/plain" data-assent="analytics">window.__x = 1 &lt; 2</script>`);
    const text = scripts()[0]!.text;
    start(fakeConsent({ analytics: true }));
    expect(scripts()[0]!.text).toBe(text);
    expect(scripts()[0]!.type).toBe('');
  });

  it('activates each script at most once, however often it applies', () => {
    html(
      `<script type="text/plain" data-assent="analytics">1</script><script type="text/plain" data-assent="analytics">2</script>`,
    );
    const consent = fakeConsent({ analytics: true });
    const g = start(consent);
    const first = scripts();
    g.apply();
    consent.set({ analytics: true });
    expect(scripts()).toEqual(first);
    expect(scripts().map((s) => s.type)).toEqual(['', '']);
  });

  it('waits for a blocking external script before running the next gated one', () => {
    html(
      `<script type="text/plain" data-assent="a" data-src="https://tags.test/1.js"></script>` +
        `<script type="text/plain" data-assent="a">inline()</script>` +
        `<script type="text/plain" data-assent="a" data-src="https://tags.test/3.js" async></script>`,
    );
    const fire = holdScriptEvents();
    start(fakeConsent({ a: true }));
    const [one, two, three] = scripts();
    expect(one!.type).toBe('');
    expect(one!.async).toBe(false);
    expect([two!.type, three!.type]).toEqual(['text/plain', 'text/plain']);
    fire(one!, 'load');
    const now = scripts();
    expect(now[1]!.type).toBe('');
    // The async one does not hold the queue and stays async.
    expect(now[2]!.type).toBe('');
    expect(now[2]!.async).toBe(true);
  });

  it('continues the queue when a blocking script fails to load', () => {
    html(
      `<script type="text/plain" data-assent="a" data-src="https://tags.test/missing.js"></script>` +
        `<script type="text/plain" data-assent="a">after()</script>`,
    );
    const fire = holdScriptEvents();
    start(fakeConsent({ a: true }));
    expect(scripts()[1]!.type).toBe('text/plain');
    fire(scripts()[0]!, 'error');
    expect(scripts()[1]!.type).toBe('');
  });

  it('drops a queued script whose consent went while it waited', () => {
    html(
      `<script type="text/plain" data-assent="a" data-src="https://tags.test/1.js"></script>` +
        `<script type="text/plain" data-assent="b">b()</script>`,
    );
    const fire = holdScriptEvents();
    const consent = fakeConsent({ a: true, b: true });
    start(consent);
    consent.allowed.b = false;
    fire(scripts()[0]!, 'load');
    expect(scripts()[1]!.type).toBe('text/plain');
    consent.set({ b: true });
    expect(scripts()[1]!.type).toBe('');
  });

  it('catches gated elements added later', async () => {
    start(fakeConsent({ analytics: true }));
    const s = document.createElement('script');
    s.type = 'text/plain';
    s.dataset.assent = 'analytics';
    s.text = 'later()';
    document.body.append(s);
    await tick();
    expect(scripts()[0]!.type).toBe('');
    expect(scripts()[0]).not.toBe(s);
  });

  it('stops after disconnect', async () => {
    html(`<script type="text/plain" data-assent="a">1</script>`);
    const consent = fakeConsent();
    start(consent).disconnect();
    expect(consent.listenerCount).toBe(0);
    consent.set({ a: true });
    document.body.append(document.createElement('div'));
    await tick();
    expect(scripts()[0]!.type).toBe('text/plain');
  });
});

describe('createGate: frames, images and stylesheets', () => {
  it('moves data-src, data-srcset and data-href into place only when allowed', () => {
    html(
      `<iframe data-assent="video" data-src="https://video.test/embed/1"></iframe>` +
        `<img data-assent="ads" data-src="https://px.test/p.gif" data-srcset="https://px.test/p2.gif 2x" alt="">` +
        `<link rel="stylesheet" data-assent="video" data-href="https://video.test/s.css">`,
    );
    const consent = fakeConsent();
    start(consent);
    const frame = document.querySelector('iframe')!;
    const img = document.querySelector('img')!;
    const link = document.querySelector('link')!;
    expect(frame.hasAttribute('src') || img.hasAttribute('src') || link.hasAttribute('href')).toBe(false);
    consent.set({ video: true });
    expect(frame.getAttribute('src')).toBe('https://video.test/embed/1');
    expect(link.getAttribute('href')).toBe('https://video.test/s.css');
    expect(img.hasAttribute('src')).toBe(false);
    consent.set({ ads: true });
    expect(img.getAttribute('src')).toBe('https://px.test/p.gif');
    expect(img.getAttribute('srcset')).toBe('https://px.test/p2.gif 2x');
    expect(frame.hasAttribute('data-src')).toBe(false);
  });

  it('returns what is still blocked and tells onBlocked what each lacks', () => {
    html(
      `<iframe data-assent="video ads" data-src="https://video.test/1"></iframe>` +
        `<script type="text/plain" data-assent="analytics">x()</script>` +
        `<img data-assent="ads" src="https://px.test/ungated.gif" alt="">`,
    );
    const seen: [string, string[]][] = [];
    const consent = fakeConsent({ video: true, analytics: true });
    const g = start(consent, { onBlocked: (el, m) => seen.push([el.localName, m]) });
    expect(seen).toEqual([
      ['iframe', ['ads']],
      ['script', []],
    ]);
    expect(g.apply().map((el) => el.localName)).toEqual(['iframe']);
    consent.set({ ads: true });
    expect(g.apply()).toEqual([]);
    expect(seen.at(-1)).toEqual(['iframe', []]);
    // An element with data-assent but nothing to move was never gated: it is left alone.
    expect(document.querySelector('img')!.getAttribute('src')).toBe('https://px.test/ungated.gif');
  });
});

describe('placeholders', () => {
  it('offers "Load this content" for the missing purpose only, as text', () => {
    html(
      `<iframe data-assent="analytics video" data-src="https://video.test/1" data-assent-placeholder="<b>Video</b> by VideoHost"></iframe>`,
    );
    const consent = fakeConsent({ analytics: true });
    const requestPurpose = vi.fn((id: string) => consent.set({ [id]: true }));
    start(consent, { onBlocked: placeholders({ requestPurpose }) });
    const box = document.querySelector('.assent-placeholder')!;
    const frame = document.querySelector('iframe')!;
    expect(box.nextElementSibling).toBe(frame);
    expect(frame.hidden).toBe(true);
    expect(box.firstChild!.nodeType).toBe(Node.TEXT_NODE);
    expect(box.firstChild!.textContent).toBe('<b>Video</b> by VideoHost');
    expect(box.querySelector('b')).toBeNull();
    const button = box.querySelector('button')!;
    expect(button.textContent).toBe('Load this content');
    expect(button.type).toBe('button');
    button.click();
    expect(requestPurpose).toHaveBeenCalledTimes(1);
    expect(requestPurpose).toHaveBeenCalledWith('video');
    expect(document.querySelector('.assent-placeholder')).toBeNull();
    expect(frame.hidden).toBe(false);
    expect(frame.getAttribute('src')).toBe('https://video.test/1');
  });

  it('asks for the purpose still missing when clicked', () => {
    html(
      `<iframe data-assent="ads video" data-src="https://video.test/1" data-assent-placeholder="Video"></iframe>`,
    );
    const consent = fakeConsent();
    const requestPurpose = vi.fn();
    start(consent, { onBlocked: placeholders({ requestPurpose }) });
    consent.set({ ads: true });
    document.querySelector<HTMLButtonElement>('.assent-placeholder button')!.click();
    expect(requestPurpose).toHaveBeenCalledWith('video');
  });

  it('draws one box per element, takes a label, and none without the attribute or for scripts', () => {
    html(
      `<img data-assent="ads" data-src="https://px.test/1.gif" data-assent-placeholder="Ad" alt="">` +
        `<img data-assent="ads" data-src="https://px.test/2.gif" alt="">` +
        `<script type="text/plain" data-assent="ads" data-assent-placeholder="x">1</script>`,
    );
    const g = start(fakeConsent(), {
      onBlocked: placeholders({ requestPurpose: () => {}, label: '加载此内容' }),
    });
    g.apply();
    g.apply();
    const boxes = document.querySelectorAll('.assent-placeholder');
    expect(boxes).toHaveLength(1);
    expect(boxes[0]!.querySelector('button')!.textContent).toBe('加载此内容');
    expect(boxes[0]!.nextElementSibling!.getAttribute('data-src')).toBe('https://px.test/1.gif');
  });
});
