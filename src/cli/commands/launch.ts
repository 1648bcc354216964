/**
 * `gwctl launch TOOL [--model ID] [--key-name NAME] [--bin PATH] [--verbose] [-- ARGS…]`: start
 * the tool pointed at the gateway for this run only; none of its files is written. The tool's
 * terminal, signals and exit code are its own; gwctl prints nothing unless --verbose (to stderr)
 * or it cannot start the tool (exit 1; 2 for a usage error).
 */
import { TOOL_IDS, type ToolId } from '../../adapters/index.ts';
import { rawCommand, type CliCommand } from '../command.ts';
import { gwctlPaths, homeFrom } from '../../home/paths.ts';
import type { Io } from '../../shared/io.ts';
import { redact } from '../../shared/redact.ts';

export const LAUNCH_USAGE = `Usage:
  gwctl launch TOOL [--model ID] [--key-name NAME] [--bin PATH] [--verbose] [-- ARGS…]

  Starts TOOL pointed at the gateway for this run only, through its own per-run mechanism
  (environment, command-line overrides, or a temp settings file passed by flag). None of the
  tool's files is written; temp files are 0600 in a private dir, removed when the tool ends.
  ARGS (after --) go to the tool. Input, output, signals and the exit code are the tool's own.

  --model ID        the model for this run (default: gateway.defaultModel, else the gateway's first)
  --key-name NAME   use the named key NAME (as gwctl env NAME) instead of the tool's launch key
                    (gwctl-launch-TOOL-HOST, minted once and kept in the 0600 secrets store)
  --bin PATH        the tool's executable (default: its command on PATH)
  --verbose         say what the run gets (never the key) on stderr

Tools: ${TOOL_IDS.join(', ')}`;

class UsageError extends Error {}

interface Parsed {
  tool: ToolId;
  model?: string;
  keyName?: string;
  bin?: string;
  verbose: boolean;
  args: string[];
}

const VALUED = ['--model', '--key-name', '--bin'] as const;

function parse(argv: string[]): Parsed | 'help' {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const args = dash === -1 ? [] : argv.slice(dash + 1);
  if (own.includes('--help') || own.includes('-h')) return 'help';
  const values: Partial<Record<(typeof VALUED)[number], string>> = {};
  let verbose = false;
  let tool: string | undefined;
  for (let i = 0; i < own.length; i++) {
    const a = own[i]!;
    const eq = a.indexOf('=');
    const name = (eq > 0 ? a.slice(0, eq) : a) as (typeof VALUED)[number];
    if ((VALUED as readonly string[]).includes(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : own[++i];
      if (v === undefined || v === '') throw new UsageError(`${name} needs a value`);
      values[name] = v;
    } else if (a === '--verbose') verbose = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a} (the tool's own options go after --)`);
    else if (tool === undefined) tool = a;
    else throw new UsageError(`unexpected '${a}': put the tool's arguments after --`);
  }
  if (tool === undefined) throw new UsageError('which tool? gwctl launch TOOL');
  if (!(TOOL_IDS as readonly string[]).includes(tool)) throw new UsageError(`unknown tool '${tool}' (tools: ${TOOL_IDS.join(', ')})`);
  return {
    tool: tool as ToolId,
    verbose,
    args,
    ...(values['--model'] ? { model: values['--model'] } : {}),
    ...(values['--key-name'] ? { keyName: values['--key-name'] } : {}),
    ...(values['--bin'] ? { bin: values['--bin'] } : {}),
  };
}

export async function run(argv: string[], io: Io): Promise<number> {
  let p: Parsed | 'help';
  try {
    p = parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`gwctl launch: ${e.message}\nRun 'gwctl launch --help' for usage.`);
    return 2;
  }
  if (p === 'help') {
    io.out(LAUNCH_USAGE);
    return 0;
  }
  return launchTool(p, io);
}

/** Launch with parsed options (the same for today's router and a parseArgs-based command table). */
export async function launchTool(parsed: Parsed, io: Io): Promise<number> {
  try {
    const home = homeFrom(io.env);
    const paths = gwctlPaths({ home, env: io.env });
    const { checkKeyName } = await import('../../gateway/named-keys.ts');
    if (parsed.keyName) checkKeyName(parsed.keyName);
    const { runLaunch } = await import('../../engine/launch.ts');
    return await runLaunch(
      {
        tool: parsed.tool,
        home,
        env: io.env,
        configDir: paths.configDir,
        args: parsed.args,
        ...(parsed.model ? { model: parsed.model } : {}),
        ...(parsed.keyName ? { keyName: parsed.keyName } : {}),
        ...(parsed.bin ? { bin: parsed.bin } : {}),
      },
      { error: (l) => io.err(`gwctl launch: ${l}`), ...(parsed.verbose ? { verbose: (l: string) => io.err(`gwctl launch: ${l}`) } : {}) },
    );
  } catch (e) {
    io.err(`gwctl launch: ${redact((e as Error).message)}`);
    return 1;
  }
}

/** The verb in the command table: it reads its own words, since `--` separates the tool's arguments. */
export const command: CliCommand = rawCommand('launch', 'start a tool pointed at the gateway for one run, none of its files written', LAUNCH_USAGE, run);
