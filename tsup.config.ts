import { defineConfig, type Options } from 'tsup';

// One build config for the whole workspace. Packages list their entries here; everything is ESM,
// with declarations, and workspace packages stay external so each is shipped once.
const shared: Options = {
  format: ['esm'],
  target: 'es2022',
  dts: true,
  sourcemap: false,
  clean: true,
  treeshake: true,
  splitting: true,
  external: [/^@assent\//],
};

export default defineConfig([
  {
    ...shared,
    name: 'core',
    entry: { index: 'packages/core/src/index.ts', protocol: 'packages/core/src/protocol/index.ts' },
    outDir: 'packages/core/dist',
    platform: 'neutral',
    external: [/^@assent\//, 'idb-keyval'],
  },
]);
