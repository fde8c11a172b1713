// The code examples of the docs and READMEs, as docs-examples.test.ts type-checks them and
// docs-run*.test.ts runs them: one extractor and one notion of "a name the example leaves to the
// reader", so the two cannot disagree about which examples exist or what they assume.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface Example {
  file: string;
  line: number;
  lang: string;
  code: string;
}

export const DOCS = [
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

export function examples(): Example[] {
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

export const CODE_LANGS = ['ts', 'typescript', 'js', 'javascript', 'mjs'];
/** The TypeScript and JavaScript examples. */
export const codeExamples = (all = examples()) => all.filter((e) => CODE_LANGS.includes(e.lang));

// Imports of the reader's own modules ('./consent.js', '@/lib/consent', 'app/db') cannot resolve;
// they become `any` declarations. Package imports stay real.
export const OWN_MODULE = /^(?:\.{1,2}\/|@\/|~\/)/;
export function stubOwnImports(src: string): string {
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
export const virtualDir = join(root, 'packages/verifier/.doc-examples');
export const fileOf = (e: Example, i: number) =>
  join(virtualDir, `${e.file.replace(/[/.]/g, '_')}_${e.line}_${i}.ts`);

export function typeCheck(sources: Map<string, string>): Map<string, ts.Diagnostic[]> {
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
export const FREE_NAME = new Set([2304, 2552, 2580, 2582, 18004]);

/** The names a checked source leaves undeclared (values or types), from its diagnostics. */
export function freeNames(src: string, diagnostics: readonly ts.Diagnostic[]): Set<string> {
  const free = new Set<string>();
  for (const d of diagnostics) {
    if (!FREE_NAME.has(d.code) || d.start === undefined) continue;
    free.add(src.slice(d.start, d.start + (d.length ?? 0)));
  }
  return free;
}

/** Each code example with the names it leaves to the reader (its own modules' imports excluded). */
export function freeNamesOfExamples(code: readonly Example[]): Map<Example, Set<string>> {
  const files = code.map((e, i) => [fileOf(e, i), e] as const);
  const base = new Map(files.map(([f, e]) => [f, `${stubOwnImports(e.code)}\nexport {};\n`]));
  const checked = typeCheck(base);
  return new Map(files.map(([f, e]) => [e, freeNames(base.get(f)!, checked.get(f)!)]));
}
