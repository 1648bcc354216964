/**
 * `gwctl ui [--no-autostart]` (and bare `gwctl` in a terminal): the Endpoints page, live. Finds
 * or starts the agent as `status` does, then hands the connection to src/ui/ (Ink, loaded only
 * here). The gateway's health and doctor's findings are read in this process, with the caller's
 * environment and directory, as `gwctl gateway status` and `gwctl doctor` read them.
 */
import { gwctlPaths } from '../../home/paths.ts';
import { AgentConnection, incompatibility, probeAgent } from '../../ipc/client.ts';
import { autostartEnabled, connectOrStart, gatewayEnv, locateAgent } from '../agent-client.ts';
import type { Io } from '../../shared/io.ts';
import { rawCommand, type CliCommand } from '../command.ts';
import { VERSION } from '../../shared/version.ts';

export const UI_USAGE = 'Usage: gwctl ui [--no-autostart]   (keys: ? inside)';

export async function run(argv: string[], io: Io): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(UI_USAGE);
    return 0;
  }
  const bad = argv.find((a) => a !== '--no-autostart');
  if (bad) {
    io.err(`gwctl: ${bad.startsWith('-') ? `unknown option ${bad}` : `unexpected '${bad}'`}\n${UI_USAGE}`);
    return 2;
  }
  if (!io.isTTY) {
    io.err('gwctl ui: needs a terminal on stdin and stdout; in scripts use gwctl status --json or gwctl watch --json');
    return 1;
  }
  const located = locateAgent(io);
  if (!located) return 1;
  const { home, loc } = located;
  const configDir = gwctlPaths({ home, env: io.env }).configDir;
  let conn: AgentConnection | undefined;
  try {
    conn = await connectOrStart(loc, home, io, { autostart: !argv.includes('--no-autostart') && autostartEnabled(configDir) });
    if (!conn) {
      io.err('gwctl ui: no agent is running, and the view needs one; start it with: gwctl agent start');
      return 1;
    }
    const hello = await conn.request('hello', {}, { timeoutMs: 5000 });
    const problem = incompatibility(hello, home);
    if (problem) throw new Error(problem);
    const [{ runUi }, { configuredGateway }, { gatewayStatus }, { runDoctor }] = await Promise.all([
      import('../../ui/run.ts'),
      import('../../gateway/index.ts'),
      import('../../gateway/status.ts'),
      import('../../doctor/index.ts'),
    ]);
    const env = io.env;
    return await runUi({
      conn,
      hello,
      home,
      env,
      err: io.err,
      requestEnv: gatewayEnv(env),
      configDir,
      // `w` writes a setting: under the writer lock, like `gwctl config set`.
      writeLocked: async (fn) => (await import('../../home/lock.ts')).withWriterLock(gwctlPaths({ home, env }).stateDir, env, fn),
      // Not restarted behind the user's back: a stopped agent was stopped on purpose.
      reconnect: async () => {
        if (!(await probeAgent(loc, 1000).catch(() => null))) throw new Error('no agent answers; start one with: gwctl agent start');
        const c = await AgentConnection.open(loc);
        const h = await c.request('hello', {}, { timeoutMs: 5000 });
        const p = incompatibility(h, home);
        if (p) {
          c.close();
          throw new Error(p);
        }
        return { conn: c, hello: h };
      },
      gatewayStatus: () => gatewayStatus(configuredGateway(configDir, env)),
      doctor: async (tool) => (await runDoctor({ home, env, cwd: process.cwd(), version: VERSION })).findings.filter((f) => f.tool === tool),
    });
  } catch (e) {
    conn?.close();
    io.err(`gwctl ui: ${(e as Error).message}`);
    return 1;
  }
}

export const command: CliCommand = rawCommand('ui', 'every tool, live, with keys to act (also bare gwctl in a terminal)', UI_USAGE, run);
