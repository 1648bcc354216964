/**
 * Issue 11 §1: the fallback. A real agent process and a local gateway whose port is closed and
 * opened again: after `agent.fallbackAfterSeconds` every covered tool is back on its own settings
 * (byte-identical, key kept, `suspended` in status); after `agent.fallbackReturnSeconds` of
 * answers it is taken over again with the same key; a tool the user pointed elsewhere meanwhile
 * stays where the user put it; a gateway that alternates never triggers either.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';
import { Events, sleep, startAgentProc, writeSettings, type AgentProc } from './helpers.ts';

const KEY = 'sk-fallback-static-4821';
const CLAUDE = '{\n  "model": "claude-sonnet-4-5"\n}\n';
const CODEX = '# mine\nmodel = "gpt-4o"\n';

/** A gateway (ServBay's contract: any answer on /, a model list on /v1/models) that can go away and come back on its port. */
class Gateway {
  private server: Server | undefined;
  port = 0;
  async up(): Promise<void> {
    const s = createServer((req, res) => {
      if (req.url === '/v1/models')
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [{ id: 'gpt-4o' }, { id: 'claude-sonnet-4-5' }] }));
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    await new Promise<void>((r) => s.listen(this.port, '127.0.0.1', r));
    this.port = (s.address() as AddressInfo).port;
    this.server = s;
  }
  async down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}

let h: TempHome;
let gw: Gateway;
let agent: AgentProc | undefined;
let ev: Events | undefined;

beforeEach(async () => {
  h = tempHome();
  gw = new Gateway();
  await gw.up();
  mkdirSync(join(h.home, '.claude'));
  mkdirSync(join(h.home, '.codex'));
  writeFileSync(join(h.home, '.claude', 'settings.json'), CLAUDE, { mode: 0o644 });
  writeFileSync(join(h.home, '.codex', 'config.toml'), CODEX, { mode: 0o644 });
});
afterEach(async () => {
  ev?.close();
  await agent?.stop();
  agent = undefined;
  await gw.down();
  h.cleanup();
});

async function start(after: number, ret: number): Promise<Record<string, string>> {
  const env = { ...h.env, GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: KEY };
  writeSettings(h.home, env, { notify: false, fallback: true, agent: { gatewayCheckSeconds: 1, fallbackAfterSeconds: after, fallbackReturnSeconds: ret } });
  agent = await startAgentProc(env);
  ev = await Events.subscribe(env);
  return env;
}

const read = (...p: string[]) => readFileSync(join(h.home, ...p), 'utf8');

