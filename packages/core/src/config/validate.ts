import { ConfigInvalid } from '../protocol/errors.js';
import { JURISDICTION, PURPOSE_ID } from '../protocol/validate.js';
import { CATEGORY_KINDS } from '../taxonomy.js';
import { type AssentConfig, CONSENT_MODE_TYPES } from './types.js';

// Hand-written rather than generated from a schema library: it ships to browsers that load a
// config at run time, and must name the JSON path of the first fault. It checks shape and types;
// what the law requires of the content (a controller contact, a retention period...) is
// `lintConfig`'s job, so that the finding can cite its clause.

type Obj = Record<string, unknown>;

/**
 * Most purposes a config may declare: the consent cookie must stay under 4,096 bytes.
 *
 * @example
 * ```ts
 * if (config.purposes.length > MAX_PURPOSES) console.warn('split the notice: too many purposes')
 * ```
 */
export const MAX_PURPOSES = 48;

const LOCALE = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,4}$/;
const VERSION = /^[\x21-\x7e]{1,64}$/;
const COUNTRY = /^[A-Z]{2}$/;
// A path starts with one slash: `//host` and `/\host` are protocol-relative URLs to another site in
// browsers.
const URL_OR_PATH = /^(?:https?:\/\/[^\s/?#]+[^\s]*|\/(?![/\\])[^\s]*)$/;
// ISO 8601 durations (§4.4.3.2) in the designator form: P1Y6M, P30D, P2W, PT12H; not empty, no fractions.
const DURATION = /^P(?!$)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MAX_TEXT = 10_000;

const fail = (path: string, message: string): never => {
  throw new ConfigInvalid(`${path}: ${message}`, { path });
};

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function object(v: unknown, path: string, required: string[], optional: string[] = []): Obj {
  if (!isObject(v)) fail(path, 'must be an object');
  const o = v as Obj;
  for (const k of Object.keys(o))
    if (!required.includes(k) && !optional.includes(k)) fail(`${path}.${k}`, 'is not a known field');
  for (const k of required) if (o[k] === undefined) fail(`${path}.${k}`, 'is required');
  return o;
}

function record(v: unknown, path: string): Obj {
  if (!isObject(v)) fail(path, 'must be an object');
  return v as Obj;
}

function string(v: unknown, path: string, re?: RegExp, what?: string): string {
  if (typeof v !== 'string') fail(path, 'must be a string');
  const s = v as string;
  if (s.length > MAX_TEXT) fail(path, `must be at most ${MAX_TEXT} characters`);
  // RFC 8785 cannot hash a lone surrogate, and no text needs one.
  if (LONE_SURROGATE.test(s)) fail(path, 'contains a lone surrogate (invalid Unicode)');
  if (re && !re.test(s)) fail(path, `must be ${what}`);
  return s;
}

const optional = <T>(v: unknown, check: (v: unknown) => T): T | undefined =>
  v === undefined ? undefined : check(v);

function boolean(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') fail(path, 'must be true or false');
  return v as boolean;
}

function array(v: unknown, path: string, max: number, min = 0): unknown[] {
  if (!Array.isArray(v)) fail(path, 'must be an array');
  const a = v as unknown[];
  if (a.length < min) fail(path, `must have at least ${min} entr${min === 1 ? 'y' : 'ies'}`);
  if (a.length > max) fail(path, `must have at most ${max} entries`);
  return a;
}

function oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T {
  if (!values.includes(v as T)) fail(path, `must be one of ${values.join(', ')}`);
  return v as T;
}

function unique(values: string[], path: (i: number) => string, what: string) {
  values.forEach((v, i) => {
    if (values.indexOf(v) !== i) fail(path(i), `repeats ${what} "${v}"`);
  });
}

function integer(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    fail(path, `must be an integer from ${min} to ${max}`);
  return v as number;
}

/** `texts` keyed by declared locales, each an object of string fields. */
function texts(
  v: unknown,
  path: string,
  locales: string[],
  fields: string[] | undefined,
  required: string[] = [],
) {
  const o = object(v, path, [], locales);
  for (const [locale, t] of Object.entries(o)) {
    const tp = `${path}.${locale}`;
    const entry = fields ? object(t, tp, required, fields) : record(t, tp);
    for (const [k, s] of Object.entries(entry)) {
      if (fields === undefined && !/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(k))
        fail(`${tp}.${k}`, 'is not a text key');
      string(s, `${tp}.${k}`);
    }
  }
}

// A cookie name or storage key, or a `/regex/flags` pattern (docs/gating.md): what a purpose leaves.
function storageEntry(v: unknown, path: string, name: RegExp) {
  const s = string(v, path);
  const m = /^\/(.+)\/([a-z]*)$/.exec(s);
  if (!m) string(s, path, name, 'a name, or a /regex/flags pattern');
  else
    try {
      new RegExp(m[1]!, m[2]);
    } catch {
      fail(path, 'is not a valid regular expression');
    }
}

function consentModeDefaults(v: unknown, path: string) {
  for (const [t, x] of Object.entries(object(v, path, [], CONSENT_MODE_TYPES as string[])))
    oneOf(x, `${path}.${t}`, ['granted', 'denied']);
}

function ids(v: unknown, path: string, known: string[], what: string): string[] {
  const a = array(v, path, 64) as string[];
  a.forEach((id, i) => {
    string(id, `${path}[${i}]`);
    if (!known.includes(id)) fail(`${path}[${i}]`, `names no ${what} of this config: "${id}"`);
  });
  unique(a, (i) => `${path}[${i}]`, what);
  return a;
}

/**
 * Check that a value is a well-formed Assent config and return it typed. Throws
 * {@link ConfigInvalid} with the JSON path (`$.purposes[2].retention`) of the first fault. It
 * checks shape and references; run {@link lintConfig} on the result for the compliance rules.
 *
 * @example
 * ```ts
 * const config = validateConfig(await (await fetch('/assent.config.json')).json())
 * ```
 */
export function validateConfig(value: unknown): AssentConfig {
  const c = object(
    value,
    '$',
    ['controller', 'notice', 'locales', 'categories', 'purposes'],
    ['$schema', 'defaultLocale', 'ledgerUrl', 'jurisdictions', 'defaultJurisdiction', 'consentMode', 'ui'],
  );
  optional(c.$schema, (v) => string(v, '$.$schema'));

  const controller = object(c.controller, '$.controller', [], ['name', 'contact', 'address']);
  for (const k of ['name', 'contact', 'address'])
    optional(controller[k], (v) => string(v, `$.controller.${k}`));

  const notice = object(c.notice, '$.notice', ['version', 'url']);
  string(notice.version, '$.notice.version', VERSION, '1 to 64 printable ASCII characters');
  string(notice.url, '$.notice.url', URL_OR_PATH, 'an http(s) URL or a path starting with /');

  const locales = array(c.locales, '$.locales', 32, 1).map((l, i) =>
    string(l, `$.locales[${i}]`, LOCALE, 'a BCP 47 language tag'),
  );
  unique(locales, (i) => `$.locales[${i}]`, 'locale');
  if (c.defaultLocale !== undefined && !locales.includes(c.defaultLocale as string))
    fail('$.defaultLocale', 'must be one of locales');
  optional(c.ledgerUrl, (v) =>
    string(v, '$.ledgerUrl', URL_OR_PATH, 'an http(s) URL or a path starting with /'),
  );

  const categories = array(c.categories, '$.categories', 128);
  categories.forEach((cat, i) => {
    const p = `$.categories[${i}]`;
    const o = object(cat, p, ['id', 'kind', 'texts'], ['grade']);
    string(o.id, `${p}.id`, PURPOSE_ID, 'a lower-case id matching [a-z][a-z0-9-]{0,63}');
    oneOf(o.kind, `${p}.kind`, CATEGORY_KINDS);
    optional(o.grade, (v) => oneOf(v, `${p}.grade`, ['general', 'sensitive']));
    texts(o.texts, `${p}.texts`, locales, ['label', 'description'], ['label']);
  });
  const categoryIds = categories.map((x) => (x as Obj).id as string);
  unique(categoryIds, (i) => `$.categories[${i}].id`, 'category id');

  const purposes = array(c.purposes, '$.purposes', MAX_PURPOSES, 1);
  purposes.forEach((pur, i) => {
    const p = `$.purposes[${i}]`;
    const o = object(
      pur,
      p,
      ['id', 'basis', 'categories', 'texts'],
      [
        'retention',
        'recipients',
        'transfer',
        'publicDisclosure',
        'separate',
        'marketing',
        'consentMode',
        'cookies',
        'localStorage',
        'reloadOnWithdraw',
        'default',
      ],
    );
    string(o.id, `${p}.id`, PURPOSE_ID, 'a lower-case id matching [a-z][a-z0-9-]{0,63}');
    oneOf(o.basis, `${p}.basis`, ['consent', 'contract', 'legal-obligation']);
    ids(o.categories, `${p}.categories`, categoryIds, 'category');
    optional(o.retention, (v) =>
      string(v, `${p}.retention`, DURATION, 'an ISO 8601 duration such as P13M or P30D'),
    );
    optional(o.recipients, (v) =>
      array(v, `${p}.recipients`, 32).forEach((r, j) => {
        const rp = `${p}.recipients[${j}]`;
        const ro = object(r, rp, [], ['name', 'contact', 'country', 'role']);
        optional(ro.name, (x) => string(x, `${rp}.name`));
        optional(ro.contact, (x) => string(x, `${rp}.contact`));
        optional(ro.country, (x) => string(x, `${rp}.country`, COUNTRY, 'an ISO 3166-1 alpha-2 code'));
        optional(ro.role, (x) => oneOf(x, `${rp}.role`, ['third-party', 'processor']));
      }),
    );
    optional(o.transfer, (v) => {
      const t = object(v, `${p}.transfer`, [], ['country', 'recipient', 'contact']);
      optional(t.country, (x) => string(x, `${p}.transfer.country`, COUNTRY, 'an ISO 3166-1 alpha-2 code'));
      optional(t.recipient, (x) => string(x, `${p}.transfer.recipient`));
      optional(t.contact, (x) => string(x, `${p}.transfer.contact`));
    });
    for (const k of ['publicDisclosure', 'separate', 'marketing', 'reloadOnWithdraw', 'default'])
      optional(o[k], (v) => boolean(v, `${p}.${k}`));
    optional(o.consentMode, (v) => {
      const a = array(v, `${p}.consentMode`, CONSENT_MODE_TYPES.length) as string[];
      for (const [j, t] of a.entries()) oneOf(t, `${p}.consentMode[${j}]`, CONSENT_MODE_TYPES);
      unique(a, (j) => `${p}.consentMode[${j}]`, 'Consent Mode type');
    });
    // Cookie names are RFC 6265 tokens; storage keys anything that does not start with `/`.
    optional(o.cookies, (v) =>
      array(v, `${p}.cookies`, 64).forEach((x, j) => {
        storageEntry(x, `${p}.cookies[${j}]`, /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/);
      }),
    );
    optional(o.localStorage, (v) =>
      array(v, `${p}.localStorage`, 64).forEach((x, j) => {
        storageEntry(x, `${p}.localStorage[${j}]`, /^[^/].{0,255}$/s);
      }),
    );
    texts(o.texts, `${p}.texts`, locales, ['name', 'description', 'necessity', 'impact']);
  });
  const purposeIds = purposes.map((x) => (x as Obj).id as string);
  unique(purposeIds, (i) => `$.purposes[${i}].id`, 'purpose id');

  optional(c.jurisdictions, (v) => {
    const j = record(v, '$.jurisdictions');
    for (const [code, rule] of Object.entries(j)) {
      const p = `$.jurisdictions.${code}`;
      if (code !== 'default' && !JURISDICTION.test(code))
        fail(p, 'must be keyed by an ISO 3166 code (CN, EU, US-CA) or "default"');
      const r = object(
        rule,
        p,
        ['model'],
        ['consentMaxAgeDays', 'refusalReaskDays', 'sale', 'sharing', 'targetedAds'],
      );
      oneOf(r.model, `${p}.model`, ['opt-in', 'opt-out']);
      optional(r.consentMaxAgeDays, (x) => integer(x, `${p}.consentMaxAgeDays`, 1, 3650));
      optional(r.refusalReaskDays, (x) => integer(x, `${p}.refusalReaskDays`, 0, 3650));
      for (const k of ['sale', 'sharing', 'targetedAds'])
        optional(r[k], (x) => ids(x, `${p}.${k}`, purposeIds, 'purpose'));
    }
  });
  optional(c.defaultJurisdiction, (v) =>
    string(v, '$.defaultJurisdiction', JURISDICTION, 'an ISO 3166 code such as CN, EU or US-CA'),
  );

  optional(c.consentMode, (v) => {
    const p = '$.consentMode';
    const cm = object(
      v,
      p,
      [],
      ['defaults', 'waitForUpdateMs', 'regions', 'adsDataRedaction', 'urlPassthrough'],
    );
    optional(cm.defaults, (d) => consentModeDefaults(d, `${p}.defaults`));
    optional(cm.waitForUpdateMs, (w) => integer(w, `${p}.waitForUpdateMs`, 0, 60_000));
    for (const k of ['adsDataRedaction', 'urlPassthrough']) optional(cm[k], (b) => boolean(b, `${p}.${k}`));
    optional(cm.regions, (r) =>
      array(r, `${p}.regions`, 64).forEach((x, i) => {
        const rp = `${p}.regions[${i}]`;
        const o = object(x, rp, ['region'], ['defaults', 'waitForUpdateMs']);
        for (const [j, code] of array(o.region, `${rp}.region`, 256, 1).entries())
          string(
            code,
            `${rp}.region[${j}]`,
            JURISDICTION,
            'an ISO 3166-1 alpha-2 or ISO 3166-2 code (ES, US-CA)',
          );
        optional(o.defaults, (d) => consentModeDefaults(d, `${rp}.defaults`));
        optional(o.waitForUpdateMs, (w) => integer(w, `${rp}.waitForUpdateMs`, 0, 60_000));
      }),
    );
  });

  optional(c.ui, (v) => {
    const ui = object(v, '$.ui', ['texts'], ['buttons']);
    optional(ui.buttons, (b) => {
      const a = array(b, '$.ui.buttons', 3) as string[];
      for (const [i, x] of a.entries())
        oneOf(x, `$.ui.buttons[${i}]`, ['accept-all', 'reject-all', 'customize']);
      unique(a, (i) => `$.ui.buttons[${i}]`, 'button');
    });
    texts(ui.texts, '$.ui.texts', locales, undefined);
  });
  return c as unknown as AssentConfig;
}
