// `leaklens profile`: runs a program (or attaches to a PID), watches its memory and says whether
// it leaks. Exit status: 0 no-leak, 1 leak, 2 usage error (bad option, command or PID not found),
// 3 inconclusive (too short, too noisy, or nothing measured).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Log } from 'sarif';
import { BUILTIN_RULES } from '../core/rules';
import { toSarif } from '../core/sarif';
import { formatText, ProfileError, ProfileSession, type ProfileOptions, type Report } from '../profile';
import { nativeModeUnsupported } from '../profile/heaptrack';
import { MEASURED_RULE, measuredFindings } from '../profile/measured';
import { firstProjectFrame, parseProfileReport } from '../profile/reports';
import { CompareError, compareReports, formatComparison, loadReportFrom } from '../profile/compare';
import { parseCommand, type Write } from './args';
import { displayPath } from './import';
import { VERSION } from './version';
import type { ProfileMode } from '../profile/types';

export const PROFILE_USAGE = `usage: leaklens profile [options] -- COMMAND [ARGS...]
       leaklens profile [options] --pid PID
       leaklens profile compare BEFORE AFTER [--format text|json]   (leaklens profile compare --help)

Runs COMMAND, samples the RSS and CPU of it and its child processes, says whether memory leaks,
and (python/native modes) which source lines grow. Ctrl-C stops the program and keeps the report.

options:
  --interval MS        sampling interval (default 200)
  --duration S         stop (and kill the program's process tree) after S seconds
  --mode MODE          auto | rss | python | native (default auto: python for .py, native for
                       binaries with debug info when heaptrack is installed, rss otherwise;
                       native needs Linux)
  --exact              python: exact tracemalloc attribution (much slower) instead of sampling
  --period S           python: seconds between tracemalloc windows/snapshots (default 1)
  --frames N           python: tracemalloc frames (default 10 sampling, 25 exact)
  --python PATH        interpreter for .py commands (default python3; on Windows python, else py -3)
  --root DIR           native: attribute to the first frame under DIR (default: current folder)
  --warmup S           seconds ignored before the trend (default 20 % of the run, at most 30)
  --threshold PCT      per-site rule: growth per snapshot in % (default 2)
  --consecutive N      per-site rule: growths in a row (default 3)
  --min-site-mb MB     per-site rule: least growth of a site (default 1)
  --out DIR            output folder (default .leaklens-profile)
  --format text|json|sarif   what to print at the end (default text); sarif: the lines that grew
                       and the verdict as SARIF results, for a memory test that gates CI
  --quiet              do not echo the program's output (it is kept in DIR/target.log)
  --pid PID            attach to a running process (RSS timeline only; it is not killed)
  -h, --help           this help

writes DIR/timeline.jsonl (while sampling), DIR/timeline.csv and DIR/report.json
exit status: 0 no-leak, 1 leak, 2 usage error, 3 inconclusive`;

const MODES: readonly ProfileMode[] = ['auto', 'rss', 'python', 'native'];

export async function profileCommand(
  argv: string[],
  out: Write = (s) => process.stdout.write(s),
  err: Write = (s) => process.stderr.write(s),
  platform: NodeJS.Platform = process.platform,
): Promise<number> {
  if (argv[0] === 'compare') return compareCommand(argv.slice(1), out, err);
  const dash = argv.indexOf('--');
  const optionArgs = dash >= 0 ? argv.slice(0, dash) : argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: optionArgs,
      allowPositionals: dash < 0,
      options: {
        interval: { type: 'string' },
        duration: { type: 'string' },
        mode: { type: 'string', default: 'auto' },
        exact: { type: 'boolean', default: false },
        period: { type: 'string' },
        frames: { type: 'string' },
        python: { type: 'string' },
        root: { type: 'string' },
        warmup: { type: 'string' },
        threshold: { type: 'string' },
        consecutive: { type: 'string' },
        'min-site-mb': { type: 'string' },
        out: { type: 'string', default: '.leaklens-profile' },
        format: { type: 'string', default: 'text' },
        quiet: { type: 'boolean', default: false },
        pid: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    err(`leaklens profile: ${(e as Error).message}\n\n${PROFILE_USAGE}\n`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    out(`${PROFILE_USAGE}\n`);
    return 0;
  }
  const command = dash >= 0 ? argv.slice(dash + 1) : parsed.positionals;
  const usage = (msg: string) => {
    err(`leaklens profile: ${msg}\n\n${PROFILE_USAGE}\n`);
    return 2;
  };
  const num = (name: string, s: string | undefined, min: number): number | undefined => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isFinite(n) || n < min) throw new ProfileError(`--${name} must be a number ≥ ${min} (got "${s}")`);
    return n;
  };
  let options: ProfileOptions;
  try {
    if (!MODES.includes(v.mode as ProfileMode)) return usage(`--mode must be one of ${MODES.join(', ')}`);
    const offLinux = v.mode === 'native' ? nativeModeUnsupported(platform) : undefined;
    if (offLinux) {
      err(`leaklens profile: ${offLinux}\n`);
      return 2;
    }
    if (!['text', 'json', 'sarif'].includes(v.format as string)) return usage('--format must be text, json or sarif');
    const pid = num('pid', v.pid, 1);
    if ((pid === undefined) === (command.length === 0))
      return usage(
        pid === undefined ? 'give a command after --, or --pid PID' : 'give either --pid or a command, not both',
      );
    const minSiteMb = num('min-site-mb', v['min-site-mb'], 0);
    options = {
      command: pid === undefined ? command : undefined,
      pid,
      intervalMs: num('interval', v.interval, 10) ?? 200,
      durationS: num('duration', v.duration, 0),
      mode: v.mode as ProfileMode,
      outDir: resolve(v.out as string),
      exact: v.exact,
      pythonPeriodS: num('period', v.period, 0.05),
      frames: num('frames', v.frames, 1),
      python: v.python,
      root: v.root ? resolve(v.root) : undefined,
      verdict: {
        warmupS: num('warmup', v.warmup, 0),
        siteThresholdPct: num('threshold', v.threshold, 0),
        siteConsecutive: num('consecutive', v.consecutive, 1),
        minSiteBytes: minSiteMb === undefined ? undefined : minSiteMb * 1024 * 1024,
      },
    };
  } catch (e) {
    return usage((e as Error).message);
  }
  return run(options, v.format as 'text' | 'json' | 'sarif', v.quiet as boolean, out, err);
}

