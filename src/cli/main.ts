/**
 * Floor: cli (top): the `gwctl` command; imports any floor below, none imports it. See docs/floors.md.
 *
 * `gwctl`: a small router. The verb picks a command from the table (cli/commands/index.ts), its
 * options are parsed with parseArgs (cli/command.ts), and `--help` is built from the table.
 * Exit codes: 0 every requested action succeeded; 1 something failed or was refused; 2 usage.
 * Errors start with `gwctl: `.
 */
import { guardClosedOutput, type Io } from '../shared/io.ts';
import { redact } from '../shared/redact.ts';
import { commandHelp, parseCommandArgs, UsageError, type CommandEntry } from './command.ts';
import { COMMANDS } from './commands/index.ts';

const defaultIo: Io = {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
  env: process.env,
};

const ALIASES: Record<string, string> = { '--help': 'help', '-h': 'help', '--version': 'version', '-v': 'version' };

export async function main(argv: string[], io: Io = defaultIo, commands: readonly CommandEntry[] = COMMANDS): Promise<number> {
  if (io === defaultIo) guardClosedOutput();
  const [first, ...rest] = argv;
  const verb = first === undefined ? 'help' : (ALIASES[first] ?? first);
  const entry = commands.find((c) => c.name === verb);
  if (!entry) return usage(io, `unknown command '${verb}'`, undefined);
  const { command } = await entry.load();
  try {
    const args = parseCommandArgs(command, rest);
    if (args.help) {
      io.out(commandHelp(command));
      return 0;
    }
    const code = await command.run(args, { io, commands });
    // `gwctl` alone prints the help, as a usage error.
    return first === undefined ? 2 : code;
  } catch (e) {
    if (e instanceof UsageError) return usage(io, e.message, command.name);
    io.err(`gwctl: ${redact((e as Error).message ?? String(e))}`);
    return 1;
  }
}

function usage(io: Io, message: string, verb: string | undefined): number {
  io.err(`gwctl: ${message}\nRun 'gwctl ${verb ? `${verb} ` : ''}--help' for usage.`);
  return 2;
}
