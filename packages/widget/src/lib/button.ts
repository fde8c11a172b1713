import type { AssentConfig } from '@assent/core';
import { dirOf } from './locale.js';
import { adoptStyles } from './styles.js';

// Part of the loader, so it is kept tiny: its own shadow root, one rule, a localized label.
const CSS =
  'button{position:fixed;bottom:1rem;z-index:var(--assent-z,2147483000);padding:.5rem 1rem;font:600 .875rem/1.5 var(--assent-font,system-ui,sans-serif);color:var(--assent-accent-text,#fff);background:var(--assent-accent,#1d4ed8);border:0;border-radius:2rem;cursor:pointer}button:focus-visible{outline:3px solid var(--assent-focus,#1d4ed8);outline-offset:2px}';

/**
 * The persistent entry point for changing or withdrawing consent: a small fixed button labelled
 * "Privacy settings" (localized) that opens the preference center in one click.
 */
export function floatingButton(
  parent: HTMLElement,
  config: AssentConfig,
  locale: string,
  end: boolean,
  open: () => void,
  nonce?: string,
): HTMLElement {
  const host = document.createElement('assent-settings');
  const root = host.attachShadow({ mode: 'open' });
  adoptStyles(root, `${CSS}button{inset-inline-${end ? 'end' : 'start'}:1rem}`, nonce);
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent =
    config.ui?.texts?.[locale]?.settings ??
    (locale.startsWith('zh') ? '\u9690\u79c1\u8bbe\u7f6e' : 'Privacy settings');
  b.lang = locale;
  b.dir = dirOf(locale);
  b.onclick = open;
  root.append(b);
  parent.append(host);
  return host;
}
