/**
 * Races with the agent (issue 17 §2, §4, §6): two CLI requests on different tools at the same
 * time inside the agent, and `--no-agent` writers racing an agent that is starting (its start-up
 * reconciliation included). Shared by the short (npm test) and long (50 rounds) runs.
 */
import type { FakeLiteLLM } from '../../helpers/gateways/litellm.ts';
import { agentRun, check, HALVES, keysAgree, racing, statuses, type NineHome } from './writers.ts';

export interface RaceTally {
  rounds: number;
  requests: number;
  /** Commands refused because an agent runs (`--no-agent` after the agent came up): expected. */
  refusedForAgent: number;
  /** Commands that gave up waiting for the writer lock: allowed, nothing written. */
  lockTimeouts: number;
  problems: string[];
}

const viaAgent = { GWCTL_NO_AGENT: '0' };

/** Two requests through one agent at the same moment, on different tools: takeover, then restore. */
export async function requestsInsideAgent(h: NineHome, gw: FakeLiteLLM, rounds: number): Promise<RaceTally> {
  const tally: RaceTally = { rounds, requests: 0, refusedForAgent: 0, lockTimeouts: 0, problems: [] };
  const agent = await agentRun(h);
  try {
    for (let r = 0; r < rounds; r++) {
      const t = await racing(
        h,
        gw,
        [
          ['takeover', ...HALVES[0]],
          ['takeover', ...HALVES[1]],
        ],
        viaAgent,
      );
      tally.requests += 2;
      tally.lockTimeouts += t.lockTimeouts;
      tally.problems.push(...t.otherFailures.map((f) => `round ${r} takeover: ${f}`));
      const st = await statuses(h);
      for (const [tool, s] of Object.entries(st)) if (s !== 'taken-over') tally.problems.push(`round ${r}: ${tool} is ${s} after its takeover`);
      tally.problems.push(...(await keysAgree(h, gw)).map((p) => `round ${r}: ${p}`));
      tally.problems.push(...check(h).badBak.map((b) => `round ${r}: ${b} is not the original`));
      const back = await racing(
        h,
        gw,
        [
          ['restore', ...HALVES[0]],
          ['restore', ...HALVES[1]],
        ],
        viaAgent,
      );
      tally.requests += 2;
      tally.problems.push(...back.otherFailures.map((f) => `round ${r} restore: ${f}`));
      tally.problems.push(...endState(h, gw, r));
    }
  } finally {
    await agent.stop();
  }
  return tally;
}

/**
 * `--no-agent` takeovers while an agent starts (and reconciles): every racer either writes under
 * the lock or is refused because the agent is up; no key in use is ever revoked.
 */
export async function noAgentRacingAgent(h: NineHome, gw: FakeLiteLLM, rounds: number): Promise<RaceTally> {
  const tally: RaceTally = { rounds, requests: 0, refusedForAgent: 0, lockTimeouts: 0, problems: [] };
  for (let r = 0; r < rounds; r++) {
    const [agent, t] = await Promise.all([
      agentRun(h),
      racing(h, gw, [
        ['takeover', '--all', '--no-agent'],
        ['takeover', ...HALVES[1], '--no-agent'],
      ]),
    ]);
    tally.requests += 2;
    try {
      // Through the agent: the rest of the tools (or "already taken over").
      const via = await racing(h, gw, [['takeover', '--all']], viaAgent);
      tally.requests += 1;
      for (const res of [...t.runs, ...via.runs]) {
        if (res.code !== 0 && /a gwctl agent is running/.test(res.stderr)) tally.refusedForAgent++;
      }
      tally.lockTimeouts += t.lockTimeouts + via.lockTimeouts;
      const other = [...t.otherFailures, ...via.otherFailures].filter((f) => !/a gwctl agent is running/.test(f));
      tally.problems.push(...other.map((f) => `round ${r} takeover: ${f}`));
      const st = await statuses(h);
      for (const [tool, s] of Object.entries(st)) if (s !== 'taken-over') tally.problems.push(`round ${r}: ${tool} is ${s}`);
      tally.problems.push(...(await keysAgree(h, gw)).map((p) => `round ${r}: ${p}`));
      tally.problems.push(...check(h).badBak.map((b) => `round ${r}: ${b} is not the original`));
    } finally {
      await agent.stop();
    }
    const back = await racing(h, gw, [
      ['restore', '--all', '--no-agent'],
      ['restore', ...HALVES[0], '--no-agent'],
    ]);
    tally.requests += 2;
    tally.problems.push(...back.otherFailures.map((f) => `round ${r} restore: ${f}`));
    tally.problems.push(...endState(h, gw, r));
  }
  return tally;
}

function endState(h: NineHome, gw: FakeLiteLLM, r: number): string[] {
  const c = check(h);
  return [
    ...c.badBak.map((b) => `round ${r}: ${b} is not the original`),
    ...c.extraBak.map((b) => `round ${r}: ${b} left`),
    ...c.changed.map((f) => `round ${r}: ${f} not byte-identical after restore`),
    ...[...gw.keys.values()].map((k) => `round ${r}: key '${k.key_alias}' still live`),
  ];
}
