import { cpSync } from 'node:fs';
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
  // Keep `node:crypto` as written: the prefix is what the verifier's bundle check and edge
  // runtimes key on, and Node-only imports should say so.
  removeNodeProtocol: false,
  external: [/^@assent\//, /^node:/],
};

export default defineConfig([
  {
    ...shared,
    name: 'core',
    entry: {
      index: 'packages/core/src/index.ts',
      protocol: 'packages/core/src/protocol/index.ts',
      sync: 'packages/core/src/sync/index.ts',
    },
    outDir: 'packages/core/dist',
    platform: 'neutral',
    external: [/^@assent\//, 'idb-keyval'],
    // Blocks build in parallel: never delete the bin the next block writes.
    clean: ['!cli.js'],
  },
  // The `assent` bin: Node only, so a block of its own; it bundles what it needs from core's source
  // (lint and validation) and must not clean the neutral block's output.
  {
    ...shared,
    name: 'core:cli',
    entry: { cli: 'packages/core/src/cli.ts' },
    outDir: 'packages/core/dist',
    platform: 'node',
    dts: false,
    clean: false,
    splitting: false,
    banner: { js: '#!/usr/bin/env node' },
  },
  // @assent/verifier: `node` uses node:crypto; `web` is the edge/Web Crypto entry.
  {
    ...shared,
    name: 'verifier',
    entry: { node: 'packages/verifier/src/node.ts', web: 'packages/verifier/src/web.ts' },
    outDir: 'packages/verifier/dist',
    platform: 'neutral',
  },
  // @assent/ledger: Node only.
  {
    ...shared,
    name: 'ledger',
    entry: { index: 'packages/ledger/src/index.ts', cli: 'packages/ledger/src/cli.ts' },
    outDir: 'packages/ledger/dist',
    platform: 'node',
    external: [/^@assent\//, 'better-sqlite3', 'pg'],
    // The dashboard's browser files ship as written, next to the bundle (dashboard/assets.ts finds
    // them there); uPlot is read from the installed package at run time.
    async onSuccess() {
      const at = (p: string) => new URL(p, import.meta.url);
      cpSync(at('packages/ledger/src/dashboard/assets'), at('packages/ledger/dist/dashboard/assets'), {
        recursive: true,
      });
    },
  },
  // @assent/widget: ESM entries for bundlers (preact and core stay external), and the two browser
  // scripts, self-contained IIFEs: assent.js (loader), assent-ui.js and assent-sync.js (fetched by
  // it lazily).
  // The ESM block must not clean dist/browser, which the browser block writes at the same time:
  // tsup deletes `**/*` under outDir, and the entries of `clean` are exclusions from that.
  {
    ...shared,
    name: 'widget',
    clean: ['!browser/**'],
    external: [/^@assent\//, 'preact', /^preact\//, 'idb-keyval'],
    entry: {
      index: 'packages/widget/src/index.ts',
      ui: 'packages/widget/src/ui/index.ts',
      core: 'packages/widget/src/core.ts',
    },
    outDir: 'packages/widget/dist',
    platform: 'browser',
  },
  {
    name: 'widget:browser',
    entry: {
      assent: 'packages/widget/src/browser/loader.ts',
      'assent-ui': 'packages/widget/src/browser/ui.ts',
      'assent-sync': 'packages/widget/src/browser/sync.ts',
      'assent-sha256': 'packages/widget/src/browser/sha256.ts',
    },
    outDir: 'packages/widget/dist/browser',
    format: ['iife'],
    platform: 'browser',
    target: 'es2020',
    // terser after esbuild: about 5 % less gzip than esbuild's minifier, on code every shopper
    // downloads. Several passes fold what inlining reveals (4 beat 3 by 9 bytes on assent-ui.js);
    // `toplevel` is safe inside the IIFE. Not `module` (it drops "use strict"), nor `ecma: 2020`
    // (18 bytes off assent-ui.js, 3 bytes onto the loader). `unsafe`, checked on the output: it
    // turns template literals and String(x) into `"..." + x` and `new RegExp` into `RegExp`, on
    // strings, numbers and caught errors here, where both give the same text (they differ only for
    // symbols and objects with their own valueOf); 25 bytes off assent-ui.js, 3 off the loader.
    minify: 'terser',
    terserOptions: {
      // `unsafe_comps` swaps the operands of < and >= (and inverts some): it reorders and inverts
      // comparisons of numbers and strings only here (read in the output), never of objects with
      // their own valueOf or of NaN; `hoist_funs` moves function declarations up, as the language
      // does. Together 28 bytes off assent-ui.js and 5 off the loader.
      compress: {
        passes: 4,
        unsafe: true,
        unsafe_arrows: true,
        unsafe_comps: true,
        hoist_funs: true,
        pure_getters: true,
      },
      // Preact's private fields (`__k`, `__e`, `__c`...: its own build names them so, for its
      // add-ons) get one-letter names: only Preact in these files uses `__` names, every reader is
      // in the same file, and none is spelled as a string; `__html` (dangerouslySetInnerHTML) and
      // `__proto__` are public. 50 bytes off assent-ui.js; the other files have no such names (their
      // local names come out shuffled: the loader 2 bytes more than without, 2,991 B).
      mangle: {
        properties: { regex: /^__/, reserved: ['__html', '__proto__'] },
        // AssentError sets `name` from its constructor, whose name esbuild's `var X = class` output
        // takes from the variable: an error a developer sees says ReceiptInvalid, not `v`.
        reserved: [
          'AssentError',
          'CanonicalizationFailed',
          'ConfigInvalid',
          'EventInvalid',
          'ReceiptInvalid',
        ],
      },
      toplevel: true,
      format: { comments: false },
    },
    dts: false,
    sourcemap: false,
    clean: true,
    splitting: false,
    treeshake: false,
    noExternal: [/.*/],
    outExtension: () => ({ js: '.js' }),
    esbuildOptions(o) {
      o.legalComments = 'none';
      // esbuild minifies first (its output gzips 1 % smaller once terser has run over it), all but
      // the names, which terser gives anyway (5 bytes less on assent-ui.js than with esbuild's).
      o.minifyWhitespace = true;
      o.minifySyntax = true;
    },
  },
]);
