#!/usr/bin/env node
// Real-world precision benchmark: extracts each project of projects.json at its pinned commit from
// the fetch mirrors (/work/.mirror/OWNER+NAME/repo, or $LEAKLENS_MIRRORS), runs `leaklens check`
// on it, and scores the findings against judgments.jsonl (repo, path, line, rule, verdict, reason).
// Fetched code is never committed: only this script, the project list and the judgments are.
//
//   node bench/realworld/run.mjs            run + score (projects whose mirror is missing are skipped)
//   node bench/realworld/run.mjs --unjudged print findings with no judgment yet (JSON lines)
//   node bench/realworld/run.mjs --false    print the findings judged false (--true: true, --judged: both), with the judgment
//   node bench/realworld/run.mjs --group G  only the projects of group G (combines with the flags above)
//   node bench/realworld/run.mjs --opt-in   with the opt-in rules on too (--select every rule)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const mirrors = process.env.LEAKLENS_MIRRORS ?? '/work/.mirror';
const work = process.env.LEAKLENS_REALWORLD_DIR ?? '/tmp/leaklens-realworld';
const projects = JSON.parse(readFileSync(join(here, 'projects.json'), 'utf8'));
const judgments = existsSync(join(here, 'judgments.jsonl'))
  ? readFileSync(join(here, 'judgments.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
const key = (repo, path, line, rule) => `${repo}|${path}|${line}|${rule}`;
const judged = new Map(judgments.map((j) => [key(j.repo, j.path, j.line, j.rule), j]));
const unjudgedOnly = process.argv.includes('--unjudged');
const falseOnly = process.argv.includes('--false');
const trueOnly = process.argv.includes('--true');
const judgedOnly = process.argv.includes('--judged');
// --group NAME: only that group's projects (a new group is judged before any tuning on it).
const groupArg = process.argv.indexOf('--group');
const onlyGroup = groupArg > 0 ? process.argv[groupArg + 1] : undefined;
// --opt-in: every rule, the opt-in ones too, as a project that turns them on sees them.
const selectFlags = process.argv.includes('--opt-in') ? ['--select', allRuleIds().join(',')] : [];

function allRuleIds() {
  const out = execFileSync(process.execPath, [join(root, 'bin', 'leaklens.js'), 'rule', '--all', '--format', 'json']);
  return JSON.parse(out.toString()).map((r) => r.id);
}

function extract(p) {
  const dir = join(work, p.repo.replace('/', '+'));
  const stamp = join(dir, '.leaklens-commit');
  const gitDir = join(mirrors, p.repo.replace('/', '+'), 'repo');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === p.commit) {
    if (existsSync(gitDir)) addScripts(gitDir, p.commit, dir);
    return dir;
  }
  if (!existsSync(gitDir)) return undefined;
  execFileSync('rm', ['-rf', dir]);
  mkdirSync(dir, { recursive: true });
  // Sources only (and .gitignore files, which the walk honours), read blob by blob rather than through
  // `git archive`: snapshots lack some blobs (doxygen's vendored sqlite3.c, hashcat's test vectors),
  // which fail a whole archive, and a project's export-ignore attributes (strace) would empty it.
  writeBlobs(
    gitDir,
    treeEntries(gitDir, p.commit).filter((e) => /\.(c|h|cc|cpp|cxx|hpp|hh|py)$|(^|\/)\.gitignore$/.test(e.path)),
    dir,
  );
  writeFileSync(stamp, p.commit);
  addScripts(gitDir, p.commit, dir);
  return dir;
}

/** The regular files of a commit's tree: { hash, size, path }. */
function treeEntries(gitDir, commit) {
  return execFileSync('git', ['--git-dir', gitDir, 'ls-tree', '-r', '-l', commit], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  })
    .split('\n')
    .map((l) => /^100\d+ blob (\w+)\s+(\d+)\t(.*)$/.exec(l))
    .filter(Boolean)
    .map((m) => ({ hash: m[1], size: Number(m[2]), path: m[3] }));
}

/** Writes the entries' blobs under dir (those the snapshot lacks are left out); returns the paths written. */
function writeBlobs(gitDir, entries, dir, keep = () => true) {
  const written = [];
  for (let i = 0; i < entries.length; i += 500) {
    const batch = entries.slice(i, i + 500);
    const out = spawnSync('git', ['--git-dir', gitDir, 'cat-file', '--batch'], {
      input: batch.map((e) => e.hash).join('\n') + '\n',
      maxBuffer: 1 << 30,
    }).stdout;
    let at = 0;
    for (const e of batch) {
      const eol = out.indexOf(10, at);
      const header = out.subarray(at, eol).toString();
      if (/ missing$/.test(header)) {
        at = eol + 1;
        continue;
      }
      const size = Number(header.split(' ')[2]);
      const body = out.subarray(eol + 1, eol + 1 + size);
      at = eol + 1 + size + 1;
      if (!keep(body)) continue;
      mkdirSync(dirname(join(dir, e.path)), { recursive: true });
      writeFileSync(join(dir, e.path), body);
      written.push(e.path);
    }
  }
  return written;
}

/**
 * Python programs without an extension (`s3cmd`, `bin/serve`), which `leaklens check` reads by their
 * `#!` line: extracted beside the sources, once per tree.
 */
