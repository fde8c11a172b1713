import {
  type AssentConfig,
  type Consent,
  type ConsentHistory,
  type ConsentStorage,
  consentModeDefault,
  cookieStorage,
  createConsent,
  enforceConsent,
  placeholders,
  readGpc,
  resolveJurisdiction,
} from '@assent/core';
import type { AssentApi, AssentEvents } from './api.js';
import { floatingButton } from './lib/button.js';
import { pickLocale } from './lib/locale.js';
import type { UiController, UiOptions } from './ui/index.js';

// Everything in this file is on the loader's critical path and counts against its 3 KB budget:
// the API is built from small generic wrappers rather than one function per method.

/**
 * Widget version, recorded as `widget` in every consent event.
 *
 * @example
 * ```ts
 * window.assent.version === VERSION // true
 * ```
 */
export const VERSION = '0.1.0';

/** What the lazily loaded UI bundle provides. */
export interface UiModule {
  mountUi(options: UiOptions): UiController;
  createIdbHistory(): ConsentHistory;
}

/** Options of {@link startAssent}. */
export interface StartOptions {
  /** The config, or a promise of it (a `data-config` URL being fetched). */
  config: AssentConfig | Promise<AssentConfig>;
  /** Loads the UI; called only when something must be shown. */
  loadUi: () => Promise<UiModule>;
  /** Region code the storefront knows (its server's answer, or `data-region`). */
  region?: string;
  /** Locale to show; default `<html lang>`, then the browser's languages, then the config's default. */
  locale?: string;
  /**
   * The persistent "Privacy settings" button: `start` (default; bottom left, bottom right in
   * right-to-left languages), `end`, or `off` when the page has its own `[data-assent-open]` link.
   */
  floatingButton?: 'start' | 'end' | 'off';
  /** CSP nonce, used only by engines without constructable stylesheets. */
  nonce?: string;
  /** Where decisions persist. Default: the `assent` first-party cookie. */
  storage?: ConsentStorage;
}

type Fn = (detail?: unknown) => void;
type Change = Parameters<ConsentHistory['append']>[0];

/**
 * Start Assent on this page: read the stored decision synchronously, apply Google Consent Mode,
 * gating, cookie clearing and Global Privacy Control, and load the UI only when the shopper must
 * be asked (first visit, changed definitions, expiry, re-ask) or opens their settings. The
 * script-tag loader calls this; bundler users call it themselves.
 *
 * @example
 * ```ts
 * import { loadUi, startAssent } from '@assent/widget'
 * import config from './assent.config.json'
 *
 * const assent = startAssent({ config, loadUi })
 * assent.on('change', ({ decisions }) => console.log(decisions))
 * ```
 */
