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
import { readBounded } from '../shared/read.ts';
import { checkPrivateFile, ensurePrivateDir } from './private.ts';

// Not ES imports of node:fs/node:crypto: the status path must stay light (see above).
const { renameSync, writeFileSync } = process.getBuiltinModule('node:fs');

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

/** The agent's log (JSON lines, pino) in `logDir`. */
export const AGENT_LOG = 'agent.log';
/**
 * What the agent process itself prints (start-up line, a fatal error), in `logDir`: where
 * autostart and the launchd service both send its stdout and stderr.
 */
export const AGENT_OUTPUT_LOG = 'agent.out.log';

/** HOME for gwctl: $HOME, required (no guessing from the passwd database). */
export function homeFrom(env: PathEnv['env']): string {
  const home = env.HOME;
  if (!home || !home.startsWith('/')) {
    throw new Error("HOME is not set to an absolute path; gwctl needs it to find the tools' config files (export HOME=/path/to/home)");
  }
  return home;
}

// ---- where the socket lives ----------------------------------------------------------------

export const SOCKET_NAME = 'agent.sock';
/** sun_path is 104 bytes on macOS (108 on Linux), including the NUL. */
export const MAX_SOCKET_PATH_BYTES = 103;

export interface SocketLocation {
  /** The socket's directory: owner-only (0700), checked by both ends. */
  dir: string;
  path: string;
  /** Set when the preferred place was not usable, and why. */
  fallbackReason?: string;
  /** The short directory is not chosen yet (no agent has run): nothing can answer here. */
  pending?: boolean;
}

/** In the preferred (long) directory: the name of the short one, which only the user can read. */
export const SHORT_SOCKET_DIR_FILE = 'short-socket-dir';

/**
 * The short socket directory when the preferred path is too long: `/tmp/gwctl-<uid>-<random>`,
 * its name kept in `<preferred>/short-socket-dir` (0600 in a 0700 directory). Another local user
 * can neither guess it nor read it, so cannot create it first to block or impersonate the agent
 * (a fixed `/tmp/gwctl-<uid>` could be). `create`: choose one when there is none (the agent).
 */
function shortSocketDir(preferred: string, uid: number, create: boolean): string | undefined {
  const pointer = join(preferred, SHORT_SOCKET_DIR_FILE);
  const valid = new RegExp(`^/tmp/gwctl-${uid}-[0-9a-f]{16}$`);
  try {
    checkPrivateFile(pointer, "gwctl's socket directory pointer");
    const name = readBounded(pointer, { max: 256, noFollow: true })?.bytes.toString('utf8').trim();
    if (name && valid.test(name)) return name;
  } catch (e) {
    if (!create) return undefined;
    throw e;
  }
  if (!create) return undefined;
  ensurePrivateDir(preferred, "gwctl's state directory");
  // node:crypto only here (the rare long-path fallback): loading it costs `gwctl status` ~5 ms.
  const name = `/tmp/gwctl-${uid}-${process.getBuiltinModule('node:crypto').randomBytes(8).toString('hex')}`;
  const tmp = `${pointer}.${process.pid}.tmp`;
  writeFileSync(tmp, name + '\n', { mode: 0o600, flag: 'wx' });
  renameSync(tmp, pointer);
  return name;
}

/**
 * Linux: `$XDG_RUNTIME_DIR/gwctl/`, else `$XDG_STATE_HOME/gwctl/` (`~/.local/state/gwctl/`).
 * macOS: `~/Library/Application Support/gwctl/`. A path over 103 bytes falls back to
 * `/tmp/gwctl-<uid>-<random>/`, named in a file only the user can read (see shortSocketDir).
 */
export function socketLocation({
  home,
  env,
  platform = process.platform,
  uid = process.getuid?.() ?? 0,
  create = false,
}: {
  home: string;
  env: Readonly<Record<string, string | undefined>>;
  platform?: NodeJS.Platform;
  uid?: number;
  /** The agent: choose the short directory if the path is too long and none is chosen yet. */
  create?: boolean;
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
  const fallbackReason = `${path} is longer than ${MAX_SOCKET_PATH_BYTES} bytes (the socket path limit)`;
  const short = shortSocketDir(dir, uid, create);
  if (!short) {
    const none = join(dir, 'no-short-socket-dir-yet');
    return { dir: none, path: join(none, SOCKET_NAME), fallbackReason, pending: true };
  }
  return { dir: short, path: join(short, SOCKET_NAME), fallbackReason };
}

// ---- the program ---------------------------------------------------------------------------

/** bin/gwctl.js, from src/home/ and from dist/home/ alike. */
export const GWCTL_BIN = fileURLToPath(new URL('../../bin/gwctl.js', import.meta.url));

/**
 * Node flags for the long-running agent (service units use agentCommandLine() too), measured with
 * `node bench/agent.ts --memory-only` (issue 19):
 * - `--max-semi-space-size=1`: a 1 MiB young generation instead of V8's default 16 MiB; the idle
 *   agent allocates little (about 83 → 76 MiB when it was the only change).
 * - `--lite-mode`: V8 without its optimizing compilers and their code; about 13 MiB less with
 *   seventeen tools watched. It disables WebAssembly, which is why gateway calls do not use
 *   Node's fetch (gateway/wire.ts). A burst of edits costs more CPU (see docs/performance.md).
 * - `--expose-gc`: the agent runs a full collection itself when edits leave memory outside the heap
 *   behind (agent/memory.ts): flat at about 64 MiB under 10 edits/s instead of growing to 71.
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--lite-mode', '--expose-gc'];

/** The command that runs the agent in the foreground: `node <AGENT_NODE_FLAGS> bin/gwctl.js agent run`. */
export function agentCommandLine(): { file: string; args: string[] } {
  return { file: process.execPath, args: [...AGENT_NODE_FLAGS, GWCTL_BIN, 'agent', 'run'] };
}
