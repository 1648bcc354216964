import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeCode as adapter } from '../../src/adapters/claude-code.ts';
import type { AdapterEnv, FileTexts, GatewayIdentity, TakeoverTarget } from '../../src/adapters/types.ts';
import { applyEdits, revertRecords, toSlotRecords, type SlotRecord } from '../../src/formats/apply.ts';
import { editorFor } from '../../src/formats/index.ts';
import { hashValue } from '../../src/formats/path.ts';
import { ConfigFormatError } from '../../src/formats/slot.ts';

// ------------------------------------------------------------------ harness (same in each adapter test)
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', adapter.id);
const GW: GatewayIdentity = { root: 'http://127.0.0.1:11580', baseUrl: { anthropic: 'http://127.0.0.1:11580', openai: 'http://127.0.0.1:11580/v1', gemini: 'http://127.0.0.1:11580' }, providerId: 'servbay' };
const TARGET: TakeoverTarget = { ...GW, providerId: 'servbay', displayName: 'ServBay AI Gateway', key: 'sk-test-5f2c9a', models: ['gpt-4o', 'claude-sonnet-4-5', 'qwen3-coder'], defaultModel: 'gpt-4o' };
const CTX: AdapterEnv = { home: '/home/u', env: {} };

interface Fixture { name: string; ctx: AdapterEnv; texts: FileTexts; expect?: string }
function fixtures(): Fixture[] {
  return readdirSync(FIXTURES).sort().map((name) => {
    const home = join(FIXTURES, name, 'home');
    const meta = existsSync(join(FIXTURES, name, 'case.json')) ? JSON.parse(readFileSync(join(FIXTURES, name, 'case.json'), 'utf8')) : {};
    const env = Object.fromEntries(Object.entries((meta.env ?? {}) as Record<string, string>).map(([k, v]) => [k, v.replaceAll('$HOME', home)]));
    const ctx = { home, env };
    const texts = Object.fromEntries(adapter.locate(ctx).files.map((f) => [f.role, existsSync(f.path) ? readFileSync(f.path, 'utf8') : null]));
    return { name, ctx, texts, expect: meta.expect };
  });
}
function parse(texts: FileTexts, role: string, ctx = CTX) {
  const spec = adapter.locate(ctx).files.find((f) => f.role === role)!;
  return editorFor(spec.format).parse(texts[role] ?? '', spec.path);
}
function takeover(texts: FileTexts, ctx = CTX, target = TARGET) {
  const out: Record<string, string | null> = { ...texts };
  const records: Record<string, SlotRecord[]> = {};
  const edits = adapter.plan(texts, target, ctx);
  for (const spec of adapter.locate(ctx).files) {
    const mine = edits.filter((e) => e.file === spec.role);
    if (mine.length === 0) continue;
    expect(spec.writable).toBe(true);
    const r = applyEdits(texts[spec.role] ?? '', spec.format, mine, spec.path);
    out[spec.role] = r.text;
    records[spec.role] = toSlotRecords(r.applied);
  }
  expect(edits.every((e) => records[e.file] !== undefined)).toBe(true);
  return { texts: out as FileTexts, records };
}
function restore(texts: FileTexts, records: Record<string, SlotRecord[]>, ctx = CTX) {
  const out: Record<string, string | null> = { ...texts };
  for (const spec of adapter.locate(ctx).files) {
    if (records[spec.role]) out[spec.role] = revertRecords(texts[spec.role]!, spec.format, records[spec.role]!, GW.root, spec.path).text;
  }
  return out as FileTexts;
}
/**
 * Byte-identical, except where the takeover removed a key (it comes back at the end of its object)
 * or replaced a whole object or array (it comes back in the editor's layout): there, equal data.
 */
