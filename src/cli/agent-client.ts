/**
 * How `gwctl` reaches its agent: find it on the socket, start it in the background when none
 * answers (and say so), or run in-process when asked (`--no-agent`, GWCTL_NO_AGENT=1).
 *
 * Light on purpose: this is on the `gwctl status` path, so it loads no chokidar, pino, conf or
 * notifier, and not node-ipc's full module (see ipc/client.ts).
 */
import { checkPrivate, ensurePrivateDir } from '../home/private.ts';
import { readBounded } from '../shared/read.ts';
import { join } from 'node:path';
import type { ToolId } from '../adapters/index.ts';
import { AgentConnection, AgentRequestError, AgentUnavailableError, incompatibility, probeAgent, UnsafeSocketError } from '../ipc/client.ts';
import type { HelloResult, WireReport } from '../ipc/schema.ts';
import { AGENT_OUTPUT_LOG, agentCommandLine, gwctlPaths, homeFrom, socketLocation, type SocketLocation } from '../home/paths.ts';
import { readSettings } from '../home/settings.ts';
import type { Command } from '../engine/commands.ts';
import { toolEnvDifference, toolLocationEnv, withoutGatewayOverrides } from '../shared/tool-env.ts';
import type { Io } from '../shared/io.ts';

// Not `import … from 'node:fs'`: see ipc/client.ts (an ES import of node:fs loads fs.promises
// and a dozen internal modules with it).
const { closeSync, mkdirSync, openSync, readFileSync } = process.getBuiltinModule('node:fs');

export interface RouteOptions {
  /** `--no-agent` (or GWCTL_NO_AGENT=1): run in-process; refused for writes while an agent runs. */
  noAgent: boolean;
  /** `--no-autostart`: use a running agent, else run in-process. */
  noAutostart: boolean;
}

export type Routed =
  | { kind: 'agent'; reports: WireReport[] }
  | { kind: 'in-process' }
  /** Tools the agent does not know (and the ones it does): nothing was run. */
  | { kind: 'unknown-tools'; unknown: string[]; known: string[] }
  | { kind: 'exit'; code: number };

/** This caller's HOME and agent socket; undefined after printing why (HOME unset or relative). */
export function locateAgent(io: Io): { home: string; loc: SocketLocation } | undefined {
  let home: string;
  try {
    home = homeFrom(io.env);
  } catch (e) {
    io.err(`gwctl: ${(e as Error).message}`);
    return undefined;
  }
  return { home, loc: socketLocation({ home, env: io.env }) };
}

export function noAgentRequested(opts: Pick<RouteOptions, 'noAgent'>, env: Io['env']): boolean {
  return opts.noAgent || env.GWCTL_NO_AGENT === '1';
}

/** The caller's gateway variables travel with the request, so it means what it would in-process. */
export function gatewayEnv(env: Io['env']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith('GWCTL_GATEWAY_') && typeof v === 'string') out[k] = v;
  return out;
}

/** The `autostart` setting (default on); read as plain JSON, without conf. */
export function autostartEnabled(configDir: string): boolean {
  try {
    return readSettings(configDir).autostart !== false;
  } catch {
    return true;
  }
}

/**
 * Route `status|takeover|restore` through the agent. Returns the agent's reports, or
 * 'in-process' when the caller should run the engine itself, or an exit code after printing why.
 */
export async function routeCommand(command: Command, params: { tools: ToolId[]; force: boolean; all: boolean }, io: Io, opts: RouteOptions): Promise<Routed> {
  let home: string;
  try {
    home = homeFrom(io.env);
  } catch {
    return { kind: 'in-process' }; // the in-process path reports the missing HOME
  }
  const loc = socketLocation({ home, env: io.env });

  if (noAgentRequested(opts, io.env)) {
    if (command === 'status') return { kind: 'in-process' };
    let running: HelloResult | null = null;
    try {
      running = await probeAgent(loc, 1000);
    } catch {
      running = null; // an unsafe socket dir is no agent of ours
    }
    // Another environment than the agent's (CODEX_HOME, …): in-process is the only way to act on
    // the files this command means; the writer lock keeps it from racing the agent.
    if (running && !toolEnvDifference(running.toolEnv ?? {}, toolLocationEnv(io.env))) {
      io.err(
        `gwctl: a gwctl agent is running (pid ${running.pid}) and is the single writer of tool configs; drop --no-agent to go through it, or stop it first (gwctl agent stop)`,
      );
      return { kind: 'exit', code: 1 };
    }
    return { kind: 'in-process' };
  }

  let conn: AgentConnection | undefined;
  try {
    conn = await connectOrStart(loc, home, io, { autostart: !opts.noAutostart && autostartEnabled(gwctlPaths({ home, env: io.env }).configDir) });
  } catch (e) {
    io.err(`gwctl: ${(e as Error).message}`);
    return { kind: 'exit', code: 1 };
  }
  if (!conn) return { kind: 'in-process' };
  try {
    const hello = conn.request('hello', {}, { timeoutMs: 5000 });
    // status is sent at once (it changes nothing); a write only once the agent is known to act
    // on the same files as this command would.
    let result = command === 'status' ? conn.request(command, { ...params, env: gatewayEnv(io.env) }) : undefined;
    result?.catch(() => undefined);
    const h = await hello;
    const problem = incompatibility(h, home);
    if (problem) {
      io.err(`gwctl: ${problem}`);
      return { kind: 'exit', code: 1 };
    }
    // The agent refuses a request naming a tool it does not know; say which, as a usage error.
    const known = Object.keys(h.watching);
    const unknown = params.tools.filter((t) => !known.includes(t));
    if (unknown.length) return { kind: 'unknown-tools', unknown, known };
    const differs = toolEnvDifference(h.toolEnv ?? {}, toolLocationEnv(io.env));
    if (differs) {
      if (command === 'status') return { kind: 'in-process' }; // read here, from this environment's files
      io.err(
        `gwctl: the running agent (pid ${h.pid}) was started with another environment: ${differs}; through it gwctl would change other files than you mean. ` +
          `Run this command with --no-agent (it runs here, under the same writer lock), or restart the agent from this environment (gwctl agent stop, then run the command again)`,
      );
      return { kind: 'exit', code: 1 };
    }
    result ??= conn.request(command, { ...params, env: gatewayEnv(io.env) });
    return { kind: 'agent', reports: (await result).tools };
  } catch (e) {
    if (e instanceof AgentRequestError) io.err(`gwctl: ${e.message}`);
    else io.err(`gwctl: the agent did not finish the request: ${(e as Error).message}. See its log: gwctl agent status`);
    return { kind: 'exit', code: 1 };
  } finally {
    conn.close();
  }
}

