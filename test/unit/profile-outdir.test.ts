// `.leaklens-profile/` carries its own `.gitignore` when the profiler creates it: checked with git
// itself on a real profile run, and on the folder shapes the CLI, the editor and the debug hook use.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { profileCommand } from '../../src/cli/profile';
import { makeReportDir } from '../../src/profile/outdir';
import { tempDir } from './profile-helpers';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });

describe('.leaklens-profile/.gitignore', () => {
  it('a real `leaklens profile` run in a git repository leaves `git status` clean', async () => {
    const repo = tempDir('leaklens-outdir-');
    git(repo, 'init', '-q');
    writeFileSync(join(repo, 'tracked.txt'), 'x\n');
    git(repo, 'add', 'tracked.txt');
    git(repo, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'init');
    const out = join(repo, '.leaklens-profile');
    let text = '';
    const code = await profileCommand(
      ['--quiet', '--mode', 'rss', '--interval', '50', '--out', out, '--', 'sleep', '0.5'],
      (s) => (text += s),
      () => undefined,
    );
    assert.ok([0, 3].includes(code), `exit ${code}\n${text}`);
    assert.ok(existsSync(join(out, 'report.json')));
    assert.equal(readFileSync(join(out, '.gitignore'), 'utf8'), '*\n');
    assert.equal(git(repo, 'status', '--porcelain', '--untracked-files=all'), '');
    assert.match(
      git(repo, 'check-ignore', '-v', '.leaklens-profile/report.json'),
      /\.leaklens-profile\/\.gitignore:1:\*/,
    );
  });

  it('the editor’s and debug hook’s shape: .leaklens-profile/<run>/ — the ignore file goes in .leaklens-profile', () => {
    const ws = tempDir('leaklens-outdir-');
    const run = join(ws, '.leaklens-profile', '2025-01-01T00-00-00-app.py');
    makeReportDir(run);
    assert.equal(readFileSync(join(ws, '.leaklens-profile', '.gitignore'), 'utf8'), '*\n');
    assert.equal(existsSync(join(run, '.gitignore')), false);
    // A second run in the same folder does not create it again (nor fail).
    makeReportDir(join(ws, '.leaklens-profile', 'second'));
    assert.ok(existsSync(join(ws, '.leaklens-profile', 'second')));
  });

  it('a .leaklens-profile the user already has is left as it is', () => {
    const ws = tempDir('leaklens-outdir-');
    mkdirSync(join(ws, '.leaklens-profile'));
    makeReportDir(join(ws, '.leaklens-profile', 'run'));
    assert.equal(existsSync(join(ws, '.leaklens-profile', '.gitignore')), false);
  });

  it('a report folder of another name (--out reports/mem) gets no ignore file', () => {
    const ws = tempDir('leaklens-outdir-');
    makeReportDir(join(ws, 'reports', 'mem'));
    assert.ok(existsSync(join(ws, 'reports', 'mem')));
    assert.equal(existsSync(join(ws, 'reports', '.gitignore')), false);
    assert.equal(existsSync(join(ws, 'reports', 'mem', '.gitignore')), false);
  });
});
