/**
 * What a `gwctl` verb is: a command object (name, summary, usage, options, run) in its own file
 * under `cli/commands/`, listed once in `cli/commands/index.ts`. `main.ts` parses the options
 * each command declares with `node:util` parseArgs and builds `--help` from them.
 *
 * On the `gwctl status` path: keep it free of imports that cost start-up time.
 */
import type { Io } from '../shared/io.ts';

// Not `import … from 'node:util'`: an ES import evaluates every export of node:util, which loads
// worker_threads, streams and more (about 4 ms of `gwctl status`); parseArgs alone is 0.3 ms.
const { parseArgs } = process.getBuiltinModule('node:util');

export interface CommandOption {
  type: 'boolean' | 'string';
  short?: string;
  /** Shown as `--name VALUE` (string options). */
  value?: string;
  description: string;
}

/** What `run` gets: the options given (by long name) and the words after the verb. */
export interface Args {
  values: Readonly<Record<string, string | boolean | undefined>>;
  positionals: readonly string[];
}

/** One line of the command table: the verb and how to load its file (only when it runs). */
export interface CommandEntry {
  name: string;
  load: () => Promise<{ command: CliCommand }>;
}

export interface RunContext {
  io: Io;
  /** The command table (for `help`). */
  commands: readonly CommandEntry[];
}

export interface CliCommand {
  name: string;
  /** One line for `gwctl --help`. */
  summary: string;
  /** The synopsis lines, e.g. `gwctl status [TOOL…] [--json]`, and any notes after them. */
  usage: string;
  options: Readonly<Record<string, CommandOption>>;
  /**
   * The command reads its own words (`positionals` is everything after the verb, unparsed; it
   * handles --help itself). For verbs not yet moved onto `options`; new verbs declare options.
   */
  rawArgs?: boolean;
  /** Exit code: 0 every requested action succeeded; 1 something failed or was refused; 2 usage. */
  run(args: Args, ctx: RunContext): Promise<number>;
}

/**
 * A verb that reads its own words (`run(argv, io)`, its own --help): the table lists it and
 * `gwctl --help` shows its synopsis and summary. `usage` may start with "Usage:".
 */
export function rawCommand(name: string, summary: string, usage: string, run: (argv: string[], io: Io) => Promise<number>): CliCommand {
  const lines = usage
    .replace(/^Usage:\s*\n?/, '')
    .split('\n')
    .map((l) => l.replace(/^ {2}/, ''));
  return { name, summary, usage: lines.join('\n').trim(), options: {}, rawArgs: true, run: ({ positionals }, { io }) => run([...positionals], io) };
}

/** Wrong words or options: `gwctl: <message>` and the command's usage hint, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** `--json`, the option most commands share. */
export const JSON_OPTION: CommandOption = { type: 'boolean', description: 'print JSON instead of text' };

const HELP_OPTION: CommandOption = { type: 'boolean', short: 'h', description: 'show this help' };

// A negative number is a value (`gwctl config set KEY -1`), not an option: parseArgs would take
// `-1` for a short option, so it is hidden from it and put back after.
const NEGATIVE = /^-\d+(\.\d+)?$/;
const HIDDEN = '\u0000neg:';

/** Parse `argv` (the words after the verb) against the command's options; throws UsageError. */
export function parseCommandArgs(command: Pick<CliCommand, 'options'>, argv: readonly string[]): Args & { help: boolean } {
  const options: Record<string, { type: 'boolean' | 'string'; short?: string }> = {};
  for (const [name, o] of Object.entries({ ...command.options, help: HELP_OPTION }))
    options[name] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  let parsed;
  try {
    parsed = parseArgs({ args: argv.map((a) => (NEGATIVE.test(a) ? HIDDEN + a : a)), options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(usageMessage(e as Error & { code?: string }));
  }
  const unhide = (v: string | boolean | undefined) => (typeof v === 'string' && v.startsWith(HIDDEN) ? v.slice(HIDDEN.length) : v);
  const values: Record<string, string | boolean | undefined> = {};
  for (const [k, v] of Object.entries(parsed.values)) values[k] = unhide(v as string | boolean | undefined);
  return { values, positionals: parsed.positionals.map((p) => unhide(p) as string), help: values.help === true };
}

/** parseArgs's messages, shortened to what gwctl says elsewhere. */
function usageMessage(e: Error & { code?: string }): string {
  const unknown = /^Unknown option '([^']+)'/.exec(e.message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const missing = /^Option '(-\S+, )?(--\S+) <value>' argument missing/.exec(e.message);
  if (missing) return `${missing[2]} needs a value`;
  const noValue = /^Option '(-\S+, )?(--[^'\s]+)' does not take an argument/.exec(e.message);
  if (noValue) return `${noValue[2]} takes no value`;
  return e.message.split('\n')[0]!.replace(/\.$/, '');
}

/** `gwctl VERB --help`: the usage lines and the options. */
export function commandHelp(command: Pick<CliCommand, 'summary' | 'usage' | 'options'>): string {
  const opts = Object.entries({ ...command.options, help: HELP_OPTION }).map(
    ([name, o]) => [`${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`, o.description] as const,
  );
  const width = Math.max(...opts.map(([l]) => l.length));
  return [
    `${command.summary}`,
    '',
    'Usage:',
    ...command.usage.split('\n').map((l) => `  ${l}`),
    '',
    'Options:',
    ...opts.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`),
  ].join('\n');
}
