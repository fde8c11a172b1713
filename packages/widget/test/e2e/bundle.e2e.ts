// The built browser files (pnpm build runs before the tests): what the minifier must leave alone.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (file: string) => readFileSync(new URL(`../../dist/browser/${file}`, import.meta.url), 'utf8');

describe('browser bundles', () => {
  it('keep the names of the error classes they hold, which AssentError copies into `name`', () => {
    const sync = read('assent-sync.js');
    // esbuild writes `var X = class extends Y`, so the class takes its name from the variable.
    const classes = [...sync.matchAll(/([\w$]+)=class extends ([\w$]+)\{/g)].map((m) => `${m[1]} < ${m[2]}`);
    expect(classes).toEqual(['AssentError < Error', 'ReceiptInvalid < AssentError']);
    expect(sync).toContain('this.name=this.constructor.name');
  });
});
