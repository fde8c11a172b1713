// The edge entry must bundle for a browser/worker platform with no `node:` import and nothing from
// @assent/core's main entry or the widget (DOM code, idb-keyval). Bundled from source, the same
// way tsup builds it, with the protocol subpath resolved to its source.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const workspace: Plugin = {
  name: 'workspace',
  setup(b) {
    b.onResolve({ filter: /^@assent\// }, (args) => {
      if (args.path === '@assent/core/protocol')
        return { path: join(root, 'packages/core/src/protocol/index.ts') };
      // Anything else from the workspace (core main, widget) is a leak: fail the build loudly.
      return { errors: [{ text: `${args.path} must not be imported by the verifier` }] };
    });
  },
};

async function bundle(entry: string, platform: 'browser' | 'node') {
  const out = await build({
    entryPoints: [join(root, 'packages/verifier/src', entry)],
    bundle: true,
    write: false,
    format: 'esm',
    platform,
    minify: true,
    metafile: true,
    plugins: [workspace],
    logLevel: 'silent',
    absWorkingDir: root,
  });
  return { code: out.outputFiles[0]!.text, inputs: Object.keys(out.metafile.inputs) };
}

describe('bundle check', () => {
  it('the web entry bundles for the browser with no node: import and no DOM or widget code', async () => {
    const { code, inputs } = await bundle('web.ts', 'browser');
    expect(code).not.toMatch(/node:/);
    for (const word of ['idb-keyval', 'document', 'localStorage', 'indexedDB', 'crypto-node', 'createHash']) {
      expect(code).not.toContain(word);
    }
    expect(inputs.some((i) => i.includes('crypto-web'))).toBe(true);
    expect(inputs.some((i) => i.includes('crypto-node'))).toBe(false);
    expect(
      inputs.every(
        (i) => i.startsWith('packages/verifier/src/') || i.startsWith('packages/core/src/protocol/'),
      ),
    ).toBe(true);
    // It is the real thing: the public API is there.
    expect(code).toContain('assent-receipt+jwt');
    expect(code).toContain('Ed25519');
  });

  it('the node entry is the one that uses node:crypto', async () => {
    const { code, inputs } = await bundle('node.ts', 'node');
    expect(code).toMatch(/from"node:crypto"/);
    expect(inputs.some((i) => i.includes('crypto-web'))).toBe(false);
  });
});
