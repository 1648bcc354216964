/**
 * The agent's status file and `gwctl status --json`'s way around the socket (agent/status-file.ts,
 * cli/fast-status.ts): the same answer as the usual way, never a stale one, and refused whenever
 * it might not be the caller's answer.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { statusFromFile } from '../../src/cli/fast-status.ts';
import { socketLocation } from '../../src/home/paths.ts';
import { STATUS_FILE } from '../../src/ipc/schema.ts';
import { startGateway, type FakeGateway } from '../helpers/gateway.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';
import {
  adapter,
  configPointingAt,
  ensureBuilt,
  gwctlRecordingMain,
  sleep,
  spawnGwctl,
  startAgentProc,
  writeFiles,
  writeSettings,
  type AgentProc,
} from './helpers.ts';

let gw: FakeGateway;
let h: TempHome;
let env: Record<string, string>;
let agent: AgentProc | undefined;

beforeAll(() => ensureBuilt(), 120_000);
beforeEach(async () => {
  gw = await startGateway();
  h = tempHome('gwctl-statusfile-');
  // The gateway comes from the settings, as a user sets it: no GWCTL_GATEWAY_* in the caller's env.
  env = { ...h.env };
  writeSettings(h.home, env, { notify: false, agent: { gatewayCheckSeconds: 0 }, gateway: { url: gw.url, kind: 'servbay' } });
  mkdirSync(join(h.home, '.claude'));
  writeFileSync(claude(), '{\n  "model": "opus"\n}\n');
  mkdirSync(join(h.home, '.codex'));
});
afterEach(async () => {
  if (agent) {
    agent.child.kill('SIGCONT');
    await agent.stop('SIGTERM');
    agent = undefined;
  }
  await gw.close();
  h.cleanup();
});

const claude = () => join(h.home, '.claude', 'settings.json');
const statusPath = () => join(socketLocation({ home: h.home, env }).dir, STATUS_FILE);
const ctx = () => ({ home: h.home, env });

async function until<T>(fn: () => T | undefined, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}

/** `gwctl status --json`, recording whether the CLI proper (dist/cli/main.js) was loaded. */
const statusJson = (extraEnv: Record<string, string> = {}) => gwctlRecordingMain(['status', '--json'], { ...env, ...extraEnv }, h.home);

