// Bad input and faults: missing command or PID, a target that exits at once or crashes, cancel,
// the duration ending, Ctrl-C of the CLI, attaching, many allocation sites. Every case must
// leave complete, parseable files and no orphan process.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { profileCommand } from '../../src/cli/profile';
import { CSV_HEADER, ProfileError, ProfileSession, readReport, readTimeline, type Report } from '../../src/profile';
import { isAlive } from '../../src/profile/proctree';
import { describeTop, fixture, profile, tempDir } from './profile-helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function filesAreComplete(outDir: string): Promise<Report> {
  const report = readReport(join(outDir, 'report.json'));
  const csv = readFileSync(join(outDir, 'timeline.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], CSV_HEADER);
  const samples = await readTimeline(join(outDir, 'timeline.jsonl'));
  assert.equal(
    csv.length - 1,
    samples.reduce((a, s) => a + s.processes.length, 0),
  );
  return report;
}

/** The fixture's `workers PID PID` line, once whole (the wait below polls for the complete line). */
const WORKERS_LINE = /^workers ([\d ]+)\n/m;

function workerPids(outDir: string): number[] {
  const log = readFileSync(join(outDir, 'target.log'), 'utf8');
  const m = WORKERS_LINE.exec(log);
  assert.ok(m, `the fixture printed its workers; target.log: ${JSON.stringify(log.slice(0, 2000))}`);
  return m[1].trim().split(' ').map(Number);
}

async function noneAlive(pids: number[]): Promise<void> {
  for (let i = 0; i < 20 && pids.some(isAlive); i++) await sleep(100);
  assert.deepEqual(pids.filter(isAlive), [], 'orphan processes left behind');
}

function quietCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  return profileCommand(
    argv,
    (s) => (out += s),
    (s) => (err += s),
  ).then((code) => ({ code, out, err }));
}

const ROOT_DIR = join(__dirname, '..', '..', '..');

