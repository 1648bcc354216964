/**
 * Run a program as if the user had started it: stdin/stdout/stderr and the terminal are its own,
 * signals sent to gwctl are passed on, and its exit code comes back (128+N when signal N ended
 * it). SIGTERM, SIGHUP, SIGUSR1/2 are always passed on; SIGINT, SIGQUIT and SIGWINCH only when no
 * terminal is attached (a terminal already sends those to the whole foreground process group:
 * passing them on again would make the program see Ctrl-C twice). While the child runs, gwctl
 * itself does not die of those signals: it waits for the child, runs `cleanup`, then exits.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];
const FROM_TERMINAL: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT', 'SIGWINCH'];

export interface ChildOptions {
  /** Runs once, synchronously, when the child has ended (or gwctl exits first, whatever the cause). */
  cleanup?: () => void;
  /** Is a terminal attached to stdin (default: process.stdin.isTTY)? */
  terminal?: boolean;
  /** Told why the program could not start (not found, not executable). */
  onSpawnError?: (message: string) => void;
}

export function runChild(file: string, args: readonly string[], env: Record<string, string>, opts: ChildOptions = {}): Promise<number> {
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    opts.cleanup?.();
  };
  // Last resort: gwctl ending for any other reason (an exception, process.exit) still cleans up.
  process.once('exit', cleanup);
  return new Promise((resolve) => {
    const child = spawn(file, [...args], { stdio: 'inherit', env });
    const fromTerminal = new Set<NodeJS.Signals>((opts.terminal ?? process.stdin.isTTY === true) ? FROM_TERMINAL : []);
    const handlers = new Map<NodeJS.Signals, () => void>();
    for (const sig of FORWARDED) {
      const h = () => {
        if (!fromTerminal.has(sig) && child.exitCode === null && child.signalCode === null) child.kill(sig);
      };
      handlers.set(sig, h);
      process.on(sig, h);
    }
    let settled = false;
    const done = (code: number) => {
      if (settled) return;
      settled = true;
      for (const [sig, h] of handlers) process.off(sig, h);
      cleanup();
      process.off('exit', cleanup);
      resolve(code);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ENOENT' ? 'not found' : e.code === 'EACCES' ? 'permission denied' : e.message;
      opts.onSpawnError?.(`cannot run '${file}': ${why}`);
      done(e.code === 'ENOENT' ? 127 : 126);
    });
    child.on('exit', (code, signal) => {
      done(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
    });
  });
}

/** `name` resolved as a shell would: itself when it has a slash, else the first executable on PATH. */
export function findOnPath(name: string, env: Readonly<Record<string, string | undefined>>, cwd = process.cwd()): string | undefined {
  const executable = (p: string) => {
    try {
      accessSync(p, fsConstants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (name.includes('/')) {
    const p = isAbsolute(name) ? name : join(cwd, name);
    return executable(p) ? p : undefined;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (executable(p)) return p;
  }
  return undefined;
}
