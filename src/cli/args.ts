// Argument parsing shared by the subcommands: node's parseArgs, `-h/--help` printing the usage, and
// a parse error printed with the usage as exit 2.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export type Write = (s: string) => void;

export function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  usage: string,
  argv: string[],
  options: O,
  out: Write,
  err: Write,
):
  | {
      values: ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>>['values'];
      positionals: string[];
    }
  | number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...options, help: { type: 'boolean', short: 'h', default: false } },
    });
  } catch (e) {
    err(`leaklens ${command}: ${(e as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    out(`${usage}\n`);
    return 0;
  }
  return parsed as never;
}
