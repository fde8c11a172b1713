import {
  type AssentConfig,
  type ConsentStorage,
  type ConsentView,
  consentModeDefault,
  type consentModeUpdateOf,
  gatePage,
  pushConsentModeUpdate,
} from '@assent/core';
import type { AssentApi, AssentEvents } from './api.js';
import { floatingButton } from './lib/button.js';
import { keptView, readKept, storedKey } from './lib/kept.js';
import { pickLocale } from './lib/locale.js';
import { outboxWaiting } from './lib/outbox-flag.js';
import { VERSION } from './lib/version.js';
import type { ReadOptions, ReadResult } from './read.js';
import type { Session, SessionOptions } from './session.js';
import type { SyncModule } from './sync.js';
import type { UiController } from './ui/mount.js';

// Everything in this file is the loader, on every page view, within its 3 kB budget: it applies
// what the decision module kept on the device (lib/kept.ts) to gating and Consent Mode. Whatever
// reads a decision against a config (cookie, definition hashes, jurisdiction, GPC) or records one
// is in the lazily loaded module (lazy.ts), fetched on a first visit, after a config change, on
// re-consent, when the shopper opens their settings, or when a page calls a method that decides.

/** What `loadUi` resolves to: the lazily loaded decision module and UI. */
export interface UiModule {
  /** Start recording decisions (full consent state, GPC, storage clearing, placeholders, UI). */
  connect(options: SessionOptions): Promise<Session>;
  /**
   * Read the stored decision against the config (definition hashes with Web Crypto, or JavaScript
   * SHA-256 on plain http; jurisdiction; GPC), and keep the answers on the device for the loader
   * of the next page views once the shopper has decided.
   */
  read(options: ReadOptions): Promise<ReadResult>;
  /** Consent Mode update of a view (core's, here so that the loader does without the rules). */
  consentModeUpdateOf: typeof consentModeUpdateOf;
}

/** Options of {@link startAssent}. */
export interface StartOptions {
  /** The config, or a promise of it (a `data-config` URL being fetched). */
  config: AssentConfig | Promise<AssentConfig>;
  /** Loads the decision module and UI; called only when something must be recorded or shown. */
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
  /**
   * Loads `@assent/core/sync` (the script tag: assent-sync.js; bundlers: `loadSync`). With the
   * config's `ledgerUrl`, every decision goes to the ledger; fetched only when there is something
   * to send, link or show. Without it, nothing is sent.
   */
  loadSync?: () => Promise<SyncModule>;
  /** A link token from the storefront backend (`createLinkToken`) for a signed-in shopper. */
  linkToken?: string;
}

type Fn = (detail?: unknown) => void;

/**
 * Start Assent on this page: issue the Google Consent Mode default at once, read the stored
 * decision and the config's kept digest (definition hashes, separate purposes), then apply gating
 * and the Consent Mode update, synchronously on a returning visitor's pages. Without a kept digest
 * (first visit, changed config) the decision module derives it first, and nothing gated runs
 * before. The decision module and UI are loaded only when the shopper must be asked (first visit,
 * changed definitions, expiry, re-ask), opens their settings, or a method that decides is called.
 * The script-tag loader calls this; bundler users call it themselves.
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
  if (typeof o?.loadUi !== 'function') throw TypeError('startAssent: options.loadUi must be a function');
  return run(o, () => o.config);
}

/**
 * {@link startAssent} without its argument check: what the script-tag loader runs (it always
 * passes `loadUi`), so that the check stays out of its budget. Not part of the barrel.
 */
