/** A throw-away HOME with every XDG_* variable inside it. Tests never see the real home. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { mkdir, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GWCTL_BIN, socketLocation } from '../../src/home/paths.ts';

export interface TempHome {
  home: string;
  env: Record<string, string>;
  /** Stops an agent running for this HOME (CLI commands start one), then removes the HOME. */
  cleanup(): void;
}

/** Agents the CLI started in the background, by HOME (test/helpers/run.ts records them). */
const started = new Map<string, number>();

function isOurAgent(pid: number): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.includes(GWCTL_BIN) && args.includes('agent') && args.includes('run');
  } catch {
    return false; // gone, or no /proc (then ask over the socket)
  }
}

export function agentStarted(home: string, pid: number): void {
  started.set(home, pid);
}

/**
 * Stop the agent of this HOME, if one runs. One the CLI started (pid known) gets SIGTERM, which
 * it handles like `gwctl agent stop`; any other is asked over its socket and waited for.
 */
export function stopAgentOf(env: Record<string, string>): void {
  const pid = started.get(env.HOME!);
  started.delete(env.HOME!);
  if (!existsSync(socketLocation({ home: env.HOME!, env }).path)) return; // none runs
  // Only a process that is still this checkout's agent (a pid can be reused).
  if (pid !== undefined && isOurAgent(pid)) {
    try {
      process.kill(pid, 'SIGTERM');
      return;
    } catch {
      // already gone
    }
  }
  spawnSync(process.execPath, [GWCTL_BIN, 'agent', 'stop'], { env, stdio: 'ignore', timeout: 30_000 });
}

export function tempHome(prefix = 'gwctl-test-'): TempHome {
  const home = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  const env: Record<string, string> = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_RUNTIME_DIR: join(home, '.run'),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
  };
  return {
    home,
    env,
    cleanup: () => {
      stopAgentOf(env);
      // An agent that was just sent SIGTERM may still write its last log lines: retry on ENOTEMPTY.
      rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    },
  };
}

/** Copy a fixture HOME tree (test/fixtures/<tool>/<case>/home) into the temp HOME. */
export async function seedHome(home: string, fixtureHome: string): Promise<void> {
  await mkdir(home, { recursive: true });
  await cp(fixtureHome, home, { recursive: true, verbatimSymlinks: true });
}