export function startAssent(o: StartOptions): AssentApi {
  if (typeof o?.loadUi !== 'function') throw new TypeError('startAssent: options.loadUi must be a function');
  const ls: Record<string, Set<Fn>> = {};
  const emit = (type: string, detail?: unknown) =>
    ls[type]?.forEach((f) => {
      try {
        f(detail);
      } catch (e) {
        console.error(e);
      }
    });
  let consent: Consent | undefined;
  let config: AssentConfig | undefined;
  let readyDetail: AssentEvents['ready'] | undefined;
  let gpcHonoured = false;
  let sink: ConsentHistory | undefined;
  let ui: Promise<UiController> | undefined;
  let ready: Promise<void> = Promise.resolve();
  const queued: Change[] = [];
  const body = () =>
    new Promise<HTMLElement>((r) =>
      document.body ? r(document.body) : addEventListener('DOMContentLoaded', () => r(document.body)),
    );
  const loadUi = (): Promise<UiController> => {
    ui ||= Promise.all([o.loadUi(), body(), ready]).then(([m]) => {
      sink = m.createIdbHistory();
      for (const c of queued.splice(0)) sink.append(c);
      return m.mountUi({
        consent: consent!,
        config: config!,
        locale: o.locale,
        history: sink,
        gpcHonoured,
        nonce: o.nonce,
        emit,
      });
    });
    return ui.catch((error) => {
      ui = undefined;
      emit('error', { error });
      throw error;
    });
  };
  // The history goes to IndexedDB through the UI bundle, which keeps idb-keyval out of the
  // loader; a decision made while the UI is not loaded (API, GPC) loads it to be written down.
  const history: ConsentHistory = {
    append(change) {
      if (sink) return sink.append(change);
      queued.push(change);
      loadUi().catch(() => {});
    },
    list: () => loadUi().then(() => sink!.list()),
  };

  const start = (c: AssentConfig) => {
    config = c;
    const k = createConsent(c, {
      storage: o.storage ?? cookieStorage(),
      history,
      locale: pickLocale(
        c.locales,
        [o.locale, document.documentElement.lang, ...navigator.languages],
        c.defaultLocale ?? c.locales[0]!,
      ),
      jurisdiction: resolveJurisdiction(c, o.region),
      gpc: readGpc(),
      widget: VERSION,
    });
    consent = k;
    // Consent Mode, GPC, gating and storage clearing, in the order core prescribes.
    gpcHonoured = enforceConsent(k, {
      onBlocked: placeholders({ requestPurpose: (id) => api.requestConsent(id) }),
    }).gpc.honoured;
    k.subscribe((change) => emit('change', change));
    const { prompt, reasons } = k.needsPrompt();
    readyDetail = { decisions: k.decisions(), prompt, reasons };
    // A UI that fails to load is reported as `error` by loadUi; nothing is granted meanwhile.
    if (prompt)
      loadUi()
        .then((u) => u.showBanner(reasons))
        .catch(() => {});
    if (o.floatingButton !== 'off')
      body().then((b) => floatingButton(b, c, k.locale, o.floatingButton === 'end', open, o.nonce));
    emit('ready', readyDetail);
  };

  // From the page's own controls: a failure is already reported as an `error` event.
  const open = () => void api.open().catch(() => {});
  // One click on any `[data-assent-open]` element opens the preference center (once ready).
  addEventListener('click', (e) => {
    if ((e.target as Element).closest?.('[data-assent-open]')) {
      e.preventDefault();
      open();
    }
  });

  if (o.config instanceof Promise) {
    // Google tags that run before the config arrives see every Consent Mode type denied.
    consentModeDefault({ waitForUpdateMs: 500 });
    ready = o.config.then(start);
  } else
    try {
      start(o.config);
    } catch (e) {
      ready = Promise.reject(e);
    }
  ready.catch((error) => emit('error', { error }));

  // Methods that need the UI, and methods that change consent (recorded with method `api`).
  const withUi =
    (name: 'openPreferences' | 'showBanner' | 'requestSeparate' | 'requestConsent') =>
    (...a: unknown[]) =>
      loadUi().then((u) => (u[name] as (...x: unknown[]) => unknown)(...a));
  const change =
    (name: 'acceptAll' | 'rejectAll' | 'set' | 'withdraw', arity: number) =>
    (...a: unknown[]) =>
      ready.then(() => (consent![name] as (...x: unknown[]) => unknown)(...a.slice(0, arity), 'api'));

  const api = {
    version: VERSION,
    ready,
    get consent() {
      return consent;
    },
    get config() {
      return config;
    },
    open: withUi('openPreferences'),
    showBanner: withUi('showBanner'),
    requestSeparate: withUi('requestSeparate'),
    requestConsent: withUi('requestConsent'),
    close: () => void ui?.then((u) => u.close()),
    acceptAll: change('acceptAll', 0),
    rejectAll: change('rejectAll', 0),
    set: change('set', 1),
    withdraw: change('withdraw', 1),
    allows: (id: string) => !!consent?.allows(id),
    get: (id: string) => consent?.get(id),
    decisions: () => consent?.decisions() ?? {},
    on(type: string, f: Fn) {
      ls[type] ??= new Set();
      ls[type].add(f);
      if (type === 'ready' && readyDetail) queueMicrotask(() => f(readyDetail));
      return () => void ls[type]!.delete(f);
    },
    off: (type: string, f: Fn) => void ls[type]?.delete(f),
  } as AssentApi;
  return api;
}