export function run(
  o: Omit<StartOptions, 'config'>,
  // Called once, at once: what it throws (an inline config that is not JSON) rejects `ready`.
  readConfig: () => StartOptions['config'],
): AssentApi {
  const ls: Record<string, Set<Fn>> = {};
  const emit = (type: string, detail?: unknown) =>
    ls[type]?.forEach((f) => {
      try {
        f(detail);
      } catch (e) {
        console.error(e);
      }
    });
  const noop = () => {};
  // The read-only view until the decision module is connected, then its full consent state.
  let view: ConsentView | undefined;
  let config: AssentConfig | undefined;
  let readyDetail: AssentEvents['ready'] | undefined;
  let link: SessionOptions;
  let session: Promise<Session> | undefined;
  let ui: Promise<UiController> | undefined;
  let onBlocked: Session['onBlocked'] | undefined;
  let read: ((m: UiModule) => Promise<void>) | undefined;
  // Declared early: start may connect synchronously (GPC refusals, the banner), before it is set.
  let configured: Promise<unknown> | undefined;
  let done: () => void;
  const applied = new Promise<void>((r) => {
    done = r;
  });
  let loading: Promise<UiModule> | undefined;
  let loaded: UiModule | undefined;
  const report = (error: unknown) => emit('error', { error });
  // The module is fetched once; after a failure, the next request tries again.
  const mod = () =>
    (loading ||= o.loadUi().then(
      (m) => (loaded = m),
      (e) => {
        loading = undefined;
        throw e;
      },
    ));
  // Connects the decision module once (deriving the config digest first if none was kept); a
  // failure is reported as `error` and tried again on the next request.
  const connect = (): Promise<Session> => {
    session ||= Promise.all([mod(), configured]).then(async ([m]) => {
      if (!view) await read!(m);
      const s = await m.connect(link);
      onBlocked = s.onBlocked;
      return s;
    });
    return session.catch((e) => {
      session = ui = undefined;
      report(e);
      throw e;
    });
  };
  // Resolves once the page has a body (a loader in <head> runs before it exists).
  const body = new Promise<HTMLElement>((r) =>
    document.body ? r(document.body) : addEventListener('DOMContentLoaded', () => r(document.body)),
  );
  const showUi = () => (ui ||= connect().then((s) => body.then(() => s.mount())));

  const start = (c: AssentConfig) => {
    config = c;
    const cm = c.consentMode;
    // Before anything else: tags that run meanwhile see every type denied, and wait for the update.
    if (cm) consentModeDefault({ waitForUpdateMs: 500, ...cm });
    const locale = pickLocale(
      c.locales,
      [o.locale, document.documentElement.lang, ...navigator.languages],
      c.defaultLocale ?? c.locales[0]!,
    );
    // `labels`: the floating button's, by locale; `gpc`: Global Privacy Control refusals the
    // decision module is to record.
    const go = (v: ConsentView, labels: Record<string, string>, gpc?: boolean) => {
      view = v;
      // From what is kept until the module is loaded, then from the view.
      const update = () =>
        cm && pushConsentModeUpdate(loaded ? loaded.consentModeUpdateOf(view!, c.purposes) : kept!.m);
      const apply = gatePage({
        allows: (id) => view!.allows(id),
        onBlocked: (el, m) =>
          onBlocked
            ? onBlocked(el, m)
            : m.length && el.hasAttribute('data-assent-placeholder') && connect().then(() => apply(), noop),
      });
      // The start options pass through as they are (region, storage, nonce, loadSync, linkToken).
      link = {
        ...o,
        config: c,
        locale,
        emit,
        adopt: (k) => {
          view = k;
        },
        changed: (change) => {
          apply();
          update();
          emit('change', change);
        },
        request: (id) => void api.requestConsent(id).catch(noop),
      };
      update();
      const r = { decisions: v.decisions(), ...v.needsPrompt() };
      readyDetail = r;
      // A module that fails to load is reported as `error` by connect; nothing is granted meanwhile.
      if (r.prompt) showUi().then((u) => u.showBanner(r.reasons), noop);
      else if (gpc) connect().catch(noop);
      // Events an earlier page left waiting for the ledger, or a signed-in shopper's link token:
      // the decision module and sync are fetched once the page is idle.
      else if (c.ledgerUrl && o.loadSync && (o.linkToken || outboxWaiting()))
        (self.requestIdleCallback || setTimeout)(() => connect().catch(noop));
      if (o.floatingButton !== 'off')
        body.then((b) => floatingButton(b, labels[locale]!, locale, o.floatingButton === 'end', open));
      emit('ready', r);
      done();
    };
    // Answers are kept only once the shopper has decided: without a decision, neither the config
    // is serialised nor localStorage read (its first access costs milliseconds).
    const k = storedKey(o.storage);
    const kept = k ? readKept(JSON.stringify(c), k, o.region) : undefined;
    if (kept) go(keptView(kept, c), kept.b);
    else {
      read = (m) =>
        m
          .read({ config: c, region: o.region, storage: o.storage })
          .then((x) => void (view || go(x.view, x.labels, x.gpc)));
      mod().then(read).catch(report);
    }
  };

  // From the page's own controls: a failure is already reported as an `error` event.
  const open = () => void api.open().catch(noop);
  // One click on any `[data-assent-open]` element opens the preference center (once ready).
  addEventListener('click', (e) => {
    if ((e.target as Element).closest?.('[data-assent-open]')) {
      e.preventDefault();
      open();
    }
  });

  // Synchronous with a kept digest: gating and Consent Mode are applied before this returns; what
  // start throws rejects. A fetched config's Consent Mode default is issued when it arrives (the
  // script tag's `data-consent-mode` issues one before, see loader.ts).
  configured = new Promise((r) => {
    const c0 = readConfig();
    r(c0 instanceof Promise ? c0.then(start) : start(c0));
  });
  // A config that cannot be loaded rejects `ready`; a module that cannot be loaded is reported
  // and leaves `ready` pending until a later request loads it.
  configured.catch(report);

  const api = {
    version: VERSION,
    ready: configured.then(() => applied),
    get consent() {
      return view;
    },
    get config() {
      return config;
    },
    close: () => void ui?.then((u) => u.close()),
    allows: (id: string) => !!view?.allows(id),
    get: (id: string) => view?.get(id),
    decisions: () => view?.decisions() ?? {},
    on(type: string, f: Fn) {
      ls[type] ??= new Set();
      ls[type].add(f);
      if (type === 'ready' && readyDetail) queueMicrotask(() => f(readyDetail));
      return () => api.off(type as never, f);
    },
    off: (type: string, f: Fn) => void ls[type]?.delete(f),
  } as unknown as AssentApi & Record<string, unknown>;
  // Methods that need the UI, and methods that decide (recorded with method `api`): both load the
  // decision module first, so they return promises.
  for (const n of ['open', 'showBanner', 'requestSeparate', 'requestConsent'])
    api[n] = (...a: unknown[]) =>
      showUi().then((u) =>
        (u[n === 'open' ? 'openPreferences' : (n as 'close')] as (...x: unknown[]) => unknown)(...a),
      );
  api.link = (token: string) => connect().then((s) => s.link(token));
  for (const n of ['acceptAll', 'rejectAll', 'set', 'withdraw'])
    api[n] = (...a: unknown[]) =>
      connect().then((s) =>
        (s.consent[n as 'set'] as (...x: unknown[]) => unknown)(
          ...a.slice(0, n.endsWith('All') ? 0 : 1),
          'api',
        ),
      );
  return api;
}
