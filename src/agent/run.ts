/**
 * `gwctl agent run`: the agent in the foreground (what launchd/systemd and autostart run).
 * SIGTERM/SIGINT stop it cleanly (work in flight finishes, socket removed, log flushed);
 * SIGHUP reopens the log file after an external rotation.
 */
import type { Io } from '../shared/io.ts';
import { homeFrom } from '../home/paths.ts';
import { Agent, AlreadyRunningError } from './agent.ts';

/** Longest a SIGTERM/SIGINT may take to end the agent. */
export const STOP_DEADLINE_MS = 5000;

export async function runAgent(io: Io, { version }: { version: string }): Promise<number> {
  let agent: Agent;
  try {
    agent = new Agent({ home: homeFrom(io.env), env: io.env, version });
  } catch (e) {
    io.err(`gwctl: the agent could not start: ${(e as Error).message}`);
    return 1;
  }
  // Handlers first: a signal during start-up stops the agent once it is up, never kills it
  // half-way (the socket would be left behind).
  let stopRequested: string | undefined;
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    // A clean stop finishes work in flight; whatever holds it up (a read the OS never
    // completes, a wedged start), the agent still ends within STOP_DEADLINE_MS.
    deadline ??= setTimeout(() => {
      io.err(`gwctl: the agent did not stop within ${STOP_DEADLINE_MS / 1000} s of ${signal}; exiting anyway`);
      process.exit(1);
    }, STOP_DEADLINE_MS);
    if (started) void agent.stop(signal);
    else stopRequested = signal;
  };
  let deadline: NodeJS.Timeout | undefined;
  const onHup = () => {
    if (started) agent.reopenLog();
  };
  const onFatal = (err: unknown) => {
    io.err(`gwctl: agent error: ${(err as Error)?.message ?? String(err)}`);
    void agent.stop('fatal error').finally(() => process.exit(1));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onHup);
  const off = () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onHup);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
  };
  try {
    await agent.start();
  } catch (e) {
    off();
    io.err(`gwctl: ${e instanceof AlreadyRunningError ? '' : 'the agent could not start: '}${(e as Error).message}`);
    return 1;
  }
  started = true;
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  io.err(`gwctl agent ${version} running (pid ${process.pid}); socket ${agent.socket.path}; log ${agent.logFile}`);
  const stopped = new Promise<void>((resolve) => agent.onStopped(resolve));
  if (stopRequested) void agent.stop(stopRequested);
  await stopped;
  off();
  clearTimeout(deadline);
  // Everything is closed; if a stray handle still holds the loop, do not hang around for it.
  setTimeout(() => process.exit(0), 2000).unref();
  return 0;
}
