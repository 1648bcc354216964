/**
 * `gwctl watch [--json]`: stream the agent's events until Ctrl-C. With `--json`, one JSON
 * object per line (the AgentEvent of ipc/schema.ts); otherwise a time, the event and a sentence.
 */
import { gwctlPaths } from '../../home/paths.ts';
import { incompatibility } from '../../ipc/client.ts';
import type { AgentEvent } from '../../ipc/schema.ts';
import { autostartEnabled, connectOrStart, locateAgent, unwatchedLines } from '../agent-client.ts';
import { onOutputClosed, type Io } from '../../shared/io.ts';
import { UsageError, type CliCommand } from '../command.ts';

export const command: CliCommand = {
  name: 'watch',
  summary: "stream the agent's events (--json: one JSON object per line)",
  usage: 'gwctl watch [--json] [--no-autostart]',
  options: {
    json: { type: 'boolean', description: 'one JSON object (an AgentEvent) per line' },
    'no-autostart': { type: 'boolean', description: 'do not start an agent when none runs' },
  },
  async run({ values, positionals }, { io }) {
    if (positionals.length) throw new UsageError(`unexpected '${positionals[0]}'`);
    return watchCommand({ json: values.json === true, noAutostart: values['no-autostart'] === true }, io);
  },
};

export async function watchCommand({ json, noAutostart, signal }: { json: boolean; noAutostart: boolean; signal?: AbortSignal }, io: Io): Promise<number> {
  const located = locateAgent(io);
  if (!located) return 1;
  const { home, loc } = located;
  const autostart = !noAutostart && autostartEnabled(gwctlPaths({ home, env: io.env }).configDir);
  let conn;
  try {
    conn = await connectOrStart(loc, home, io, { autostart });
    if (!conn) {
      io.err('gwctl: no agent is running, and watch needs one; start it with: gwctl agent start');
      return 1;
    }
    const hello = await conn.request('hello', {}, { timeoutMs: 5000 });
    const problem = incompatibility(hello, home);
    if (!problem && !json) for (const l of unwatchedLines(hello.unwatched)) io.err(`gwctl:${l.slice(1)}`);
    if (problem) {
      conn.close();
      io.err(`gwctl: ${problem}`);
      return 1;
    }
    conn.onEvent((e) => io.out(json ? JSON.stringify(e) : line(e)));
    await conn.request('subscribe', {}, { timeoutMs: 5000 });
  } catch (e) {
    conn?.close();
    io.err(`gwctl: ${(e as Error).message}`);
    return 1;
  }
  if (!json) io.err(`gwctl: watching (agent on ${loc.path}); Ctrl-C to stop`);

  const c = conn;
  return new Promise<number>((resolve) => {
    let interrupted = false;
    const stop = () => {
      interrupted = true;
      c.close();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
    const offClosed = onOutputClosed(stop);
    c.onClose(() => {
      offClosed();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (interrupted) return resolve(0);
      io.err('gwctl: the agent went away (stopped or restarted); run gwctl watch again');
      resolve(1);
    });
  });
}

function line(e: AgentEvent): string {
  const time = e.at.slice(11, 19);
  return `${time}  ${e.type.padEnd(14)}  ${e.message}`;
}