describe('profile faults', () => {
  it('a command that does not exist: usage error with a clear message', async () => {
    const s = new ProfileSession({ command: ['no-such-command-leaklens'], outDir: tempDir() });
    await assert.rejects(
      s.start(),
      (e: Error) => e instanceof ProfileError && /command not found: no-such-command-leaklens/.test(e.message),
    );
    const r = await quietCli(['--out', tempDir(), '--', 'no-such-command-leaklens']);
    assert.equal(r.code, 2);
    assert.match(r.err, /command not found/);
  });

  it('a PID that does not exist: usage error', async () => {
    const r = await quietCli(['--pid', '999999999']);
    assert.equal(r.code, 2);
    assert.match(r.err, /no process with PID 999999999/);
  });

  it('a PID that is not ours: usage error', () => {
    // As root every process is ours: run the CLI as `nobody` (uid 65534) against PID 1 (root's).
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT_DIR, 'bin', 'leaklens.js'),
        'profile',
        '--pid',
        '1',
        '--out',
        join(tmpdir(), `leaklens-nobody-${process.pid}`),
      ],
      { cwd: tmpdir(), encoding: 'utf8', ...asNobody },
    );
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /belongs to another user/);
  });

  it('bad options are usage errors', async () => {
    assert.equal((await quietCli([])).code, 2);
    assert.equal((await quietCli(['--mode', 'gpu', '--', 'true'])).code, 2);
    assert.equal((await quietCli(['--interval', 'fast', '--', 'true'])).code, 2);
    assert.equal((await quietCli(['--pid', '1', '--', 'true'])).code, 2);
  });

  it('a target that exits at once: inconclusive, files complete', async () => {
    const out = tempDir();
    const r = await quietCli(['--out', out, '--format', 'json', '--', 'true']);
    assert.equal(r.code, 3);
    const printed = JSON.parse(r.out) as Report;
    assert.equal(printed.verdict, 'inconclusive');
    const report = await filesAreComplete(out);
    assert.deepEqual(report, printed);
    assert.ok(
      report.notes.some((n) => /exited with code 0/.test(n)),
      report.notes.join('\n'),
    );
  });

  it('a target that crashes: the signal is reported, files complete', async () => {
    const { report, session } = await profile({ command: ['sh', '-c', 'sleep 0.5; kill -SEGV $$'] });
    assert.ok(
      report.notes.some((n) => /signal SIGSEGV/.test(n)),
      report.notes.join('\n'),
    );
    await filesAreComplete(session.outDir);
  });

  it('the duration ends: the whole tree is killed, the report kept', async () => {
    const { report, session } = await profile({
      command: ['python3', fixture('py_tree.py')],
      mode: 'rss',
      durationS: 2.5,
    });
    const out = session.outDir;
    await noneAlive(workerPids(out));
    assert.ok(report.processes.length >= 3, describeTop(report));
    assert.equal(report.verdict, 'leak', describeTop(report));
    await filesAreComplete(out);
  });

  it('cancel: stop() kills the tree and keeps the report', async () => {
    const s = new ProfileSession({
      command: ['python3', fixture('py_tree.py')],
      mode: 'rss',
      intervalMs: 100,
      outDir: tempDir(),
    });
    await s.start();
    await sleep(1500);
    const report = await s.stop();
    assert.ok(report.notes.some((n) => /Cancelled/.test(n)));
    await noneAlive(workerPids(s.outDir));
    await filesAreComplete(s.outDir);
  });

  it('Ctrl-C of the CLI: the tree is killed, the report written, exit code from the verdict', async () => {
    const out = tempDir();
    const script = `require(${JSON.stringify(join(__dirname, '..', '..', 'src', 'cli', 'profile.js'))}).profileCommand(process.argv.slice(1)).then((c) => { process.exitCode = c; });`;
    const cli = spawn(
      process.execPath,
      ['-e', script, '--', '--quiet', '--out', out, '--mode', 'rss', '--', 'python3', fixture('py_tree.py')],
      { stdio: 'pipe' },
    );
    let text = '';
    cli.stdout.on('data', (d: Buffer) => (text += d.toString()));
    await sleep(2500);
    cli.kill('SIGINT');
    const code = await new Promise<number | null>((r) => cli.on('exit', (c) => r(c)));
    assert.equal(code, 1, text);
    assert.match(text, /LEAK/);
    assert.match(text, /Before +After +Delta +Peak/);
    await noneAlive(workerPids(out));
    await filesAreComplete(out);
  });

  it("LeakLens itself SIGKILLed: the target's whole tree dies with it; the timeline is valid to its last line", async () => {
    const out = tempDir();
    const script = `require(${JSON.stringify(join(__dirname, '..', '..', 'src', 'cli', 'profile.js'))}).profileCommand(process.argv.slice(1)).then((c) => { process.exitCode = c; });`;
    const cli = spawn(
      process.execPath,
      ['-e', script, '--', '--quiet', '--out', out, '--mode', 'rss', '--', 'python3', fixture('py_tree.py')],
      { stdio: 'ignore' },
    );
    const timeline = join(out, 'timeline.jsonl');
    for (
      let i = 0;
      i < 100 &&
      !(existsSync(join(out, 'target.log')) && WORKERS_LINE.test(readFileSync(join(out, 'target.log'), 'utf8')));
      i++
    )
      await sleep(100);
    const workers = workerPids(out);
    const root = (JSON.parse(readFileSync(timeline, 'utf8').split('\n')[0]) as { processes: Array<{ pid: number }> })
      .processes[0].pid;
    assert.ok([root, ...workers].every(isAlive), 'the tree runs');
    cli.kill('SIGKILL'); // no handler, no cleanup: only the sentinel can stop the tree now
    await new Promise((r) => cli.on('exit', r));
    await noneAlive([root, ...workers]);
    const lines = readFileSync(timeline, 'utf8').split('\n');
    assert.equal(lines.pop(), '', 'the file ends with a complete line');
    assert.ok(lines.length >= 1);
    for (const l of lines) JSON.parse(l);
  });

  it('a report folder that cannot be written: a clear usage error before anything runs', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'blocker'), 'a file where the folder should go');
    const marker = `leaklens-never-started-${process.pid}`;
    const r = await quietCli([
      '--out',
      join(dir, 'blocker', 'out'),
      '--',
      'python3',
      '-c',
      `import time; time.sleep(5) # ${marker}`,
    ]);
    assert.equal(r.code, 2);
    assert.match(
      r.err,
      /cannot write the report folder .*blocker\/out: ENOTDIR: a file is in the way of a folder on that path/,
    );
    assert.equal(spawnSync('pgrep', ['-f', marker]).status, 1, 'the target was never started');
  });

  it('the report folder fills up during the run: the timeline moves to a temp folder, the report is still written', async (t) => {
    const mnt = tempDir('leaklens-tinyfs-');
    // A real full file system: a 64 KiB tmpfs, filled up but for a few samples' worth.
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]).status !== 0) {
      t.skip('cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)');
      return;
    }
    try {
      writeFileSync(join(mnt, 'filler'), Buffer.alloc(60 * 1024));
      const { report, session } = await profile({
        command: [
          'python3',
          '-c',
          'import time\nx=[]\nfor i in range(40):\n    x.append(bytearray(500000)); time.sleep(0.05)',
        ],
        mode: 'rss',
        intervalMs: 50,
        outDir: join(mnt, 'out'),
      });
      const moved = report.notes.find((n) =>
        /Could not write .*timeline\.jsonl \(ENOSPC: no space left on the device\); the timeline continues in /.test(n),
      );
      assert.ok(moved, report.notes.join('\n'));
      assert.ok(!session.files.timelineJsonl.startsWith(mnt), 'the timeline went to the temp folder');
      const lines = readFileSync(session.files.timelineJsonl, 'utf8').trim().split('\n');
      assert.ok(lines.length >= 10, `${lines.length} samples kept`);
      for (const l of lines) JSON.parse(l);
      assert.ok(existsSync(session.files.report), 'the report was written somewhere');
      assert.equal(readReport(session.files.report).verdict, report.verdict);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });

  it('a target that forks 200 children: every one is sampled, the cost per sample is printed', async () => {
    const { TreeSampler } = await import('../../src/profile/sampler');
    const forker = spawn(
      'python3',
      [
        '-c',
        'import os, time\nfor i in range(200):\n    if os.fork() == 0:\n        time.sleep(30); os._exit(0)\nprint("forked", flush=True)\ntime.sleep(30)',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'], detached: true },
    );
    try {
      await new Promise((r) => forker.stdout!.once('data', r));
      const sampler = new TreeSampler(forker.pid!, 200);
      const t0 = performance.now();
      let seen = 0;
      const rounds = 10;
      for (let i = 0; i < rounds; i++) seen = (await sampler.sample()).length;
      const msPerSample = (performance.now() - t0) / rounds;
      sampler.dispose();
      assert.equal(seen, 201, 'the root and its 200 children');
      // A figure for the README, not a pass/fail threshold (machines differ).
      console.log(
        `# sampling 201 processes: ${msPerSample.toFixed(1)} ms per sample (${((msPerSample * 1000) / 201).toFixed(0)} µs per process)`,
      );
    } finally {
      process.kill(-forker.pid!, 'SIGKILL');
    }
  });

  it('the /proc sampler reads what pidusage reads: RSS equal, CPU what the kernel counted', async () => {
    const { TreeSampler } = await import('../../src/profile/sampler');
    const pidusage = (await import('pidusage')).default;
    const busy = spawn('python3', ['-c', 'x = bytearray(30_000_000)\nwhile True: pass'], { stdio: 'ignore' });
    // The busy loop's share of a CPU depends on what else the machine runs: the sampler's figure is
    // checked against the kernel's own tick count over the same window, not against 100 %.
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const ticks = () => {
      const fields = readFileSync(`/proc/${busy.pid}/stat`, 'utf8')
        .replace(/^.*\) /, '')
        .split(' ');
      return Number(fields[11]) + Number(fields[12]); // utime + stime
    };
    try {
      // Started: the 30 MB are resident (a loaded machine can take seconds to get there).
      const rss = () =>
        Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${busy.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
      for (let waited = 0; rss() <= 30_000_000 && waited < 20_000; waited += 100) await sleep(100);
      const sampler = new TreeSampler(busy.pid!, 200);
      const [t0, w0] = [ticks(), performance.now()];
      await sampler.sample();
      await sleep(500);
      const [mine] = await sampler.sample();
      const [t1, w1] = [ticks(), performance.now()];
      const theirs = await pidusage(busy.pid!);
      sampler.dispose();
      assert.ok(Math.abs(mine.rssBytes - theirs.memory) <= 1024 * 1024, `${mine.rssBytes} vs ${theirs.memory}`);
      assert.ok(mine.rssBytes > 30_000_000);
      const kernel = ((t1 - t0) / hz / ((w1 - w0) / 1000)) * 100;
      assert.ok(
        mine.cpuPercent > 0 && Math.abs(mine.cpuPercent - kernel) <= 15 + 0.2 * kernel,
        `busy loop: ${mine.cpuPercent} %, the kernel counted ${kernel.toFixed(1)} %`,
      );
    } finally {
      busy.kill('SIGKILL');
    }
  });

  it('attach to a running PID: RSS timeline, the process is left running', async () => {
    const target = spawn(
      'python3',
      ['-c', 'import time\nx=[]\nwhile True:\n    x.append(bytearray(300000)); time.sleep(0.01)'],
      { stdio: 'ignore' },
    );
    try {
      const { report } = await profile({ pid: target.pid, durationS: 2.5, mode: 'python' });
      assert.equal(report.verdict, 'leak', describeTop(report));
      assert.ok(report.notes.some((n) => /RSS timeline only/.test(n)));
      assert.ok(isAlive(target.pid!), 'the attached process must not be killed');
    } finally {
      target.kill('SIGKILL');
    }
  });

  it('a huge number of allocation sites: the report stays bounded and parseable', async () => {
    const dir = tempDir();
    const body = Array.from({ length: 600 }, (_, k) => `    keep.append(bytearray(${1000 + k}))`).join('\n');
    const file = join(dir, 'many_sites.py');
    writeFileSync(
      file,
      `import time\nkeep = []\nend = time.time() + 2.5\nwhile time.time() < end:\n${body}\n    time.sleep(0.02)\n`,
    );
    const { report, session } = await profile({ command: ['python3', file], exact: true, pythonPeriodS: 0.5 });
    assert.ok(report.lines.length > 100 && report.lines.length <= 200, String(report.lines.length));
    assert.ok(report.lines.every((l) => l.file === file));
    await filesAreComplete(session.outDir);
    assert.ok(existsSync(session.files.timelineCsv));
  });
});
