/** LiteLLM contract: exact requests gwctl sends, and what it makes of each documented answer. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveGateway } from '../../src/gateway/index.ts';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { deadPort } from '../helpers/gateway.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';

let gw: FakeLiteLLM;
let h: TempHome;
beforeAll(async () => {
  gw = await startLiteLLM();
});
afterAll(() => gw.close());
beforeEach(() => {
  h = tempHome();
  gw.requests.length = 0;
  gw.clearFaults();
  gw.db = true;
  gw.keys.clear();
  gw.deleted.length = 0;
});
afterEach(() => h.cleanup());

const resolve = (env: Record<string, string> = {}) =>
  resolveGateway(
    { kind: 'litellm', url: gw.url },
    { ...h.env, GWCTL_GATEWAY_ADMIN_KEY: gw.masterKey, GWCTL_GATEWAY_TIMEOUT_MS: '400', ...env },
    { hostname: 'Dev-Box.local' },
  );

describe('litellm', () => {
  it('uses root / root+/v1 / root as base URLs and the default root 127.0.0.1:4000', () => {
    expect(resolve().settings.baseUrl).toEqual({ anthropic: gw.url, openai: `${gw.url}/v1`, gemini: gw.url });
    expect(resolveGateway({ kind: 'litellm' }, h.env).settings.root).toBe('http://127.0.0.1:4000');
  });

  it('health: GET /health/liveliness, then /health/readiness, no credentials; then the model list (master key)', async () => {
    await resolve().keys.health();
    expect(gw.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /health/liveliness', 'GET /health/readiness', 'GET /v1/models']);
    for (const r of gw.requests.slice(0, 2)) expect(r.headers.authorization).toBeUndefined();
    expect(gw.requests[2]!.headers.authorization).toBe(`Bearer ${gw.masterKey}`);
  });

  it('mint: POST /key/generate with the master key as Bearer and {key_alias, metadata}', async () => {
    const { key, ref } = await resolve().keys.acquire('codex');
    const [req] = gw.calls('generate');
    expect(req!.headers.authorization).toBe(`Bearer ${gw.masterKey}`);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.json).toEqual({ key_alias: 'gwctl-codex-dev-box', metadata: { created_by: 'gwctl', tool: 'codex', host: 'dev-box' } });
    expect(key).toBe(gw.keys.get('gwctl-codex-dev-box')!.key);
    expect(ref).toEqual({ kind: 'litellm', alias: 'gwctl-codex-dev-box', id: gw.keys.get('gwctl-codex-dev-box')!.token, gateway: gw.url });
    expect(JSON.stringify(ref)).not.toContain(key);
  });

  it('a taken alias (400 "already exists") is retried as <alias>-2', async () => {
    const first = await resolve().keys.acquire('codex');
    const second = await resolve().keys.acquire('codex');
    expect(second.ref).toEqual({ kind: 'litellm', alias: 'gwctl-codex-dev-box-2', id: gw.keys.get('gwctl-codex-dev-box-2')!.token, gateway: gw.url });
    expect(second.key).not.toBe(first.key);
    expect(gw.calls('generate').map((r) => (r.json as { key_alias: string }).key_alias)).toEqual([
      'gwctl-codex-dev-box',
      'gwctl-codex-dev-box',
      'gwctl-codex-dev-box-2',
    ]);
  });

  it('revoke: POST /key/delete {keys:[token]} (that key exactly, not whatever has its alias now); a key already gone is reported, not an error', async () => {
    const gwy = resolve();
    const { ref } = await gwy.keys.acquire('claude-code');
    const token = gw.keys.get('gwctl-claude-code-dev-box')!.token;
    expect(await gwy.keys.release('claude-code', ref)).toBe(`revoked key 'gwctl-claude-code-dev-box' on LiteLLM at ${gw.url}`);
    const [req] = gw.calls('delete');
    expect(req!.headers.authorization).toBe(`Bearer ${gw.masterKey}`);
    expect(req!.json).toEqual({ keys: [token] });
    expect(gw.keys.size).toBe(0);
    expect(await gwy.keys.release('claude-code', ref)).toMatch(/already gone/);
  });

  it('models: GET /v1/models with the minted key, de-duplicated in order', async () => {
    const gwy = resolve();
    const { key } = await gwy.keys.acquire('codex');
    expect(await gwy.keys.models(key)).toEqual(['gpt-4o', 'claude-sonnet-4-5', 'qwen3-coder']);
    expect(gw.calls('models')[0]!.headers.authorization).toBe(`Bearer ${key}`);
  });

  it('without its database: readiness says so, and /key/generate\'s 500 "DB not connected" says use static', async () => {
    gw.db = false;
    const gwy = resolve();
    await expect(gwy.keys.health()).rejects.toThrow(/without its database.*gateway\.kind static/);
    await expect(gwy.keys.acquire('codex')).rejects.toThrow(/DB not connected.*Postgres.*static.*master key/);
  });

  it('no master key: says how to set it, sends nothing', async () => {
    const gwy = resolveGateway({ kind: 'litellm', url: gw.url }, h.env);
    await expect(gwy.keys.acquire('codex')).rejects.toThrow(/master key.*GWCTL_GATEWAY_ADMIN_KEY.*gwctl config set gateway\.adminKey/);
    expect(gw.calls('generate')).toHaveLength(0);
  });

  it('a wrong master key: 401 names the fix and never echoes the key', async () => {
    const err = await resolve({ GWCTL_GATEWAY_ADMIN_KEY: 'sk-wrong-master-123456' })
      .keys.acquire('codex')
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/HTTP 401.*refused the master key/);
    expect((err as Error).message).not.toContain('sk-wrong-master-123456');
  });

  it('refused, timeout, 500, non-JSON: each says what failed', async () => {
    const dead = resolveGateway({ kind: 'litellm', url: `http://127.0.0.1:${await deadPort()}` }, h.env);
    await expect(dead.keys.health()).rejects.toThrow(/connection refused .*start the gateway/);
    gw.fault('liveliness', 'timeout');
    await expect(resolve().keys.health()).rejects.toThrow(/no answer .* within 400 ms/);
    gw.clearFaults();
    gw.fault('generate', { status: 500, body: { error: { message: 'Internal Server Error' } } });
    await expect(resolve().keys.acquire('codex')).rejects.toThrow(
      /POST .*\/key\/generate \(mint a LiteLLM key\) answered HTTP 500: "Internal Server Error"; check the gateway's logs/,
    );
    gw.clearFaults();
    gw.fault('generate', 'non-json');
    await expect(resolve().keys.acquire('codex')).rejects.toThrow(/\/key\/generate answered something that is not JSON/);
    gw.clearFaults();
    gw.fault('models', 'non-json');
    await expect(resolve().keys.models('sk-x')).rejects.toThrow(/does not look like an AI gateway \(got text\/html/);
  });

  it('a failed revoke throws (the engine keeps the key as revoke-pending), without the master key in the message', async () => {
    const gwy = resolve();
    const { ref } = await gwy.keys.acquire('codex');
    gw.fault('delete', { status: 500, body: { error: { message: `boom ${gw.masterKey}` } } });
    const err = (await gwy.keys.release('codex', ref).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/could not revoke key 'gwctl-codex-dev-box'.*HTTP 500/);
    expect(err.message).not.toContain(gw.masterKey);
  });
});
