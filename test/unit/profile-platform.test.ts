// Off Linux: the process listings of macOS (`ps`) and Windows (PowerShell CSV, wmic CSV) parsed from
// recorded-style outputs (test/fixtures/proclist), the tree and names read from them the same way on
// every platform, the real /proc and `ps` listings of a real process tree, native mode refused
// off Linux with the modes that do work there, and the Windows rules of PATH lookup and the default
// interpreter, run here with the platform and environment given.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { profileCommand } from '../../src/cli/profile';
import { findHeaptrack, nativeModeUnsupported } from '../../src/profile/heaptrack';
import { processName, splitPsCommand, splitWindowsCommand } from '../../src/profile/platform/naming';
import { parsePs } from '../../src/profile/platform/ps';
import { treeOf, type ProcRecord } from '../../src/profile/platform/records';
import { csvRows, parsePowerShellCsv, parseWmicCsv } from '../../src/profile/platform/windows';
import { commandName, isAlive, killTree, processTree, ProcScanner, type ProcStat } from '../../src/profile/proctree';
import { interpreterCommand, parsePythonCommand } from '../../src/profile/python';
import { defaultPython, resolveTarget } from '../../src/profile/resolve';
import { TARGET_SPAWN } from '../../src/profile/session';
import { which } from '../../src/profile/which';
import { tempDir } from './profile-helpers';

/** out/test/unit → test/fixtures/proclist (the sources, not compiled). */
const PROCLIST = resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'proclist');
const recorded = (name: string) => readFileSync(join(PROCLIST, name), 'utf8');

const byPid = (records: readonly ProcRecord[]) => new Map(records.map((r) => [r.pid, r]));
const pids = (records: readonly { pid: number }[]) => records.map((r) => r.pid);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('macOS: ps -A -ww -o pid=,ppid=,rss=,stat=,command=', () => {
  const records = parsePs(recorded('macos-ps.txt'));
  const rec = byPid(records);

  it('reads every complete line: the header and the cut last line are skipped', () => {
    assert.equal(records.length, 13);
    assert.ok(!rec.has(4512), 'the last line has no newline: cut, dropped');
    assert.ok(records.every((r) => Number.isInteger(r.pid) && Number.isInteger(r.ppid)));
  });

  it('children of the root at any depth, root first; a zombie is listed with its state', () => {
    const tree = treeOf(records, 4242);
    assert.deepEqual(pids(tree), [4242, 4250, 4251, 4270, 4260]);
    assert.equal(rec.get(4270)?.state, 'Z');
    assert.equal(rec.get(4242)?.state, 'S');
  });

  it('RSS in bytes (ps prints KiB)', () => {
    assert.equal(rec.get(4242)?.rssBytes, 40960 * 1024);
    assert.equal(rec.get(4270)?.rssBytes, 0);
  });

  it('names: the script behind Python.app, paths with spaces, bundles, the runner, -m, -c', () => {
    const names = Object.fromEntries(records.map((r) => [r.pid, r.name]));
    assert.equal(names[4242], 'app.py'); // …/Python.app/Contents/MacOS/Python /Users/dev/My Projects/leak demo/app.py
    assert.equal(names[4251], 'worker.py'); // -B -X dev before the script
    assert.equal(names[4250], 'Python'); // -c: no script, the interpreter
    assert.equal(names[4300], 'server.py'); // LeakLens's runner is looked through
    assert.equal(names[4400], 'http.server'); // python3 -m http.server
    assert.equal(names[4260], 'sleep');
    assert.equal(names[801], 'Electron'); // /Applications/Visual Studio Code.app/Contents/MacOS/Electron
    assert.equal(names[815], 'Code Helper (Renderer)');
    assert.equal(names[920], '-zsh');
    assert.match(rec.get(4242)!.command!, /leak demo\/app\.py --port 8000$/);
  });

  it('a process whose parent is gone belongs to no tree but its own', () => {
    assert.ok(!rec.has(4599));
    assert.deepEqual(pids(treeOf(records, 4600)), [4600]);
    for (const r of records) if (r.pid !== 4600) assert.ok(!pids(treeOf(records, r.pid)).includes(4600));
    assert.deepEqual(treeOf(records, 99999), []);
  });
});

