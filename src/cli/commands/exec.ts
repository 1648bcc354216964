/**
 * `gwctl exec [NAME] -- CMD ARGS…`: run CMD with the gateway variables of `gwctl env NAME` in its
 * environment (never in its arguments, so the key is not in `ps`). stdin/stdout/stderr are the
 * terminal's own; SIGTERM, SIGHUP, SIGUSR1/2 are passed on, and SIGINT, SIGQUIT and SIGWINCH too
 * unless a terminal is attached (the terminal already sends those to the whole foreground group:
 * passing them on again would make a program see Ctrl-C twice). The command's exit code comes
 * back (128+N when a signal N ended it).
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { gwctlPaths, homeFrom } from '../../home/paths.ts';
import { failure, usageError } from '../errors.ts';
import type { Io } from '../../shared/io.ts';
import { rawCommand, type CliCommand } from '../command.ts';

const USAGE = `Usage:
  gwctl exec [NAME] -- CMD [ARGS…]   run CMD with the gateway variables (gwctl env NAME) in its environment

  The key is passed in the environment only, never on the command line. Input, output, signals
  and the exit code are CMD's own.`;

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

export async function run(argv: string[], io: Io): Promise<number> {
  const dash = argv.indexOf('--');
  const before = dash === -1 ? argv : argv.slice(0, dash);
  if (before.includes('--help') || before.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  const cmd = dash === -1 ? [] : argv.slice(dash + 1);
  if (!cmd.length) return usageError(io, 'exec', dash === -1 ? "put '--' before the command: gwctl exec [NAME] -- CMD ARGS…" : 'no command after --');
  const opts = before.filter((a) => a.startsWith('-'));
  if (opts.length) return usageError(io, 'exec', `unknown option ${opts[0]}`);
  if (before.length > 1) return usageError(io, 'exec', `unexpected '${before[1]}'`);
  const name = before[0] ?? 'env';
  let vars: Array<[string, string]>;
  try {
    const paths = gwctlPaths({ home: homeFrom(io.env), env: io.env });
    const [{ envFor }, { checkKeyName }] = await Promise.all([import('../../gateway/env-vars.ts'), import('../../gateway/named-keys.ts')]);
    checkKeyName(name);
    const e = await envFor(paths.configDir, io.env, name);
    if (e.warning) io.err(`gwctl exec: warning: ${e.warning}`);
    if (e.minted) io.err(`gwctl exec: minted key '${e.alias}' on ${e.gateway.kind.label} at ${e.gateway.settings.root}`);
    vars = e.vars;
  } catch (err) {
    return failure(io, 'exec', err);
  }
  return runChild(cmd[0]!, cmd.slice(1), { ...io.env, ...Object.fromEntries(vars) }, io);
}

function runChild(file: string, args: string[], env: Record<string, string | undefined>, io: Io): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: 'inherit', env });
    const handlers = new Map<NodeJS.Signals, () => void>();
    const fromTerminal = new Set<NodeJS.Signals>(process.stdin.isTTY ? ['SIGINT', 'SIGQUIT', 'SIGWINCH'] : []);
    for (const sig of FORWARDED) {
      const h = () => {
        if (!fromTerminal.has(sig) && child.exitCode === null && child.signalCode === null) child.kill(sig);
      };
      handlers.set(sig, h);
      process.on(sig, h);
    }
    const done = (code: number) => {
      for (const [sig, h] of handlers) process.off(sig, h);
      resolve(code);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      io.err(
        `gwctl exec: cannot run '${file}': ${e.code === 'ENOENT' ? 'command not found (is it on PATH?)' : e.code === 'EACCES' ? 'permission denied' : e.message}`,
      );
      done(e.code === 'ENOENT' ? 127 : 126);
    });
    child.on('exit', (code, signal) => {
      done(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
    });
  });
}

export const command: CliCommand = rawCommand('exec', 'run a command with the gateway variables in its environment (never in its arguments)', USAGE, run);
