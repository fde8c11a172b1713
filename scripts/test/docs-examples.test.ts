// Every TypeScript/JavaScript example in the docs and READMEs is type-checked against the
// packages' source, and every JSON example is parsed, so an example cannot drift from the API it
// documents. Names an example only alludes to (your own `bestsellers()`, an Express `req`, a module
// of your app such as './consent.js') are declared as `any`; everything imported from `@assent/*`
// or a real dependency keeps its real types, so a renamed export, a misspelt option or a wrong
// argument fails here.
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  CODE_LANGS,
  type Example,
  examples,
  fileOf,
  freeNames,
  root,
  stubOwnImports,
  typeCheck,
  virtualDir,
} from './lib/docs.js';

const all = examples();
const code = all.filter((e) => CODE_LANGS.includes(e.lang));
const json = all.filter((e) => e.lang === 'json');
const ndjson = all.filter((e) => e.lang === 'ndjson');

function checkAll(): Map<Example, string[]> {
  const files = code.map((e, i) => [fileOf(e, i), e] as const);
  const base = new Map(files.map(([f, e]) => [f, `${stubOwnImports(e.code)}\nexport {};\n`]));
  const first = typeCheck(base);
  const second = new Map<string, string>();
  for (const [f, src] of base) {
    const free = freeNames(src, first.get(f)!);
    // A free name may stand for a value or a type (`ConsentEvent`); declare both.
    const decls = [...free].map((n) => `declare const ${n}: any; type ${n} = any;`).join('\n');
    second.set(f, free.size ? `${decls}\n${src}` : src);
  }
  // Script-tag pages type `window.assent` by importing the widget's types once.
  second.set(join(virtualDir, 'window-assent.ts'), "import type {} from '@assent/widget';\n");
  const final = typeCheck(second);
  const result = new Map<Example, string[]>();
  for (const [f, e] of files)
    result.set(
      e,
      final.get(f)!.map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`),
    );
  return result;
}

describe('documentation examples', () => {
  it('finds the examples', () => {
    expect(code.length).toBeGreaterThan(30);
  });

  const results = checkAll();
  for (const [e, errors] of results) {
    it(`${e.file}:${e.line} type-checks against the packages`, () => {
      expect(errors, `${relative(root, join(root, e.file))}:${e.line}\n${e.code}`).toEqual([]);
    });
  }

  for (const e of json) {
    it(`${e.file}:${e.line} is valid JSON`, () => {
      expect(() => JSON.parse(e.code)).not.toThrow();
    });
  }

  for (const e of ndjson) {
    it(`${e.file}:${e.line} is valid NDJSON`, () => {
      const lines = e.code.split('\n').filter((l) => l.trim());
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(() => JSON.parse(l), l).not.toThrow();
    });
  }
});