/** What both Windows listings must read from their recordings (the same processes). */
function checkWindows(records: ProcRecord[]): void {
  const rec = byPid(records);
  assert.equal(records.length, 14, 'the cut last record (pid 8170) is dropped');
  assert.ok(!rec.has(8170));
  // Children at any depth; OneDrive's ParentProcessId is 8100's pid, but it started the day before:
  // its parent was another process, dead since, whose pid was reused.
  assert.deepEqual(pids(treeOf(records, 8100)), [8100, 8124, 8120, 8130, 8140, 8150]);
  assert.equal(rec.get(5200)?.ppid, 8100);
  // Explorer's parent (userinit) is gone: it is still a root of its own tree.
  assert.deepEqual(pids(treeOf(records, 6900)), [6900, 7100, 8100, 8124, 8120, 8130, 8140, 8150]);
  assert.deepEqual(pids(treeOf(records, 9000)), [9000]);
  // pid 0 is its own parent: no endless loop.
  assert.deepEqual(pids(treeOf(records, 0)), [0, 4, 132, 1020]);

  const names = Object.fromEntries(records.map((r) => [r.pid, r.name]));
  assert.equal(names[8100], 'app.py'); // "C:\Program Files\Python312\python.exe" "C:\…\leak demo\app.py"
  assert.equal(names[8120], 'python.exe'); // multiprocessing's -c child
  assert.equal(names[8140], 'report worker.py'); // py -3.12 "tools\report worker.py"
  assert.equal(names[8150], 'report worker.py');
  assert.equal(names[9000], 'tray.pyw');
  assert.equal(names[8130], 'cmd.exe');
  assert.equal(names[8124], 'conhost.exe');
  assert.equal(names[0], 'System Idle Process'); // no command line: the listing's name
  assert.equal(names[1020], 'Memory Compression');

  assert.equal(rec.get(8100)?.rssBytes, 48234496);
  assert.equal(rec.get(0)?.rssBytes, 8192);
  assert.equal(rec.get(8130)?.command, 'C:\\WINDOWS\\system32\\cmd.exe /d /s /c "echo a,b & ping -n 30 127.0.0.1"');
  assert.equal(rec.get(8100)?.startMs, Date.UTC(2024, 2, 14, 9, 40, 0, 125));
  assert.equal(rec.get(4)?.command, undefined);
}

