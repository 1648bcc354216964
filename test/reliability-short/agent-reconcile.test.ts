/**
 * After a SIGKILL in the middle of a takeover, the next agent start must reconcile the ledger
 * with the disk. Crash point: GWCTL_TEST_CRASH_AT=before-rename:4 = the config write of a fresh
 * one-file takeover (writes: 1 ledger intent, 2 .bak, 3 ledger backup hash, 4 settings.json).
 * Left behind: settings.json untouched, a ledger entry in state 'applying', a live minted key.
 *
 * FIXED BUG (src/agent/agent.ts, Agent.doStart): the agent reads every tool's status from disk (so
 * there is no phantom "taken over" in what it reports) but never looks at the ledger: the
 * 'applying' entry stays, and its key stays live at the gateway with no note, until the user
 * happens to run takeover or restore for that tool. Expected: on start, an entry whose files do
 * not hold what it wrote is rolled back (restoreOnce) and its key released, or the agent logs /
 * publishes a note naming the key.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerStore } from '../../src/engine/ledger.ts';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { fixtureCases, registerKeys, runChild, seedCase, type SeededHome } from '../reliability/lib/common.ts';
import { serving, startAgent, type AgentUnderTest } from '../reliability/lib/socket.ts';
import { AgentConnection, probeAgent } from '../../src/ipc/client.ts';

let gw: FakeLiteLLM;
let h: SeededHome;
let agent: AgentUnderTest;
const settings = () => join(h.home, '.claude', 'settings.json');
const ledger = () => new LedgerStore(join(h.home, '.local', 'state', 'gwctl')).load();

beforeAll(async () => {
  gw = await startLiteLLM();
  registerKeys([gw.masterKey]);
  h = await seedCase(
    fixtureCases().find((c) => c.tool === 'claude-code' && c.name === 'hooks-plugins')!,
    {
      GWCTL_GATEWAY_KIND: 'litellm',
      GWCTL_GATEWAY_URL: gw.url,
      GWCTL_GATEWAY_ADMIN_KEY: gw.masterKey,
    },
  );
  const run = await runChild(['takeover', 'claude-code', '--json'], { ...h.env, GWCTL_TEST_CRASH_AT: 'before-rename:4' });
  registerKeys([...gw.keys.values()].map((k) => k.key));
  expect(run.signal).toBe('SIGKILL');
  expect(readFileSync(settings()).equals(h.original.get(settings())!)).toBe(true);
  expect((await ledger()).tools['claude-code']?.state).toBe('applying');
  expect(gw.keys.size).toBe(1);
  agent = await startAgent({ home: h });
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await gw?.close();
});

describe('agent start after a crash', () => {
  it('reports what is on disk: no phantom "taken over"', async () => {
    expect(await serving(agent)).toBe(true);
    const conn = await AgentConnection.open(agent.loc);
    try {
      const r = await conn.request('status', { tools: ['claude-code'] });
      expect(r.tools[0]!.status).toBe('not-taken-over');
    } finally {
      conn.close();
    }
  });

  it('reconciles the interrupted takeover: no applying entry, its key revoked (or named)', async () => {
    const end = Date.now() + 3000;
    while (Date.now() < end && ((await ledger()).tools['claude-code'] || gw.keys.size > 0)) await new Promise((r) => setTimeout(r, 100));
    expect((await ledger()).tools['claude-code']).toBeUndefined();
    const logFile = (await probeAgent(agent.loc))?.logFile;
    let log = '';
    try {
      log = logFile ? readFileSync(logFile, 'utf8') : '';
    } catch {
      /* no log yet */
    }
    const named = [...gw.keys.keys()].every((alias) => log.includes(alias));
    expect(gw.keys.size === 0 || named).toBe(true);
  });
});
