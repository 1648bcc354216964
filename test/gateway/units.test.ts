/** Small pieces: key names, the secrets file, settings written through conf, detection. */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TOOL_IDS } from '../../src/adapters/index.ts';
import { deleteSecret, readSecret, secretsPath, writeSecret } from '../../src/home/secrets.ts';
import { parseSettingValue } from '../../src/cli/settings-keys.ts';
import { openSettings, readSettings, settingsPath } from '../../src/home/settings.ts';
import { detectAt, detectDefaults } from '../../src/gateway/detect.ts';
import { keyName, shortHost } from '../../src/gateway/keyname.ts';
import { nameCandidate } from '../../src/gateway/kinds/types.ts';
import { deadPort } from '../helpers/gateway.ts';
import { startBifrost, type FakeBifrost } from '../helpers/gateways/bifrost.ts';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { startNewApi, type FakeNewApi } from '../helpers/gateways/new-api.ts';
import { startServBay, type FakeServBay } from '../helpers/gateways/servbay.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';

let h: TempHome;
let dir: string;
beforeEach(() => {
  h = tempHome();
  dir = join(h.home, '.config', 'gwctl');
});
afterEach(() => h.cleanup());

describe('key names', () => {
  it('gwctl-<tool>-<short host>', () => {
    expect(shortHost('MacBook-Pro.local')).toBe('macbook-pro');
    expect(shortHost('dev_box 01')).toBe('dev-box-01');
    expect(shortHost('...')).toBe('host');
    expect(keyName('codex', 'MacBook-Pro.local')).toBe('gwctl-codex-macbook-pro');
  });
  it('property: any host gives a safe name within the limit, for every retry (500 runs)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TOOL_IDS), fc.string({ maxLength: 80 }), fc.integer({ min: 1, max: 9 }), (tool, host, attempt) => {
        const n = nameCandidate(keyName(tool, host, 50), attempt, 50);
        expect(n.length).toBeLessThanOrEqual(50);
        expect(n).toMatch(/^gwctl-[a-z0-9-]*[a-z0-9]$/);
        expect(n.startsWith(`gwctl-${tool}`.slice(0, 50 - (attempt > 5 ? 7 : attempt > 1 ? 2 : 0)).replace(/-+$/, ''))).toBe(true);
        if (attempt > 1 && attempt <= 5) expect(n.endsWith(`-${attempt}`)).toBe(true);
        if (attempt > 5) expect(n).toMatch(/-[0-9a-f]{6}$/); // names never run out
      }),
      { numRuns: 500 },
    );
  });
  it('cut to a maximum without a trailing dash; retries keep the limit', () => {
    const n = keyName('claude-code', 'build-agent-0123456789-abcdefghijklmnop', 50);
    expect(n).toBe('gwctl-claude-code-build-agent-0123456789-abcdefghi');
    expect(n.length).toBe(50);
    expect(keyName('claude-code', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-yy', 50)).toBe('gwctl-claude-code-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
    expect(nameCandidate(n, 3, 50)).toHaveLength(50);
    expect(nameCandidate(n, 3, 50).endsWith('-3')).toBe(true);
    expect(nameCandidate('gwctl-codex-box', 1)).toBe('gwctl-codex-box');
  });
});

