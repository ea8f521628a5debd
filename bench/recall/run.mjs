#!/usr/bin/env node
// Real-leak recall: for each label (a leak a public project shipped and later fixed), rebuilds the
// leaking file (fix^) and the fixed file (fix) from the fetch mirrors, runs `leaklens check` on both
// and scores: found = a finding within 3 lines of the labelled acquisition before the fix; a finding
// left on the fixed file near the same code counts against the fix. Fetched code is never committed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const mirrors = process.env.LEAKLENS_MIRRORS ?? '/work/.mirror';
const work = process.env.LEAKLENS_RECALL_DIR ?? '/tmp/leaklens-recall';
// --set NAME: only the labels of that set (`first` for those with none), e.g. a set just mined.
const setArg = process.argv.indexOf('--set');
const onlySet = setArg > 0 ? process.argv[setArg + 1] : undefined;
const allLabels = ['labels-cpp.jsonl', 'labels-python.jsonl'].flatMap((f) =>
  existsSync(join(here, f))
    ? readFileSync(join(here, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [],
);
const labels = allLabels.filter((l) => !onlySet || (l.set ?? 'first') === onlySet);
const RULES = {
  'c-resource': ['raw-c-resource'],
  'cpp-new': ['raw-c-resource'],
  'py-resource': ['resource-without-context'],
  'unbounded-cache': ['unbounded-cache'],
  'unbounded-container': ['growing-global', 'unbounded-queue', 'unbounded-cache'],
};

function show(gitDir, rev, path) {
  return execFileSync('git', ['--git-dir', gitDir, 'show', `${rev}:${path}`], { maxBuffer: 1 << 28 });
}
// --config FILE: score with that configuration (e.g. one that turns an opt-in option on).
const configArg = process.argv.indexOf('--config');
const configFlags = configArg > 0 ? ['--config', process.argv[configArg + 1]] : [];
// --opt-in: every rule, the opt-in ones too (--select every rule).
if (process.argv.includes('--opt-in')) {
  const out = execFileSync(process.execPath, [join(root, 'bin', 'leaklens.js'), 'rule', '--all', '--format', 'json']);
  configFlags.push(
    '--select',
    JSON.parse(out.toString())
      .map((r) => r.id)
      .join(','),
  );
}
function check(file) {
  const r = spawnSync(
    process.execPath,
    [join(root, 'bin', 'leaklens.js'), 'check', file, '--format', 'json', ...configFlags],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    },
  );
  return JSON.parse(r.stdout).findings;
}
const C_FILE = /\.(c|h|cc|cpp|cxx|hpp|hh|hxx)$/i;
/** `path` checked from within the project's C and C++ sources at `rev`, extracted under `tree`. */
function checkInProject(gitDir, rev, tree, path) {
  execFileSync('rm', ['-rf', tree]);
  mkdirSync(join(tree, '.git'), { recursive: true });
  execFileSync('sh', [
    '-c',
    `git --git-dir "$0" archive "$1" 2>/dev/null | tar -x -C "$2" --wildcards --no-anchored '*.c' '*.h' '*.cc' '*.cpp' '*.cxx' '*.hpp' '*.hh' '*.hxx' 2>/dev/null || true`,
    gitDir,
    rev,
    tree,
  ]);
  const file = join(tree, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, show(gitDir, rev, path));
  const r = spawnSync(
    process.execPath,
    [join(root, 'bin', 'leaklens.js'), 'check', path, '--format', 'json', ...configFlags],
    {
      cwd: tree,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    },
  );
  const findings = JSON.parse(r.stdout).findings;
  execFileSync('rm', ['-rf', tree]);
  return findings;
}
const rows = [];
for (const [i, l] of labels.entries()) {
  const gitDir = join(mirrors, l.repo.replace('/', '+'), 'repo');
  if (!existsSync(gitDir)) {
    rows.push({ ...l, status: 'no mirror' });
    continue;
  }
  const dir = join(work, String(i));
  // The file keeps its path in the project: where code lives (tests, build scripts) is part of
  // what a finding means, as it is when a user checks the project.
  const before = join(dir, 'before', l.path);
  const after = join(dir, 'after', l.path);
  mkdirSync(dirname(before), { recursive: true });
  mkdirSync(dirname(after), { recursive: true });
  try {
    writeFileSync(before, show(gitDir, `${l.fix}^`, l.path));
    writeFileSync(after, show(gitDir, l.fix, l.path));
  } catch {
    rows.push({ ...l, status: 'missing in mirror' });
    continue;
  }
  const rules = RULES[l.category] ?? [];
  const near = (f) => rules.includes(f.ruleId) && Math.abs(f.line - l.line) <= 3;
  let b = check(before).filter(near);
  // On the fixed file the acquisition may have moved: any finding of the rule within 15 lines.
  const nearAfter = (f) => rules.includes(f.ruleId) && Math.abs(f.line - l.line) <= 15;
  let a = check(after).filter(nearAfter);
  // A C or C++ finding may depend on the project's other files (who calls the function): checked
  // alone the file knows none, so a finding is checked again inside its project's sources at that
  // commit, as `leaklens check` in the project would see it. (Other files only ever remove findings.)
  if (C_FILE.test(l.path)) {
    if (b.length) b = checkInProject(gitDir, `${l.fix}^`, join(dir, 'before-project'), l.path).filter(near);
    if (a.length) a = checkInProject(gitDir, l.fix, join(dir, 'after-project'), l.path).filter(nearAfter);
  }
  rows.push({ ...l, status: b.length ? 'found' : 'missed', leftAfterFix: a.length, foundBy: b.map((f) => f.message) });
}
const scored = rows.filter((r) => r.status === 'found' || r.status === 'missed');
const by = (key) => {
  const m = new Map();
  for (const r of scored) {
    const k = r[key];
    if (!m.has(k)) m.set(k, { found: 0, total: 0 });
    m.get(k).total++;
    if (r.status === 'found') m.get(k).found++;
  }
  return m;
};
// --json: one line per label with its status and the messages of the findings that found it.
if (process.argv.includes('--json')) {
  for (const r of rows) console.log(JSON.stringify(r));
  process.exit(0);
}
if (process.argv.includes('--list'))
  for (const r of rows)
    console.log(
      `${r.status.padEnd(8)} ${r.leftAfterFix ? 'LEFT ' : '     '}${r.repo} ${r.path}:${r.line} ${r.category} ${r.shape}`,
    );
console.log('category               found / labels');
for (const [k, v] of by('category')) console.log(`${k.padEnd(22)} ${v.found} / ${v.total}`);
// Each set of labels was mined before any tuning on it: its first score is recall on unseen leaks.
console.log('\nset                    found / labels');
for (const [k, v] of by('set')) console.log(`${(k ?? 'first').padEnd(22)} ${v.found} / ${v.total}`);
const found = scored.filter((r) => r.status === 'found').length;
console.log(`\nrecall: ${found} / ${scored.length} = ${((found / Math.max(1, scored.length)) * 100).toFixed(1)} %`);
console.log(`findings left near the site on the fixed version: ${scored.filter((r) => r.leftAfterFix).length}`);
const skipped = rows.length - scored.length;
if (skipped) console.log(`skipped (no mirror): ${skipped}`);