describe('Windows: PowerShell Get-CimInstance Win32_Process | ConvertTo-Csv', () => {
  const text = recorded('windows-powershell.csv');

  it('the recording has CRLF line endings, quoted fields and doubled quotes', () => {
    assert.match(text, /\r\n"7100"/);
    assert.match(text, /"""C:\\Program Files\\Python312\\python\.exe"" /);
  });

  it('tree, names, RSS bytes, creation times; the cut last record is dropped', () => {
    checkWindows(parsePowerShellCsv(text));
  });

  it('a #TYPE line (no -NoTypeInformation) and line breaks inside quotes', () => {
    const withType = '#TYPE Selected.Microsoft.Management.Infrastructure.CimInstance\r\n' + text;
    assert.equal(parsePowerShellCsv(withType).length, 14);
    const multi =
      '"ProcessId","ParentProcessId","WorkingSetSize","Name","CommandLine"\r\n' +
      '"10","1","4096","python.exe","python -c ""import time\r\ntime.sleep(9)"""\r\n';
    const [r] = parsePowerShellCsv(multi);
    assert.equal(r.command, 'python -c "import time\r\ntime.sleep(9)"');
    assert.equal(r.name, 'python.exe');
    assert.equal(r.startMs, undefined);
    assert.deepEqual(csvRows('a,"b,c"\r\n"d""e",\n"cut'), [
      ['a', 'b,c'],
      ['d"e', ''],
    ]);
  });
});

describe('Windows without PowerShell: wmic process get … /format:csv', () => {
  const text = recorded('windows-wmic.csv');

  it("the recording has wmic's blank first line and CR CR LF endings", () => {
    assert.ok(text.startsWith('\r\r\n'));
    assert.match(text, /WorkingSetSize\r\r\n/);
  });

  it('the same processes as PowerShell, though command lines hold unquoted commas', () => {
    const wmic = parseWmicCsv(text);
    checkWindows(wmic);
    assert.deepEqual(wmic, parsePowerShellCsv(recorded('windows-powershell.csv')));
  });
});

describe('process names from command lines', () => {
  const cases: [string[], string | undefined, string][] = [
    [['python', 'app.py'], undefined, 'app.py'],
    [['/usr/bin/python3.12', '-u', '-W', 'error', 'src/app.py', '--x'], undefined, 'app.py'],
    [['python3', '-Wignore', '-Xdev', 'app.py'], undefined, 'app.py'],
    [['python3', '-m', 'pkg.server', '--port', '1'], undefined, 'pkg.server'],
    [['python3', '-mpkg.server'], undefined, 'pkg.server'],
    [['python3', '-c', 'print(1)', 'x.py'], undefined, 'python3'],
    [['python3'], undefined, 'python3'],
    [['python3', '-'], undefined, 'python3'],
    [['python3', '/x/leaklens_runner.py', '--out', '/o', '--', '-m', 'svc.main'], undefined, 'svc.main'],
    [['C:\\Python312\\python.exe', 'C:\\work\\app.py'], 'python.exe', 'app.py'],
    [['C:\\Windows\\notepad.exe', 'a.py'], 'notepad.exe', 'notepad.exe'],
    [['node', 'server.js'], undefined, 'node'],
    [[], 'System', 'System'],
    // Wrappers a Python program starts under: a shell script, env, pyenv's shim and its `pyenv exec`.
    [['/bin/bash', './run.sh', '--fast'], undefined, 'run.sh'],
    [['bash', '-e', '-o', 'pipefail', 'run.sh'], undefined, 'run.sh'],
    [['sh', '-c', 'python3 app.py'], undefined, 'sh'],
    [['-zsh'], undefined, '-zsh'],
    [['/usr/bin/env', 'PYTHONUNBUFFERED=1', 'python3', '-u', 'app.py'], undefined, 'app.py'],
    [['/usr/bin/env', 'node', 'server.js'], undefined, 'node'],
    [['bash', '/home/u/.pyenv/shims/python3', 'app.py'], undefined, 'app.py'],
    [['bash', '/home/u/.pyenv/libexec/pyenv', 'exec', 'python3', 'app.py'], undefined, 'app.py'],
    [['bash', '/home/u/.pyenv/libexec/pyenv', 'exec', 'python3', '-c', 'x'], undefined, 'python3'],
    [['bash', '/home/u/.pyenv/libexec/pyenv-exec', 'python3', 'app.py'], undefined, 'app.py'],
    [['/home/u/.pyenv/versions/3.12.1/bin/python3.12', 'app.py'], undefined, 'app.py'],
    [['C:\\Program Files\\Git\\bin\\bash.exe', 'run.sh'], 'bash.exe', 'run.sh'],
  ];
  for (const [argv, program, want] of cases)
    it(`${argv.join(' ') || '(no command line)'} → ${want}`, () => assert.equal(processName(argv, program), want));

  it('Windows command lines split as the C runtime does', () => {
    assert.deepEqual(splitWindowsCommand('"C:\\Program Files\\p.exe" "a b" c'), [
      'C:\\Program Files\\p.exe',
      'a b',
      'c',
    ]);
    assert.deepEqual(splitWindowsCommand('p.exe a\\\\"b c" d\\"e f\\\\g'), ['p.exe', 'a\\b c', 'd"e', 'f\\\\g']);
    assert.deepEqual(splitWindowsCommand('p.exe "say ""hi"""'), ['p.exe', 'say "hi"']);
    assert.deepEqual(splitWindowsCommand('  '), []);
  });

  it('ps command lines: a bundle executable keeps its spaces, other paths are guessed from .py', () => {
    assert.deepEqual(splitPsCommand('/Applications/Google Chrome.app/Contents/MacOS/Google Chrome --flag'), [
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '--flag',
    ]);
    assert.deepEqual(splitPsCommand('/usr/bin/open /Applications/A B.app/Contents/MacOS/A'), [
      '/usr/bin/open',
      '/Applications/A',
      'B.app/Contents/MacOS/A',
    ]);
    assert.equal(processName(splitPsCommand('python3 /Users/me/My Project/app.py -v'), undefined, true), 'app.py');
  });
});

describe('Linux: names from /proc/<pid>/cmdline, cached per (pid, start time)', () => {
  const st = (pid: number, startTicks: number, comm: string): ProcStat => ({
    pid,
    ppid: 1,
    state: 'S',
    startTicks,
    name: comm,
    exe: comm,
    cpuTicks: 0,
    rssPages: 0,
  });

  it('the script, read once per process; a reused pid or an exec() reads it again', () => {
    const reads: number[] = [];
    let argv = ['/usr/bin/python3', '-u', 'app.py'];
    const read = (pid: number) => (reads.push(pid), argv);
    assert.equal(commandName(st(70001, 5, 'python3'), read), 'app.py');
    assert.equal(commandName(st(70001, 5, 'python3'), read), 'app.py');
    assert.deepEqual(reads, [70001], 'cached');
    argv = ['python3', 'other.py'];
    assert.equal(commandName(st(70001, 9, 'python3'), read), 'other.py', 'the pid was reused (other start)');
    argv = ['/usr/bin/sleep', '5'];
    assert.equal(commandName(st(70001, 9, 'sleep'), read), 'sleep', 'exec() changed the comm');
    assert.equal(reads.length, 3);
  });

  it('an empty command line (a zombie, a kernel thread): the kernel name', () => {
    assert.equal(
      commandName(st(70002, 1, 'kworker/0:1'), () => []),
      'kworker/0:1',
    );
  });
});

describe('real process trees on this machine', { skip: process.platform !== 'linux' && 'needs /proc (Linux)' }, () => {
  const started: ChildProcess[] = [];
  after(() => {
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  /** `sh` with two `sleep` children, once both are running. */
  async function shWithTwoSleeps(): Promise<number> {
    const child = spawn('sh', ['-c', 'sleep 5 & sleep 5 & wait'], { stdio: 'ignore' });
    started.push(child);
    const root = child.pid!;
    for (let i = 0; i < 40 && processTree(root).length < 3; i++) await sleep(50);
    return root;
  }

  const sleeps = (tree: readonly ProcStat[]) => tree.filter((p) => p.name === 'sleep');

  it('/proc: processTree and ProcScanner find both children', async () => {
    const root = await shWithTwoSleeps();
    const tree = processTree(root);
    assert.equal(tree[0].pid, root);
    assert.equal(tree[0].name, 'sh');
    assert.equal(sleeps(tree).length, 2, JSON.stringify(tree));
    assert.ok(sleeps(tree).every((p) => p.ppid === root && p.rssPages > 0));
    const scanned = new ProcScanner().tree(root);
    assert.deepEqual(pids(scanned).sort(), pids(tree).sort());
  });

  it('/proc: a Python script under a shell script is named by its scripts, the executables kept in exe', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'napper.py'), 'import time\ntime.sleep(5)\n');
    writeFileSync(join(dir, 'run.sh'), 'python3 "$(dirname "$0")/napper.py"\nwait\n');
    const child = spawn('bash', [join(dir, 'run.sh')], { stdio: 'ignore' });
    started.push(child);
    let tree: ProcStat[] = [];
    // Until the interpreter runs: python3 may be a pyenv shim (bash, then pyenv, then pyenv-exec).
    for (let i = 0; i < 100 && tree[1]?.exe !== 'python3'; i++) {
      await sleep(50);
      tree = new ProcScanner().tree(child.pid!);
    }
    assert.deepEqual(
      tree.map((p) => [p.name, p.exe]),
      [
        ['run.sh', 'bash'],
        ['napper.py', 'python3'],
      ],
    );
  });

  it("the ps listing (macOS path, run with this machine's ps) finds them, and sees one end", async () => {
    const root = await shWithTwoSleeps();
    const scanner = new ProcScanner('darwin');
    const first = scanner.tree(root);
    assert.equal(first[0].pid, root);
    assert.equal(first[0].name, 'sh');
    assert.equal(sleeps(first).length, 2, JSON.stringify(first));
    assert.ok(first.every((p) => p.rssBytes! > 0 && p.command !== undefined));
    // Later samples read the newest background listing.
    process.kill(sleeps(first)[0].pid, 'SIGKILL');
    let tree = first;
    for (let i = 0; i < 60 && sleeps(tree).length !== 1; i++) {
      await sleep(50);
      tree = scanner.tree(root);
    }
    assert.equal(sleeps(tree).length, 1, JSON.stringify(tree));
  });

  it('killTree through the ps listing stops the whole tree', async () => {
    const root = await shWithTwoSleeps();
    const members = pids(processTree(root));
    assert.equal(members.length, 3);
    await killTree(root, [], 1500, 'darwin');
    for (let i = 0; i < 40 && members.some(isAlive); i++) await sleep(50);
    assert.deepEqual(members.filter(isAlive), []);
  });
});

