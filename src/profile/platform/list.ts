// Lists processes off Linux by running the platform's own tool: `ps` on macOS and the BSDs,
// PowerShell (wmic where it is missing) on Windows. Linux reads /proc itself (see ../proctree.ts).
import { execFile, execFileSync } from 'node:child_process';
import { parsePs, psArgs } from './ps';
import type { ProcRecord } from './records';
import { parsePowerShellCsv, parseWmicCsv, powerShellArgs, wmicArgs } from './windows';

export interface Lister {
  file: string;
  args(pid?: number): string[];
  parse(stdout: string): ProcRecord[];
}

const PS: Lister = { file: 'ps', args: psArgs, parse: parsePs };
const WINDOWS: Lister[] = [
  { file: 'powershell.exe', args: powerShellArgs, parse: parsePowerShellCsv },
  { file: 'pwsh.exe', args: powerShellArgs, parse: parsePowerShellCsv },
  { file: 'wmic.exe', args: wmicArgs, parse: parseWmicCsv },
];

/** The listings to try on `platform`, best first. */
export function listers(platform: NodeJS.Platform): Lister[] {
  return platform === 'win32' ? WINDOWS : [PS];
}

const OPTIONS = { windowsHide: true, maxBuffer: 64 << 20, timeout: 15_000 } as const;
/** The lister that answered last, per platform: a missing PowerShell is not looked for at every sample. */
const working = new Map<NodeJS.Platform, Lister>();

function candidates(platform: NodeJS.Platform): Lister[] {
  const w = working.get(platform);
  return w ? [w, ...listers(platform).filter((l) => l !== w)] : listers(platform);
}

function failure(platform: NodeJS.Platform, errors: string[]): Error {
  return new Error(`cannot list processes on ${platform}: ${errors.join('; ')}`);
}

/** Every process (or only `pid`), blocking: for one-off questions (does this pid exist?). */
export function listProcessesSync(platform: NodeJS.Platform = process.platform, pid?: number): ProcRecord[] {
  const errors: string[] = [];
  for (const l of candidates(platform)) {
    let out: Buffer;
    try {
      out = execFileSync(l.file, l.args(pid), { ...OPTIONS, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stdout?: Buffer; status?: number };
      // ps -p PID exits 1 when the pid does not exist: an answer, not a failure.
      if (pid !== undefined && err.code !== 'ENOENT' && err.stdout !== undefined && err.status === 1) {
        working.set(platform, l);
        return l.parse(decode(err.stdout));
      }
      errors.push(`${l.file}: ${err.code ?? err.message}`);
      continue;
    }
    working.set(platform, l);
    return l.parse(decode(out));
  }
  throw failure(platform, errors);
}

/** Every process, without blocking the event loop: for the sampler, once per sample. */
export async function listProcesses(platform: NodeJS.Platform = process.platform): Promise<ProcRecord[]> {
  const errors: string[] = [];
  for (const l of candidates(platform)) {
    const result = await new Promise<Buffer | Error>((done) =>
      execFile(l.file, l.args(), { ...OPTIONS, encoding: 'buffer' }, (e, out) => done(e ?? out)),
    );
    if (result instanceof Error) {
      errors.push(`${l.file}: ${(result as NodeJS.ErrnoException).code ?? result.message}`);
      continue;
    }
    working.set(platform, l);
    return l.parse(decode(result));
  }
  throw failure(platform, errors);
}

/** UTF-8, or UTF-16LE where a Windows tool writes it (a byte-order mark, or NULs between ASCII). */
export function decode(out: Buffer): string {
  const utf16 = (out[0] === 0xff && out[1] === 0xfe) || (out.length > 3 && out[1] === 0 && out[3] === 0);
  return utf16 ? out.toString('utf16le').replace(/^\uFEFF/, '') : out.toString('utf8').replace(/^\uFEFF/, '');
}
