/**
 * Floor: home, below formats/configio: gwctl's own files (paths, settings, secrets). See docs/floors.md.
 *
 * Where gwctl keeps its own files, per platform: settings, state, logs, the agent's socket, and
 * the program that runs the agent. Everything derives from HOME and the XDG_* variables passed
 * in, so tests (and a LaunchAgent with a different TMPDIR) get the same answer.
 *
 * On the `gwctl status` path: keep it free of imports that cost start-up time.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** `$XDG_STATE_HOME/gwctl` (default `~/.local/state/gwctl`): Linux state and logs. */
function stateHome(env: PathEnv['env'], home: string): string {
  return join(xdg(env, 'XDG_STATE_HOME', home, '.local/state'), 'gwctl');
}

export function gwctlPaths({ home, env, platform = process.platform }: PathEnv): GwctlPaths {
  if (platform === 'darwin') {
    return {
      configDir: join(home, 'Library', 'Preferences', 'gwctl'),
      stateDir: join(home, 'Library', 'Application Support', 'gwctl'),
      logDir: join(home, 'Library', 'Logs', 'gwctl'),
    };
  }
  const state = stateHome(env, home);
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

// ---- where the socket lives ----------------------------------------------------------------

export const SOCKET_NAME = 'agent.sock';
export const PID_NAME = 'agent.pid';
/** sun_path is 104 bytes on macOS (108 on Linux), including the NUL. */
export const MAX_SOCKET_PATH_BYTES = 103;

export interface SocketLocation {
  /** The socket's directory: owner-only (0700), checked by both ends. */
  dir: string;
  path: string;
  /** Set when the preferred place was not usable, and why. */
  fallbackReason?: string;
}

/**
 * Linux: `$XDG_RUNTIME_DIR/gwctl/`, else `$XDG_STATE_HOME/gwctl/` (`~/.local/state/gwctl/`).
 * macOS: `~/Library/Application Support/gwctl/`. A path over 103 bytes falls back to
 * `/tmp/gwctl-<uid>/` (checked for owner and mode like any other).
 */
export function socketLocation({
  home,
  env,
  platform = process.platform,
  uid = process.getuid?.() ?? 0,
}: {
  home: string;
  env: Readonly<Record<string, string | undefined>>;
  platform?: NodeJS.Platform;
  uid?: number;
}): SocketLocation {
  let dir: string;
  if (platform === 'darwin') {
    dir = gwctlPaths({ home, env, platform }).stateDir;
  } else {
    const runtime = env.XDG_RUNTIME_DIR;
    dir = runtime && runtime.startsWith('/') ? join(runtime, 'gwctl') : stateHome(env, home);
  }
  const path = join(dir, SOCKET_NAME);
  if (Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES) return { dir, path };
  const short = join('/tmp', `gwctl-${uid}`);
  return {
    dir: short,
    path: join(short, SOCKET_NAME),
    fallbackReason: `${path} is longer than ${MAX_SOCKET_PATH_BYTES} bytes (the socket path limit)`,
  };
}

// ---- the program ---------------------------------------------------------------------------

/** bin/gwctl.js, from src/home/ and from dist/home/ alike. */
export const GWCTL_BIN = fileURLToPath(new URL('../../bin/gwctl.js', import.meta.url));

/**
 * Node flags for the long-running agent (service units use agentCommandLine() too). A 1 MiB
 * young generation instead of V8's default 16 MiB: the idle agent allocates little, and its RSS
 * with all nine tools watched drops from about 83 to 76 MiB. (`--lite-mode` would save more but
 * disables WebAssembly, which Node's fetch needs.)
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/** The command that runs the agent in the foreground: `node --max-semi-space-size=1 bin/gwctl.js agent run`. */
export function agentCommandLine(): { file: string; args: string[] } {
  return { file: process.execPath, args: [...AGENT_NODE_FLAGS, GWCTL_BIN, 'agent', 'run'] };
}
