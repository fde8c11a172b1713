import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { validateConfig } from './config/validate.js';
import { lintConfig } from './lint/index.js';
import { AssentError } from './protocol/errors.js';
import { VERSION } from './version.js';

// `assent lint <config.json> [--json] [--locale en|zh-CN]`. Exit status: 0 without errors
// (warnings allowed), 1 when the config is invalid or has errors, 2 for a usage or file problem.

const USAGE = `Usage: assent lint <config.json> [--json] [--locale en|zh-CN]

Checks an Assent config: first its shape (exit 1 with the JSON path of the fault), then the
compliance rules of docs/compliance.md. Prints findings for humans, or JSON with --json.
Exit status: 0 no errors (warnings allowed), 1 errors, 2 usage or unreadable file.`;

type Out = { log: (s: string) => void; error: (s: string) => void };

/** Run the CLI with the given arguments; returns the exit status. Exported for tests. */
export function main(argv: string[], out: Out = console, env: NodeJS.ProcessEnv = process.env): number {
  const args: string[] = [];
  const flags: string[] = [];
  let localeArg: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--locale') localeArg = argv[++i];
    else if (a.startsWith('--locale=')) localeArg = a.slice(9);
    else (a.startsWith('--') ? flags : args).push(a);
  }
  const json = flags.includes('--json');
  // A mistyped flag or locale is a usage error, not a silent default.
  const unknown = flags.filter((f) => !['--json', '--help', '--version'].includes(f));
  if (unknown.length || (localeArg !== undefined && localeArg !== 'en' && localeArg !== 'zh-CN')) {
    out.error(
      `assent: ${unknown.length ? `unknown option ${unknown[0]}` : `--locale must be en or zh-CN`}\n${USAGE}`,
    );
    return 2;
  }
  const locale = (localeArg ?? (/^zh/i.test(env.LANG ?? '') ? 'zh-CN' : 'en')) === 'zh-CN' ? 'zh-CN' : 'en';
  if (flags.includes('--version')) {
    out.log(VERSION);
    return 0;
  }
  if (flags.includes('--help') || args[0] !== 'lint' || args.length !== 2) {
    (flags.includes('--help') ? out.log : out.error)(USAGE);
    return flags.includes('--help') ? 0 : 2;
  }
  const file = args[1]!;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const message = `${file}: ${e instanceof SyntaxError ? 'not JSON: ' : ''}${(e as Error).message}`;
    if (json) out.log(JSON.stringify({ file, valid: false, error: { code: 'ERR_FILE', message } }, null, 2));
    else out.error(`assent: ${message}`);
    return 2;
  }
  try {
    const findings = lintConfig(validateConfig(raw));
    const errors = findings.filter((f) => f.severity === 'error').length;
    if (json)
      out.log(
        JSON.stringify({ file, valid: true, errors, warnings: findings.length - errors, findings }, null, 2),
      );
    else {
      for (const f of findings) {
        out.log(`${f.severity === 'error' ? 'error  ' : 'warning'} ${f.code}  ${f.path}`);
        out.log(`        ${f.message[locale]}`);
        out.log(`        ${f.reference}`);
      }
      out.log(
        locale === 'zh-CN'
          ? `${file}：${errors} 个错误，${findings.length - errors} 个警告`
          : `${file}: ${errors} error${errors === 1 ? '' : 's'}, ${findings.length - errors} warning${findings.length - errors === 1 ? '' : 's'}`,
      );
    }
    return errors ? 1 : 0;
  } catch (e) {
    if (!(e instanceof AssentError)) throw e;
    if (json)
      out.log(
        JSON.stringify(
          { file, valid: false, error: { code: e.code, path: e.path, message: e.message } },
          null,
          2,
        ),
      );
    else out.error(`assent: ${file}: invalid config (${e.code}) at ${e.path}: ${e.message}`);
    return 1;
  }
}

// Run only as the bin (directly or through a symlink), not when a test imports main().
const self = (() => {
  try {
    return pathToFileURL(realpathSync(process.argv[1] ?? '')).href === import.meta.url;
  } catch {
    return false;
  }
})();
if (self) process.exitCode = main(process.argv.slice(2));
