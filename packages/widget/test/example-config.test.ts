// The repository's example retailer config (examples/retailer.config.json, linted by core's tests)
// renders completely in both of its locales: every purpose, every label, no key names shown.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AssentConfig, validateConfig } from '@assent/core';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, flush, setup } from './helpers.js';

const example = (): AssentConfig =>
  validateConfig(
    JSON.parse(readFileSync(join(import.meta.dirname, '../../../examples/retailer.config.json'), 'utf8')),
  );

afterEach(cleanup);

describe('the example retailer config', () => {
  for (const locale of ['zh-CN', 'en'])
    it(`renders banner and preference center in ${locale}`, async () => {
      const config = example();
      const t = setup(config, { locale });
      t.ui.showBanner();
      t.ui.openPreferences();
      await flush();
      expect(t.$('#assent-bt')!.textContent).toBe(config.ui!.texts[locale]!.title);
      expect(t.$('.banner .ctl')!.textContent).toBe(config.controller.name);
      const rows = t.$$('.modal [data-purpose]');
      expect(rows.map((r) => r.getAttribute('data-purpose')).sort()).toEqual(
        config.purposes.map((p) => p.id).sort(),
      );
      for (const p of config.purposes) {
        const row = t.$(`.modal [data-purpose="${p.id}"]`)!;
        expect(row.querySelector('.ph > :first-child')!.textContent).toBe(p.texts[locale]!.name);
      }
      // No text key leaked through as a label.
      expect(t.root.textContent).not.toMatch(/\b(status|basis)\.[a-z-]+\b/);
      expect(t.$('[data-action="save"]')!.textContent).toBe(config.ui!.texts[locale]!.save);
    });
});
