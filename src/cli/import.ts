// `leaklens import REPORT...`: LeakSanitizer/AddressSanitizer logs, Valgrind memcheck XML and LeakLens
// profile reports as `measured-leak` findings, in the formats of `check`. Exit 0 no leak, 1 leaks,
// 2 usage error or a report that cannot be read (the other reports are still imported).
import { isAbsolute, relative, resolve } from 'node:path';
import { parseCommand } from './args';
import { writeOutput } from './output';
import { measuredFindings } from '../profile/measured';
import { readLeakReport, type MeasuredLeak } from '../profile/reports';
import { sorted, toGithub, toGitlab, toJson, toJunit, toText } from '../core/report';
import { BUILTIN_RULES } from '../core/rules';
import { toSarif } from '../core/sarif';
import type { AnalysisError } from '../core/types';
import { VERSION } from './version';

export const IMPORT_USAGE = `usage: leaklens import REPORT... [options]

Reads leak reports measured by other tools and reports each leak at the first frame of its
allocation stack inside the project: LeakSanitizer / AddressSanitizer output (a log of a program
built with -fsanitize=address or -fsanitize=leak), Valgrind memcheck XML (--xml=yes), and LeakLens
profile reports (report.json).

options:
  --root DIR                 the project: frames under it count as yours (default: the working folder)
  --format FORMAT            text (default), json, sarif, github, gitlab or junit
  --output-file FILE         write the report to FILE instead of standard output
  -h, --help                 this help

exit status: 0 no leak, 1 leaks, 2 usage error or an unreadable report (the others are still read)`;

/** Reads every report; a bad one is an error entry, never the end of the run. */
export function readReports(paths: string[], root: string): { leaks: MeasuredLeak[]; errors: AnalysisError[] } {
  const leaks: MeasuredLeak[] = [];
  const errors: AnalysisError[] = [];
  for (const p of paths) {
    try {
      leaks.push(...readLeakReport(p, root));
    } catch (e) {
      errors.push({ file: p, message: (e as Error).message.replace(`${p}: `, '') });
    }
  }
  return { leaks, errors };
}

export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

export async function importCommand(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  const parsed = parseCommand(
    'import',
    IMPORT_USAGE,
    argv,
    {
      root: { type: 'string' },
      format: { type: 'string', default: 'text' },
      'output-file': { type: 'string', short: 'o' },
    },
    out,
    err,
  );
  if (typeof parsed === 'number') return parsed;
  const v = parsed.values;
  if (!parsed.positionals.length) {
    err(`leaklens import: no report given\n\n${IMPORT_USAGE}\n`);
    return 2;
  }
  const formats = ['text', 'json', 'sarif', 'github', 'gitlab', 'junit'];
  if (!formats.includes(v.format!)) {
    err(`leaklens import: unknown --format "${v.format}" (${formats.join(', ')})\n`);
    return 2;
  }
  const root = resolve(v.root ?? '.');
  const { leaks, errors } = readReports(parsed.positionals, root);
  const { results, outside } = measuredFindings(leaks, root, displayPath);
  if (outside.length) {
    err(
      `leaklens import: ${outside.length} leak${outside.length === 1 ? '' : 's'} with no frame under ${root} (system libraries, or unsymbolized: build with -g; or pass --root)\n`,
    );
  }
  let text: string;
  switch (v.format) {
    case 'json':
      text = toJson(sorted(results), errors);
      break;
    case 'sarif':
      text = JSON.stringify(toSarif(sorted(results), errors, BUILTIN_RULES, VERSION), null, 2);
      break;
    case 'github':
      text = toGithub(results, errors);
      break;
    case 'gitlab':
      text = toGitlab(results);
      break;
    case 'junit':
      text = toJunit(results, errors);
      break;
    default:
      text = toText(results, errors, process.stdout.isTTY === true).replace(/leak risks?/, (m) =>
        m.endsWith('s') ? 'measured leaks' : 'measured leak',
      );
  }
  if (!writeOutput(text, v['output-file'] as string | undefined, { out, err }, 'import')) return 2;
  for (const e of errors) err(`leaklens import: ${e.file}: ${e.message}\n`);
  if (errors.length) return 2;
  return leaks.length ? 1 : 0;
}
