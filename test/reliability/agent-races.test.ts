/**
 * Races with the agent (issue 17 §2, §4), 50 rounds each: two CLI requests on different tools at
 * the same time inside the agent; `--no-agent` takeovers racing an agent that starts and
 * reconciles. Every round ends with a byte-identical restore and no live key.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { figure } from './lib/common.ts';
import { noAgentRacingAgent, requestsInsideAgent } from './lib/agent-races.ts';
import { nineToolHome } from './lib/writers.ts';

const ROUNDS = Number(process.env.GWCTL_WRITER_ROUNDS ?? 50);
let gw: FakeLiteLLM;
beforeAll(async () => {
  gw = await startLiteLLM();
});
afterAll(async () => {
  await gw.close();
});

it(`two CLI requests racing inside the agent, ${ROUNDS} rounds`, async () => {
  const t0 = Date.now();
  const t = await requestsInsideAgent(await nineToolHome(gw), gw, ROUNDS);
  figure({
    row: 'racing requests inside the agent',
    tried: 'takeover of 5 tools and of the 4 others through one agent at the same moment, then both restores at once',
    count: ROUNDS,
    lost: `${t.problems.length} problems (ledger entries lost, tools left on the gateway, live keys, bad .bak)`,
    detail: { requests: t.requests, lockTimeouts: t.lockTimeouts, ms: Date.now() - t0, problems: t.problems.slice(0, 10) },
    command: 'npm run test:reliability -- test/reliability/agent-races.test.ts',
  });
  expect(t.problems).toEqual([]);
});

it(`--no-agent racing an agent that starts, ${ROUNDS} rounds`, async () => {
  const t0 = Date.now();
  const t = await noAgentRacingAgent(await nineToolHome(gw), gw, ROUNDS);
  figure({
    row: '--no-agent racing the agent',
    tried: 'two --no-agent takeovers while an agent starts (start-up reconciliation) and a third through it; stop; two --no-agent restores',
    count: ROUNDS,
    lost: `${t.problems.length} problems (keys revoked while in use, tools left on the gateway, live keys, bad .bak)`,
    detail: { requests: t.requests, refusedForAgent: t.refusedForAgent, lockTimeouts: t.lockTimeouts, ms: Date.now() - t0, problems: t.problems.slice(0, 10) },
    command: 'npm run test:reliability -- test/reliability/agent-races.test.ts',
  });
  expect(t.problems).toEqual([]);
});
