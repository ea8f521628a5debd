#!/usr/bin/env node
// Static-analysis benchmark (`npm run bench` builds first, then runs this). On two large real corpora
// it measures, in one run: a raw web-tree-sitter parse loop over the same files with the same .wasm
// grammars; `leaklens check` with --jobs 1 and --jobs N (N = cores), with its own --stats split into
// parse and rule time; peak RSS of every process; and the tools a user would otherwise run on the same
// files (ruff, pylint, cppcheck, clang-tidy), with their time relative to LeakLens and how many of
// their findings fall in LeakLens's categories. Prints markdown tables, writes .bench/static.json,
// then runs scripts/bench-profile.mjs if it exists. A bench, not a test: nothing is asserted.
//
//   node scripts/bench.mjs [--quick] [--python DIR] [--cpp DIR] [--skip-tests]
//                          [--pylint-files N] [--clang-tidy-files N] [--no-install] [--no-profile]
//
// Corpora (see docs/bench.md): the installed python3's standard library (test suite included unless
// --skip-tests), and abseil-cpp + RE2 as vendored in the npm package re2@1.27.1 (fetched once with
// `npm pack` into .bench/corpus/, no install scripts run), minus the files that need googletest.
import { isUtf8 } from 'node:buffer';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const benchDir = join(root, '.bench');
const MAX_FILE_SIZE = 5 * 1024 * 1024; // LeakLens's default maxFileSize: the parse loop skips what it skips

// ---------------------------------------------------------------------------------------------
// Child modes (see the end of the file): the parse-only loop and the ruff loop run in their own
// process, so that their time and peak RSS are measured like every other tool's.

/** Same decoding rules as LeakLens (src/core/engine.ts decodeSource): skip binary; not UTF-8 is read as Latin-1. */
function readText(path) {
  const bytes = readFileSync(path);
  if (bytes.length > MAX_FILE_SIZE || bytes.subarray(0, 8192).includes(0)) return null;
  return isUtf8(bytes) ? new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes) : bytes.toString('latin1');
}

async function parseOnly(language, listFile) {
  const t0 = performance.now();
  // The CommonJS build of web-tree-sitter and the .wasm files dist/cli.js loads (dist/grammars).
  const { Parser, Language } = require(join(root, 'node_modules', 'web-tree-sitter', 'tree-sitter.cjs'));
  const grammars = join(root, 'dist', 'grammars');
  await Parser.init({ locateFile: () => join(grammars, 'tree-sitter.wasm') });
  const parser = new Parser();
  parser.setLanguage(await Language.load(join(grammars, `tree-sitter-${language}.wasm`)));
  const files = readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
  const t1 = performance.now();
  let parseMs = 0;
  let parsed = 0;
  let bytes = 0;
  for (const file of files) {
    const text = readText(file);
    if (text === null) continue;
    const p0 = performance.now();
    const tree = parser.parse(text);
    parseMs += performance.now() - p0;
    tree.delete(); // as the engine does: wasm memory is not garbage-collected
    parsed++;
    bytes += text.length;
  }
  parser.delete();
  process.stdout.write(
    JSON.stringify({ setupMs: t1 - t0, loopMs: performance.now() - t1, parseMs, files: parsed, chars: bytes }),
  );
}

