/**
 * `gwctl status --json` answered from the agent's status file (agent/status-file.ts) without
 * loading the CLI: bin/gwctl.js asks here first, and only for exactly `status --json`. The file
 * is used only when it is certainly what the agent would answer now:
 *
 * - it is a regular file, ours, not readable by others, in the agent's private socket directory;
 * - it was written by this gwctl version and protocol, for this HOME and these tool-location
 *   variables (CODEX_HOME, …), and the caller sets no GWCTL_GATEWAY_* override nor
 *   GWCTL_NO_AGENT;
 * - the agent that wrote it is alive, and every path the status was computed from has the same
 *   stamp now (shared/stamp.ts): a config file written a microsecond ago sends the caller the
 *   usual way, through the socket, however busy or stopped the agent is.
 *
 * Anything else (no agent, no file, a mismatch, an unreadable file) returns undefined and the
 * usual path runs, with its own errors and autostart. Loads eight small modules of gwctl's and no
 * dependency.
 */
import { join } from 'node:path';
import { gwctlPaths, homeFrom, socketLocation } from '../home/paths.ts';
import { PROTOCOL_VERSION, STATUS_CACHE_FILE, STATUS_FILE, type StatusFileData } from '../ipc/schema.ts';
import { pathStamp } from '../shared/stamp.ts';
import { visible } from '../shared/terminal.ts';
import { toolLocationEnv } from '../shared/tool-env.ts';
import { VERSION } from '../shared/version.ts';

// Not `import … from 'node:fs'` (see ipc/client.ts).
const { lstatSync, readFileSync, writeSync } = process.getBuiltinModule('node:fs');

const MAX_BYTES = 4 * 1024 * 1024;

function sameEnv(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}

function privateToUs(st: { uid: number; mode: number }): boolean {
  const uid = process.getuid?.();
  return (uid === undefined || st.uid === uid) && (st.mode & 0o077) === 0;
}

/** Whether a caller's environment overrides the gateway for this one command (GWCTL_GATEWAY_*). */
export function gatewayOverridden(env: NodeJS.ProcessEnv): boolean {
  for (const k of Object.keys(env)) if (k.startsWith('GWCTL_GATEWAY_') && env[k] !== undefined) return true;
  return false;
}

/**
 * A status file's answer when it holds now: a private file in a private directory, written by this
 * version for this HOME and these tool-location variables, and every stamp equal now. `pid`: the
 * agent's file also needs its writer alive (it is removed on every event only while the agent runs).
 */
function verifiedAnswer(dir: string, path: string, home: string, env: NodeJS.ProcessEnv, needsLiveWriter: boolean): { text: string; code: number } | undefined {
  const d = lstatSync(dir, { throwIfNoEntry: false });
  if (!d?.isDirectory() || !privateToUs(d)) return undefined;
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st?.isFile() || !privateToUs(st) || st.size > MAX_BYTES) return undefined;
  let data: StatusFileData;
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as StatusFileData;
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null || data.format !== 1 || data.version !== VERSION || data.protocol !== PROTOCOL_VERSION || data.home !== home)
    return undefined;
  if (typeof data.output !== 'string' || (data.code !== 0 && data.code !== 1) || !Array.isArray(data.stamps) || typeof data.toolEnv !== 'object')
    return undefined;
  if (!sameEnv(data.toolEnv, toolLocationEnv(env))) return undefined;
  if (needsLiveWriter) {
    const pid = data.pid;
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return undefined;
    try {
      process.kill(pid, 0);
    } catch {
      return undefined; // gone: the usual path starts a new agent
    }
  }
  for (const s of data.stamps) {
    if (!Array.isArray(s) || typeof s[0] !== 'string' || (s[1] !== 'd' && s[1] !== 'f')) return undefined;
    if (pathStamp(s[0], s[1]) !== s[2]) return undefined;
  }
  return { text: data.output, code: data.code };
}

/** The agent's file's answer (text and exit code) when it holds now, else undefined. */
export function statusFromFile(env: NodeJS.ProcessEnv): { text: string; code: number } | undefined {
  if (env.GWCTL_NO_AGENT === '1' || gatewayOverridden(env)) return undefined;
  let home: string;
  try {
    home = homeFrom(env);
  } catch {
    return undefined;
  }
  const loc = socketLocation({ home, env });
  if (loc.pending) return undefined;
  return verifiedAnswer(loc.dir, join(loc.dir, STATUS_FILE), home, env, true);
}

/** `status --json --no-agent`'s own cache (cli/status-cache.ts) when it holds now, else undefined. */
export function statusFromCache(env: NodeJS.ProcessEnv): { text: string; code: number } | undefined {
  if (gatewayOverridden(env)) return undefined;
  let home: string;
  try {
    home = homeFrom(env);
  } catch {
    return undefined;
  }
  const { stateDir } = gwctlPaths({ home, env });
  return verifiedAnswer(stateDir, join(stateDir, STATUS_CACHE_FILE), home, env, false);
}

/**
 * Write all of `text` to a descriptor synchronously, without creating process.stdout (for a pipe
 * that builds a stream and loads net, a millisecond of the whole answer). A reader that went
 * away (EPIPE, `| head`) ends the output quietly, as guardClosedOutput does for the CLI.
 */
function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); // a non-blocking pipe is full: wait 1 ms
        continue;
      }
      if (code === 'EPIPE') return;
      throw e;
    }
  }
}

/** bin/gwctl.js's first question: answered (the exit code), or undefined for the usual path. */
export function fastStatus(argv: string[], env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (argv[0] !== 'status' || !argv.includes('--json')) return undefined;
  const flags = argv.slice(1).filter((a) => a !== '--json');
  if (flags.length > 1 || (flags.length === 1 && flags[0] !== '--no-agent')) return undefined;
  const answer = flags.length === 1 || env.GWCTL_NO_AGENT === '1' ? statusFromCache(env) : statusFromFile(env);
  if (!answer) return undefined;
  writeAll(1, visible(answer.text) + '\n');
  return answer.code;
}