/**
 * A connection to the running agent; when none answers, start one (if `autostart`) and say so
 * on stderr. `undefined`: no agent and autostart is off. Throws on an unsafe socket directory
 * or an agent that fails to start.
 */
export async function connectOrStart(loc: SocketLocation, home: string, io: Io, { autostart }: { autostart: boolean }): Promise<AgentConnection | undefined> {
  try {
    return await AgentConnection.open(loc);
  } catch (e) {
    if (e instanceof UnsafeSocketError) throw e;
    if (!(e instanceof AgentUnavailableError)) throw e;
  }
  if (!autostart) return undefined;
  const hello = await startAgent(io.env, home);
  io.err(
    `gwctl: no agent was running; started one in the background (pid ${hello.pid}). It keeps tools pointed at the gateway; stop it with: gwctl agent stop`,
  );
  return AgentConnection.open(loc);
}

/**
 * Start `gwctl agent run` detached and wait until it answers. If another agent won a race to
 * start, that one is returned. Its own output goes to `<logDir>/agent.out.log` (AGENT_OUTPUT_LOG).
 */
export async function startAgent(env: Io['env'], home: string, { timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<HelloResult> {
  let loc = socketLocation({ home, env });
  const { logDir } = gwctlPaths({ home, env });
  ensurePrivateDir(logDir, "gwctl's log directory");
  const outFile = join(logDir, AGENT_OUTPUT_LOG);
  checkPrivate(outFile, "the agent's start-up output");
  const out = openSync(outFile, 'a', 0o600);
  let exited: number | null | undefined;
  try {
    // Loaded here, not at the top: `gwctl status` with a running agent never needs it.
    const { spawn } = await import('node:child_process');
    const cmd = agentCommandLine();
    const child = spawn(cmd.file, cmd.args, {
      detached: true,
      stdio: ['ignore', out, out],
      // Not the caller's one-off GWCTL_GATEWAY_*: the agent's gateway comes from the settings;
      // each request carries its own.
      env: withoutGatewayOverrides(env) as NodeJS.ProcessEnv,
      cwd: '/',
    });
    child.on('exit', (code) => (exited = code));
    child.on('error', () => (exited = -1));
    child.unref();
  } finally {
    closeSync(out);
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A short socket directory is chosen by the agent as it starts: look again until it is.
    if (loc.pending) loc = socketLocation({ home, env });
    const hello = await probeAgent(loc, 500).catch((e: Error) => {
      if (e instanceof UnsafeSocketError) throw e;
      return null;
    });
    if (hello) return hello;
    if (exited !== undefined) {
      // Exited: lost a race to another agent (which then answers), or failed to start.
      const again = await probeAgent(loc, 500).catch(() => null);
      if (again) return again;
      throw new Error(`the agent exited at start (code ${exited}): ${lastLine(outFile)} (full output in ${outFile})`);
    }
    if (Date.now() > deadline) throw new Error(`the agent did not answer within ${timeoutMs / 1000} s; see ${outFile}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

function lastLine(file: string): string {
  try {
    const lines = (readBounded(file, { max: 1024 * 1024 })?.bytes.toString('utf8') ?? '').trim().split('\n');
    return lines[lines.length - 1]?.slice(0, 300) ?? '';
  } catch {
    return '';
  }
}

/**
 * Ask the agent answering at `loc` to shut down and wait until its socket is gone (so a following
 * start does not race it). Its pid, or undefined when none was running.
 */
export async function stopAgent(loc: SocketLocation): Promise<number | undefined> {
  const running = await probeAgent(loc).catch(() => null);
  if (!running) return undefined;
  const conn = await AgentConnection.open(loc);
  const gone = new Promise<void>((resolve) => conn.onClose(() => resolve()));
  await conn.request('shutdown', {}, { timeoutMs: 5000 });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
  clearTimeout(timer);
  conn.close();
  for (let i = 0; i < 100 && (await probeAgent(loc, 300).catch(() => null)); i++) await new Promise((r) => setTimeout(r, 50));
  return running.pid;
}

/** What `agent status` and `watch` say about directories the OS would not watch. */
export function unwatchedLines(unwatched: HelloResult['unwatched']): string[] {
  return (unwatched ?? []).map((u) => `  not watched: ${u.dir} (${u.tools.join(', ')}): ${u.reason}; checked every ${u.pollSeconds} s instead`);
}
