/**
 * One agent, always (issue 17 §3): the single instance is a lock the agent holds for its whole
 * life, released by the kernel when it dies; never "does it answer within N ms".
 *
 * FIXED BUG (src/agent/agent.ts, Agent.doStart): a second agent took an agent that did not answer
 * within 1.5 s for dead (busy event loop, or stopped with Ctrl-Z), removed its live socket and
 * bound its own; the first, once running again, saw its socket replaced, stopped, and removed
 * the second's socket on the way out: no agent left.
 */
import { lstatSync } from 'node:fs';
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { probeAgent } from '../../src/ipc/client.ts';
import { socketLocation } from '../../src/home/paths.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { ensureBuilt, sleep, spawnGwctl, startAgentProc, type AgentProc } from './helpers.ts';

let h: TempHome;
let first: AgentProc | undefined;
beforeAll(() => ensureBuilt(), 120_000);
beforeEach(() => {
  h = tempHome();
});
afterEach(async () => {
  if (first) {
    first.child.kill('SIGCONT');
    await first.stop();
  }
  first = undefined;
  h.cleanup();
});

const loc = () => socketLocation({ home: h.home, env: h.env });

it('a stopped agent (Ctrl-Z) keeps its socket: `agent start` refuses and names it; once resumed it still serves', async () => {
  first = await startAgentProc(h.env);
  const ino = lstatSync(loc().path).ino;
  first.child.kill('SIGSTOP');
  const second = spawnGwctl(['agent', 'start'], h.env);
  expect(await second.exited).toBe(1);
  expect(second.err()).toMatch(new RegExp(`agent \\(pid ${first.child.pid}\\) is running but does not answer`));
  expect(lstatSync(loc().path).ino).toBe(ino);
  first.child.kill('SIGCONT');
  const hello = await probeAgent(loc(), 2000);
  expect(hello?.pid).toBe(first.child.pid);
  await sleep(300); // the first agent checks its own socket on resume: it must not stop
  expect((await probeAgent(loc(), 2000))?.pid).toBe(first.child.pid);
});

it('a busy agent (no answer for 1.5 s) is not replaced by `agent run`; afterwards exactly one agent serves', async () => {
  first = await startAgentProc(h.env);
  const ino = lstatSync(loc().path).ino;
  first.child.kill('SIGSTOP'); // as good as an event loop blocked for 1.5 s, seen from outside
  const second = spawnGwctl(['agent', 'run'], h.env);
  const code = await Promise.race([second.exited, sleep(4000).then(() => 'still running' as const)]);
  first.child.kill('SIGCONT');
  if (code === 'still running') second.child.kill('SIGTERM');
  expect(code).toBe(1);
  expect(lstatSync(loc().path).ino).toBe(ino);
  await sleep(300);
  expect((await probeAgent(loc(), 2000))?.pid).toBe(first.child.pid);
});

it('an agent killed with SIGKILL does not block the next one (the kernel released its lock)', async () => {
  first = await startAgentProc(h.env);
  first.child.kill('SIGKILL');
  await first.exited;
  first = await startAgentProc(h.env);
  expect((await probeAgent(loc(), 2000))?.pid).toBe(first.child.pid);
});
