// Where a subcommand's report goes: standard output, or --output-file (its folders created).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** False (after a clear message) when the file cannot be written. */
export function writeOutput(text: string, file: string | undefined, io: Io, command: string): boolean {
  const body = text.endsWith('\n') || text === '' ? text : `${text}\n`;
  if (!file) {
    io.out(body);
    return true;
  }
  try {
    mkdirSync(dirname(resolve(file)), { recursive: true });
    writeFileSync(file, body);
    return true;
  } catch (e) {
    io.err(
      `leaklens ${command}: cannot write --output-file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`,
    );
    return false;
  }
}
