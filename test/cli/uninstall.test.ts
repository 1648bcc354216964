/**
 * Issue 11 §2: `gwctl uninstall` restores every tool and .env byte-identical, revokes every key
 * gwctl minted (tool keys and named keys), stops the agent and leaves nothing of gwctl in HOME.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gwctlPaths, socketLocation } from '../../src/home/paths.ts';
import { probeAgent } from '../../src/ipc/client.ts';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';

const CLAUDE = '{\n  "model": "opus",\n  "apiKeyHelper": "~/bin/key.sh"\n}\n';
const CODEX = '# mine\nmodel = "gpt-5-codex"\n\n[profiles.fast]\nmodel = "o4-mini"\n';
const DOTENV = '# app settings\nPORT=3000\n';
let gw: FakeLiteLLM;
let h: TempHome;
let env: Record<string, string>;

beforeAll(async () => {
  gw = await startLiteLLM({ models: ['bar-model-a', 'claude-sonnet-4-5'] });
});
afterAll(() => gw.close());
beforeEach(() => {
  h = tempHome();
  env = { ...h.env, GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KIND: 'litellm', GWCTL_GATEWAY_ADMIN_KEY: gw.masterKey };
  mkdirSync(join(h.home, '.claude'));
  mkdirSync(join(h.home, '.codex'));
  mkdirSync(join(h.home, 'app'));
  writeFileSync(join(h.home, '.claude', 'settings.json'), CLAUDE, { mode: 0o644 });
  writeFileSync(join(h.home, '.codex', 'config.toml'), CODEX, { mode: 0o644 });
  writeFileSync(join(h.home, 'app', '.env'), DOTENV, { mode: 0o644 });
});
afterEach(() => h.cleanup());

const liveKeys = () => [...gw.keys.values()].map((k) => k.key);
const gwctlDirs = () => {
  const p = gwctlPaths({ home: h.home, env });
  return [p.configDir, p.stateDir, p.logDir].filter((d) => existsSync(d));
};

describe('gwctl uninstall', () => {
  it('asks first: without a terminal and without --yes it changes nothing; --dry-run lists the plan', async () => {
    expect((await gwctl(['takeover', 'claude-code'], env)).code).toBe(0);
    const no = await gwctl(['uninstall'], env);
    expect(no.code).toBe(2);
    expect(no.stderr).toMatch(/asks before it removes anything: run it in a terminal, or add --yes/);
    const dry = await gwctl(['uninstall', '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/restore claude-code and revoke its key/);
    expect(JSON.parse(readFileSync(join(h.home, '.claude', 'settings.json'), 'utf8')).env.ANTHROPIC_BASE_URL).toBe(gw.url);
    expect((await gwctl(['restore', 'claude-code'], env)).code).toBe(0);
  });

  it('tools, a .env and keys back; agent, service and every gwctl file gone', async () => {
    const start = liveKeys();
    expect((await gwctl(['takeover', 'claude-code', 'codex'], env)).code).toBe(0); // through an agent it starts
    expect((await gwctl(['env', 'myapp', '--write', join(h.home, 'app', '.env')], env)).code).toBe(0);
    expect(liveKeys().length).toBe(start.length + 3);
    const loc = socketLocation({ home: h.home, env });
    expect(await probeAgent(loc, 1500)).not.toBeNull();

    const r = await gwctl(['uninstall', '--yes'], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/gwctl uninstall: done/);
    expect(readFileSync(join(h.home, '.claude', 'settings.json'), 'utf8')).toBe(CLAUDE);
    expect(readFileSync(join(h.home, '.codex', 'config.toml'), 'utf8')).toBe(CODEX);
    expect(readFileSync(join(h.home, 'app', '.env'), 'utf8')).toBe(DOTENV);
    expect(statSync(join(h.home, '.claude', 'settings.json')).mode & 0o777).toBe(0o644);
    expect(liveKeys()).toEqual(start);
    expect(await probeAgent(loc, 1000)).toBeNull();
    expect(gwctlDirs()).toEqual([]);
    for (const k of [...gw.keys.values()].map((x) => x.key)) expect(r.stdout).not.toContain(k);
  });

  it('--keep-keys leaves the keys live and still removes the rest', async () => {
    const start = liveKeys();
    expect((await gwctl(['takeover', 'codex', '--no-agent'], env)).code).toBe(0);
    const r = await gwctl(['uninstall', '--yes', '--keep-keys', '--json'], env);
    expect(r.code, r.stdout).toBe(0);
    expect(JSON.parse(r.stdout).ok).toBe(true);
    expect(readFileSync(join(h.home, '.codex', 'config.toml'), 'utf8')).toBe(CODEX);
    expect(liveKeys().length).toBe(start.length + 1);
    expect(gwctlDirs()).toEqual([]);
  });

  it("a tool that cannot be restored keeps gwctl's state (the ledger), says so and exits 1", async () => {
    expect((await gwctl(['takeover', 'codex', '--no-agent'], env)).code).toBe(0);
    writeFileSync(join(h.home, '.codex', 'config.toml'), 'model = [\n'); // broken by hand meanwhile
    const r = await gwctl(['uninstall', '--yes'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/NOT DONE {2}restore codex/);
    expect(r.stdout).toMatch(/the ledger there is what restoring the rest needs/);
    expect(gwctlDirs().length).toBeGreaterThan(0);
    expect(readdirSync(gwctlPaths({ home: h.home, env }).stateDir)).toContain('ledger.json');
  });
});

describe('doctor after a gwctl removed without gwctl uninstall', () => {
  it('names a tool still pointing at the gateway with no record of the takeover', async () => {
    expect((await gwctl(['takeover', 'codex', '--no-agent'], env)).code).toBe(0);
    const { rmSync } = await import('node:fs');
    rmSync(gwctlPaths({ home: h.home, env }).stateDir, { recursive: true, force: true }); // the state dir cleaned
    const r = await gwctl(['doctor', '--json'], env);
    const f = (JSON.parse(r.stdout).findings as Array<{ id: string; fix?: string }>).find((x) => x.id === 'tool.unrecorded');
    expect(f?.fix).toMatch(/gwctl restore codex/);
  });
});
