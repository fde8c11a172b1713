import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const exact = (name: string) => new RegExp(`^${name.replace(/[/]/g, '\\/')}$`);

// Tests import packages by name. Against source, the names point at src/; the `core:dist` project
// points them at what package.json's `exports` map names in dist/, so a packaging mistake fails CI.
const source = [
  { find: exact('@assent/core/protocol'), replacement: root('packages/core/src/protocol/index.ts') },
  { find: exact('@assent/core'), replacement: root('packages/core/src/index.ts') },
  { find: exact('@assent/core/sync'), replacement: root('packages/core/src/sync/index.ts') },
  { find: exact('@assent/verifier'), replacement: root('packages/verifier/src/node.ts') },
  { find: exact('@assent/verifier/web'), replacement: root('packages/verifier/src/web.ts') },
  { find: exact('@assent/ledger'), replacement: root('packages/ledger/src/index.ts') },
  { find: exact('@assent/widget'), replacement: root('packages/widget/src/index.ts') },
  { find: exact('@assent/widget/ui'), replacement: root('packages/widget/src/ui/index.ts') },
];

function distAliases(pkg: string, name: string) {
  const manifest = JSON.parse(readFileSync(root(`packages/${pkg}/package.json`), 'utf8'));
  return Object.entries(manifest.exports as Record<string, string | Record<string, string>>)
    .filter(([sub]) => sub !== './package.json')
    .map(([sub, target]) => ({
      find: exact(sub === '.' ? name : `${name}/${sub.slice(2)}`),
      replacement: root(`packages/${pkg}/${typeof target === 'string' ? target : target.default}`),
    }));
}

const pkgProject = (name: string, extra: Record<string, unknown> = {}) => ({
  test: {
    name,
    include: [`packages/${name}/test/**/*.test.ts`],
    testTimeout: 20_000,
    ...extra,
  },
  resolve: { alias: source },
});

export default defineConfig({
  test: {
    projects: [
      pkgProject('core'),
      {
        test: {
          name: 'core:dist',
          include: ['packages/core/test/**/*.test.ts'],
          exclude: ['packages/core/test/cli.test.ts'],
        },
        resolve: { alias: [...distAliases('core', '@assent/core'), ...source.slice(3)] },
      },
      pkgProject('verifier'),
      pkgProject('widget', { environment: 'happy-dom' }),
      pkgProject('ledger', { testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false }),
      {
        test: { name: 'storefront', include: ['examples/storefront/test/**/*.test.ts'], testTimeout: 60_000 },
        resolve: { alias: source },
      },
      {
        test: { name: 'docs', include: ['scripts/test/**/*.test.ts'], testTimeout: 120_000 },
        resolve: { alias: source },
      },
      // Real Chromium (scripts/lib/chromium.ts), one file at a time: two cores, heavy processes.
      {
        test: {
          name: 'e2e',
          include: ['packages/*/test/**/*.e2e.ts', 'examples/*/test/**/*.e2e.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
        resolve: { alias: source },
      },
    ],
  },
});
