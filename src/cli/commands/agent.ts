/**
 * `gwctl agent run|start|stop|status`.
 * - run: the agent in the foreground (launchd, systemd, autostart); exits 1 if one is running.
 * - start: in the background; "already running" is not an error.
 * - stop: ask it to stop and wait until its socket is gone.
 * - status: whether it runs, its pid, socket, log, and what it watches (`--json`).
 */
import { incompatibility, probeAgent } from '../../ipc/client.ts';
import type { HelloResult } from '../../ipc/schema.ts';
import type { Io } from '../../shared/io.ts';
import { locateAgent, startAgent, stopAgent, unwatchedLines } from '../agent-client.ts';
import { VERSION } from '../../shared/version.ts';
import { JSON_OPTION, UsageError, type CliCommand } from '../command.ts';

const SUBCOMMANDS = ['run', 'start', 'stop', 'status'];

export const command: CliCommand = {
  name: 'agent',
  summary: 'the background agent that keeps tools pointed here',
  usage: 'gwctl agent (run|start|stop|status) [--json]',
  options: { json: JSON_OPTION },
  async run({ values, positionals }, { io }) {
    const [sub, extra] = positionals;
    if (!sub) throw new UsageError('agent needs a command: run, start, stop or status');
    if (!SUBCOMMANDS.includes(sub)) throw new UsageError(`unknown agent command '${sub}'`);
    if (extra) throw new UsageError(`unexpected '${extra}'`);
    return agentCommand(sub, { json: values.json === true, version: VERSION }, io);
  },
};

export async function agentCommand(sub: string | undefined, { json, version }: { json: boolean; version: string }, io: Io): Promise<number> {
  const located = locateAgent(io);
  if (!located) return 1;
  const { home, loc } = located;
  try {
    switch (sub) {
      case 'run': {
        // Before the agent's modules load: node-ipc without the TLS transport it never uses.
        (await import('../../agent/lean-imports.ts')).leanImports();
        const { runAgent } = await import('../../agent/run.ts');
        return await runAgent(io, { version });
      }
      case 'start': {
        const running = await probeAgent(loc);
        if (running) {
          report(io, json, running, `gwctl agent is already running (pid ${running.pid}, socket ${running.socket})`);
          return 0;
        }
        const hello = await startAgent(io.env, home);
        report(io, json, hello, `gwctl agent started (pid ${hello.pid}); log ${hello.logFile}`);
        return 0;
      }
      case 'stop': {
        const pid = await stopAgent(loc);
        if (pid === undefined) {
          if (json) io.out(JSON.stringify({ running: false }));
          else io.out('gwctl agent is not running');
          return 0;
        }
        if (json) io.out(JSON.stringify({ running: false, stopped: pid }));
        else io.out(`gwctl agent stopped (pid ${pid})`);
        return 0;
      }
      case 'status': {
        const running = await probeAgent(loc);
        if (!running) {
          if (json) io.out(JSON.stringify({ running: false, socket: loc.path }, null, 2));
          else io.out(`gwctl agent is not running (socket ${loc.path}); start it with: gwctl agent start`);
          return 1;
        }
        const problem = incompatibility(running, home);
        if (json) io.out(JSON.stringify({ running: true, ...running, ...(problem ? { problem } : {}) }, null, 2));
        else {
          io.out(
            [
              `gwctl agent ${running.version} running (pid ${running.pid}) since ${running.startedAt}`,
              `  socket:   ${running.socket}`,
              `  log:      ${running.logFile}`,
              `  settings: ${running.settingsFile}`,
              `  watching: ${Object.keys(running.watching).length} tool config dirs${running.unwatched?.length ? ` (${running.unwatched.length} not watched, see below)` : ''}`,
              `  subscribers: ${running.subscribers}`,
              ...unwatchedLines(running.unwatched),
            ].join('\n'),
          );
          if (problem) io.err(`gwctl: ${problem}`);
        }
        return problem ? 1 : 0;
      }
      default:
        throw new UsageError(`unknown agent command '${sub}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    io.err(`gwctl: ${(e as Error).message}`);
    return 1;
  }
}

function report(io: Io, json: boolean, hello: HelloResult, text: string): void {
  if (json) io.out(JSON.stringify({ running: true, ...hello }, null, 2));
  else io.out(text);
}