/** `leaklens profile --mode MODE -- COMMAND` as run on `platform`: exit code and stderr. */
async function profileOn(platform: NodeJS.Platform, mode: string, command: string) {
  let err = '';
  const code = await profileCommand(
    ['--mode', mode, '--out', tempDir(), '--', command],
    () => undefined,
    (s) => (err += s),
    platform,
  );
  return { code, err };
}

describe('native mode off Linux', () => {
  it('the CLI refuses --mode native at once, naming what works instead', async () => {
    for (const [platform, shown] of [
      ['darwin', 'macOS'],
      ['win32', 'Windows'],
    ] as const) {
      const { code, err } = await profileOn(platform, 'native', 'leaky-binary');
      assert.equal(code, 2);
      assert.match(err, new RegExp(`native mode needs Linux and heaptrack \\(this is ${shown}\\)`));
      assert.match(err, /--mode rss/);
      assert.match(err, /--mode python/);
      assert.doesNotMatch(err, /usage:/);
    }
  });

  it('on Linux the same command goes on (and fails for its own reason here)', async () => {
    const { code, err } = await profileOn('linux', 'native', 'leaklens-no-such-binary');
    assert.equal(code, 2);
    assert.match(err, /command not found: leaklens-no-such-binary/);
    assert.doesNotMatch(err, /needs Linux/);
  });

  it('heaptrack is not looked for off Linux; other modes are not refused', async () => {
    assert.equal(nativeModeUnsupported('linux'), undefined);
    assert.match(nativeModeUnsupported('freebsd')!, /this is freebsd/);
    assert.equal(findHeaptrack(process.env.PATH, 'win32'), undefined);
    assert.equal(findHeaptrack(process.env.PATH, 'darwin'), undefined);
    const { code, err } = await profileOn('win32', 'rss', 'leaklens-no-such-binary');
    assert.equal(code, 2);
    assert.match(err, /command not found/);
  });
});

