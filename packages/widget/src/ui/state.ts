import type { StoredReceipt } from '@assent/core/sync';
import { dirOf, pickLocale } from '../lib/locale.js';
import type { AssentConfig, Consent, ConsentHistory, PromptReason, SeparateAnswer } from '../lib/types.js';
import { cell } from './lib/cell.js';
import { clearance } from './lib/clearance.js';
import { fill } from './lib/format.js';
import { type PurposeView, purposeViews } from './lib/model.js';
import { en, type TextKey } from './texts/en.js';
import { zhCN } from './texts/zh-cn.js';

const BUILT_IN: Record<string, Record<string, string>> = { en, 'zh-CN': zhCN };

/**
 * The texts shown in a locale: the config's own, else the built-in ones of the locale or of its
 * language, else English.
 */
export const textsOf = (config: AssentConfig, locale: string): ((key: TextKey) => string) => {
  const own = config.ui?.texts?.[locale] ?? {};
  const base = BUILT_IN[locale] ?? BUILT_IN[locale.split('-')[0]!] ?? en;
  return (key) => own[key] ?? base[key] ?? en[key];
};

/** Options of `mountUi`. */
export interface UiOptions {
  /** The consent object from `createConsent`. */
  consent: Consent;
  /** The validated config. */
  config: AssentConfig;
  /** Locale to show; default: `<html lang>`, then the browser's languages, then the config default. */
  locale?: string;
  /** The decision history shown in the preference center (core's `createIdbHistory()`). */
  history?: Pick<ConsentHistory, 'list'>;
  /**
   * The ledger's receipts kept on the device (`@assent/core/sync`'s `receipts()`), shown next to
   * the history records they belong to (by event id) and included in "Download my records";
   * `subscribe` re-reads them when a new one arrives.
   */
  receipts?: { list(): Promise<readonly StoredReceipt[]>; subscribe(listener: () => void): () => void };
  /** Whether a Global Privacy Control signal was honoured on this page, to tell the shopper. */
  gpcHonoured?: boolean;
  /** Where the widget's host element goes. Default `document.body` (first child, first in Tab order). */
  container?: HTMLElement;
  /** CSP nonce, used only where constructable stylesheets are missing. */
  nonce?: string;
  /** Listener for UI events (`banner`, `open`, `close`, `separate`). */
  emit?: (type: string, detail?: unknown) => void;
  /**
   * Decides whether an event may change consent. Default: only `event.isTrusted`, so page scripts
   * cannot click "Accept all" for the shopper. Tests in DOM emulators replace it.
   */
  isTrusted?: (event: Event) => boolean;
}

/** A pending `requestSeparate` call. */
export interface SeparateRequest {
  id: string;
  resolve: (answer: SeparateAnswer) => void;
}

export type UiState = ReturnType<typeof createUiState>;

/** The locale `mountUi` shows: `locale`, else the page's, else the browser's, else the config default. */
export const localeOf = ({ config, locale }: UiOptions): string =>
  pickLocale(
    config.locales,
    [locale, document.documentElement.lang, ...(navigator.languages ?? [])],
    config.defaultLocale ?? config.locales[0] ?? 'en',
  );

/**
 * The state of one mounted widget in `locale` (one of the config's); `paint` re-renders it and is
 * called after every change.
 */
export function createUiState(o: UiOptions, locale: string, paint: () => void) {
  const { config, consent } = o;
  const text = textsOf(config, locale);
  const t = (key: TextKey, vars?: Record<string, string>): string => fill(text(key), vars);
  let views: PurposeView[] | undefined;
  const zh = locale.startsWith('zh');
  const s = {
    o,
    config,
    consent,
    locale,
    dir: dirOf(locale),
    t,
    /** Purposes as shown, built on first use: the banner alone needs no Intl formatting. */
    get purposes(): PurposeView[] {
      views ??= purposeViews(config, locale);
      return views;
    },
    /** Whether the locale is Chinese, whose punctuation is full width. */
    zh,
    /**
     * An aside in parentheses after a word, and a list separator, with the language's punctuation:
     * full width in Chinese, with no space before it.
     */
    paren: (x: string) => (zh ? `（${x}）` : ` (${x})`),
    semi: zh ? '；' : '; ',
    emit: o.emit ?? (() => {}),
    trusted: o.isTrusted ?? ((e: Event) => e.isTrusted),
    /** Bumped on every consent change so that views re-read the decisions. */
    rev: cell(0, paint),
    banner: cell<PromptReason[] | null>(null, paint),
    prefs: cell(false, paint),
    separate: cell<SeparateRequest | null>(null, paint),
    /** Text for the polite live region. */
    said: cell('', paint),
    /** The banner's `ref`: keeps what the page focuses clear of it while it shows. */
    room: clearance(),
    /** Run `fn` only for a trusted event; the only way the UI changes consent. */
    act: (fn: () => void) => (e: Event) => {
      if (s.trusted(e)) fn();
    },
    openPrefs() {
      if (!s.prefs.value) {
        s.prefs.value = true;
        s.emit('open');
      }
    },
    /** Close the preference center, if open, and say so (`close`). */
    closePrefs() {
      if (s.prefs.value) {
        s.prefs.value = false;
        s.emit('close');
      }
    },
    /** Answer the open separate-consent request, if any, close its dialog and say so (`separate`). */
    end(answer: SeparateAnswer) {
      const r = s.separate.value;
      if (r) {
        s.separate.value = null;
        r.resolve(answer);
        s.emit('separate', { id: r.id, answer });
      }
    },
    /** Open the separate-consent dialog for `id`; a request still open is answered `dismissed`. */
    ask(id: string): Promise<SeparateAnswer> {
      s.end('dismissed');
      return new Promise<SeparateAnswer>((resolve) => {
        s.separate.value = { id, resolve };
      });
    },
    say(text: string) {
      // A live region speaks when its text changes, and clearing it first would not do (both
      // renders come in one task, before assistive technology looks): the same message twice in a
      // row ends with a no-break space the second time, so its text still changes.
      s.said.value = s.said.value === text ? `${text}\u00a0` : text;
    },
  };
  return s;
}
