// The config fields the gate modules read: per-purpose storage rules and `consentMode`.
import { readFileSync } from 'node:fs';
import { ConfigInvalid, validateConfig } from '@assent/core';
import { describe, expect, it } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: tests mutate raw JSON freely.
type Json = Record<string, any>;
const fixture = (): Json =>
  JSON.parse(readFileSync(new URL('./e2e/fixtures/config.json', import.meta.url), 'utf8'));
const ANALYTICS = 1;

const rejects = (mutate: (c: Json) => void, path: string) => {
  const c = fixture();
  mutate(c);
  try {
    validateConfig(c);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigInvalid);
    expect((e as ConfigInvalid).path).toBe(path);
    return;
  }
  throw new Error(`accepted a config that should fail at ${path}`);
};

describe('config: gate fields', () => {
  it('accepts storage rules, reloadOnWithdraw and a full consentMode block', () => {
    const c = fixture();
    c.consentMode = {
      defaults: { security_storage: 'granted' },
      waitForUpdateMs: 500,
      regions: [{ region: ['US-CA', 'ES'], defaults: { analytics_storage: 'granted' }, waitForUpdateMs: 0 }],
      adsDataRedaction: true,
      urlPassthrough: false,
    };
    c.purposes[ANALYTICS].cookies.push('__Host-id', '/^_gac_/i');
    c.purposes[ANALYTICS].reloadOnWithdraw = false;
    const v = validateConfig(c);
    expect(v.consentMode?.regions?.[0]?.region).toEqual(['US-CA', 'ES']);
    expect(v.purposes[ANALYTICS]!.cookies).toEqual(['_ga', '/^_ga_/', '__Host-id', '/^_gac_/i']);
  });

  for (const [name, mutate, path] of [
    [
      'a cookie name with a space',
      (c) => c.purposes[ANALYTICS].cookies.push('bad name'),
      '$.purposes[1].cookies[2]',
    ],
    ['a cookie name with =', (c) => c.purposes[ANALYTICS].cookies.push('a=b'), '$.purposes[1].cookies[2]'],
    [
      'a pattern that does not compile',
      (c) => c.purposes[ANALYTICS].cookies.push('/(/'),
      '$.purposes[1].cookies[2]',
    ],
    [
      'a half pattern',
      (c) => c.purposes[ANALYTICS].localStorage.push('/^_hj'),
      '$.purposes[1].localStorage[1]',
    ],
    [
      'an empty storage key',
      (c) => c.purposes[ANALYTICS].localStorage.push(''),
      '$.purposes[1].localStorage[1]',
    ],
    ['cookies not an array', (c) => (c.purposes[ANALYTICS].cookies = '_ga'), '$.purposes[1].cookies'],
    [
      'reloadOnWithdraw not a boolean',
      (c) => (c.purposes[2].reloadOnWithdraw = 'yes'),
      '$.purposes[2].reloadOnWithdraw',
    ],
    [
      'an unknown consentMode field',
      (c) => (c.consentMode.wait_for_update = 500),
      '$.consentMode.wait_for_update',
    ],
    [
      'an unknown consent type',
      (c) => (c.consentMode.defaults = { ad_click: 'granted' }),
      '$.consentMode.defaults.ad_click',
    ],
    [
      'a value other than granted/denied',
      (c) => (c.consentMode.defaults = { ad_storage: 'yes' }),
      '$.consentMode.defaults.ad_storage',
    ],
    ['a negative wait', (c) => (c.consentMode.waitForUpdateMs = -1), '$.consentMode.waitForUpdateMs'],
    [
      'a region without codes',
      (c) => (c.consentMode.regions = [{ region: [] }]),
      '$.consentMode.regions[0].region',
    ],
    [
      'a malformed region code',
      (c) => (c.consentMode.regions = [{ region: ['us-ca'] }]),
      '$.consentMode.regions[0].region[0]',
    ],
    [
      'a non-boolean urlPassthrough',
      (c) => (c.consentMode.urlPassthrough = 1),
      '$.consentMode.urlPassthrough',
    ],
  ] as [string, (c: Json) => void, string][])
    it(`rejects ${name}`, () => rejects(mutate, path));
});