function addScripts(gitDir, commit, dir) {
  const marker = join(dir, '.leaklens-scripts');
  if (existsSync(marker)) return;
  const candidates = treeEntries(gitDir, commit).filter((e) => e.size < 1 << 20 && !/(^|\/)\.|\.[^/]*$/.test(e.path));
  const pythonShebang = (body) => /^#![^\n]*\bpython[\d.]*\b/.test(body.subarray(0, 128).toString('latin1'));
  writeFileSync(marker, writeBlobs(gitDir, candidates, dir, pythonShebang).join('\n'));
}

function countLines(dir) {
  const out = spawnSync(
    'sh',
    [
      '-c',
      `find . -type f \\( -name '*.c' -o -name '*.h' -o -name '*.cc' -o -name '*.cpp' -o -name '*.cxx' -o -name '*.hpp' -o -name '*.hh' -o -name '*.py' \\) -print0 | xargs -0 cat | wc -l`,
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  return Number(out.stdout.trim()) || 0;
}

// Projects come in groups, each added after the rules were tuned on the ones before: the precision
// of a group measured before any tuning on it is the honest estimate of what a new project sees
// (the README records it). Groups are scored apart and together.
const rows = [];
const tally = new Map(); // rule|lang -> {true, false, unjudged}
const groups = {};
const unjudged = [];
const falseFindings = [];
const trueFindings = [];
for (const p of projects) {
  if (onlyGroup && p.group !== onlyGroup) continue;
  const dir = extract(p);
  if (!dir) {
    rows.push({ repo: p.repo, skipped: 'no mirror' });
    continue;
  }
  const res = spawnSync(
    process.execPath,
    [join(root, 'bin', 'leaklens.js'), 'check', '.', '--format', 'json', ...selectFlags],
    {
      cwd: dir,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    },
  );
  let out;
  try {
    out = JSON.parse(res.stdout);
  } catch {
    out = JSON.parse(
      spawnSync(
        process.execPath,
        [join(root, 'bin', 'leaklens.js'), 'check', '.', '--format', 'json', ...selectFlags],
        {
          cwd: dir,
          encoding: 'utf8',
          maxBuffer: 1 << 28,
        },
      ).stdout,
    );
  }
  const lines = countLines(dir);
  const counts = { true: 0, false: 0, unjudged: 0 };
  for (const f of out.findings) {
    const path = f.file.replace(/^\.\//, '');
    const lang = /\.py$|(^|\/)[^/.]+$/.test(path) ? 'python' : /\.c$/.test(path) ? 'c' : 'cpp';
    const j = judged.get(key(p.repo, path, f.line, f.ruleId));
    const t = `${f.ruleId}|${lang}`;
    if (!tally.has(t)) tally.set(t, { true: 0, false: 0, unjudged: 0, total: 0 });
    const tt = tally.get(t);
    tt.total++;
    if (!j) {
      tt.unjudged++;
      counts.unjudged++;
      unjudged.push({ repo: p.repo, commit: p.commit, path, line: f.line, rule: f.ruleId, message: f.message });
    } else {
      const g = (groups[p.group] ??= { t: 0, f: 0 });
      if (j.verdict === 'true') {
        tt.true++;
        counts.true++;
        g.t++;
        trueFindings.push({ ...j, message: f.message });
      } else {
        tt.false++;
        counts.false++;
        falseFindings.push({ ...j, message: f.message });
        g.f++;
      }
    }
  }
  rows.push({
    repo: `${p.repo} (${p.group})`,
    lines,
    findings: out.findings.length,
    per10k: ((out.findings.length / lines) * 1e4).toFixed(2),
    ...counts,
  });
}
if (falseOnly || trueOnly || judgedOnly) {
  const picked = judgedOnly ? [...trueFindings, ...falseFindings] : falseOnly ? falseFindings : trueFindings;
  for (const f of picked) console.log(JSON.stringify(f));
  process.exit(0);
}
if (unjudgedOnly) {
  for (const u of unjudged) console.log(JSON.stringify(u));
  process.exit(0);
}
console.log('project (group)                      lines  findings  /10k  true false unjudged');
for (const r of rows) {
  if (r.skipped) {
    console.log(`${r.repo.padEnd(26)} skipped: ${r.skipped}`);
    continue;
  }
  console.log(
    `${r.repo.padEnd(35)} ${String(r.lines).padStart(7)} ${String(r.findings).padStart(8)} ${r.per10k.padStart(6)} ${String(r.true).padStart(5)} ${String(r.false).padStart(5)} ${String(r.unjudged).padStart(8)}`,
  );
}
console.log('\nrule|language                     total true false unjudged precision(judged)');
let T = 0,
  F = 0;
for (const [t, v] of [...tally].sort()) {
  T += v.true;
  F += v.false;
  const prec = v.true + v.false ? `${((v.true / (v.true + v.false)) * 100).toFixed(0)} %` : '-';
  console.log(
    `${t.padEnd(33)} ${String(v.total).padStart(5)} ${String(v.true).padStart(4)} ${String(v.false).padStart(5)} ${String(v.unjudged).padStart(8)} ${prec.padStart(8)}`,
  );
}
console.log(
  `\noverall precision (judged): ${T + F ? ((T / (T + F)) * 100).toFixed(1) : '-'} % (${T} true of ${T + F})`,
);
for (const [name, g] of Object.entries(groups)) {
  console.log(
    `  group ${name.padEnd(7)}: ${g.t + g.f ? ((g.t / (g.t + g.f)) * 100).toFixed(1) : '-'} % (${g.t} of ${g.t + g.f})`,
  );
}
