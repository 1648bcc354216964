import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codebuddy as adapter } from '../../src/adapters/codebuddy.ts';
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

const URL = 'http://127.0.0.1:11580/v1/chat/completions';
const entry = (id: string) => ({ id, name: id, vendor: 'ServBay AI Gateway', apiKey: 'sk-test-5f2c9a', url: URL, maxInputTokens: 128000, maxOutputTokens: 8192, supportsToolCall: true });

describe('codebuddy locate', () => {
  it('uses ~/.codebuddy/models.json and settings.json (strict JSON)', () => {
    expect(adapter.locate(CTX)).toEqual({
      dir: '/home/u/.codebuddy',
      files: [
        { role: 'models', path: '/home/u/.codebuddy/models.json', format: 'json', writable: true },
        { role: 'settings', path: '/home/u/.codebuddy/settings.json', format: 'json', writable: true },
      ],
    });
  });
  it('honours CODEBUDDY_CONFIG_DIR', () => {
    expect(adapter.locate({ home: '/home/u', env: { CODEBUDDY_CONFIG_DIR: '/cfg/cb' } }).files.map((f) => f.path)).toEqual(['/cfg/cb/models.json', '/cfg/cb/settings.json']);
  });
});

describe('codebuddy inspect', () => {
  const models = JSON.stringify({ models: [{ id: 'mine', url: 'https://api.deepseek.com/v1/chat/completions' }, { id: 'gpt-4o', url: URL }] });
  it('no files, or a built-in model selected, is not taken over', () => {
    expect(adapter.inspect({ models: null, settings: null }, GW, CTX)).toEqual({ status: 'not-taken-over' });
    const builtIn = adapter.inspect({ models, settings: '{"model":"claude-sonnet-4.5"}' }, GW, CTX);
    expect(builtIn.status).toBe('not-taken-over');
    expect(builtIn.detail).toContain('settings.json selects "claude-sonnet-4.5"');
  });
  it('the selected model is one of ours: taken over', () => {
    expect(adapter.inspect({ models, settings: '{"model":"gpt-4o"}' }, GW, CTX)).toEqual({ status: 'taken-over', address: URL });
  });
  it('no model selected: taken over when one of the custom models points here', () => {
    expect(adapter.inspect({ models, settings: null }, GW, CTX).status).toBe('taken-over');
    expect(adapter.inspect({ models: JSON.stringify({ models: [{ id: 'mine', url: 'https://x.example.com/v1/chat/completions' }] }), settings: '{}' }, GW, CTX).status).toBe('not-taken-over');
  });
  it('the selected model is the user\'s own custom model elsewhere: other-address', () => {
    expect(adapter.inspect({ models, settings: '{"model":"mine"}' }, GW, CTX)).toMatchObject({ status: 'other-address', address: 'https://api.deepseek.com/v1/chat/completions' });
  });
  it('${VAR} in url is resolved from the environment, as CodeBuddy does', () => {
    const byVar = JSON.stringify({ models: [{ id: 'gpt-4o', url: '${GW_URL}/v1/chat/completions' }] });
    expect(adapter.inspect({ models: byVar, settings: '{"model":"gpt-4o"}' }, GW, { home: '/home/u', env: { GW_URL: 'http://localhost:11580' } }).status).toBe('taken-over');
    expect(adapter.inspect({ models: byVar, settings: '{"model":"gpt-4o"}' }, GW, CTX)).toMatchObject({ status: 'other-address', address: '${GW_URL}/v1/chat/completions' });
  });
  it('models.json with a comment is malformed', () => {
    expect(() => adapter.inspect({ models: '{ // x\n}', settings: null }, GW, CTX)).toThrow(ConfigFormatError);
  });
});

describe('codebuddy plan', () => {
  it('writes one full-path entry per gateway model and selects the default model', () => {
    const { texts } = takeover({ models: null, settings: null });
    expect(parse(texts, 'models')).toEqual({ models: TARGET.models.map(entry) });
    expect(parse(texts, 'settings')).toEqual({ model: 'gpt-4o' });
  });
  it('merges by id: other entries stay, a same-id entry is replaced and comes back on restore', () => {
    const original = { models: JSON.stringify({ models: [{ id: 'mine', url: 'https://a.example.com/v1/chat/completions' }, { id: 'gpt-4o', url: 'https://api.openai.com/v1/chat/completions', apiKey: 'sk-user' }] }, null, 2) + '\n', settings: '{ "model": "mine" }' };
    const taken = takeover(original);
    expect((parse(taken.texts, 'models').models as unknown[])).toEqual([{ id: 'mine', url: 'https://a.example.com/v1/chat/completions' }, entry('gpt-4o'), entry('claude-sonnet-4-5'), entry('qwen3-coder')]);
    expect(restore(taken.texts, taken.records)).toEqual(original);
  });
  it('appends to a non-empty availableModels only the ids it lacks; leaves absent or empty lists alone', () => {
    const taken = takeover({ models: '{ "availableModels": ["gpt-5", "gpt-4o"] }', settings: null });
    expect(parse(taken.texts, 'models').availableModels).toEqual(['gpt-5', 'gpt-4o', 'claude-sonnet-4-5', 'qwen3-coder']);
    expect(parse(takeover({ models: '{ "availableModels": [] }', settings: null }).texts, 'models').availableModels).toEqual([]);
    expect(parse(takeover({ models: '{}', settings: null }).texts, 'models').availableModels).toBeUndefined();
  });
  it('guards each entry by its url and marks it secret', () => {
    const edits = adapter.plan({ models: null, settings: null }, TARGET, CTX);
    expect(edits.filter((e) => e.file === 'models').every((e) => e.secret && e.guard?.kind === 'address' && e.guard.field?.[0] === 'url')).toBe(true);
  });
  it('restore keeps an entry the user repointed after the takeover', () => {
    const taken = takeover({ models: null, settings: '{}' });
    const edited = { ...taken.texts, models: editorFor('json').set(taken.texts.models!, ['models', { match: { id: 'qwen3-coder' } }, 'url'], 'https://dashscope.example.com/v1/chat/completions', 'models.json') };
    const restored = restore(edited, taken.records);
    expect(parse(restored, 'models')).toEqual({ models: [{ ...entry('qwen3-coder'), url: 'https://dashscope.example.com/v1/chat/completions' }] });
    expect(restored.settings).toBe('{}');
  });
});

describe('codebuddy adapter', () => {
  it('is named for people and speaks the OpenAI protocol', () => {
    expect([adapter.name, adapter.protocol, adapter.requestPath]).toEqual(['CodeBuddy', 'openai', '/v1/chat/completions']);
  });
});
