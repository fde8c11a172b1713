// Part of the loader, so it is kept tiny: inline styles (set through the CSSOM, which a strict
// Content-Security-Policy allows) instead of a stylesheet, in a shadow root of its own so that the
// page's CSS cannot reach it. Focus shows the browser's own focus ring.
const CSS =
  'position:fixed;bottom:1rem;z-index:var(--assent-z,2147483000);padding:.5rem 1rem;font:600 .875rem/1.5 var(--assent-font,system-ui);color:var(--assent-accent-text,#fff);background:var(--assent-accent,#1d4ed8);border:0;border-radius:2rem;inset-inline-';

/**
 * The persistent entry point for changing or withdrawing consent: a small fixed button labelled
 * "Privacy settings" (localized) that opens the preference center in one click.
 */
export function floatingButton(
  parent: HTMLElement,
  label: string,
  locale: string,
  end: boolean,
  open: () => void,
): void {
  const host = document.createElement('assent-settings');
  const b = document.createElement('button');
  b.textContent = label;
  b.lang = locale;
  // From the label's own script (an Arabic label is right to left), which is what the locale's
  // direction would give for every built-in and configured label, without the loader carrying it.
  b.dir = 'auto';
  b.style.cssText = `${CSS}${end ? 'end' : 'start'}:1rem`;
  b.onclick = open;
  host.attachShadow({ mode: 'open' }).append(b);
  parent.append(host);
}
