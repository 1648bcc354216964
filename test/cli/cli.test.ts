import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TOOL_IDS } from '../../src/adapters/index.ts';
import { COMMANDS } from '../../src/cli/commands/index.ts';
import { startGateway, type FakeGateway } from '../helpers/gateway.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const KEY = 'sk-gwctl-cli-test-91b7';
let gw: FakeGateway;
let h: TempHome;
let env: Record<string, string>;

beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.close());
beforeEach(() => {
  h = tempHome();
  env = { ...h.env, GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: KEY };
});
afterEach(() => h.cleanup());

describe('gwctl status', () => {
  it('--json lists every tool with one of the four statuses', async () => {
    mkdirSync(join(h.home, '.claude'));
    mkdirSync(join(h.home, '.codex'));
    writeFileSync(join(h.home, '.codex', 'config.toml'), 'model_provider = "or"\n[model_providers.or]\nbase_url = "https://openrouter.ai/api/v1"\n');
    const r = await gwctl(['status', '--json'], env);
    expect(r.code).toBe(0);
    const tools = r.json().tools;
    expect(tools.map((t) => t.id)).toEqual([...TOOL_IDS]);
    for (const t of tools) expect(Object.keys(t).slice(0, 4)).toEqual(['id', 'status', 'configPath', 'address']);
    expect(tools.find((t) => t.id === 'claude-code')).toMatchObject({
      status: 'not-taken-over',
      configPath: join(h.home, '.claude', 'settings.json'),
      address: null,
    });
    expect(tools.find((t) => t.id === 'codex')).toMatchObject({ status: 'other-address', address: 'https://openrouter.ai/api/v1' });
    expect(tools.find((t) => t.id === 'gemini-cli')!.status).toBe('not-detected');
  });

  it('prints a table with the four labels', async () => {
    mkdirSync(join(h.home, '.claude'));
    await gwctl(['takeover', 'claude-code'], env);
    const r = await gwctl(['status'], env);
    expect(r.stdout).toMatch(/^TOOL\s+STATUS\s+ADDRESS\s+CONFIG/);
    expect(r.stdout).toMatch(/Claude Code\s+Taken Over \(This Gateway\)\s+http:\/\/127\.0\.0\.1:\d+\s+~\/\.claude\/settings\.json/);
    expect(r.stdout).toMatch(/Codex\s+Not Detected/);
    expect(r.stdout).not.toContain(KEY);
  });

  it('reports a malformed config as an error with the file and exits 1', async () => {
    mkdirSync(join(h.home, '.claude'));
    writeFileSync(join(h.home, '.claude', 'settings.json'), '{"env": {');
    const r = await gwctl(['status', 'claude-code', '--json'], env);
    expect(r.code).toBe(1);
    expect(r.json().tools[0]).toMatchObject({ id: 'claude-code', status: null, configPath: join(h.home, '.claude', 'settings.json') });
    expect(r.json().tools[0]!.error).toMatch(/settings\.json:1/);
    // The table still names the tool and its file.
    const t = await gwctl(['takeover', 'claude-code'], env);
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(/Claude Code\s+Unknown \(error\)\s+—\s+~\/\.claude\/settings\.json\s+failed/);
  });
});

describe('usage', () => {
  it.each([
    [['takeover'], /needs tool names or --all/],
    [['takeover', 'vim'], /unknown tool 'vim'/],
    [['frobnicate'], /unknown command/],
    [['status', '--bogus'], /unknown option --bogus/],
  ])('%j exits 2 with a message', async (args, msg) => {
    const r = await gwctl(args, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });

  it("every command: an unknown option is a usage error with one prefix and the command's help hint", async () => {
    for (const { name, load } of COMMANDS) {
      const r = await gwctl([name, '--bogus'], env);
      expect(r.code, name).toBe(2);
      // Verbs that still read their own words (rawArgs) word it themselves.
      if ((await load()).command.rawArgs) expect(r.stderr, name).toMatch(/^gwctl( \w+)?: /);
      else expect(r.stderr, name).toBe(`gwctl: unknown option --bogus\nRun 'gwctl ${name} --help' for usage.\n`);
    }
  });

  it('--help is built from the command table: every verb, its synopsis and summary', async () => {
    const r = await gwctl(['--help'], env);
    expect(r.code).toBe(0);
    for (const { name, load } of COMMANDS) {
      const { command } = await load();
      expect(command.name).toBe(name);
      expect(r.stdout).toContain(`gwctl ${name}`);
      expect(r.stdout).toContain(command.summary);
      const own = await gwctl([name, '--help'], env);
      expect(own.code).toBe(0);
      expect(own.stdout).toContain(command.usage.split('\n')[0]);
      for (const o of Object.keys(command.options)) expect(own.stdout, `${name} --${o}`).toContain(`--${o}`);
    }
    expect((await gwctl([], env)).code).toBe(2); // no verb: the help, as a usage error
    expect((await gwctl(['help', 'takeover'], env)).stdout).toContain('--force');
  });

  it('a negative number is a value, and -- ends the options', async () => {
    const neg = await gwctl(['config', 'set', 'agent.reapplyPerMinute', '-1'], env);
    expect(neg.code).toBe(1); // it reached the value check, not the option parser
    expect(neg.stderr).toMatch(/^gwctl: agent\.reapplyPerMinute is a whole number$/m);
    const dashes = await gwctl(['config', 'set', 'gateway.displayName', '--', '--My Gateway--'], env);
    expect(dashes.code, dashes.stderr).toBe(0);
    expect((await gwctl(['config', 'get', 'gateway.displayName'], env)).stdout).toBe('--My Gateway--\n');
  });

  it('HOME unset is a clear error', async () => {
    const r = await gwctl(['status'], { ...env, HOME: undefined });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/HOME is not set/);
  });
});

describe('the installed binary', () => {
  it('bin/gwctl.js runs the built CLI', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'gwctl.js'), 'status', '--json', '--no-agent'], { env, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).tools).toHaveLength(TOOL_IDS.length);
  });
});
