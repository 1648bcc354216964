/** new-api contract: the two-step key read, its New-Api-User header, {success:false} errors. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveGateway } from '../../src/gateway/index.ts';
import { startNewApi, type FakeNewApi } from '../helpers/gateways/new-api.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';

let gw: FakeNewApi;
let h: TempHome;
beforeAll(async () => {
  // Someone else's tokens exist too (and one of ours from another user id).
  gw = await startNewApi({ userId: 7, existing: [{ name: 'laptop' }, { name: 'gwctl-codex-dev-box', userId: 8 }] });
});
afterAll(() => gw.close());
beforeEach(() => {
  h = tempHome();
  gw.requests.length = 0;
  gw.clearFaults();
  for (const [id, t] of gw.tokens) if (t.name.startsWith('gwctl-') && t.user_id === 7) gw.tokens.delete(id);
  gw.deleted.length = 0;
});
afterEach(() => h.cleanup());

const resolve = (env: Record<string, string> = {}, file: Record<string, string> = {}) =>
  resolveGateway(
    { kind: 'new-api', url: gw.url, userId: '7', ...file },
    { ...h.env, GWCTL_GATEWAY_ADMIN_KEY: gw.accessToken, GWCTL_GATEWAY_TIMEOUT_MS: '400', ...env },
    { hostname: 'dev-box' },
  );

describe('new-api', () => {
  it('uses root / root+/v1 / root and the default root 127.0.0.1:3000', () => {
    expect(resolve().settings.baseUrl).toEqual({ anthropic: gw.url, openai: `${gw.url}/v1`, gemini: gw.url });
    expect(resolveGateway({ kind: 'new-api' }, h.env).settings.root).toBe('http://127.0.0.1:3000');
  });

  it('health: GET /api/status → {success:true}, no credentials', async () => {
    await resolve().keys.health();
    expect(gw.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/status', 'GET /v1/models']);
    expect(gw.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('mint: POST /api/token/ (no key in the answer), GET /api/token/ to find it, POST /api/token/:id/key to read it', async () => {
    const { key, ref } = await resolve().keys.acquire('codex');
    expect(gw.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/token/', 'GET /api/token/', `POST /api/token/${ref!.id}/key`]);
    for (const r of gw.requests) {
      expect(r.headers.authorization).toBe(gw.accessToken); // raw access token, no "Bearer"
      expect(r.headers['new-api-user']).toBe('7');
    }
    expect(gw.requests[0]!.json).toEqual({ name: 'gwctl-codex-dev-box', expired_time: -1, unlimited_quota: true });
    const token = [...gw.tokens.values()].find((t) => t.user_id === 7 && t.name === 'gwctl-codex-dev-box')!;
    expect(ref).toEqual({ kind: 'new-api', id: String(token.id), alias: 'gwctl-codex-dev-box', gateway: gw.url });
    // new-api stores the key without "sk-"; clients send it with.
    expect(key).toBe(`sk-${token.key}`);
  });

  it('names are cut to 50 characters', async () => {
    const { ref } = await resolve({}, {}).keys.acquire('claude-code');
    expect(ref!.alias).toBe('gwctl-claude-code-dev-box');
    const long = resolveGateway(
      { kind: 'new-api', url: gw.url, userId: '7' },
      { ...h.env, GWCTL_GATEWAY_ADMIN_KEY: gw.accessToken },
      { hostname: 'a-very-long-workstation-hostname-in-the-lab' },
    );
    const { ref: r2 } = await long.keys.acquire('claude-code');
    expect(r2!.alias).toBe('gwctl-claude-code-a-very-long-workstation-hostname'.slice(0, 50));
    expect(r2!.alias!.length).toBeLessThanOrEqual(50);
  });

  it('the newest token of that name wins when an older one is left over', async () => {
    const gwy = resolve();
    const a = await gwy.keys.acquire('codex');
    const b = await gwy.keys.acquire('codex');
    expect(Number(b.ref!.id)).toBeGreaterThan(Number(a.ref!.id));
    expect(b.key).not.toBe(a.key);
  });

  it('revoke: DELETE /api/token/:id with both headers; a token already gone is reported', async () => {
    const gwy = resolve();
    const { ref } = await gwy.keys.acquire('codex');
    gw.requests.length = 0;
    expect(await gwy.keys.release('codex', ref)).toBe(`revoked key 'gwctl-codex-dev-box' (id ${ref!.id}) on new-api at ${gw.url}`);
    expect(gw.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`DELETE /api/token/${ref!.id}`]);
    expect(gw.requests[0]!.headers['new-api-user']).toBe('7');
    expect(gw.deleted.map((t) => t.id)).toEqual([Number(ref!.id)]);
    expect(await gwy.keys.release('codex', ref)).toMatch(/already gone/);
  });

  it('models: GET /v1/models with the sk- key', async () => {
    const gwy = resolve();
    const { key } = await gwy.keys.acquire('codex');
    expect(await gwy.keys.models(key)).toEqual(['gpt-4o', 'deepseek-chat', 'claude-sonnet-4-5']);
  });

  it('missing access token or user id: says which, sends nothing', async () => {
    await expect(resolveGateway({ kind: 'new-api', url: gw.url, userId: '7' }, h.env).keys.acquire('codex')).rejects.toThrow(
      /access token.*GWCTL_GATEWAY_ADMIN_KEY/,
    );
    await expect(resolveGateway({ kind: 'new-api', url: gw.url }, { ...h.env, GWCTL_GATEWAY_ADMIN_KEY: gw.accessToken }).keys.acquire('codex')).rejects.toThrow(
      /gateway\.userId/,
    );
    expect(gw.requests).toHaveLength(0);
  });

  it('a wrong user id: HTTP 401 from the New-Api-User check, with the fix', async () => {
    await expect(resolve({}, { userId: '9' }).keys.acquire('codex')).rejects.toThrow(/HTTP 401.*New-Api-User.*refused the credentials.*gateway\.userId/);
  });

  it("{success:false} on create (e.g. the token limit) is an error with new-api's message", async () => {
    gw.fault('create', { status: 200, body: { success: false, message: '已达到最大令牌数量限制 (10)' } });
    await expect(resolve().keys.acquire('codex')).rejects.toThrow(/POST .*\/api\/token\/ \(create a new-api token\) failed: "已达到最大令牌数量限制 \(10\)"/);
  });

  it('when reading the key fails, the token just created is deleted again', async () => {
    gw.fault('key', { status: 500, body: { success: false, message: 'internal error' } });
    await expect(resolve().keys.acquire('codex')).rejects.toThrow(/HTTP 500/);
    expect(gw.deleted.map((t) => t.name)).toEqual(['gwctl-codex-dev-box']);
    expect([...gw.tokens.values()].filter((t) => t.user_id === 7 && t.name.startsWith('gwctl-'))).toEqual([]);
  });

  it('when listing fails, the message says a token may be left and where to delete it', async () => {
    gw.fault('list', 'non-json');
    await expect(resolve().keys.acquire('codex')).rejects.toThrow(/not JSON.*created the token "gwctl-codex-dev-box"; delete it in new-api's Tokens page/);
  });

  it('status not {success:true}, non-JSON, timeout', async () => {
    gw.fault('status', { status: 200, body: { success: false } });
    await expect(resolve().keys.health()).rejects.toThrow(/did not answer \{"success": true\}/);
    gw.fault('status', 'non-json');
    await expect(resolve().keys.health()).rejects.toThrow(/not JSON/);
    gw.fault('status', 'timeout');
    await expect(resolve().keys.health()).rejects.toThrow(/no answer .* within 400 ms/);
  });
});
