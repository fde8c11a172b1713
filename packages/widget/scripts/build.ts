// Build only the widget's entries of the root tsup config (`pnpm build` builds everything):
// `tsx packages/widget/scripts/build.ts [widget|widget:browser]`. The e2e tests and the benchmark
// call it so that they always exercise the current source through the shipped build settings.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Options } from 'tsup';
import config from '../../../tsup.config.js';

export async function buildWidget(only?: string): Promise<void> {
  const blocks = (config as Options[]).filter(
    (c) => String(c.name).startsWith('widget') && (!only || c.name === only),
  );
  // The config's paths are relative to the repository root; make them absolute so that this
  // works from any directory (tsup resolves some of them late, so changing directory is not enough).
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  for (const c of blocks) {
    const entry = Object.fromEntries(
      Object.entries(c.entry as Record<string, string>).map(([k, v]) => [k, resolve(root, v)]),
    );
    await build({ ...c, entry, outDir: resolve(root, c.outDir!), silent: true, config: false });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildWidget(process.argv[2]);
