// `leaklens`: a thin command over the engine (check) and the profiler (profile).
import { checkCommand } from './check';
import { VERSION } from './version';

const USAGE = `usage: leaklens <command> [options]

commands:
  check [PATH...]          find memory-leak risks statically (C, C++, Python)
  rule ID | --all          a rule's documentation, or the list of rules
  import REPORT...         LeakSanitizer / Valgrind / LeakLens reports as findings (leaklens import --help)
  profile -- COMMAND ...   run a program and watch its memory (leaklens profile --help)
  profile compare B A      before/after table of two profile reports (leaklens profile compare --help)
  --version                print the version`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check':
        return await checkCommand(rest);
      case 'import': {
        const { importCommand } = await import('./import');
        return await importCommand(rest);
      }
      case 'rule': {
        const { ruleCommand } = await import('./rule');
        return ruleCommand(rest);
      }
      case 'profile': {
        const { profileCommand } = await import('./profile');
        return await profileCommand(rest);
      }
      case '--version':
      case '-V':
        process.stdout.write(`leaklens ${VERSION}\n`);
        return 0;
      case undefined:
      case '-h':
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`leaklens: unknown command "${command}"\n\n${USAGE}\n`);
        return 2;
    }
  } catch (e) {
    process.stderr.write(`leaklens: internal error: ${(e as Error).stack ?? e}\n`);
    return 2;
  }
}
