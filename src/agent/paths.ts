/**
 * Where gwctl keeps its own files, per platform. Everything derives from HOME and the XDG_*
 * variables passed in, so tests (and a LaunchAgent with a different TMPDIR) get the same answer.
 */
import { join } from 'node:path';

export interface GwctlPaths {
  /** Settings (conf): Linux $XDG_CONFIG_HOME/gwctl, macOS ~/Library/Preferences/gwctl. */
  configDir: string;
  /** Ledger and agent state: Linux $XDG_STATE_HOME/gwctl, macOS ~/Library/Application Support/gwctl. */
  stateDir: string;
  /** Logs: Linux $XDG_STATE_HOME/gwctl, macOS ~/Library/Logs/gwctl. */
  logDir: string;
}

export interface PathEnv {
  home: string;
  env: Readonly<Record<string, string | undefined>>;
  platform?: NodeJS.Platform;
}

function xdg(env: PathEnv['env'], name: string, home: string, fallback: string): string {
  const v = env[name];
  // XDG spec: relative paths are invalid and must be ignored.
  return v && v.startsWith('/') ? v : join(home, fallback);
}

export function gwctlPaths({ home, env, platform = process.platform }: PathEnv): GwctlPaths {
  if (platform === 'darwin') {
    return {
      configDir: join(home, 'Library', 'Preferences', 'gwctl'),
      stateDir: join(home, 'Library', 'Application Support', 'gwctl'),
      logDir: join(home, 'Library', 'Logs', 'gwctl'),
    };
  }
  const state = join(xdg(env, 'XDG_STATE_HOME', home, '.local/state'), 'gwctl');
  return {
    configDir: join(xdg(env, 'XDG_CONFIG_HOME', home, '.config'), 'gwctl'),
    stateDir: state,
    logDir: state,
  };
}

/** HOME for gwctl: $HOME, required (no guessing from the passwd database). */
export function homeFrom(env: PathEnv['env']): string {
  const home = env.HOME;
  if (!home || !home.startsWith('/')) {
    throw new Error('HOME is not set to an absolute path; gwctl needs it to find the tools\' config files (export HOME=/path/to/home)');
  }
  return home;
}
