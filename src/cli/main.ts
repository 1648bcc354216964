/**
 * Floor: cli (top): the `gwctl` command; imports any floor below, none imports it. See docs/floors.md.
 *
 * `gwctl`: a small router. The verb picks a command from the table (cli/commands/index.ts), its
 * options are parsed with parseArgs (cli/command.ts), and `--help` is built from the table.
 * Exit codes: 0 every requested action succeeded; 1 something failed or was refused; 2 usage.
 * Errors start with `gwctl: `.
 */
import { guardClosedOutput, type Io } from '../shared/io.ts';
import { redact, redactAll } from '../shared/redact.ts';
import { visible } from '../shared/terminal.ts';
import { commandHelp, parseCommandArgs, UsageError, type CommandEntry } from './command.ts';
import { COMMANDS } from './commands/index.ts';

const defaultIo: Io = {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
  env: process.env,
  isTTY: Boolean(process.stdout.isTTY && process.stdin.isTTY),
};

/**
 * The output edge: everything gwctl prints goes through here. Text from outside (a gateway's
 * message, a project's settings, a path) cannot drive the terminal (control characters are shown
 * as `\u001b`, which is also a valid JSON escape for `--json`), and no secret gwctl handled in
 * this process is printed, whatever it looks like.
 */
export function safeIo(io: Io): Io {
  return { ...io, out: (s) => io.out(visible(redactAll(s))), err: (s) => io.err(visible(redactAll(s))), secretOut: (s) => io.out(visible(s)) };
}

const ALIASES: Record<string, string> = { '--help': 'help', '-h': 'help', '--version': 'version', '-v': 'version' };

export async function main(argv: string[], rawIo: Io = defaultIo, commands: readonly CommandEntry[] = COMMANDS): Promise<number> {
  if (rawIo === defaultIo) guardClosedOutput();
  const io = safeIo(rawIo);
  const [first, ...rest] = argv;
  // Bare `gwctl` in a terminal is the live UI; elsewhere, the help (as a usage error).
  const verb = first === undefined ? (io.isTTY ? 'ui' : 'help') : (ALIASES[first] ?? first);
  const entry = commands.find((c) => c.name === verb);
  if (!entry) return usage(io, `unknown command '${verb}'`, undefined);
  const { command } = await entry.load();
  try {
    // A verb that still reads its own words gets them as they are.
    if (command.rawArgs) return await command.run({ values: {}, positionals: rest }, { io, commands });
    const args = parseCommandArgs(command, rest);
    if (args.help) {
      io.out(commandHelp(command));
      return 0;
    }
    const code = await command.run(args, { io, commands });
    // `gwctl` alone prints the help, as a usage error.
    return first === undefined && verb === 'help' ? 2 : code;
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
