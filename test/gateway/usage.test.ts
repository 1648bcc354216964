/**
 * `gwctl test`, `gwctl usage` and `gwctl keys` on every kind: real takeovers into a temp HOME,
 * real model requests to the fakes (which log them the way each gateway does), and the numbers
 * read back through each gateway's own usage API must equal what the fake served per key.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseSince } from '../../src/cli/commands/usage.ts';
import type { KindId } from '../../src/gateway/index.ts';
import { bifrostCost, type FakeBifrost } from '../helpers/gateways/bifrost.ts';
import { litellmSpend, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { newApiQuota, type FakeNewApi } from '../helpers/gateways/new-api.ts';
import type { Served } from '../helpers/gateways/server.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';
import { startKind, writeSettings, type KindHarness } from './harness.ts';

let h: TempHome;
beforeEach(() => {
  h = tempHome();
});
afterEach(() => h.cleanup());

const spendOf = (kind: KindId, s: Served[]) =>
  kind === 'litellm'
    ? s.reduce((a, u) => a + litellmSpend(u), 0)
    : kind === 'new-api'
      ? s.reduce((a, u) => a + newApiQuota(u), 0) / 500000
      : s.reduce((a, u) => a + bifrostCost(u), 0);

interface UsageJson {
  since: string;
  tools: Array<{
    id: string;
    key: string;
    requests: number | null;
    tokensIn: number | null;
    tokensOut: number | null;
    spend: number | null;
    currency: string | null;
    unavailable?: string;
    error?: string;
  }>;
}

describe.each(['litellm', 'new-api', 'bifrost', 'servbay'] as KindId[])('%s', (kind) => {
  let k: KindHarness;
  beforeAll(async () => {
    k = await startKind(kind);
  });
  afterAll(() => k.fake.close());
  beforeEach(() => k.reset());

  const env = () => ({ ...h.env, ...k.env });
  const run = (args: string[]) => gwctl(args, env());
  const served = () => (k.fake as unknown as { served: Served[] }).served;

  async function setUp(): Promise<{ claude: string; codex: string; gemini: string; env: string }> {
    writeSettings(h.home, h.env, k.settings);
    for (const d of ['.claude', '.codex', '.gemini']) mkdirSync(join(h.home, d), { recursive: true });
    writeFileSync(join(h.home, '.gemini', 'settings.json'), '{}\n');
    const t = await run(['takeover', 'claude-code', 'codex', 'gemini-cli']);
    expect(t.code, t.stderr + t.stdout).toBe(0);
    const e = await run(['env', '--shell', 'json']);
    expect(e.code, e.stderr).toBe(0);
    const keys = JSON.parse((await run(['keys', '--json', '--offline'])).stdout) as { keys: Array<{ tool?: string; name?: string; alias: string }> };
    const alias = (id: string) => keys.keys.find((x) => x.tool === id || x.name === id)?.alias ?? '';
    return { claude: alias('claude-code'), codex: alias('codex'), gemini: alias('gemini-cli'), env: alias('env') };
  }

  it('gwctl test sends one request per tool in its own protocol with the key in its config', async () => {
    await setUp();
    const r = await run(['test', '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout).tools as Array<{ id: string; reached: boolean; status: number; model: string; latencyMs: number; request: string }>;
    const base = k.fake.url;
    const prefix = kind === 'bifrost' ? { anthropic: '/anthropic', gemini: '/genai' } : { anthropic: '', gemini: '' };
    expect(rows.map((x) => [x.id, x.reached, x.status, x.request.replace(/[^/]+:generateContent$/, 'MODEL:generateContent')])).toEqual([
      ['claude-code', true, 200, `POST ${base}${prefix.anthropic}/v1/messages`],
      ['codex', true, 200, `POST ${base}/v1/responses`],
      ['gemini-cli', true, 200, `POST ${base}${prefix.gemini}/v1beta/models/MODEL:generateContent`],
    ]);
    for (const x of rows) {
      expect(x.model).toMatch(/\S/);
      expect(x.latencyMs).toBeGreaterThanOrEqual(0);
    }
    // The fake saw each tool's own key, where that protocol carries it.
    expect(served().map((s) => s.protocol)).toEqual(['anthropic', 'responses', 'gemini']);
    const calls = k.fake.requests.filter((q) => q.method === 'POST' && /messages|responses|generateContent/.test(q.path));
    expect(calls[0]!.headers['anthropic-version']).toBe('2023-06-01');
    expect(calls[2]!.headers['x-goog-api-key']).toBe(served()[2]!.key);
    for (const s of served()) expect(r.stdout).not.toContain(s.key);
  });

  it('gwctl usage reports what the gateway logged per key (or says it cannot, never zeros)', async () => {
    const a = await setUp();
    expect((await run(['test'])).code).toBe(0);
    // Two more requests with the env key, as a program using `gwctl exec` would send them.
    const vars = JSON.parse((await run(['env', '--shell', 'json'])).stdout) as Record<string, string>;
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${vars.OPENAI_BASE_URL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${vars.OPENAI_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'one two three' }], max_tokens: 5 }),
      });
      expect(res.status).toBe(200);
    }
    const r = await run(['usage', '--json', '--since', '1h']);
    const u = JSON.parse(r.stdout) as UsageJson;
    expect(Date.parse(u.since)).toBeGreaterThan(Date.now() - 3_700_000);
    if (kind === 'servbay') {
      expect(r.code).toBe(0);
      // The env variables carry the configured key: no named key of its own, so no row.
      expect(u.tools.map((t) => t.id)).toEqual(['claude-code', 'codex', 'gemini-cli']);
      for (const t of u.tools) {
        expect(t.unavailable).toMatch(/^usage is not available from servbay/);
        expect([t.requests, t.tokensIn, t.tokensOut, t.spend]).toEqual([null, null, null, null]);
      }
      const table = await run(['usage']);
      expect(table.stdout.match(/usage is not available from servbay/g)).toHaveLength(3);
      expect(table.stdout).not.toMatch(/\s0(\.0+)?(\s|$)/m);
      return;
    }
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const byKey = (key: string) => served().filter((s) => s.key === key);
    const keyOf = (id: string) =>
      id === 'env'
        ? vars.OPENAI_API_KEY!
        : served().find((s) => s.protocol === { 'claude-code': 'anthropic', codex: 'responses', 'gemini-cli': 'gemini' }[id])!.key;
    expect(u.tools.map((t) => [t.id, t.key])).toEqual([
      ['claude-code', a.claude],
      ['codex', a.codex],
      ['gemini-cli', a.gemini],
      ['env', a.env],
    ]);
    for (const t of u.tools) {
      const s = byKey(keyOf(t.id));
      expect(s.length).toBe(t.id === 'env' ? 2 : 1);
      expect(t).toMatchObject({
        requests: s.length,
        tokensIn: s.reduce((x, y) => x + y.promptTokens, 0),
        tokensOut: s.reduce((x, y) => x + y.completionTokens, 0),
        currency: 'USD',
      });
      expect(t.spend).toBeCloseTo(spendOf(kind, s), 9);
      expect(t.spend).toBeGreaterThan(0);
    }
    expect(r.stdout).not.toContain(vars.OPENAI_API_KEY);
    // One tool, and a range before anything happened (new-api and Bifrost count exact times).
    const one = JSON.parse((await run(['usage', 'codex', '--json'])).stdout) as UsageJson;
    expect(one.tools.map((t) => t.id)).toEqual(['codex']);
    if (kind === 'new-api') for (const l of (k.fake as FakeNewApi).logs) l.created_at -= 7200;
    if (kind === 'bifrost') for (const l of (k.fake as FakeBifrost).logs) l.timestamp = new Date(Date.parse(l.timestamp) - 7_200_000).toISOString();
    if (kind !== 'litellm') {
      // Logged two hours ago: outside --since 1h, inside --since 3h (new-api and Bifrost count exact times).
      const recent = JSON.parse((await run(['usage', 'env', '--json', '--since', '1h'])).stdout) as UsageJson;
      expect(recent.tools[0]!.requests).toBe(0);
      const wider = JSON.parse((await run(['usage', 'env', '--json', '--since', '3h'])).stdout) as UsageJson;
      expect(wider.tools[0]!.requests).toBe(2);
    }
    const table = await run(['usage', '--since', '1d']);
    expect(table.stdout).toMatch(new RegExp(`^env\\s+${a.env}\\s+2\\s+\\d+\\s+\\d+\\s+0\\.\\d{4} USD$`, 'm'));
    expect((await run(['usage', 'vim'])).code).toBe(2);
  });

  it('gwctl keys: active, then rejected once revoked in the gateway, with last use; test says how to fix', async () => {
    const a = await setUp();
    // new-api stamps accessed_time at creation: make the tokens a minute old, as they would be.
    if (kind === 'new-api') for (const t of (k.fake as FakeNewApi).tokens.values()) t.created_time = t.accessed_time = t.created_time - 60;
    expect((await run(['test', 'codex'])).code).toBe(0);
    const before = JSON.parse((await run(['keys', '--json'])).stdout) as {
      keys: Array<{ tool?: string; name?: string; alias: string; state: string; lastUsed: string | null }>;
    };
    const state = (k2: typeof before, id: string) => k2.keys.find((x) => x.tool === id || x.name === id)!;
    if (kind === 'servbay') {
      expect(before.keys).toEqual([]);
      const keys = await run(['keys']);
      expect(keys.stdout).toMatch(/using the configured key .*claude-code, codex, gemini-cli/);
      return;
    }
    for (const id of ['claude-code', 'codex', 'gemini-cli', 'env']) expect(state(before, id).state).toBe('active');
    expect(state(before, 'codex').lastUsed).not.toBeNull();
    expect(Date.parse(state(before, 'codex').lastUsed!)).toBeLessThanOrEqual(Date.now());
    expect(state(before, 'claude-code').lastUsed).toBeNull();
    // Revoke codex's key in the gateway's own UI (behind gwctl's back).
    if (kind === 'litellm') (k.fake as FakeLiteLLM).keys.delete(a.codex);
    if (kind === 'new-api') for (const t of (k.fake as FakeNewApi).tokens.values()) if (t.name === a.codex) t.status = 2;
    if (kind === 'bifrost') for (const v of (k.fake as FakeBifrost).keys.values()) if (v.name === a.codex) v.is_active = false;
    const after = JSON.parse((await run(['keys', '--json'])).stdout) as typeof before;
    expect(state(after, 'codex').state).toBe('rejected');
    expect(state(after, 'claude-code').state).toBe('active');
    const table = await run(['keys']);
    expect(table.stdout).toMatch(/^codex\s+\S+\s+\S+.*\s+rejected\s/m);
    expect(table.stdout).toMatch(/codex: rejected .*gwctl rotate codex gets a new key/);
    const t = await run(['test', 'codex']);
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(/codex: the gateway rejected the key \(HTTP 401.*revoked or expired; get a new key with `gwctl rotate codex`/);
    for (const o of [t.stdout, table.stdout]) for (const s of served()) expect(o).not.toContain(s.key);
  });
});

describe('revoke-pending and named-key revoke', () => {
  let k: KindHarness;
  beforeAll(async () => {
    k = await startKind('litellm');
  });
  afterAll(() => k.fake.close());

  it('a named key whose revoke fails shows revoke-pending until a retry goes through', async () => {
    const env = { ...h.env, ...k.env };
    expect((await gwctl(['env'], env)).code).toBe(0);
    k.fake.fault('delete', { status: 503, body: { error: { message: 'busy' } } });
    const r = await gwctl(['keys', 'revoke', 'env'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/kept key 'gwctl-env-[^']+' \(revoke-pending\): could not revoke/);
    const keys = JSON.parse((await gwctl(['keys', '--json'], env)).stdout) as { keys: Array<{ name?: string; state: string }> };
    expect(keys.keys.find((x) => x.name === 'env')!.state).toBe('revoke-pending');
    k.fake.clearFaults();
    const again = await gwctl(['keys', 'revoke', 'env'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/revoked key 'gwctl-env-/);
    expect(JSON.parse((await gwctl(['keys', '--json'], env)).stdout).keys).toEqual([]);
    expect((await gwctl(['keys', 'revoke', 'codex'], env)).code).toBe(2);
    expect((await gwctl(['keys', 'revoke', 'nope'], env)).stderr).toMatch(/no key named 'nope'/);
  });
});

describe('--since', () => {
  it('parses relative spans and dates', () => {
    const now = new Date('2026-12-03T10:00:00Z');
    expect(parseSince('24h', now)!.toISOString()).toBe('2026-12-02T10:00:00.000Z');
    expect(parseSince('7d', now)!.toISOString()).toBe('2026-11-26T10:00:00.000Z');
    expect(parseSince('30m', now)!.toISOString()).toBe('2026-12-03T09:30:00.000Z');
    expect(parseSince('2026-12-01', now)!.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(parseSince('yesterday', now)).toBeUndefined();
    expect(parseSince('2026-13-45', now)).toBeUndefined();
  });
});
