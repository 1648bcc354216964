/** servbay and static: no key API; the configured key for every tool; nothing revoked, and said so. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeSecret } from '../../src/home/secrets.ts';
import { gwctlPaths } from '../../src/home/paths.ts';
import { resolveGateway } from '../../src/gateway/index.ts';
import { startServBay, type FakeServBay } from '../helpers/gateways/servbay.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';

let gw: FakeServBay;
let h: TempHome;
const KEY = 'sk-servbay-ui-key-5a7e31';
beforeAll(async () => {
  gw = await startServBay({ keys: [KEY], rootStatus: 401 });
});
afterAll(() => gw.close());
beforeEach(() => {
  h = tempHome();
  gw.requests.length = 0;
  gw.clearFaults();
});
afterEach(() => h.cleanup());

describe.each(['servbay', 'static'] as const)('%s', (kind) => {
  const resolve = (env: Record<string, string> = {}) =>
    resolveGateway({ kind, url: gw.url }, { ...h.env, GWCTL_GATEWAY_KEY: KEY, GWCTL_GATEWAY_TIMEOUT_MS: '400', ...env });

  it('health: any HTTP answer on the root (even 401), then a JSON model list on /v1/models', async () => {
    await resolve().keys.health();
    expect(gw.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /', 'GET /v1/models']);
  });

  it('acquire: the configured key, ref without id or alias; nothing sent to the gateway', async () => {
    expect(await resolve().keys.acquire('codex')).toEqual({ key: KEY, ref: { kind } });
    expect(gw.requests).toHaveLength(0);
  });

  it('the key may come from the 0600 secrets file instead of the environment', async () => {
    writeSecret(gwctlPaths({ home: h.home, env: h.env }).configDir, 'gateway.key', KEY);
    expect((await resolveGateway({ kind, url: gw.url }, h.env).keys.acquire('codex')).key).toBe(KEY);
  });

  it('release: nothing revoked, and the note says so', async () => {
    const note = await resolve().keys.release('codex', { kind });
    expect(note).toMatch(/configured key was kept: gwctl did not mint it.*nothing was revoked/);
    expect(gw.requests).toHaveLength(0);
  });

  it('no key configured: says how to give one', async () => {
    await expect(resolveGateway({ kind, url: gw.url }, h.env).keys.acquire('codex')).rejects.toThrow(/GWCTL_GATEWAY_KEY.*gwctl config set gateway\.key/);
  });

  it('models with the configured key; a configured list stands in when the listing breaks, not when the key is refused', async () => {
    expect(await resolve().keys.models(KEY)).toEqual(['gpt-4o', 'claude-sonnet-4-5', 'qwen3-coder']);
    gw.fault('models', { status: 500 });
    const withList = resolveGateway({ kind, url: gw.url, models: ['m1', 'm2'] }, { ...h.env, GWCTL_GATEWAY_KEY: KEY });
    expect(await withList.keys.models(KEY)).toEqual(['m1', 'm2']);
    gw.clearFaults();
    await expect(withList.keys.models('sk-wrong-key-123456')).rejects.toThrow(/HTTP 401/);
  });
});

describe('servbay defaults', () => {
  it('is the default kind, at http://127.0.0.1:11580, provider servbay', () => {
    const { settings } = resolveGateway({}, h.env);
    expect(settings).toMatchObject({ kind: 'servbay', root: 'http://127.0.0.1:11580', providerId: 'servbay', displayName: 'ServBay AI Gateway' });
    expect(settings.baseUrl).toEqual({ anthropic: 'http://127.0.0.1:11580', openai: 'http://127.0.0.1:11580/v1', gemini: 'http://127.0.0.1:11580' });
  });

  it('GWCTL_GATEWAY_URL and GWCTL_GATEWAY_KIND override the settings', () => {
    const r = resolveGateway(
      { kind: 'litellm', url: 'http://127.0.0.1:4000' },
      { ...h.env, GWCTL_GATEWAY_KIND: 'bifrost', GWCTL_GATEWAY_URL: 'http://127.0.0.1:9999/' },
    );
    expect(r.settings).toMatchObject({ kind: 'bifrost', root: 'http://127.0.0.1:9999' });
    expect(r.source).toEqual({ url: 'env', kind: 'env' });
  });

  it('static has no default root; an unknown kind is named', () => {
    expect(() => resolveGateway({ kind: 'static' }, h.env)).toThrow(/no default address; set gateway\.url/);
    expect(() => resolveGateway({ kind: 'one-api' }, h.env)).toThrow(/unknown gateway kind 'one-api' \(kinds: servbay, litellm, new-api, bifrost, static\)/);
  });
});
