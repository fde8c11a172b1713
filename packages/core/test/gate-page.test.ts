// @vitest-environment happy-dom
// @vitest-environment-options {"settings":{"handleDisabledFileLoadingAsSuccess":true}}
// In a file of its own: gatePage watches the document for the rest of the page's life.
import { expect, it } from 'vitest';
import { gatePage } from '@assent/core';
import { fakeConsent } from './gate-fake.js';

const tick = () => new Promise((r) => setTimeout(r, 0));

it('gatePage gates the whole document: now, on insertions, and on each apply after a change', async () => {
  document.body.innerHTML = `
    <script type="text/plain" data-assent="analytics">1</script>
    <img data-assent="video" data-src="https://video.test/poster.png">`;
  const consent = fakeConsent();
  const blocked: [string, string[]][] = [];
  const apply = gatePage({
    allows: consent.allows,
    onBlocked: (el, missing) => blocked.push([el.localName, missing]),
  });
  const script = () => document.querySelector('script')!;
  expect(script().type).toBe('text/plain');
  expect(blocked).toEqual([
    ['script', ['analytics']],
    ['img', ['video']],
  ]);
  consent.set({ analytics: true });
  // Nothing runs until apply: gatePage does not subscribe.
  expect(script().type).toBe('text/plain');
  const still = apply();
  const ran = script();
  expect(ran.type).toBe('');
  expect(ran.textContent).toBe('1');
  expect(still.map((el) => el.localName)).toEqual(['img']);
  // Elements added later are gated by the observer, with what is allowed at that time.
  const late = document.createElement('img');
  late.dataset.assent = 'analytics';
  late.dataset.src = 'https://img.test/p.gif';
  document.body.append(late);
  await tick();
  expect(late.getAttribute('src')).toBe('https://img.test/p.gif');
  // One way: a script that ran is not replaced (run) again on the next pass.
  apply();
  expect(script()).toBe(ran);
});
