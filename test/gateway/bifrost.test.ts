/** Bifrost contract: /health, governance virtual keys, its /anthropic and /genai prefixes. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveGateway } from '../../src/gateway/index.ts';
import { startBifrost, type FakeBifrost } from '../helpers/gateways/bifrost.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';

let gw: FakeBifrost;
let h: TempHome;
beforeAll(async () => {
  gw = await startBifrost();
});
afterAll(() => gw.close());
beforeEach(() => {
  h = tempHome();
  gw.requests.length = 0;
  gw.clearFaults();
  gw.keys.clear();
  gw.deleted.length = 0;
  gw.admin = undefined;
});
afterEach(() => h.cleanup());

const resolve = (env: Record<string, string> = {}) =>
  resolveGateway({ kind: 'bifrost', url: gw.url }, { ...h.env, GWCTL_GATEWAY_TIMEOUT_MS: '400', ...env }, { hostname: 'dev-box' });

describe('bifrost', () => {
  it('base URLs: /anthropic, /v1, /genai; default root 127.0.0.1:8080', () => {
    expect(resolve().settings.baseUrl).toEqual({ anthropic: `${gw.url}/anthropic`, openai: `${gw.url}/v1`, gemini: `${gw.url}/genai` });
    expect(resolveGateway({ kind: 'bifrost' }, h.env).settings.baseUrl.anthropic).toBe('http://127.0.0.1:8080/anthropic');
  });

  it('health: GET /health → {"status":"ok"}', async () => {
    await resolve().keys.health();
    expect(gw.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /health', 'GET /v1/models']);
  });

  it('mint: POST /api/governance/virtual-keys {name, description} → virtual_key.{id, value}; open API sends no credentials', async () => {
    const { key, ref } = await resolve().keys.acquire('claude-code');
    const [req] = gw.calls('create');
    expect(req!.json).toEqual({ name: 'gwctl-claude-code-dev-box', description: 'gwctl: claude-code on dev-box' });
    expect(req!.headers.authorization).toBeUndefined();
    const vk = [...gw.keys.values()][0]!;
    expect(key).toBe(vk.value);
    expect(ref).toEqual({ kind: 'bifrost', id: vk.id, alias: 'gwctl-claude-code-dev-box', gateway: gw.url });
  });

  it('the minted key works on the protocol prefixes', async () => {
    const gwy = resolve();
    const { key } = await gwy.keys.acquire('claude-code');
    const msg = await fetch(`${gwy.settings.baseUrl.anthropic}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, authorization: `Bearer ${key}` },
      body: '{}',
    });
    expect(msg.status).toBe(200);
    const gen = await fetch(`${gwy.settings.baseUrl.gemini}/v1beta/models/gemini-2.5-pro:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': key },
      body: '{}',
    });
    expect(gen.status).toBe(200);
  });

  it('a taken name (409 "already exists") is retried as <name>-2', async () => {
    await resolve().keys.acquire('codex');
    const { ref } = await resolve().keys.acquire('codex');
    expect(ref!.alias).toBe('gwctl-codex-dev-box-2');
  });

  it('with admin auth on, user:password goes as Basic auth; without it, 401 says what to set', async () => {
    gw.admin = 'admin:s3cret-pass';
    await expect(resolve().keys.acquire('codex')).rejects.toThrow(/HTTP 401.*admin auth is on.*username:password/);
    const { ref } = await resolve({ GWCTL_GATEWAY_ADMIN_KEY: 'admin:s3cret-pass' }).keys.acquire('codex');
    expect(gw.calls('create').at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('admin:s3cret-pass').toString('base64')}`);
    expect(await resolve({ GWCTL_GATEWAY_ADMIN_KEY: 'admin:s3cret-pass' }).keys.release('codex', ref)).toMatch(/^revoked key 'gwctl-codex-dev-box'/);
  });

  it('revoke: DELETE /api/governance/virtual-keys/{id}; already gone is reported', async () => {
    const gwy = resolve();
    const { ref } = await gwy.keys.acquire('codex');
    expect(await gwy.keys.release('codex', ref)).toBe(`revoked key 'gwctl-codex-dev-box' (id ${ref!.id}) on Bifrost at ${gw.url}`);
    expect(gw.calls('delete').map((r) => r.path)).toEqual([`/api/governance/virtual-keys/${ref!.id}`]);
    expect(await gwy.keys.release('codex', ref)).toMatch(/already gone/);
  });

  it('models: GET /v1/models with the virtual key', async () => {
    const gwy = resolve();
    const { key } = await gwy.keys.acquire('codex');
    expect(await gwy.keys.models(key)).toEqual(['openai/gpt-4o', 'anthropic/claude-sonnet-4-5', 'gemini/gemini-2.5-pro']);
    await expect(gwy.keys.models('sk-bf-not-a-key')).rejects.toThrow(/refused the key \(HTTP 401\)/);
  });

  it('an answer without virtual_key.value, a non-JSON answer, /health not ok', async () => {
    gw.fault('create', { status: 200, body: { message: 'ok' } });
    await expect(resolve().keys.acquire('codex')).rejects.toThrow(/without virtual_key\.id and virtual_key\.value/);
    gw.fault('create', 'non-json');
    await expect(resolve().keys.acquire('codex')).rejects.toThrow(/not JSON/);
    gw.fault('health', { status: 503, body: { status: 'unhealthy' } });
    await expect(resolve().keys.health()).rejects.toThrow(/HTTP 503/);
    gw.fault('health', { status: 200, body: { status: 'degraded' } });
    await expect(resolve().keys.health()).rejects.toThrow(/did not answer \{"status": "ok"\}/);
  });
});