describe("the agent's status file", () => {
  it('gives exactly the answer of the usual way (and of --no-agent), without loading the CLI, in 0600 beside the socket', async () => {
    agent = await startAgentProc(env);
    await until(() => (existsSync(statusPath()) ? true : undefined));
    const fast = await statusJson();
    const inProcess = await gwctl(['status', '--json', '--no-agent'], env);
    const viaSocket = await statusJson({ GWCTL_NO_AGENT: '' }); // an empty override still counts as none
    expect(fast.viaFile).toBe(true);
    expect(fast.code).toBe(0);
    expect(fast.out).toBe(inProcess.stdout);
    expect(viaSocket.out).toBe(inProcess.stdout);
    expect(readFileSync(statusPath(), 'utf8')).not.toMatch(/sk-/);
    expect((await import('node:fs')).statSync(statusPath()).mode & 0o777).toBe(0o600);

    // A takeover through the agent: the file follows, and so does the answer.
    const t = await gwctl(['takeover', 'claude-code'], { ...env, GWCTL_GATEWAY_KEY: 'sk-static-test-key-0001' });
    expect(t.code, t.stderr).toBe(0);
    await until(() => (statusFromFile(env)?.text.includes('"taken-over"') ? true : undefined));
    const after = await statusJson();
    expect(after.viaFile).toBe(true);
    expect(after.out).toBe((await gwctl(['status', '--json', '--no-agent'], env)).stdout);
    expect(JSON.parse(after.out).tools.find((x: { id: string }) => x.id === 'claude-code').status).toBe('taken-over');
  });

  it('is never stale: right after each of 150 edits, it is either refused or describes the file as it is now', async () => {
    agent = await startAgentProc(env);
    const a = adapter('claude-code');
    const versions = ['https://a.example.com', 'https://b.example.com'].map((root) => configPointingAt(a, ctx(), root, { settings: '{}\n' }));
    let served = 0;
    for (let i = 0; i < 150; i++) {
      const root = i % 2 ? 'b.example.com' : 'a.example.com';
      writeFiles(versions[i % 2]!);
      if (i % 3 === 0) await sleep(i % 9); // sometimes let the agent catch up
      const answer = statusFromFile(env);
      if (!answer) continue;
      served++;
      const cc = JSON.parse(answer.text).tools.find((x: { id: string }) => x.id === 'claude-code');
      expect({ i, address: cc.address }).toEqual({ i, address: expect.stringContaining(root) });
    }
    // Once the edits stop, the file catches up and is served again.
    await until(() => statusFromFile(env));
    expect(served).toBeGreaterThan(0);
  });

  it('a change the agent cannot see yet (stopped with SIGSTOP) is never answered from the file', async () => {
    agent = await startAgentProc(env);
    await until(() => statusFromFile(env));
    agent.child.kill('SIGSTOP');
    await sleep(50);
    expect(statusFromFile(env)).toBeDefined(); // nothing changed yet
    writeFileSync(claude(), '{\n  "model": "sonnet"\n}\n');
    expect(statusFromFile(env)).toBeUndefined();
    mkdirSync(join(h.home, '.gemini')); // a tool appearing
    writeFileSync(claude(), '{\n  "model": "opus"\n}\n'); // same size as before, new stamp
    expect(statusFromFile(env)).toBeUndefined();
    agent.child.kill('SIGCONT');
    const caughtUp = await until(() => statusFromFile(env));
    expect(JSON.parse(caughtUp.text).tools.find((x: { id: string }) => x.id === 'gemini-cli').status).not.toBe('not-detected');
  });

  it('is refused for another caller: gateway overrides, GWCTL_NO_AGENT, other tool locations, a dead agent, a loose or foreign file', async () => {
    agent = await startAgentProc(env);
    await until(() => statusFromFile(env));
    expect(statusFromFile({ ...env, GWCTL_GATEWAY_URL: 'http://127.0.0.1:1' })).toBeUndefined();
    expect(statusFromFile({ ...env, GWCTL_NO_AGENT: '1' })).toBeUndefined();
    expect(statusFromFile({ ...env, CODEX_HOME: join(h.home, 'elsewhere') })).toBeUndefined();

    const good = readFileSync(statusPath(), 'utf8');
    chmodSync(statusPath(), 0o644);
    expect(statusFromFile(env)).toBeUndefined();
    chmodSync(statusPath(), 0o600);
    expect(statusFromFile(env)).toBeDefined();
    for (const tamper of [{ version: '0.0.0' }, { protocol: 1 }, { home: '/elsewhere' }, { code: 7 }, { stamps: 'x' }]) {
      writeFileSync(statusPath(), JSON.stringify({ ...JSON.parse(good), ...tamper }), { mode: 0o600 });
      expect(statusFromFile(env), JSON.stringify(tamper)).toBeUndefined();
    }
    writeFileSync(statusPath(), '{not json', { mode: 0o600 });
    expect(statusFromFile(env)).toBeUndefined();
    writeFileSync(statusPath(), good, { mode: 0o600 });
    expect(statusFromFile(env)).toBeDefined();

    // Killed: its file stays behind, and is refused; the next command starts a new agent.
    agent.child.kill('SIGKILL');
    await agent.exited;
    agent = undefined;
    expect(existsSync(statusPath())).toBe(true);
    expect(statusFromFile(env)).toBeUndefined();
    const r = await statusJson();
    expect(r.viaFile).toBe(false);
    expect(r.code).toBe(0);
    await gwctl(['agent', 'stop'], env);
  });

  it('goes away with the agent', async () => {
    agent = await startAgentProc(env);
    await until(() => (existsSync(statusPath()) ? true : undefined));
    expect(await agent.stop('SIGTERM')).toBe(0);
    agent = undefined;
    expect(existsSync(statusPath())).toBe(false);
  });

  it('an unreadable config: the same exit code 1 and error from the file as the usual way', async () => {
    writeFileSync(claude(), '{ "env": ');
    agent = await startAgentProc(env);
    await until(() => statusFromFile(env));
    const fast = await statusJson();
    const inProcess = await gwctl(['status', '--json', '--no-agent'], env);
    expect(fast.viaFile).toBe(true);
    expect(fast.code).toBe(1);
    expect(inProcess.code).toBe(1);
    expect(fast.out).toBe(inProcess.stdout);
  });
});