async function run(
  options: ProfileOptions,
  format: 'text' | 'json' | 'sarif',
  quiet: boolean,
  out: Write,
  err: Write,
): Promise<number> {
  const session = new ProfileSession(options);
  if (!quiet) session.on('output', (chunk) => err(chunk.toString()));
  const onSignal = () => void session.stop('cancelled');
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  let report: Report;
  try {
    try {
      await session.start();
    } catch (e) {
      if (e instanceof ProfileError) {
        err(`leaklens profile: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    err(`leaklens profile: ${session.mode} mode, sampling every ${options.intervalMs} ms → ${options.outDir}\n`);
    report = await session.done;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
  const f = session.files;
  out(
    format === 'sarif'
      ? JSON.stringify(profileSarif(report, f.report), null, 2) + '\n'
      : format === 'json'
        ? JSON.stringify(report, null, 2) + '\n'
        : formatText(report, [f.report, f.timelineCsv, f.timelineJsonl]),
  );
  return exitCode(report);
}

export const COMPARE_USAGE = `usage: leaklens profile compare BEFORE AFTER [--format text|json]

Compares two profile runs, e.g. before and after a fix: per process the RSS delta, peak and growth
rate before → after, both verdicts, and the lines that stopped growing, still grow, or newly grow
(matched by file and line). BEFORE and AFTER are report folders (e.g. .leaklens-profile) or
report.json files.

options:
  --format text|json   what to print (default text)
  -h, --help           this help

exit status: the AFTER run's verdict as for profile (0 no-leak, 1 leak, 3 inconclusive);
2 when a report is missing, truncated or not a LeakLens profile report`;

export function compareCommand(argv: string[], out: Write, err: Write): number {
  const parsed = parseCommand(
    'profile compare',
    COMPARE_USAGE,
    argv,
    { format: { type: 'string', default: 'text' } },
    out,
    err,
  );
  if (typeof parsed === 'number') return parsed;
  const usage = (msg: string) => {
    err(`leaklens profile compare: ${msg}\n\n${COMPARE_USAGE}\n`);
    return 2;
  };
  const format = parsed.values.format as string;
  if (format !== 'text' && format !== 'json') return usage('--format must be text or json');
  if (parsed.positionals.length !== 2)
    return usage(`give two reports, BEFORE and AFTER (got ${parsed.positionals.length})`);
  let comparison;
  try {
    const [before, after] = parsed.positionals.map((p, i) => loadReportFrom(resolve(p), i ? 'AFTER' : 'BEFORE'));
    comparison = compareReports(before, after);
  } catch (e) {
    if (e instanceof CompareError) {
      err(`leaklens profile compare: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  out(format === 'json' ? JSON.stringify(comparison, null, 2) + '\n' : formatComparison(comparison));
  return comparison.after.verdict === 'leak' ? 1 : comparison.after.verdict === 'no-leak' ? 0 : 3;
}

export function exitCode(r: Report): number {
  return r.verdict === 'leak' ? 1 : r.verdict === 'no-leak' ? 0 : 3;
}

/**
 * The lines that grew as `measured-leak` results at their source lines, and the verdict as one more
 * result (no location: it is about the whole run), so code scanning shows both and CI can gate on it.
 */
export function profileSarif(report: Report, reportPath: string): Log {
  const root = process.cwd();
  const leaks = parseProfileReport(JSON.stringify(report), reportPath, new Date().toISOString());
  for (const l of leaks) l.at = firstProjectFrame(l.stack, root) ?? { file: l.stack[0].file!, line: l.stack[0].line! };
  const { results } = measuredFindings(leaks, root, displayPath);
  const log = toSarif(results, [], BUILTIN_RULES, VERSION);
  const rate = `${(report.growthBytesPerSecond / 1024).toFixed(1)} KB/s`;
  log.runs[0].results!.push({
    ruleId: MEASURED_RULE,
    ruleIndex: BUILTIN_RULES.findIndex((r) => r.id === MEASURED_RULE),
    level: report.verdict === 'leak' ? 'error' : report.verdict === 'no-leak' ? 'none' : 'warning',
    kind: report.verdict === 'no-leak' ? 'pass' : 'fail',
    message: {
      text: `Verdict ${report.verdict.toUpperCase()}: RSS ${report.verdict === 'leak' ? 'grew' : 'changed'} ${rate} over ${report.durationSeconds.toFixed(0)} s (peak ${(report.peakRssBytes / 1048576).toFixed(1)} MB).`,
    },
    properties: { verdict: report.verdict, growthBytesPerSecond: report.growthBytesPerSecond, report: reportPath },
  });
  return log;
}
