// @vitest-environment happy-dom
// The HTML and shell examples in the docs, exercised: every gated element in an HTML example is
// inert markup that the real gate recognises and activates once its purposes are allowed, every
// attribute on the Assent script tag is one the loader reads, and every command names a script,
// CLI subcommand, flag, vitest project or file that exists.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGate } from '@assent/core';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');

const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  ...['core', 'verifier', 'ledger', 'widget'].map((p) => `packages/${p}/README.md`),
  'examples/storefront/README.md',
];

function blocks(lang: string) {
  const out: { where: string; code: string }[] = [];
  for (const file of docs) {
    const lines = read(file).split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] !== `\`\`\`${lang}`) continue;
      const start = i + 1;
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
      out.push({ where: `${file}:${start}`, code: body.join('\n') });
    }
  }
  return out;
}

// Source of the widget (loader and lazy module), where every script-tag attribute must be read.
const widgetSource = readdirSync(join(root, 'packages/widget/src'), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => read(`packages/widget/src/${f}`))
  .join('\n');
const camel = (attr: string) =>
  attr.replace(/^data-/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

describe('HTML examples', () => {
  const html = blocks('html');
  it('finds them', () => expect(html.length).toBeGreaterThan(10));

  for (const { where, code } of html) {
    const parse = () => new DOMParser().parseFromString(`<!doctype html><body>${code}</body>`, 'text/html');

    it(`${where}: gated elements are inert until the gate allows them`, () => {
      const doc = parse();
      const gated = [...doc.querySelectorAll<HTMLElement>('[data-assent]')];
      for (const el of gated) {
        if (el.localName === 'script') {
          expect(el.getAttribute('type'), where).toBe('text/plain');
          expect(el.hasAttribute('src'), where).toBe(false);
        } else {
          expect(el.hasAttribute('src') || el.hasAttribute('href'), where).toBe(false);
          expect('src' in el.dataset || 'href' in el.dataset || 'srcset' in el.dataset, where).toBe(true);
        }
      }
      const refused = createGate({ allows: () => false, root: doc });
      expect(refused.apply()).toEqual(gated);
      refused.disconnect();

      const given = createGate({ allows: () => true, root: parse() });
      expect(given.apply()).toEqual([]);
      given.disconnect();
    });

    it(`${where}: the Assent script tag uses only attributes the widget reads`, () => {
      const doc = parse();
      for (const tag of doc.querySelectorAll('script[src$="assent.js"]'))
        for (const { name } of tag.attributes) {
          if (!name.startsWith('data-')) continue;
          expect(
            widgetSource.includes(`'${name}'`) || widgetSource.includes(`.${camel(name)}`),
            `${where}: ${name}`,
          ).toBe(true);
        }
    });
  }
});

describe('shell examples', () => {
  const sh = blocks('sh');
  const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
  const vitestConfig = read('vitest.config.ts');
  const cli: Record<string, string> = {
    assent: read('packages/core/src/cli.ts'),
    'assent-ledger': read('packages/ledger/src/cli.ts'),
  };

  it('finds them', () => expect(sh.length).toBeGreaterThan(10));

  for (const { where, code } of sh) {
    it(`${where}: every command names something that exists`, () => {
      for (const raw of code.split('\n')) {
        for (const part of raw.replace(/#.*$/, '').split('&&')) {
          const words = part.trim().split(/\s+/).filter(Boolean);
          if (words[0] === 'npx') words.shift();
          const [cmd, sub] = words;
          if (!cmd) continue;
          if (cmd === 'pnpm' && sub && !['add', 'install', 'exec', 'dlx'].includes(sub))
            expect(scripts, `${where}: pnpm ${sub}`).toHaveProperty([sub]);
          if (cmd === 'bash' || cmd === 'tsx')
            expect(existsSync(join(root, sub!)), `${where}: ${sub}`).toBe(true);
          if (cmd === 'vitest') {
            const project = words[words.indexOf('--project') + 1];
            expect(vitestConfig, `${where}: project ${project}`).toMatch(
              new RegExp(`name: '${project}'|pkgProject\\('${project}'`),
            );
            for (const path of words.slice(words.indexOf('--project') + 2))
              expect(existsSync(join(root, path)), `${where}: ${path}`).toBe(true);
          }
          const source = cli[cmd];
          if (source) {
            expect(source, `${where}: ${cmd} ${sub}`).toContain(`'${sub}'`);
            for (const flag of words.filter((w) => w.startsWith('--'))) {
              // A util.parseArgs option (`issuer: { type: 'string' }`) or a flag compared as text ('--json').
              const name = flag.slice(2).replace(/=.*$/, '');
              expect(source, `${where}: ${cmd} ${flag}`).toMatch(
                new RegExp(`['"]--${name}['"=]|['"]?${name}['"]?\\s*:\\s*\\{`),
              );
            }
          }
        }
      }
    });
  }
});
