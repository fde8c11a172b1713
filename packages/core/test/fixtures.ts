import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AssentConfig, validateConfig } from '@assent/core';

/** The repository root (path-based: happy-dom replaces the global URL class). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The example retailer config of docs/config.md, as raw JSON (a fresh copy each call). */
export const exampleJson = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(ROOT, 'examples/retailer.config.json'), 'utf8'));

/** The example retailer config, validated. */
export const example = (): AssentConfig => validateConfig(exampleJson());

/** Raw config JSON, which tests reach into freely. */
// biome-ignore lint/suspicious/noExplicitAny: tests poke at raw JSON without ceremony
export type Raw = any;

/** Apply a change to a copy of the example's raw JSON and return it. */
export function mutate(change: (c: Raw) => void): Record<string, unknown> {
  const c = exampleJson();
  change(c);
  return c;
}

/** A small config: two banner purposes, one separate (biometric), one contract purpose. */
export function small(overrides: Partial<AssentConfig> = {}): AssentConfig {
  const t = (name: string) => ({ en: { name, description: `${name} description` } });
  return validateConfig({
    controller: { name: 'Shop', contact: 'privacy@shop.example', address: '1 Road' },
    notice: { version: 'v1', url: '/privacy' },
    locales: ['en'],
    categories: [
      { id: 'browsing', kind: 'browsing', texts: { en: { label: 'Browsing' } } },
      { id: 'face', kind: 'biometric', texts: { en: { label: 'Face' } } },
      { id: 'orders', kind: 'purchase-history', texts: { en: { label: 'Orders' } } },
    ],
    purposes: [
      { id: 'orders', basis: 'contract', categories: ['orders'], retention: 'P3Y', texts: t('Orders') },
      {
        id: 'analytics',
        basis: 'consent',
        categories: ['browsing'],
        retention: 'P13M',
        texts: t('Analytics'),
      },
      { id: 'ads', basis: 'consent', categories: ['browsing'], retention: 'P6M', texts: t('Ads') },
      {
        id: 'face-payment',
        basis: 'consent',
        categories: ['face'],
        retention: 'P0D',
        texts: { en: { name: 'Face', description: 'Pay by face', necessity: 'n', impact: 'i' } },
      },
    ],
    ui: {
      texts: {
        en: { title: 'T', summary: 'S', acceptAll: 'A', rejectAll: 'R', customize: 'C', save: 'Save' },
      },
    },
    ...overrides,
  });
}
