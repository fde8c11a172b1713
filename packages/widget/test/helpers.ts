// Shared set-up for the happy-dom component tests: the real consent state machine from
// @assent/core with in-memory storage and history, and the UI mounted with a trust predicate that
// accepts synthetic clicks (happy-dom's events are never `isTrusted`).
import { type AssentConfig, createConsent, createMemoryHistory, memoryStorage } from '@assent/core';
import { mountUi, type UiOptions } from '@assent/widget/ui';
import { storeConfig } from './fixtures/config.js';

export const flush = () => new Promise((r) => setTimeout(r, 0));

export function setup(config: AssentConfig = storeConfig(), extra: Partial<UiOptions> = {}) {
  const storage = memoryStorage();
  const history = createMemoryHistory();
  const consent = createConsent(config, { storage, history, onWarning: () => {} });
  const events: [string, unknown][] = [];
  const ui = mountUi({
    consent,
    config,
    history,
    isTrusted: () => true,
    emit: (type, detail) => events.push([type, detail]),
    ...extra,
  });
  const root = ui.host.shadowRoot!;
  const $ = <T extends Element = HTMLElement>(sel: string) => root.querySelector<T>(sel);
  const $$ = <T extends Element = HTMLElement>(sel: string) => [...root.querySelectorAll<T>(sel)];
  const click = async (sel: string) => {
    const el = $(sel);
    if (!el) throw new Error(`no element ${sel}`);
    el.click();
    await flush();
  };
  return { consent, storage, history, ui, root, $, $$, click, events, config };
}

export function cleanup() {
  for (const el of document.querySelectorAll('assent-widget, assent-settings')) el.remove();
  document.documentElement.lang = '';
}