function expectRestored(restored: FileTexts, original: FileTexts, records: Record<string, SlotRecord[]>, ctx = CTX) {
  for (const [role, text] of Object.entries(original)) {
    const relaid = (records[role] ?? []).some((r) => r.afterHash === hashValue(undefined) || (typeof r.before === 'object' && r.before !== null));
    if (text === null) expect(restored[role] === null || Object.keys(parse(restored, role, ctx)).length === 0).toBe(true);
    else if (relaid) expect(parse(restored, role, ctx)).toEqual(parse(original, role, ctx));
    else expect(restored[role]).toBe(text);
  }
}
describe(`${adapter.id} fixtures`, () => {
  const all = fixtures();
  it('has at least three cases, one on another address', () => {
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(all.some((f) => f.expect === 'other-address')).toBe(true);
  });
  it.each(all.map((f) => [f.name, f] as const))('%s: status, takeover, idempotent re-plan, byte-identical restore', (_n, f) => {
    expect(existsSync(adapter.locate(f.ctx).dir)).toBe(true);
    expect(adapter.inspect(f.texts, GW, f.ctx).status).toBe(f.expect);
    for (const e of adapter.plan(f.texts, TARGET, f.ctx)) expect(JSON.stringify(e.value ?? null).includes(TARGET.key)).toBe(!!e.secret);
    const taken = takeover(f.texts, f.ctx);
    expect(adapter.inspect(taken.texts, GW, f.ctx).status).toBe('taken-over');
    expect(takeover(taken.texts, f.ctx).texts).toEqual(taken.texts);
    expectRestored(restore(taken.texts, taken.records, f.ctx), f.texts, taken.records, f.ctx);
  });
});
// ------------------------------------------------------------------ end of harness

describe('claude-code locate', () => {
  it('uses ~/.claude/settings.json', () => {
    expect(adapter.locate(CTX)).toEqual({ dir: '/home/u/.claude', files: [{ role: 'settings', path: '/home/u/.claude/settings.json', format: 'json', writable: true }] });
  });
  it('honours CLAUDE_CONFIG_DIR (an empty value is unset)', () => {
    expect(adapter.locate({ home: '/home/u', env: { CLAUDE_CONFIG_DIR: '/srv/claude' } }).files[0]!.path).toBe('/srv/claude/settings.json');
    expect(adapter.locate({ home: '/home/u', env: { CLAUDE_CONFIG_DIR: '' } }).dir).toBe('/home/u/.claude');
  });
});

describe('claude-code inspect', () => {
  const at = (url: string) => ({ settings: JSON.stringify({ env: { ANTHROPIC_BASE_URL: url } }) });
  it('a missing file, no env or an empty base URL is not taken over', () => {
    expect(adapter.inspect({ settings: null }, GW, CTX)).toEqual({ status: 'not-taken-over' });
    expect(adapter.inspect({ settings: '{"model":"opus"}' }, GW, CTX).status).toBe('not-taken-over');
    expect(adapter.inspect(at(''), GW, CTX).status).toBe('not-taken-over');
  });
  it('this gateway, however spelled, is taken over', () => {
    expect(adapter.inspect(at('http://localhost:11580/'), GW, CTX)).toEqual({ status: 'taken-over', address: 'http://localhost:11580/' });
  });
  it('the gateway with /v1 is ours but flagged: Claude would call /v1/v1/messages', () => {
    const ins = adapter.inspect(at('http://127.0.0.1:11580/v1'), GW, CTX);
    expect(ins.status).toBe('taken-over');
    expect(ins.detail).toContain('expected http://127.0.0.1:11580');
  });
  it('another address (or another port) is other-address, with the address', () => {
    expect(adapter.inspect(at('https://api.moonshot.ai/anthropic'), GW, CTX)).toMatchObject({ status: 'other-address', address: 'https://api.moonshot.ai/anthropic' });
    expect(adapter.inspect(at('http://127.0.0.1:4000'), GW, CTX).status).toBe('other-address');
  });
  it('a comment makes the file malformed (Claude Code rejects it too), without quoting it', () => {
    const bad = '{\n  // secret sk-ant-xyz\n  "env": {}\n}';
    expect(() => adapter.inspect({ settings: bad }, GW, CTX)).toThrow(ConfigFormatError);
    expect(() => adapter.inspect({ settings: bad }, GW, CTX)).toThrow(/settings\.json:2/);
    try {
      adapter.inspect({ settings: bad }, GW, CTX);
    } catch (e) {
      expect(String(e)).not.toContain('sk-ant-xyz');
    }
  });
});