describe('fallback while the gateway is down', () => {
  it('down → every tool back on its own settings (byte-identical, suspended); up → taken over again; one the user moved stays', async () => {
    const env = await start(2, 2);
    expect((await gwctl(['takeover', 'claude-code', 'codex'], env)).code).toBe(0);
    expect(read('.claude', 'settings.json')).toContain(KEY);

    const downAt = Date.now();
    await gw.down();
    const fell = await ev!.waitFor((e) => e.type === 'fallback', 15_000);
    const fellMs = Date.now() - downAt;
    expect(fell.message).toMatch(/2 tools moved back to their own settings/);
    expect(read('.claude', 'settings.json')).toBe(CLAUDE);
    expect(read('.codex', 'config.toml')).toBe(CODEX);
    const st = JSON.parse((await gwctl(['status', 'claude-code', '--json'], env)).stdout).tools[0];
    expect(st).toMatchObject({ status: 'not-taken-over', suspended: true });
    expect((await gwctl(['status', 'claude-code'], env)).stdout).toMatch(/Not Taken Over \(suspended: gateway down since \d\d:\d\d\)/);

    // Meanwhile the user points Codex somewhere else: that stays.
    const mine = `${CODEX}model_provider = "or"\n[model_providers.or]\nbase_url = "https://openrouter.ai/api/v1"\n`;
    writeFileSync(join(h.home, '.codex', 'config.toml'), mine);

    const upAt = Date.now();
    await gw.up();
    const back = await ev!.waitFor((e) => e.type === 'fallback-return', 15_000);
    const backMs = Date.now() - upAt;
    expect(back.message).toMatch(/1 tool taken over again \(Claude Code\)/);
    expect(back.message).toMatch(/Codex: .*not taken back/);
    expect(JSON.parse(read('.claude', 'settings.json')).env.ANTHROPIC_AUTH_TOKEN).toBe(KEY);
    expect(read('.codex', 'config.toml')).toBe(mine);
    const after = JSON.parse((await gwctl(['status', '--json'], env)).stdout).tools as Array<{ id: string; status: string; suspended?: boolean }>;
    expect(after.find((t) => t.id === 'claude-code')).toMatchObject({ status: 'taken-over' });
    expect(after.find((t) => t.id === 'claude-code')?.suspended).toBeUndefined();
    expect(after.find((t) => t.id === 'codex')?.status).toBe('other-address');

    expect((await gwctl(['restore', 'claude-code'], env)).code).toBe(0);
    expect(read('.claude', 'settings.json')).toBe(CLAUDE);
    console.log(
      `[fallback] down → both tools fell back in ${fellMs} ms (threshold 2 s, checks every 1 s); up → taken over again in ${backMs} ms (threshold 2 s)`,
    );
  }, 60_000);

  it('restore of a suspended tool ends the suspension; a gateway that alternates never triggers the fallback', async () => {
    const env = await start(3, 3);
    expect((await gwctl(['takeover', 'claude-code'], env)).code).toBe(0);
    // Alternating every second for 8 s: no down (or up) streak reaches 3 s.
    for (let i = 0; i < 4; i++) {
      await gw.down();
      await sleep(1000);
      await gw.up();
      await sleep(1000);
    }
    expect(ev!.all.filter((e) => e.type === 'fallback' || e.type === 'fallback-return')).toEqual([]);
    expect(read('.claude', 'settings.json')).toContain(KEY);

    await gw.down();
    await ev!.waitFor((e) => e.type === 'fallback', 15_000);
    expect(read('.claude', 'settings.json')).toBe(CLAUDE);
    const r = await gwctl(['restore', 'claude-code', '--json'], env);
    expect(r.code).toBe(0);
    expect(r.json().tools[0]!.notes!.join(' ')).toMatch(/suspension ended/);
    await gw.up();
    await sleep(4500);
    expect(ev!.all.filter((e) => e.type === 'fallback-return')).toEqual([]);
    expect(read('.claude', 'settings.json')).toBe(CLAUDE);
  }, 60_000);

  it('an agent SIGKILLed while tools are suspended: the next agent takes them back once the gateway answers', async () => {
    const env = await start(2, 2);
    expect((await gwctl(['takeover', 'claude-code', 'codex'], env)).code).toBe(0);
    await gw.down();
    await ev!.waitFor((e) => e.type === 'fallback', 15_000);
    ev!.close();
    ev = undefined;
    await agent!.stop('SIGKILL');
    agent = undefined;
    expect(read('.codex', 'config.toml')).toBe(CODEX);
    await gw.up();
    agent = await startAgentProc(env);
    ev = await Events.subscribe(env);
    const back = await ev.waitFor((e) => e.type === 'fallback-return', 15_000);
    expect(back.message).toMatch(/2 tools taken over again/);
    expect(read('.codex', 'config.toml')).toContain(KEY);
    expect((await gwctl(['restore', '--all'], env)).code).toBe(0);
    expect(read('.codex', 'config.toml')).toBe(CODEX);
    expect(read('.claude', 'settings.json')).toBe(CLAUDE);
  }, 60_000);

  it('SIGKILL in the middle of a fallback: every file is before or after, and the next agent finishes it', async () => {
    const env = { ...h.env, GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: KEY };
    writeSettings(h.home, env, { notify: false, fallback: true, agent: { gatewayCheckSeconds: 1, fallbackAfterSeconds: 2, fallbackReturnSeconds: 2 } });
    expect((await gwctl(['takeover', 'claude-code', 'codex', '--no-agent'], env)).code).toBe(0);
    const takenOver = { claude: read('.claude', 'settings.json'), codex: read('.codex', 'config.toml') };
    // The agent's 2nd completed write is the fallback's first restored file (the 1st: the kept key).
    const doomed = await startAgentProc({ ...env, GWCTL_TEST_CRASH_AT: 'after-rename:2' });
    await gw.down();
    const code = await Promise.race([doomed.exited, sleep(20_000).then(() => 'still running')]);
    expect(code, 'the agent was killed at its crash point').not.toBe('still running');
    const now = { claude: read('.claude', 'settings.json'), codex: read('.codex', 'config.toml') };
    expect([CLAUDE, takenOver.claude]).toContain(now.claude);
    expect([CODEX, takenOver.codex]).toContain(now.codex);
    expect([now.claude === CLAUDE, now.codex === CODEX].filter(Boolean)).toHaveLength(1); // killed between the two

    agent = await startAgentProc(env);
    ev = await Events.subscribe(env);
    await ev.waitFor((e) => e.type === 'fallback', 15_000);
    expect(read('.claude', 'settings.json')).toBe(CLAUDE);
    expect(read('.codex', 'config.toml')).toBe(CODEX);
    await gw.up();
    await ev.waitFor((e) => e.type === 'fallback-return', 15_000);
    expect(read('.codex', 'config.toml')).toContain(KEY);
    expect((await gwctl(['restore', '--all'], env)).code).toBe(0);
    expect(read('.codex', 'config.toml')).toBe(CODEX);
    expect(read('.claude', 'settings.json')).toBe(CLAUDE);
  }, 90_000);

  it('a gateway that hangs (accepts, never answers) counts as down', async () => {
    const env = await start(2, 2);
    expect((await gwctl(['takeover', 'claude-code'], env)).code).toBe(0);
    await gw.down();
    const { createServer: tcp } = await import('node:net');
    const held: import('node:net').Socket[] = [];
    const hang = tcp((sock) => held.push(sock)); // accepts, reads nothing, answers nothing
    await new Promise<void>((r) => hang.listen(gw.port, '127.0.0.1', r));
    try {
      await ev!.waitFor((e) => e.type === 'fallback', 40_000);
      expect(read('.claude', 'settings.json')).toBe(CLAUDE);
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => hang.close(() => r()));
    }
    await gw.up();
    await ev!.waitFor((e) => e.type === 'fallback-return', 15_000);
    expect(read('.claude', 'settings.json')).toContain(KEY);
  }, 90_000);
});
