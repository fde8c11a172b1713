import { h, render } from 'preact';
import { adoptStyles } from '../lib/styles.js';
import type { PromptReason, SeparateAnswer } from '../lib/types.js';
import { App } from './app.js';
import { createUiState, localeOf, type UiOptions } from './state.js';
import { css } from './styles.js';

/** The mounted widget, as `mountUi` returns it. */
export interface UiController {
  /** The `<assent-widget>` host element; its shadow root is open for tests and audits. */
  readonly host: HTMLElement;
  /** The locale shown, as picked from the config's locales. */
  readonly locale: string;
  /** Show the banner (first layer), with the reasons the shopper is asked again, if any. */
  showBanner(reasons?: PromptReason[]): void;
  /** Open the preference center (second layer). */
  openPreferences(): void;
  /** Ask for separate consent for one purpose in its own dialog; resolves with the answer. */
  requestSeparate(id: string): Promise<SeparateAnswer>;
  /** Ask for one consent purpose (separate or not) in the same dialog; resolves with the answer. */
  requestConsent(id: string): Promise<SeparateAnswer>;
  /** Close every layer without recording anything. */
  close(): void;
  /** Remove the widget from the page. */
  destroy(): void;
}

/**
 * Render the consent UI into a Shadow DOM host: the page's CSS cannot reach it (except the
 * documented custom properties), and every config text is rendered as text, never as markup.
 *
 * @example
 * ```ts
 * import { createConsent, cookieStorage } from '@assent/core'
 * import { mountUi } from '@assent/widget/ui'
 *
 * const consent = createConsent(config, { storage: cookieStorage() })
 * const ui = mountUi({ consent, config })
 * if (consent.needsPrompt().prompt) ui.showBanner(consent.needsPrompt().reasons)
 * document.querySelector('#privacy')!.addEventListener('click', () => ui.openPreferences())
 * ```
 */
export function mountUi(options: UiOptions): UiController {
  if (!options?.consent) throw new TypeError('mountUi: options.consent is required');
  if (!options.config) throw new TypeError('mountUi: options.config is required');
  return mountIn(options, localeOf(options));
}

/**
 * `mountUi` for the decision module, whose options the loader made (so nothing to check) and whose
 * `locale` the loader picked from the config's locales already: the script-tag build then carries
 * neither the checks nor a second locale choice.
 */
export function mountIn(options: UiOptions, locale: string): UiController {
  const host = document.createElement('assent-widget');
  const shadow = host.attachShadow({ mode: 'open' });
  let queued = false;
  // Writes are batched: one render per task, whatever number of cells changed.
  const paint = () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      if (host.isConnected) {
        render(h(App, { s }), root);
        // The floating button would cover the banner's buttons on narrow screens and sit over the
        // dialogs: it steps aside while any layer is open.
        const b = document.querySelector<HTMLElement>('assent-settings');
        if (b) b.hidden = !!(s.banner.value || s.prefs.value || s.separate.value);
      }
    });
  };
  const s = createUiState(options, locale, paint);
  adoptStyles(shadow, css, options.nonce);
  const root = document.createElement('div');
  root.className = 'r';
  root.lang = s.locale;
  root.dir = s.dir;
  shadow.append(root);
  (options.container ?? document.body).prepend(host);
  const unsubscribe = s.consent.subscribe((c) => {
    s.rev.value++;
    // Decisions adopted from the shopper's other devices (a link) may answer what the banner asks.
    if (c.method === 'sync' && s.banner.value && !s.consent.needsPrompt().prompt) s.banner.value = null;
  });
  render(h(App, { s }), root);
  const request = (id: string, separate: boolean) => {
    const p = s.purposes.find((x) => x.id === id && x.basis === 'consent' && (x.separate || !separate));
    if (!p)
      return Promise.reject(
        new TypeError(`assent: "${id}" is not a ${separate ? 'separate-' : ''}consent purpose of the config`),
      );
    return s.consent.allows(id) ? Promise.resolve<SeparateAnswer>('given') : s.ask(id);
  };
  const close = () => {
    s.banner.value = null;
    s.closePrefs();
    s.end('dismissed');
  };
  return {
    host,
    locale: s.locale,
    showBanner(reasons = s.consent.needsPrompt().reasons) {
      s.banner.value = reasons;
      s.emit('banner', { reasons });
    },
    openPreferences: s.openPrefs,
    requestSeparate: (id) => request(id, true),
    requestConsent: (id) => request(id, false),
    close,
    destroy() {
      close();
      unsubscribe();
      render(null, root);
      host.remove();
    },
  };
}