describe('claude-code plan', () => {
  it('writes exactly the root (no /v1), the key as token, a blank API key', () => {
    const { texts } = takeover({ settings: null });
    expect(parse(texts, 'settings')).toEqual({ env: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:11580', ANTHROPIC_AUTH_TOKEN: 'sk-test-5f2c9a', ANTHROPIC_API_KEY: '' } });
  });
  it('marks only the key as secret and guards the URL by address', () => {
    const edits = adapter.plan({ settings: null }, TARGET, CTX);
    expect(edits.map((e) => [e.path.join('.'), !!e.secret, e.guard?.kind ?? 'unchanged'])).toEqual([
      ['env.ANTHROPIC_BASE_URL', false, 'address'],
      ['env.ANTHROPIC_AUTH_TOKEN', true, 'unchanged'],
      ['env.ANTHROPIC_API_KEY', false, 'unchanged'],
    ]);
  });
  it('sets apiKeyHelper aside and restore puts it back (at the end of the object)', () => {
    const original = '{\n  "apiKeyHelper": "~/bin/key.sh",\n  "env": { "DISABLE_TELEMETRY": "1" }\n}\n';
    const taken = takeover({ settings: original });
    const doc = parse(taken.texts, 'settings');
    expect(doc.apiKeyHelper).toBeUndefined();
    expect(doc.env).toEqual({ DISABLE_TELEMETRY: '1', ANTHROPIC_BASE_URL: 'http://127.0.0.1:11580', ANTHROPIC_AUTH_TOKEN: 'sk-test-5f2c9a', ANTHROPIC_API_KEY: '' });
    const restored = restore(taken.texts, taken.records).settings!;
    expect(JSON.parse(restored)).toEqual(JSON.parse(original));
    expect(restored).toBe('{\n  "env": { "DISABLE_TELEMETRY": "1" },\n  "apiKeyHelper": "~/bin/key.sh"\n}\n');
  });
  it('a helper the user adds back after the takeover survives restore', () => {
    const taken = takeover({ settings: '{\n  "apiKeyHelper": "~/bin/key.sh"\n}\n' });
    const edited = editorFor('json').set(taken.texts.settings!, ['apiKeyHelper'], '~/bin/new-key.sh', 'settings.json');
    const restored = parse(restore({ settings: edited }, taken.records), 'settings');
    expect(restored).toEqual({ apiKeyHelper: '~/bin/new-key.sh' });
  });
  it('restore keeps a base URL the user pointed elsewhere after the takeover', () => {
    const original = '{\n  "model": "opus"\n}\n';
    const taken = takeover({ settings: original });
    const edited = editorFor('json').set(taken.texts.settings!, ['env', 'ANTHROPIC_BASE_URL'], 'https://proxy.example.com', 'settings.json');
    const restored = parse(restore({ settings: edited }, taken.records), 'settings');
    expect(restored).toEqual({ model: 'opus', env: { ANTHROPIC_BASE_URL: 'https://proxy.example.com' } });
  });
  it('an existing API key is blanked and comes back on restore', () => {
    const original = '{"env":{"ANTHROPIC_API_KEY":"sk-ant-user"}}';
    const taken = takeover({ settings: original });
    expect(parse(taken.texts, 'settings').env).toMatchObject({ ANTHROPIC_API_KEY: '' });
    expect(restore(taken.texts, taken.records).settings).toBe(original);
  });
});

describe('claude-code adapter', () => {
  it('is named for people and speaks the Anthropic protocol', () => {
    expect([adapter.name, adapter.protocol, adapter.requestPath]).toEqual(['Claude Code', 'anthropic', '/v1/messages']);
  });
});
