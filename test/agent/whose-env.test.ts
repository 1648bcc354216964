/**
 * Whose environment does the agent use? (issue 17 §9)
 *
 * FIXED BUG (src/cli/agent-client.ts startAgent, src/agent/agent.ts command): a one-off
 * GWCTL_GATEWAY_URL on the command that autostarted the agent stayed in the agent: later plain
 * `gwctl takeover`s went to that one-off gateway. A CODEX_HOME on the CLI was not sent to the
 * running agent, which wrote ~/.codex instead (and `--no-agent` was refused).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { TOOL_IDS } from '../../src/adapters/index.ts';
import { adapterFor } from '../../src/adapters/index.ts';
import { TOOL_LOCATION_VARS } from '../../src/shared/tool-env.ts';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';
import { ensureBuilt, writeSettings } from './helpers.ts';

let a: FakeLiteLLM;
let b: FakeLiteLLM;
let h: TempHome;
beforeAll(async () => {
  ensureBuilt();
  a = await startLiteLLM();
  b = await startLiteLLM({ masterKey: a.masterKey });
}, 120_000);
afterAll(async () => {
  await a.close();
  await b.close();
});
beforeEach(() => {
  h = tempHome();
  h.env.GWCTL_NO_AGENT = '0';
  a.keys.clear();
  b.keys.clear();
});
afterEach(async () => {
  await gwctl(['agent', 'stop'], h.env);
  h.cleanup();
});

const CODEX = 'model = "gpt-4o"\n';

it('a one-off GWCTL_GATEWAY_URL on the command that autostarted the agent does not stay in the agent', async () => {
  writeSettings(h.home, h.env, { gateway: { kind: 'litellm', url: a.url } });
  expect((await gwctl(['config', 'set', 'gateway.adminKey'], h.env, a.masterKey)).code).toBe(0);
  mkdirSync(join(h.home, '.codex'));
  writeFileSync(join(h.home, '.codex', 'config.toml'), CODEX);
  mkdirSync(join(h.home, '.claude'));

  const once = await gwctl(['takeover', 'codex'], { ...h.env, GWCTL_GATEWAY_URL: b.url });
  expect(once.code, once.stderr).toBe(0);
  expect(once.stderr).toMatch(/started one in the background/);
  expect(b.keys.size).toBe(1); // that command meant b

  const plain = await gwctl(['takeover', 'claude-code', '--json'], h.env);
  expect(plain.code, plain.stderr).toBe(0);
  expect(plain.json().tools[0]!.address).toBe(a.url); // the settings' gateway, not the one-off
  expect(a.keys.size).toBe(1);
  expect(b.keys.size).toBe(1);
  expect((await gwctl(['restore', 'claude-code'], h.env)).code).toBe(0);
  expect((await gwctl(['restore', 'codex'], { ...h.env, GWCTL_GATEWAY_URL: b.url })).code).toBe(0);
  expect(a.keys.size + b.keys.size).toBe(0);
}, 60_000);

it('a CLI with another CODEX_HOME than the agent: refused naming the difference; --no-agent writes the file it means', async () => {
  writeSettings(h.home, h.env, { gateway: { kind: 'litellm', url: a.url } });
  expect((await gwctl(['config', 'set', 'gateway.adminKey'], h.env, a.masterKey)).code).toBe(0);
  mkdirSync(join(h.home, '.codex'));
  writeFileSync(join(h.home, '.codex', 'config.toml'), CODEX);
  const other = join(h.home, 'work', 'codex');
  mkdirSync(other, { recursive: true });
  writeFileSync(join(other, 'config.toml'), CODEX);
  expect((await gwctl(['status'], h.env)).stderr).toMatch(/started one in the background/);

  const env = { ...h.env, CODEX_HOME: other };
  const refused = await gwctl(['takeover', 'codex'], env);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/CODEX_HOME is unset for the agent but ".*work\/codex" here.*--no-agent/);
  expect(readFileSync(join(h.home, '.codex', 'config.toml'), 'utf8')).toBe(CODEX);
  expect(readFileSync(join(other, 'config.toml'), 'utf8')).toBe(CODEX);

  const st = await gwctl(['status', 'codex', '--json'], env);
  expect(st.json().tools[0]!.configPath).toBe(join(other, 'config.toml')); // read here, not by the agent

  const direct = await gwctl(['takeover', 'codex', '--no-agent'], env);
  expect(direct.code, direct.stderr).toBe(0);
  expect(readFileSync(join(other, 'config.toml'), 'utf8')).toContain(a.url);
  expect(readFileSync(join(h.home, '.codex', 'config.toml'), 'utf8')).toBe(CODEX);
  expect((await gwctl(['restore', 'codex', '--no-agent'], env)).code).toBe(0);
  expect(readFileSync(join(other, 'config.toml'), 'utf8')).toBe(CODEX);
  expect(a.keys.size).toBe(0);
}, 60_000);

it('TOOL_LOCATION_VARS covers every variable an adapter reads to find its files', () => {
  const read = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get: (_t, k) => {
      if (typeof k === 'string') read.add(k);
      return undefined;
    },
  });
  for (const id of TOOL_IDS) adapterFor(id).locate({ home: '/home/u', env });
  expect([...read].filter((k) => !(TOOL_LOCATION_VARS as readonly string[]).includes(k))).toEqual([]);
});
