/**
 * Races with the agent, short version (the long one, 50 rounds each, is
 * test/reliability/agent-races.test.ts).
 *
 * FIXED BUG (src/engine/ledger.ts LedgerStore.update): two requests for different tools inside the
 * agent both updated the ledger: check hash, await, rename; the other's rename in between was
 * lost, so a tool's entry went missing and restore left it on the gateway.
 * FIXED BUG (src/agent/agent.ts reconcile): an agent starting while a `--no-agent` takeover was
 * in flight reconciled (revoked) the key that takeover was writing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { noAgentRacingAgent, requestsInsideAgent } from '../reliability/lib/agent-races.ts';
import { nineToolHome } from '../reliability/lib/writers.ts';

let gw: FakeLiteLLM;
beforeAll(async () => {
  gw = await startLiteLLM();
});
afterAll(async () => {
  await gw.close();
});

it('two CLI requests on different tools racing inside the agent (3 rounds): no entry lost, byte-identical restore, no live key', async () => {
  const t = await requestsInsideAgent(await nineToolHome(gw), gw, 3);
  expect(t.problems).toEqual([]);
}, 180_000);

it('--no-agent takeovers racing an agent that starts and reconciles (3 rounds): no key in use revoked, byte-identical restore', async () => {
  const t = await noAgentRacingAgent(await nineToolHome(gw), gw, 3);
  expect(t.problems).toEqual([]);
}, 180_000);
