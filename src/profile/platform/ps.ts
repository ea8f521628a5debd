// macOS (and the BSDs): the process list from `ps`, one line per process:
//   "  4242   4100  18432 S    /usr/local/bin/python3 app.py"   (pid, ppid, RSS in KiB, state, command)
import { baseName, processName, splitPsCommand } from './naming';
import type { ProcRecord } from './records';

/** `ps` arguments: every process (-A), full command lines (-ww), no header (`=`). */
export function psArgs(pid?: number): string[] {
  return [...(pid === undefined ? ['-A'] : ['-p', String(pid)]), '-ww', '-o', 'pid=,ppid=,rss=,stat=,command='];
}

const LINE = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)(?:\s+(.*))?$/;

/** Parses `ps -o pid=,ppid=,rss=,stat=,command=`; header lines and a cut last line are skipped. */
export function parsePs(stdout: string): ProcRecord[] {
  const out: ProcRecord[] = [];
  for (const line of completeLines(stdout)) {
    const m = LINE.exec(line);
    if (!m) continue;
    const command = m[5]?.trimEnd() ?? '';
    const argv = splitPsCommand(command);
    out.push({
      pid: Number(m[1]),
      ppid: Number(m[2]),
      rssBytes: Number(m[3]) * 1024,
      state: m[4][0],
      name: processName(argv, undefined, true),
      ...(argv.length ? { exe: baseName(argv[0]) } : {}),
      command,
    });
  }
  return out;
}

/**
 * The lines of a command's output that ended: output that does not end with a newline was cut (a
 * listing killed by its timeout, a full buffer), and its last line may miss part of its fields.
 */
export function completeLines(stdout: string): string[] {
  const lines = stdout.split('\n');
  lines.pop(); // '' after the final newline, or the unterminated rest
  return lines.map((l) => l.replace(/\r+$/, ''));
}
