// Every TypeScript/JavaScript example in the docs and READMEs is type-checked against the
// packages' source, and every JSON example is parsed, so an example cannot drift from the API it
// documents. Names an example only alludes to (your own `bestsellers()`, an Express `req`, a module
// of your app such as './consent.js') are declared as `any`; everything imported from `@assent/*`
// or a real dependency keeps its real types, so a renamed export, a misspelt option or a wrong
// argument fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

interface Example {
  file: string;
  line: number;
  lang: string;
  code: string;
}

const DOCS = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  ...readdirSync(join(root, 'packages')).map((p) => `packages/${p}/README.md`),
  ...readdirSync(join(root, 'examples'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `examples/${d.name}/README.md`),
].filter((f) => {
  try {
    readFileSync(join(root, f));
    return true;
  } catch {
    return false;
  }
});

function examples(): Example[] {
  const out: Example[] = [];
  for (const file of DOCS) {
    const lines = readFileSync(join(root, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = /^```(\w+)/.exec(lines[i]!);
      if (!open) continue;
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
      out.push({ file, line: start + 1, lang: open[1]!.toLowerCase(), code: body.join('\n') });
    }
  }
  return out;
}

const all = examples();
const code = all.filter((e) => ['ts', 'typescript', 'js', 'javascript', 'mjs'].includes(e.lang));
const json = all.filter((e) => e.lang === 'json');
const ndjson = all.filter((e) => e.lang === 'ndjson');

// Imports of the reader's own modules ('./consent.js', '@/lib/consent', 'app/db') cannot resolve;
// they become `any` declarations. Package imports stay real.
const OWN_MODULE = /^(?:\.{1,2}\/|@\/|~\/)/;
function stubOwnImports(src: string): string {
  return src.replace(
    /^import\s+(type\s+)?([^'";]+?)\s+from\s+['"]([^'"]+)['"](?:\s+with\s*\{[^}]*\})?;?/gm,
    (whole, _type, clause: string, spec: string) => {
      if (!OWN_MODULE.test(spec)) return whole;
      const names: string[] = [];
      const named = /\{([^}]*)\}/.exec(clause);
      if (named)
        for (const part of named[1]!.split(',')) {
          const n = part.trim().replace(/^type\s+/, '');
          if (n) names.push((n.split(/\s+as\s+/)[1] ?? n).trim());
        }
      const def = clause
        .replace(/\{[^}]*\}/, '')
        .replace(/,/g, ' ')
        .trim();
      const star = /\*\s+as\s+(\w+)/.exec(def);
      if (star) names.push(star[1]!);
      else if (def) names.push(def);
      return names.length ? `declare const ${names.map((n) => `${n}: any`).join(', ')};` : '';
    },
  );
}

const compilerOptions: ts.CompilerOptions = (() => {
  const cfg = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, root);
  // Examples may leave callback parameters unannotated, as readers' code often does.
  return { ...parsed.options, noEmit: true, noImplicitAny: false, noUnusedLocals: false };
})();

// Virtual files live inside the verifier package so that the web frameworks its guide uses
// (express, hono) resolve from its node_modules. JavaScript examples are checked as TypeScript:
// valid JavaScript is valid TypeScript, and the API types still apply.
const virtualDir = join(root, 'packages/verifier/.doc-examples');
const fileOf = (e: Example, i: number) =>
  join(virtualDir, `${e.file.replace(/[/.]/g, '_')}_${e.line}_${i}.ts`);

function typeCheck(sources: Map<string, string>): Map<string, ts.Diagnostic[]> {
  const host = ts.createCompilerHost(compilerOptions);
  const read = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (
    (exists) => (f: string) =>
      sources.has(f) || exists(f)
  )(host.fileExists.bind(host));
  host.readFile = (f) => sources.get(f) ?? read(f);
  host.getSourceFile = (f, lang, onError, create) =>
    sources.has(f)
      ? ts.createSourceFile(f, sources.get(f)!, lang, true)
      : getSourceFile(f, lang, onError, create);
  const program = ts.createProgram([...sources.keys()], compilerOptions, host);
  const out = new Map<string, ts.Diagnostic[]>();
  for (const f of sources.keys()) {
    const sf = program.getSourceFile(f)!;
    out.set(f, [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]);
  }
  return out;
}

// TS2304 "Cannot find name", TS2552 "Cannot find name ... Did you mean", TS2582/TS2580 (Node
// globals in JS) name what the example leaves to the reader.
// TS18004 "No value exists in scope for the shorthand property".
const FREE_NAME = new Set([2304, 2552, 2580, 2582, 18004]);

function checkAll(): Map<Example, string[]> {
  const files = code.map((e, i) => [fileOf(e, i), e] as const);
  const base = new Map(files.map(([f, e]) => [f, `${stubOwnImports(e.code)}\nexport {};\n`]));
  const first = typeCheck(base);
  const second = new Map<string, string>();
  for (const [f, src] of base) {
    const free = new Set<string>();
    for (const d of first.get(f)!) {
      if (!FREE_NAME.has(d.code) || d.start === undefined) continue;
      free.add(src.slice(d.start, d.start + (d.length ?? 0)));
    }
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
