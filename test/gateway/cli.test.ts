/** `gwctl config`, `gwctl gateway status|detect`, `gwctl keys`: in-process, temp HOME, local fakes. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gwctlPaths } from '../../src/home/paths.ts';
import { main } from '../../src/cli/main.ts';
import { deadPort } from '../helpers/gateway.ts';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { startNewApi, type FakeNewApi } from '../helpers/gateways/new-api.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';

let h: TempHome;
let configDir: string;
beforeEach(() => {
  h = tempHome();
  configDir = gwctlPaths({ home: h.home, env: h.env }).configDir;
});
afterEach(() => h.cleanup());

async function run(args: string[], env: Record<string, string | undefined> = h.env, stdin?: string) {
  let stdout = '';
  let stderr = '';
  let stdinRead = false;
  const code = await main(args, {
    out: (s) => (stdout += s + '\n'),
    err: (s) => (stderr += s + '\n'),
    env,
    stdin: async () => {
      stdinRead = true;
      return stdin ?? '';
    },
  });
  return { code, stdout, stderr, stdinRead };
}

const MASTER = 'sk-master-cli-test-8812aa';

describe('gwctl config', () => {
  it('agent settings: list with defaults, set (checked), per-kind notify, unset back to the default', async () => {
    const list = await run(['config', 'list']);
    expect(list.stdout).toMatch(/^autoReapply\s+false  \(default\)$/m);
    expect(list.stdout).toMatch(/^agent\.reapplyPerMinute\s+3  \(default\)$/m);
    expect(existsSync(join(configDir, 'config.json'))).toBe(false); // listing writes nothing

    expect((await run(['config', 'set', 'autoReapply', 'codex,claude-code'])).stdout).toContain('autoReapply = codex,claude-code');
    expect(statSync(join(configDir, 'config.json')).mode & 0o777).toBe(0o600);
    expect((await run(['config', 'get', 'autoReapply'])).stdout).toBe('codex,claude-code\n');
    expect((await run(['config', 'set', 'autoTakeoverNew', 'all'])).code).toBe(0);
    expect((await run(['config', 'set', 'agent.reapplyPerMinute', '5'])).code).toBe(0);
    const json = JSON.parse((await run(['config', 'list', '--json'])).stdout).settings as Array<{ key: string; value: unknown; source: string }>;
    expect(json.find((r) => r.key === 'autoReapply')).toEqual({ key: 'autoReapply', value: ['codex', 'claude-code'], source: 'settings' });
    expect(json.find((r) => r.key === 'autoTakeoverNew')).toEqual({ key: 'autoTakeoverNew', value: true, source: 'settings' });
    expect(json.find((r) => r.key === 'agent.reapplyPerMinute')).toEqual({ key: 'agent.reapplyPerMinute', value: 5, source: 'settings' });

    // notify off for all, then one kind back on: the others stay off.
    expect((await run(['config', 'set', 'notify', 'off'])).code).toBe(0);
    expect((await run(['config', 'set', 'notify.drift', 'on'])).code).toBe(0);
    expect((await run(['config', 'get', 'notify.drift'])).stdout).toBe('true\n');
    expect((await run(['config', 'get', 'notify.gateway-down'])).stdout).toBe('false\n');
    expect(JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')).notify).toEqual({ enabled: false, drift: true });

    // Bad values: a clear error, nothing written.
    const before = readFileSync(join(configDir, 'config.json'), 'utf8');
    const badTool = await run(['config', 'set', 'autoReapply', 'codex,vim']);
    expect(badTool.code).toBe(1);
    expect(badTool.stderr).toMatch(/autoReapply is true \(every tool\), false, or a comma-separated list of tools \(unknown: vim\)/);
    const tooMany = await run(['config', 'set', 'agent.reapplyPerMinute', '1000']);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toMatch(/reapplyPerMinute.*must be <= 60/);
    expect((await run(['config', 'set', 'autostart', 'maybe'])).stderr).toMatch(/autostart is true or false/);
    expect(readFileSync(join(configDir, 'config.json'), 'utf8')).toBe(before);

    expect((await run(['config', 'unset', 'autoReapply'])).stdout).toMatch(/autoReapply removed/);
    expect((await run(['config', 'unset', 'autoReapply'])).stdout).toMatch(/autoReapply was not set/);
    expect((await run(['config', 'get', 'autoReapply'])).stdout).toBe('false\n');
    // The gateway settings next to them are untouched by all this.
    expect((await run(['config', 'set', 'gateway.url', 'http://127.0.0.1:4000'])).code).toBe(0);
    expect((await run(['config', 'set', 'autostart', 'false'])).code).toBe(0);
    expect((await run(['config', 'get', 'gateway.url'])).stdout).toBe('http://127.0.0.1:4000\n');
  });

  it('set / get / list / unset plain settings, written 0600 through conf', async () => {
    expect((await run(['config', 'set', 'gateway.url', 'http://127.0.0.1:4000/'])).code).toBe(0);
    expect((await run(['config', 'set', 'gateway.kind', 'litellm'])).code).toBe(0);
    expect((await run(['config', 'set', 'gateway.models', 'gpt-4o,qwen3-coder'])).code).toBe(0);
    expect(statSync(join(configDir, 'config.json')).mode & 0o777).toBe(0o600);
    expect((await run(['config', 'get', 'gateway.url'])).stdout).toBe('http://127.0.0.1:4000\n');
    expect((await run(['config', 'get', 'gateway.models'])).stdout).toBe('gpt-4o,qwen3-coder\n');
    const list = await run(['config', 'list']);
    expect(list.stdout).toMatch(/^gateway\.url\s+http:\/\/127\.0\.0\.1:4000$/m);
    expect(list.stdout).toMatch(/^gateway\.providerId\s+litellm  \(default\)$/m);
    expect(list.stdout).toMatch(/^gateway\.adminKey\s+not set$/m);
    const json = JSON.parse((await run(['config', 'list', '--json'])).stdout);
    expect(json.settings).toContainEqual({ key: 'gateway.kind', value: 'litellm', source: 'settings' });
    expect(json.settings).toContainEqual({ key: 'gateway.adminKey', set: false, source: 'unset' });
    expect((await run(['config', 'unset', 'gateway.kind'])).stdout).toMatch(/removed/);
    expect((await run(['config', 'get', 'gateway.kind'])).stdout).toBe('servbay\n');
    expect((await run(['config', 'get', 'gateway.userId'])).code).toBe(1);
  });

  it('environment overrides show as such', async () => {
    const r = await run(['config', 'list'], { ...h.env, GWCTL_GATEWAY_URL: 'http://127.0.0.1:3000', GWCTL_GATEWAY_KIND: 'new-api' });
    expect(r.stdout).toMatch(/^gateway\.url\s+http:\/\/127\.0\.0\.1:3000  \(GWCTL_GATEWAY_URL\)$/m);
    expect(r.stdout).toMatch(/^gateway\.kind\s+new-api  \(GWCTL_GATEWAY_KIND\)$/m);
  });

  it('bad values are refused with what is expected; nothing written', async () => {
    const r = await run(['config', 'set', 'gateway.kind', 'one-api']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/gateway\.kind must be one of servbay, litellm, new-api, bifrost, static/);
    expect(existsSync(join(configDir, 'config.json'))).toBe(false);
    expect((await run(['config', 'set', 'gateway.colour', 'red'])).code).toBe(2);
    expect((await run(['config', 'set', 'gateway.url'])).code).toBe(2);
  });

  it('gateway.adminKey is read from stdin into a 0600 secrets file and never printed back', async () => {
    const set = await run(['config', 'set', 'gateway.adminKey'], h.env, `${MASTER}\n`);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdinRead).toBe(true);
    const file = join(configDir, 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(configDir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ 'gateway.adminKey': MASTER });
    const get = await run(['config', 'get', 'gateway.adminKey']);
    expect(get.stdout).toMatch(/^set \(.*secrets\.json; hidden\)$/m);
    const list = await run(['config', 'list', '--json']);
    for (const r of [set, get, list]) expect(r.stdout + r.stderr).not.toContain(MASTER);
    expect(JSON.parse(list.stdout).settings).toContainEqual({ key: 'gateway.adminKey', set: true, source: 'secrets' });
    expect(existsSync(join(configDir, 'config.json'))).toBe(false); // not in the settings file
    expect((await run(['config', 'unset', 'gateway.adminKey'])).stdout).toMatch(/removed/);
    expect((await run(['config', 'get', 'gateway.adminKey'])).stdout).toBe('not set\n');
  });

  it('a secret on the command line is refused, not stored, not echoed', async () => {
    const r = await run(['config', 'set', 'gateway.adminKey', MASTER]);
    expect(r.code).toBe(2);
    expect(r.stdinRead).toBe(false);
    expect(r.stderr).toMatch(/never taken from the command line.*paste it at the prompt/);
    expect(r.stdout + r.stderr).not.toContain(MASTER);
    expect(existsSync(join(configDir, 'secrets.json'))).toBe(false);
  });

  it('empty stdin saves nothing', async () => {
    const r = await run(['config', 'set', 'gateway.key'], h.env, '\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nothing arrived on stdin/);
    expect(existsSync(join(configDir, 'secrets.json'))).toBe(false);
  });
});

describe('gwctl gateway', () => {
  let lite: FakeLiteLLM;
  let na: FakeNewApi;
  beforeAll(async () => {
    [lite, na] = await Promise.all([startLiteLLM({ masterKey: MASTER }), startNewApi()]);
  });
  afterAll(async () => {
    await Promise.all([lite.close(), na.close()]);
  });

  it('status: kind, url, healthy, latency, models (the admin key from the secrets file)', async () => {
    await run(['config', 'set', 'gateway.kind', 'litellm']);
    await run(['config', 'set', 'gateway.url', lite.url]);
    await run(['config', 'set', 'gateway.adminKey'], h.env, MASTER);
    const r = await run(['gateway', 'status']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^kind\s+litellm$/m);
    expect(r.stdout).toMatch(new RegExp(`^url\\s+${lite.url}$`, 'm'));
    expect(r.stdout).toMatch(/^healthy\s+yes$/m);
    expect(r.stdout).toMatch(/^latency\s+\d+ ms$/m);
    expect(r.stdout).toMatch(/^models\s+3$/m);
    expect(r.stdout).toMatch(/^keys\s+minted per tool \(admin credential set\)$/m);
    const j = JSON.parse((await run(['gateway', 'status', '--json'])).stdout);
    expect(j).toMatchObject({ kind: 'litellm', url: lite.url, healthy: true, models: 3 });
    expect(typeof j.latencyMs).toBe('number');
    expect(r.stdout + r.stderr).not.toContain(MASTER);
  });

  it('status of a gateway that is down: healthy no, exit 1, says what to do', async () => {
    const r = await run(['gateway', 'status', '--json'], { ...h.env, GWCTL_GATEWAY_URL: `http://127.0.0.1:${await deadPort()}` });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      kind: 'servbay',
      healthy: false,
      latencyMs: null,
      models: null,
      error: expect.stringMatching(/connection refused.*start the gateway/),
    });
  });

  it('detect URL…: names what answers and offers to save; --save stores the first match', async () => {
    const r = await run(['gateway', 'detect', na.url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^new-api\\s+${na.url}\\s+answers GET /api/status \\(\\d+ ms\\)$`, 'm'));
    expect(r.stdout).toMatch(/to use it: gwctl gateway detect .* --save/);
    expect(existsSync(join(configDir, 'config.json'))).toBe(false);

    const s = await run(['gateway', 'detect', lite.url, na.url, '--save', '--json']);
    expect(s.code).toBe(0);
    const j = JSON.parse(s.stdout);
    expect(j.found.map((d: { kind: string }) => d.kind)).toEqual(['litellm', 'new-api']);
    expect(j.saved).toEqual({ kind: 'litellm', url: lite.url });
    expect(JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')).gateway).toEqual({ kind: 'litellm', url: lite.url });
  });

  it('detect with nothing answering exits 1 and says how to point it at a URL', async () => {
    const r = await run(['gateway', 'detect', `http://127.0.0.1:${await deadPort()}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no gateway answered .*gwctl gateway detect http:\/\/127\.0\.0\.1:PORT/);
  });

  it('usage errors exit 2', async () => {
    expect((await run(['gateway', 'frob'])).code).toBe(2);
    expect((await run(['gateway', 'status', '--save'])).code).toBe(2);
    expect((await run(['gateway', 'detect', 'ftp://x'])).code).toBe(2);
    expect((await run(['gateway'])).code).toBe(2);
    expect((await run(['keys', 'extra'])).code).toBe(2);
  });
});

describe('gwctl keys', () => {
  it('with no ledger: nothing minted', async () => {
    const r = await run(['keys', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ keys: [], configuredKey: [] });
  });
});