describe('Windows readiness: PATHEXT, the default interpreter, batch files, the hidden window', () => {
  /** A folder holding `files` (empty), for PATH. */
  const folder = (...files: string[]) => {
    const dir = tempDir();
    for (const f of files) writeFileSync(join(dir, f), '');
    return dir;
  };
  const win = (env: NodeJS.ProcessEnv, cwd?: string) => ({ platform: 'win32' as const, env, cwd });
  // Windows's file names ignore case, this machine's do not: the files are named as PATHEXT spells them.

  it('which: python is python.EXE through PATHEXT, in Path (any case) split at ;', () => {
    const empty = folder();
    const dir = folder('python.EXE');
    assert.equal(
      which('python', win({ Path: `${empty};${dir}`, PATHEXT: '.COM;.EXE;.BAT;.CMD' })),
      `${dir}/python.EXE`,
    );
    assert.equal(which('python', win({ PATH: dir })), `${dir}/python.EXE`, 'PATHEXT unset: the default list');
    assert.equal(which('python.EXE', win({ PATH: dir })), `${dir}/python.EXE`, 'a PATHEXT extension given');
    assert.equal(which('python', win({ PATH: dir, PATHEXT: '.COM' })), undefined, 'not in PATHEXT');
    assert.equal(which('python', win({ PATH: `"${dir}"` })), `${dir}/python.EXE`, 'a quoted entry');
    assert.equal(which(`${dir}/python`, win({ PATH: '' })), `${dir}/python.EXE`, 'a path, with PATHEXT');
    // Elsewhere neither PATHEXT nor a file without the execute bit counts.
    assert.equal(which('python', { platform: 'linux', env: { PATH: dir, PATHEXT: '.EXE' } }), undefined);
    assert.equal(which('sh', { platform: 'linux', env: { PATH: '/usr/bin:/bin' } })?.endsWith('/sh'), true);
  });

  it('the default interpreter: python3; on Windows python, else py -3 (and not the Store alias)', () => {
    assert.deepEqual(defaultPython({ platform: 'linux', env: { PATH: folder('python3') } }), ['python3']);
    assert.deepEqual(defaultPython({ platform: 'darwin', env: {} }), ['python3']);
    const both = folder('python.EXE', 'py.EXE');
    assert.deepEqual(defaultPython(win({ PATH: both })), ['python']);
    assert.deepEqual(defaultPython(win({ PATH: folder('py.EXE') })), ['py', '-3'], 'python missing');
    const store = join(folder(), 'WindowsApps');
    mkdirSync(store);
    writeFileSync(join(store, 'python.EXE'), '');
    assert.deepEqual(defaultPython(win({ PATH: `${store};${folder('py.EXE')}` })), ['py', '-3']);
    assert.deepEqual(defaultPython(win({ PATH: store })), ['python'], 'the alias is all there is');
    assert.deepEqual(defaultPython(win({ PATH: folder() })), ['python'], 'nothing: python, whose absence is told');
  });

  it('a bare script.py on Windows runs under py -3 when python is missing, tracemalloc runner included', () => {
    const cwd = folder('app.py');
    const t = resolveTarget(['app.py', '--n', '1'], win({ PATH: folder('py.EXE') }, cwd));
    assert.deepEqual(t.command, ['py', '-3', 'app.py', '--n', '1']);
    assert.deepEqual(t.python, { python: 'py', interpreterArgs: ['-3'], flags: [], target: ['app.py', '--n', '1'] });
    assert.deepEqual(interpreterCommand(t.python), ['py', '-3']);
    assert.throws(
      () => resolveTarget(['app.py'], win({ PATH: folder() }, cwd)),
      /Python interpreter "python" not found on PATH/,
    );
    assert.throws(
      () => resolveTarget(['app.py'], win({ PATH: folder('python.BAT') }, cwd)),
      /python\.BAT is a batch file.*--python/,
    );
    // Linux: python3, as before.
    assert.deepEqual(resolveTarget(['app.py'], { cwd }).command.slice(0, 1), ['python3']);
  });

  it('py, python.exe and their arguments are Python commands', () => {
    assert.deepEqual(parsePythonCommand(['py', '-3.12', '-X', 'dev', 'app.py', 'a']), {
      python: 'py',
      interpreterArgs: ['-3.12'],
      flags: ['-X', 'dev'],
      target: ['app.py', 'a'],
    });
    assert.deepEqual(parsePythonCommand(['C:\\Python312\\python.exe', '-m', 'svc']), {
      python: 'C:\\Python312\\python.exe',
      flags: [],
      target: ['-m', 'svc'],
    });
    assert.deepEqual(parsePythonCommand(['x.py'], ['py', '-3']), {
      python: 'py',
      interpreterArgs: ['-3'],
      flags: [],
      target: ['x.py'],
    });
  });

  it('the target is spawned in a group of its own with its console window hidden', () => {
    assert.deepEqual(TARGET_SPAWN, { detached: true, windowsHide: true });
  });
});