describe('secrets file', () => {
  it('0600 file in a 0700 dir; read back; delete', () => {
    writeSecret(dir, 'gateway.adminKey', '  sk-master-123456\n');
    expect(statSync(secretsPath(dir)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readSecret(dir, 'gateway.adminKey')).toBe('sk-master-123456');
    expect(readSecret(dir, 'gateway.key')).toBeUndefined();
    writeSecret(dir, 'gateway.key', 'sk-k');
    expect(readSecret(dir, 'gateway.adminKey')).toBe('sk-master-123456');
    expect(deleteSecret(dir, 'gateway.adminKey')).toBe(true);
    expect(deleteSecret(dir, 'gateway.adminKey')).toBe(false);
    expect(readSecret(dir, 'gateway.adminKey')).toBeUndefined();
    expect(readSecret(dir, 'gateway.key')).toBe('sk-k');
  });
  it('a file others can read is refused, and the error does not show the secret', () => {
    writeSecret(dir, 'gateway.adminKey', 'sk-master-123456');
    chmodSync(secretsPath(dir), 0o644);
    expect(() => readSecret(dir, 'gateway.adminKey')).toThrow(/readable by other users \(mode 0644\); run `chmod 600/);
    try {
      readSecret(dir, 'gateway.adminKey');
    } catch (e) {
      expect((e as Error).message).not.toContain('sk-master');
    }
  });
  it('an empty value is not saved; a missing file reads as unset', () => {
    expect(readSecret(dir, 'gateway.key')).toBeUndefined();
    expect(() => writeSecret(dir, 'gateway.key', '  \n')).toThrow(/empty/);
  });
});

describe('settings written through the one writer (conf)', () => {
  it('writes config.json 0600 that the plain reader reads; unset removes', async () => {
    const s = await openSettings(dir);
    s.set('gateway.url', 'http://127.0.0.1:4000');
    s.set('gateway.kind', 'litellm');
    s.set('gateway.models', ['gpt-4o', 'qwen3-coder']);
    expect(statSync(settingsPath(dir)).mode & 0o777).toBe(0o600);
    expect(readSettings(dir).gateway).toEqual({ url: 'http://127.0.0.1:4000', kind: 'litellm', models: ['gpt-4o', 'qwen3-coder'] });
    expect(s.unset('gateway.kind')).toBe(true);
    expect(s.unset('gateway.kind')).toBe(false);
    expect(readSettings(dir).gateway).toEqual({ url: 'http://127.0.0.1:4000', models: ['gpt-4o', 'qwen3-coder'] });
  });
  it('writes only what it is told (no defaults) and keeps keys it does not know', async () => {
    const s = await openSettings(dir);
    s.set('gateway.userId', '7');
    const file = settingsPath(dir);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...doc, agent: { watch: true } }));
    s.set('gateway.displayName', 'Team Gateway');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ gateway: { userId: '7', displayName: 'Team Gateway' }, agent: { watch: true } });
    s.set('autoReapply', ['codex']);
    s.set('notify.drift', false);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      gateway: { userId: '7', displayName: 'Team Gateway' },
      agent: { watch: true },
      autoReapply: ['codex'],
      notify: { enabled: true, drift: false },
    });
    expect(readSettings(dir).agent).toEqual({
      watch: true,
      debounceMs: 5,
      reapplyPerMinute: 3,
      gatewayCheckSeconds: 60,
      fallbackAfterSeconds: 60,
      fallbackReturnSeconds: 30,
    });
  });
  it('the schema refuses bad values and writes nothing; a hand-broken file is named', async () => {
    const s = await openSettings(dir);
    s.set('gateway.url', 'http://127.0.0.1:4000');
    const before = readFileSync(settingsPath(dir), 'utf8');
    expect(() => s.set('gateway.kind', 'One API')).toThrow(/invalid setting: gateway\.kind/);
    expect(() => s.set('gateway.userId', 'abc')).toThrow(/gateway\.userId/);
    expect(() => s.set('agent.debounceMs', -1)).toThrow(/debounceMs/);
    expect(() => s.set('autoReapply', 'codex')).toThrow(/autoReapply/);
    expect(() => s.set('notify', { drift: 'no' })).toThrow(/notify/);
    expect(readFileSync(settingsPath(dir), 'utf8')).toBe(before);
    writeFileSync(settingsPath(dir), JSON.stringify({ gateway: { url: 42 } }));
    await expect(openSettings(dir)).rejects.toThrow(/config\.json: gwctl's settings do not pass the schema/);
    writeFileSync(settingsPath(dir), '{"autoReapply": tru');
    await expect(openSettings(dir)).rejects.toThrow(/config\.json: gwctl's settings are not valid JSON/);
  });
  it('parses command-line values', () => {
    expect(parseSettingValue('gateway.url', 'http://127.0.0.1:4000/')).toBe('http://127.0.0.1:4000');
    expect(() => parseSettingValue('gateway.url', 'localhost:4000')).toThrow(/http:\/\/ or https:\/\//);
    expect(() => parseSettingValue('gateway.url', 'not a url')).toThrow(/it is not a URL/);
    expect(parseSettingValue('gateway.models', 'a, b,a,,c')).toEqual(['a', 'b', 'c']);
    expect(() => parseSettingValue('gateway.kind', 'one-api')).toThrow(/one of servbay, litellm, new-api, bifrost, static/);
    expect(() => parseSettingValue('gateway.providerId', 'my provider')).toThrow(/letters, digits/);
  });
});

describe('detection', () => {
  let lite: FakeLiteLLM;
  let na: FakeNewApi;
  let bf: FakeBifrost;
  let sb: FakeServBay;
  beforeAll(async () => {
    [lite, na, bf, sb] = await Promise.all([startLiteLLM(), startNewApi(), startBifrost(), startServBay({ rootStatus: 404 })]);
  });
  afterAll(async () => {
    await Promise.all([lite, na, bf, sb].map((f) => f.close()));
  });

  it('given URLs: each is identified by the probe that answers', async () => {
    const found = await detectAt([lite.url, na.url + '/', bf.url, sb.url, `http://127.0.0.1:${await deadPort()}`]);
    expect(found.map((d) => [d.kind, d.url, d.probe])).toEqual([
      ['litellm', lite.url, 'GET /health/liveliness'],
      ['new-api', na.url, 'GET /api/status'],
      ['bifrost', bf.url, 'GET /health'],
      ['static', sb.url, 'GET /'],
    ]);
    for (const d of found) expect(d.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('default roots: each kind probed on its own root only', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const found = await detectDefaults(500, { servbay: sb.url, litellm: lite.url, 'new-api': dead, bifrost: na.url /* not Bifrost */ });
    expect(found.map((d) => d.kind)).toEqual(['servbay', 'litellm']);
  });
});