async function ruffLoop(listFile) {
  const t0 = performance.now();
  const { Workspace, PositionEncoding } = require('@astral-sh/ruff-wasm-nodejs');
  const ws = new Workspace({ lint: { select: ['B019', 'SIM115'] } }, PositionEncoding.Utf16);
  const files = readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
  const t1 = performance.now();
  const codes = {};
  let checked = 0;
  for (const file of files) {
    const text = readText(file);
    if (text === null) continue;
    checked++;
    for (const d of ws.check(text)) if (d.code) codes[d.code] = (codes[d.code] ?? 0) + 1;
  }
  process.stdout.write(
    JSON.stringify({
      setupMs: t1 - t0,
      loopMs: performance.now() - t1,
      files: checked,
      codes,
      version: Workspace.version(),
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Running and measuring processes.

const TIME = '/usr/bin/time';

/** Runs a command; wall time from spawn to exit, peak RSS from GNU time -v (else /proc polling). */
function measure(cmd, args, { cwd = root, env } = {}) {
  return new Promise((resolve) => {
    const rssFile = join(tmpdir(), `leaklens-bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const useTime = existsSync(TIME);
    const argv = useTime ? [TIME, '-v', '-o', rssFile, cmd, ...args] : [cmd, ...args];
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    let polledKb = 0;
    const poll = useTime
      ? undefined
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) polledKb = Math.max(polledKb, Number(m[1]));
          } catch {
            /* exited */
          }
        }, 20);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (poll) clearInterval(poll);
      let rssKb = polledKb || undefined;
      if (useTime) {
        try {
          const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(rssFile, 'utf8'));
          if (m) rssKb = Number(m[1]);
          rmSync(rssFile, { force: true });
        } catch {
          /* no report */
        }
      }
      resolve({
        code,
        ms,
        rssKb,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** Runs `count` commands, at most `parallel` at a time; total wall time, max of the peak RSSes. */
async function measurePool(commands, parallel, options) {
  const t0 = performance.now();
  const results = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, commands.length) }, async () => {
      while (next < commands.length) {
        const [cmd, args] = commands[next++];
        results.push(await measure(cmd, args, options));
      }
    }),
  );
  return { ms: performance.now() - t0, rssKb: Math.max(0, ...results.map((r) => r.rssKb ?? 0)) || undefined, results };
}

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/** clang-tidy, cppcheck, pylint and GNU time from Debian packages when missing (root only). */
function ensureTools(noInstall) {
  const wanted = [
    ['clang-tidy', 'clang-tidy'],
    ['cppcheck', 'cppcheck'],
    ['pylint', 'pylint'],
    [TIME, 'time'],
  ];
  const missing = wanted.filter(([cmd]) => !(cmd.startsWith('/') ? existsSync(cmd) : has(cmd))).map(([, pkg]) => pkg);
  if (missing.length === 0) return [];
  const notes = [];
  if (noInstall || process.getuid?.() !== 0 || !has('apt-get')) {
    notes.push(`not installed (and not installing): ${missing.join(', ')}`);
    return notes;
  }
  console.error(`bench: apt-get install ${missing.join(' ')} ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install =
    update.status === 0 && spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
  if (!install || install.status !== 0) notes.push(`apt-get install ${missing.join(' ')} failed`);
  return notes;
}

function version(cmd, args = ['--version']) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .split('\n')
      .find((l) => /\d+\.\d+/.test(l))
      ?.trim();
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Corpora.

// As src/core/files.ts skips them when walking a folder.
const SKIPPED_DIRS = new Set([
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  '__pycache__',
  '.venv',
  'venv',
  '.tox',
  '.mypy_cache',
  '.pytest_cache',
  'build',
  'dist',
  'out',
  'target',
  '.cache',
  '.vscode-host',
  'site-packages',
]);
const TEST_DIRS = new Set(['test', 'tests', 'idle_test']);

function walk(dir, exts, out = [], skip = SKIPPED_DIRS) {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!skip.has(e.name)) walk(p, exts, out, skip);
    } else if (e.isFile() && exts.includes(extname(e.name))) out.push(p);
  }
  return out;
}

function pythonCorpus(dirArg, skipTests) {
  let dir = dirArg;
  let interpreter;
  if (!dir) {
    const py = has('python3') ? 'python3' : 'python';
    const out = execFileSync(
      py,
      [
        '-c',
        'import sys, sysconfig; print(sysconfig.get_paths()["stdlib"]); print(sys.executable, sys.version.split()[0])',
      ],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n');
    dir = out[0];
    interpreter = out[1];
  }
  const skip = skipTests ? new Set([...SKIPPED_DIRS, ...TEST_DIRS]) : SKIPPED_DIRS;
  const files = walk(dir, ['.py', '.pyi'], [], skip);
  return {
    name: 'Python',
    language: 'python',
    base: dir,
    files: files.map((f) => relative(dir, f)),
    description: `${dir}${interpreter ? ` (stdlib of ${interpreter})` : ''}${skipTests ? ', test dirs skipped' : ', test suite included'}`,
  };
}

const RE2_VERSION = '1.27.1';
const NEEDS_TEST_FRAMEWORK = /#\s*include\s*[<"](gtest|gmock|benchmark)\//;

function cppCorpus(dirArg) {
  if (dirArg) {
    const files = walk(dirArg, ['.c', '.cc', '.cpp', '.cxx', '.h', '.hh', '.hpp', '.hxx']);
    return {
      name: 'C++',
      language: 'cpp',
      base: dirArg,
      files: files.map((f) => relative(dirArg, f)),
      includes: ['.'],
      description: dirArg,
    };
  }
  const pkgDir = join(benchDir, 'corpus', `re2-${RE2_VERSION}`);
  if (!existsSync(join(pkgDir, 'vendor'))) {
    mkdirSync(pkgDir, { recursive: true });
    console.error(`bench: fetching the C++ corpus: npm pack re2@${RE2_VERSION} (vendored abseil-cpp + RE2 sources)`);
    execFileSync('npm', ['pack', `re2@${RE2_VERSION}`, '--pack-destination', join(benchDir, 'corpus'), '--silent'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const tgz = join(benchDir, 'corpus', `re2-${RE2_VERSION}.tgz`);
    execFileSync('tar', ['xzf', tgz, '-C', pkgDir, '--strip-components=1']);
    rmSync(tgz, { force: true });
  }
  const base = join(pkgDir, 'vendor');
  const exts = ['.cc', '.h'];
  const all = [
    ...walk(join(base, 'abseil-cpp', 'absl'), exts),
    ...walk(join(base, 're2', 're2'), exts),
    ...walk(join(base, 're2', 'util'), exts),
  ];
  // Self-contained: keep only what compiles against the corpus and the C++ standard library alone
  // (the tests and benchmarks need googletest / google-benchmark, which the package does not ship).
  const files = all.filter((f) => !NEEDS_TEST_FRAMEWORK.test(readFileSync(f, 'utf8')));
  return {
    name: 'C++',
    language: 'cpp',
    base,
    files: files.map((f) => relative(base, f)),
    includes: ['abseil-cpp', 're2'],
    description: `abseil-cpp + RE2 vendored in npm re2@${RE2_VERSION} (${all.length - files.length} test/benchmark files needing googletest left out)`,
  };
}

function lineCount(base, files) {
  let lines = 0;
  let bytes = 0;
  for (const f of files) {
    const b = readFileSync(join(base, f));
    bytes += b.length;
    for (let i = 0; i < b.length; i++) if (b[i] === 10) lines++;
  }
  return { lines, bytes };
}

/** `count` files spread evenly over the (sorted) corpus: every k-th file, not one package's worth. */
function spread(files, count) {
  if (files.length <= count) return [...files];
  const step = files.length / count;
  return Array.from({ length: count }, (_, i) => files[Math.floor(i * step)]);
}

function writeList(corpus, files, tag) {
  const path = join(benchDir, `files-${corpus.language}-${tag}.txt`);
  writeFileSync(path, files.map((f) => join(corpus.base, f)).join('\n') + '\n');
  return path;
}

// ---------------------------------------------------------------------------------------------
// The measurements.

const LEAKLENS = join(root, 'bin', 'leaklens.js');

/** `cache`: undefined for a cold run (--no-cache), or a cache folder to fill (first run) or read (warm). */
async function leaklens(corpus, files, jobs, cache) {
  const cacheArgs = cache ? ['--cache-dir', cache] : ['--no-cache'];
  const r = await measure(
    process.execPath,
    [LEAKLENS, 'check', '--format', 'json', '--jobs', String(jobs), '--stats', ...cacheArgs, ...files],
    { cwd: corpus.base },
  );
  if (r.code !== 0 && r.code !== 1)
    return { error: `exit ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`, ms: r.ms };
  const doc = JSON.parse(r.stdout);
  const byRule = {};
  for (const f of doc.findings) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
  const s =
    /(\d+) files, (\d+) findings, (\d+) errors in (\d+) ms wall \((\d+) jobs?\); parse (\d+) ms, rules (\d+) ms/.exec(
      r.stderr,
    );
  const perRule = /per rule \(ms\): (.*)/
    .exec(r.stderr)?.[1]
    .split(', ')
    .map((x) => /^(.*) (\d+)$/.exec(x))
    .filter(Boolean)
    .map((m) => [m[1], Number(m[2])]);
  return {
    jobs,
    files: files.length,
    ms: r.ms,
    rssKb: r.rssKb,
    findings: doc.findings.length,
    byRule,
    errors: doc.errors.length,
    stats: s ? { files: Number(s[1]), wallMs: Number(s[4]), parseMs: Number(s[6]), rulesMs: Number(s[7]) } : undefined,
    perRuleMs: perRule ? Object.fromEntries(perRule) : undefined,
  };
}

async function parseLoop(corpus, listFile) {
  const r = await measure(process.execPath, [
    fileURLToPath(import.meta.url),
    '--parse-only',
    corpus.language,
    listFile,
  ]);
  if (r.code !== 0) return { error: r.stderr.trim().split('\n').slice(-3).join(' / '), ms: r.ms };
  return { ms: r.ms, rssKb: r.rssKb, ...JSON.parse(r.stdout) };
}

async function ruff(listFile) {
  try {
    require.resolve('@astral-sh/ruff-wasm-nodejs');
  } catch {
    return { skipped: '@astral-sh/ruff-wasm-nodejs not installed (npm install)' };
  }
  const r = await measure(process.execPath, [fileURLToPath(import.meta.url), '--ruff', listFile]);
  if (r.code !== 0) return { error: r.stderr.trim().split('\n').slice(-3).join(' / '), ms: r.ms };
  const out = JSON.parse(r.stdout);
  // Only B019 and SIM115 run; anything else ruff reports is a syntax error (Python 2 files in lib2to3's tests, ...).
  const byCode = { B019: out.codes.B019 ?? 0, SIM115: out.codes.SIM115 ?? 0 };
  const findings = byCode.B019 + byCode.SIM115;
  const syntaxErrors = Object.entries(out.codes)
    .filter(([k]) => !(k in byCode))
    .reduce((a, [, v]) => a + v, 0);
  return {
    ms: r.ms,
    rssKb: r.rssKb,
    findings,
    inCategories: findings,
    byCode,
    syntaxErrors,
    files: out.files,
    version: `ruff ${out.version} (wasm)`,
  };
}

// pylint messages in LeakLens's categories: resource-without-context and unbounded-cache.
const PYLINT_LEAKS = new Set(['consider-using-with', 'method-cache-max-size-none']);

async function pylint(corpus, files) {
  if (!has('pylint')) return { skipped: 'pylint not installed' };
  // -j 1: Debian's pylint 2.16 / astroid 2.14 cannot read `except*` (3.11); with -j N the first such
  // module kills the whole run, with -j 1 it is one astroid-error message and the run goes on.
  const r = await measure('pylint', ['--output-format=json', '--persistent=n', '--score=n', '-j1', ...files], {
    cwd: corpus.base,
  });
  let msgs;
  try {
    msgs = JSON.parse(r.stdout || '[]');
  } catch {
    return { error: `exit ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`, ms: r.ms };
  }
  const byCode = {};
  for (const m of msgs) if (PYLINT_LEAKS.has(m.symbol)) byCode[m.symbol] = (byCode[m.symbol] ?? 0) + 1;
  const crashed = new Set(msgs.filter((m) => m.type === 'fatal' || m.symbol === 'astroid-error').map((m) => m.path))
    .size;
  return {
    ms: r.ms,
    rssKb: r.rssKb,
    files: files.length,
    findings: msgs.length,
    crashed,
    inCategories: Object.values(byCode).reduce((a, b) => a + b, 0),
    byCode,
    version: `pylint ${version('pylint')?.split(/\s+/)[1] ?? ''}`.trim(),
  };
}

// cppcheck ids in LeakLens's categories (memory/resource ownership), e.g. memleak, resourceLeak,
// memleakOnRealloc, leakReturnValNotUsed, mismatchAllocDealloc, deallocuse, doubleFree.
const CPPCHECK_LEAK = /leak|alloc|free|resource/i;

async function cppcheck(corpus, jobs) {
  if (!has('cppcheck')) return { skipped: 'cppcheck not installed' };
  const list = join(benchDir, 'files-cpp-cppcheck.txt');
  writeFileSync(list, corpus.files.join('\n') + '\n');
  // No -I: with abseil's include path cppcheck "failed to extract a valid configuration" for most
  // files (absl/base/config.h #errors on the configurations it tries) and analysed nothing.
  // Without it cppcheck treats the includes as missing, which it is designed to tolerate.
  const r = await measure(
    'cppcheck',
    [
      '--enable=warning',
      '--std=c++17',
      '--quiet',
      `-j${jobs}`,
      '--template={file}\t{line}\t{severity}\t{id}',
      `--file-list=${list}`,
    ],
    { cwd: corpus.base },
  );
  const lines = r.stderr.split('\n').filter((l) => l.split('\t').length === 4);
  const byCode = {};
  let findings = 0;
  for (const l of lines) {
    const [, , severity, id] = l.split('\t');
    if (severity === 'information') continue;
    findings++;
    if (CPPCHECK_LEAK.test(id)) byCode[id] = (byCode[id] ?? 0) + 1;
  }
  return {
    ms: r.ms,
    rssKb: r.rssKb,
    files: corpus.files.length,
    findings,
    inCategories: Object.values(byCode).reduce((a, b) => a + b, 0),
    byCode,
    version: version('cppcheck'),
  };
}

const CLANG_TIDY_CHECKS = '-*,clang-analyzer-unix.Malloc,cppcoreguidelines-owning-memory,cppcoreguidelines-no-malloc';

async function clangTidy(corpus, files, jobs) {
  if (!has('clang-tidy')) return { skipped: 'clang-tidy not installed' };
  // One translation unit per process, `jobs` processes at a time (as run-clang-tidy does).
  const commands = files.map((f) => [
    'clang-tidy',
    [`-checks=${CLANG_TIDY_CHECKS}`, '--quiet', f, '--', '-std=c++17', ...corpus.includes.map((i) => `-I${i}`)],
  ]);
  const pool = await measurePool(commands, jobs, { cwd: corpus.base });
  const byCode = {};
  let findings = 0;
  let compileErrors = 0;
  for (const r of pool.results) {
    for (const m of r.stdout.matchAll(/^[^\s:][^:]*:\d+:\d+: (warning|error): .*\[([\w.,-]+)\]$/gm)) {
      if (m[1] === 'error' && m[2].startsWith('clang-diagnostic')) {
        compileErrors++;
        continue;
      }
      findings++;
      byCode[m[2]] = (byCode[m[2]] ?? 0) + 1;
    }
    compileErrors += (r.stdout.match(/^[^\s:][^:]*:\d+:\d+: error: [^[]*$/gm) ?? []).length;
  }
  return {
    ms: pool.ms,
    rssKb: pool.rssKb,
    files: files.length,
    findings,
    inCategories: findings,
    byCode,
    compileErrors,
    version: version('clang-tidy')?.replace(/^.*?(\d+\.\d+\.\d+).*$/, 'clang-tidy $1'),
  };
}

// ---------------------------------------------------------------------------------------------
// Formatting.

const sec = (ms) =>
  ms === undefined ? '–' : ms >= 100_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(2)} s`;
const mb = (kb) => (kb ? `${(kb / 1024).toFixed(0)} MB` : '–');
const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)} %`;
const times = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : '–');
const codes = (o) =>
  Object.entries(o ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

function toolRow(label, r, reference) {
  if (!r || r.skipped || r.error) return `| ${label} | ${r?.skipped ?? r?.error ?? 'not run'} | | | | |`;
  return `| ${label} | ${sec(r.ms)} | ${times(r.ms, reference?.ms)} | ${mb(r.rssKb)} | ${r.findings ?? '–'} | ${r.inCategories ?? '–'}${r.byCode && Object.keys(r.byCode).length ? ` (${codes(r.byCode)})` : ''} |`;
}

function leaklensRow(label, r, categories, base) {
  if (!r || r.error) return `| ${label} | ${r?.error ?? 'not run'} | | | | |`;
  const own = categories.map((id) => r.byRule[id] ?? 0);
  const ratio = base && !base.error ? `${(r.ms / base.ms).toFixed(2)}×` : '1.00×';
  return `| ${label} | ${sec(r.ms)} | ${ratio} | ${mb(r.rssKb)} | ${r.findings} | ${own.reduce((a, b) => a + b, 0)} (${categories.map((id, i) => `${id} ${own[i]}`).join(', ')}) |`;
}

function corpusTable(c) {
  const header = [
    "| tool (files) | time | vs LeakLens | peak RSS | findings | in LeakLens's categories |",
    '| --- | ---: | ---: | ---: | ---: | --- |',
  ];
  const rows = [
    toolRow(
      `tree-sitter parse only, 1 thread (${c.parse.files})`,
      { ...c.parse, findings: undefined, inCategories: undefined },
      c.j1,
    ),
    leaklensRow(`**LeakLens --jobs 1** (${c.files})`, c.j1, c.categories),
    leaklensRow(`**LeakLens --jobs ${c.jobs}** (${c.files})`, c.jN, c.categories),
    ...(c.warm && !c.warm.error
      ? [
          leaklensRow(
            `**LeakLens --jobs 1, warm cache** (${c.files}${c.warmSameFindings ? '; same findings' : '; FINDINGS DIFFER'})`,
            c.warm,
            c.categories,
            c.j1,
          ),
        ]
      : []),
  ];
  if (c.language === 'python') {
    rows.push(
      toolRow(
        `ruff --select B019,SIM115, 1 thread (${c.files}${c.ruff?.syntaxErrors ? `; ${c.ruff.syntaxErrors} syntax errors` : ''}) vs LeakLens --jobs 1`,
        c.ruff,
        c.j1,
      ),
    );
    rows.push(
      leaklensRow(`**LeakLens --jobs 1**, pylint subset (${c.subset.files.length})`, c.subset.leaklens, c.categories),
    );
    rows.push(
      toolRow(
        `pylint -j 1, all default checks (${c.subset.files.length}${c.pylint?.crashed ? `; astroid crashed on ${c.pylint.crashed}` : ''})`,
        c.pylint,
        c.subset.leaklens,
      ),
    );
  } else {
    rows.push(
      toolRow(`cppcheck --enable=warning -j ${c.jobs} (${c.files}) vs LeakLens --jobs ${c.jobs}`, c.cppcheck, c.jN),
    );
    rows.push(
      leaklensRow(
        `**LeakLens --jobs ${c.jobs}**, clang-tidy subset (${c.subset.files.length} .cc)`,
        c.subset.leaklens,
        c.categories,
      ),
    );
    rows.push(
      toolRow(`clang-tidy, ${c.jobs} at a time (${c.subset.files.length} .cc)`, c.clangTidy, c.subset.leaklens),
    );
  }
  return [...header, ...rows].join('\n');
}

function overheadTable(corpora) {
  const out = [
    '| corpus | files | lines | parse (CPU) | rules (CPU) | rules / parse | parse-only loop | check, --jobs 1 | check vs parse loop | --jobs 1 → N | speed-up (efficiency) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const c of corpora) {
    const s1 = c.j1?.stats;
    const sN = c.jN?.stats;
    if (!s1 || !sN) {
      out.push(`| ${c.name} | ${c.files} | ${c.lines} | – | – | – | – | – | – | – | – |`);
      continue;
    }
    const speedup = s1.wallMs / sN.wallMs;
    out.push(
      `| ${c.name} | ${c.files} | ${c.lines.toLocaleString('en-US')} | ${sec(s1.parseMs)} | ${sec(s1.rulesMs)} | ${pct(s1.rulesMs / s1.parseMs)} | ${sec(c.parse.loopMs)} | ${sec(s1.wallMs)} | ${pct(s1.wallMs / c.parse.loopMs - 1)} | ${sec(s1.wallMs)} → ${sec(sN.wallMs)} | ${speedup.toFixed(2)}× (${((100 * speedup) / c.jobs).toFixed(0)} %) |`,
    );
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const argv = process.argv.slice(2);
  const opt = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const jobs = availableParallelism();
  const pylintFiles = Number(opt('--pylint-files') ?? (quick ? 8 : 80));
  // The cheap runs (parse loop, LeakLens on a whole corpus) are repeated and the fastest kept: the
  // machine is shared, and the minimum is the least disturbed figure.
  const repeat = Number(opt('--repeat') ?? (quick ? 1 : 2));
  const best = async (run) => {
    let kept;
    for (let i = 0; i < repeat; i++) {
      const r = await run();
      if (!kept || (!r.error && (kept.error || r.ms < kept.ms))) kept = r;
    }
    return kept;
  };
  const clangTidyFiles = Number(opt('--clang-tidy-files') ?? (quick ? 2 : 20));
  mkdirSync(benchDir, { recursive: true });
  if (!existsSync(join(root, 'dist', 'cli.js'))) {
    console.error('bench: dist/cli.js is missing: run `npm run bench` (it builds first) or `npm run build`.');
    process.exit(2);
  }
  const notes = ensureTools(argv.includes('--no-install'));
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg()[0];
  const t0 = performance.now();

  const corpora = [];
  for (const corpus of [pythonCorpus(opt('--python'), argv.includes('--skip-tests')), cppCorpus(opt('--cpp'))]) {
    // --quick: a slice of each corpus, to develop the bench itself.
    const files = quick ? spread(corpus.files, 60) : corpus.files;
    const { lines, bytes } = lineCount(corpus.base, files);
    console.error(`bench: ${corpus.name}: ${files.length} files, ${lines} lines — ${corpus.description}`);
    const list = writeList(corpus, files, 'all');
    const c = {
      name: corpus.name,
      language: corpus.language,
      corpus: corpus.description,
      base: corpus.base,
      files: files.length,
      lines,
      bytes,
      jobs,
    };
    c.categories = corpus.language === 'python' ? ['resource-without-context', 'unbounded-cache'] : ['raw-c-resource'];
    // The parse loop runs first: it also warms the page cache for everything after it.
    c.parse = await best(() => parseLoop(corpus, list));
    c.j1 = await best(() => leaklens(corpus, files, 1));
    c.jN = await best(() => leaklens(corpus, files, jobs));
    // The result cache: one run fills it, the next reads it (same files, same findings expected).
    const cacheDir = join(benchDir, `cache-${corpus.language}`);
    rmSync(cacheDir, { recursive: true, force: true });
    c.fill = await leaklens(corpus, files, 1, cacheDir);
    c.warm = await best(() => leaklens(corpus, files, 1, cacheDir));
    c.warmSameFindings = c.warm.findings === c.j1.findings;
    if (corpus.language === 'python') {
      c.ruff = await ruff(list);
      const subset = spread(files, pylintFiles);
      c.subset = {
        files: subset,
        lines: lineCount(corpus.base, subset).lines,
        leaklens: await leaklens(corpus, subset, 1),
      };
      console.error(`bench: pylint on ${subset.length} files (${c.subset.lines} lines) ...`);
      c.pylint = await pylint(corpus, subset);
    } else {
      c.cppcheck = await cppcheck({ ...corpus, files }, jobs);
      const subset = spread(
        files.filter((f) => f.endsWith('.cc')),
        clangTidyFiles,
      );
      c.subset = {
        files: subset,
        lines: lineCount(corpus.base, subset).lines,
        leaklens: await leaklens(corpus, subset, jobs),
      };
      console.error(
        `bench: clang-tidy on ${subset.length} translation units (${c.subset.lines} lines, plus their headers) ...`,
      );
      c.clangTidy = await clangTidy(corpus, subset, jobs);
    }
    corpora.push(c);
  }

  const cpu = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  const lines = [];
  lines.push(
    `Measured ${startedAt.slice(0, 10)} on ${jobs} cores (${cpu}), Node ${process.versions.node}${quick ? ', **--quick slice**' : ''}; load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after (shared machine). Times are wall-clock from process start to exit (parse loop and whole-corpus LeakLens runs: best of ${repeat}, the other tools: one run); peak RSS from \`/usr/bin/time -v\`.`,
  );
  lines.push('');
  lines.push(
    '**Rule overhead and scaling** (LeakLens `--stats`: parse and rule time are CPU time summed over files, check time is the analysis wall time without Node start-up; the parse-only loop reads, decodes and parses the same files with the same .wasm grammars in one thread; target: rules ≤ 30 % on top of parsing, near-linear scaling)',
  );
  lines.push('');
  lines.push(overheadTable(corpora));
  for (const c of corpora) {
    lines.push('');
    lines.push(
      `**${c.name}**: ${c.corpus}; ${c.files} files, ${c.lines.toLocaleString('en-US')} lines. "vs LeakLens" compares with the bold LeakLens row above it (same files, same parallelism).`,
    );
    lines.push('');
    lines.push(corpusTable(c));
  }
  const perRule = corpora
    .filter((c) => c.j1?.perRuleMs)
    .map((c) => `${c.name}: ${codes(c.j1.perRuleMs)}`)
    .join('; ');
  if (perRule)
    lines.push(
      '',
      `Per rule, --jobs 1 (ms; "(queries)" is the one combined tree-sitter query all rules share): ${perRule}.`,
    );
  const versions = [
    corpora.find((c) => c.ruff)?.ruff?.version,
    corpora.find((c) => c.pylint)?.pylint?.version,
    corpora.find((c) => c.cppcheck)?.cppcheck?.version,
    corpora.find((c) => c.clangTidy)?.clangTidy?.version,
  ].filter(Boolean);
  if (versions.length) lines.push('', `Versions: ${versions.join(', ')}.`);
  const tidy = corpora.find((c) => c.clangTidy)?.clangTidy;
  if (tidy && !tidy.skipped && !tidy.error)
    lines.push(
      '',
      `clang-tidy compile errors on the subset: ${tidy.compileErrors} (0 = the corpus is self-contained).`,
    );
  for (const n of notes) lines.push('', `Note: ${n}.`);
  const table = lines.join('\n');
  console.log(`\n### Static analysis benchmark\n\n${table}\n`);

  const totalMs = performance.now() - t0;
  console.error(`bench: static part took ${sec(totalMs)}`);
  const strip = (c) => ({ ...c, subset: c.subset && { ...c.subset, count: c.subset.files.length } });
  const result = {
    startedAt,
    quick,
    jobs,
    repeat,
    loadavg: [loadBefore, loadavg()[0]],
    cpu,
    node: process.versions.node,
    totalMs,
    corpora: corpora.map(strip),
    notes,
    markdown: table,
  };

  // Custom rules: the same corpora with 20 custom rules beside the built-in ones (target: <= +30 %).
  const customScript = join(root, 'scripts', 'bench-custom-rules.mjs');
  if (existsSync(customScript)) {
    const r = spawnSync(process.execPath, [customScript, ...corpora.map((c) => c.base).filter(Boolean)], {
      cwd: root,
      stdio: 'inherit',
    });
    result.customRulesBench = r.status === 0 ? 'ok' : `failed (exit ${r.status ?? r.signal})`;
  }

  // Limits (10,000 files: the editor worker's memory, cancel latency, the CLI's peak RSS), then the
  // robustness runs longer than the test suite's: the mutation fuzzer and incremental = full.
  const limits = spawnSync(process.execPath, [join(root, 'scripts', 'bench-limits.mjs')], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, LEAKLENS_LIMIT_FILES: quick ? '2000' : '10000' },
  });
  result.limitsBench = limits.status === 0 ? 'ok' : `failed (exit ${limits.status ?? limits.signal})`;
  const robustness = [
    ['fuzzer', 'out/test/unit/fuzz.test.js', { LEAKLENS_FUZZ_INPUTS: quick ? '3000' : '20000' }],
    ['incremental = full', 'out/test/unit/incremental.test.js', { LEAKLENS_PROPERTY_EDITS: quick ? '600' : '3000' }],
  ];
  console.log(
    "\n### Robustness runs (longer than the test suite's)\n\n| run | inputs | result | time |\n| --- | ---: | --- | ---: |",
  );
  for (const [name, file, env] of robustness) {
    if (!existsSync(join(root, file))) {
      console.log(`| ${name} | | not compiled (npx tsc -p tsconfig.json) | |`);
      continue;
    }
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--test', file], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    const passed = /# fail 0/.test(r.stdout);
    console.log(
      `| ${name} | ${Object.values(env)[0]}${name === 'fuzzer' ? ' inputs' : ' edits per document'} | ${passed ? 'no failure' : 'FAILED (see node --test ' + file + ')'} | ${sec(performance.now() - t0)} |`,
    );
    result[name] = passed ? 'ok' : r.stdout.slice(-2000);
  }

  // The profiler benchmark (another script), if present: its own table; a failure is only reported.
  const profileScript = join(root, 'scripts', 'bench-profile.mjs');
  if (argv.includes('--no-profile')) result.profileBench = 'skipped (--no-profile)';
  else if (!existsSync(profileScript)) result.profileBench = 'scripts/bench-profile.mjs not present';
  else {
    console.error('bench: running scripts/bench-profile.mjs ...');
    const r = spawnSync(process.execPath, [profileScript, ...(quick ? ['--quick'] : [])], {
      cwd: root,
      stdio: 'inherit',
    });
    result.profileBench = r.status === 0 ? 'ok' : `failed (exit ${r.status ?? r.signal ?? r.error?.message})`;
    if (r.status !== 0)
      console.error(`bench: scripts/bench-profile.mjs ${result.profileBench}; the static results above stand.`);
  }
  writeFileSync(join(benchDir, 'static.json'), JSON.stringify(result, null, 2));
  console.error(`bench: wrote ${relative(root, join(benchDir, 'static.json'))}`);
}

// After every declaration above (top-level await would otherwise meet them uninitialised).
if (process.argv[2] === '--parse-only') await parseOnly(process.argv[3], process.argv[4]);
else if (process.argv[2] === '--ruff') await ruffLoop(process.argv[3]);
else await main();
