// Build only the widget's entries of the root tsup config (`pnpm build` builds everything):
// `tsx packages/widget/scripts/build.ts [widget|widget:browser]`. The e2e tests and the benchmark
// call it so that they always exercise the current source through the shipped build settings.
import { fileURLToPath } from 'node:url';
import { build, type Options } from 'tsup';
import config from '../../../tsup.config.js';

export async function buildWidget(only?: string): Promise<void> {
  const blocks = (config as Options[]).filter(
    (c) => String(c.name).startsWith('widget') && (!only || c.name === only),
  );
  // The config's paths are relative to the repository root.
  const cwd = process.cwd();
  process.chdir(fileURLToPath(new URL('../../..', import.meta.url)));
  try {
    for (const c of blocks) await build({ ...c, silent: true, config: false });
  } finally {
    process.chdir(cwd);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildWidget(process.argv[2]);
