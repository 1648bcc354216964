import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { qwenCode as adapter } from '../../src/adapters/qwen-code.ts';
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

describe('qwen-code locate', () => {
  it('uses ~/.qwen/.env (written) and ~/.qwen/settings.json (read only)', () => {
    expect(adapter.locate(CTX)).toEqual({
      dir: '/home/u/.qwen',
      files: [
        { role: 'env', path: '/home/u/.qwen/.env', format: 'dotenv', writable: true },
        { role: 'settings', path: '/home/u/.qwen/settings.json', format: 'jsonc', writable: false },
      ],
    });
  });
  it('QWEN_HOME is the directory itself; ~ is expanded like Qwen does; empty is unset', () => {
    expect(adapter.locate({ home: '/home/u', env: { QWEN_HOME: '/opt/qwen' } }).files[0]!.path).toBe('/opt/qwen/.env');
    expect(adapter.locate({ home: '/home/u', env: { QWEN_HOME: '~/dotfiles/qwen' } }).dir).toBe('/home/u/dotfiles/qwen');
    expect(adapter.locate({ home: '/home/u', env: { QWEN_HOME: '' } }).dir).toBe('/home/u/.qwen');
  });
});

describe('qwen-code inspect', () => {
  const env = (url: string) => `OPENAI_BASE_URL=${url}\nOPENAI_API_KEY=sk-x\n`;
  const providers = (model: string, baseUrl?: string) =>
    JSON.stringify({ model: { name: model }, modelProviders: { openai: [{ id: 'other', baseUrl: 'https://x.example.com/v1' }, { id: model, envKey: 'K', ...(baseUrl ? { baseUrl } : {}) }] } });
  it('no files is not taken over', () => {
    expect(adapter.inspect({ env: null, settings: null }, GW, CTX)).toEqual({ status: 'not-taken-over' });
  });
  it('.env OPENAI_BASE_URL decides: here, elsewhere', () => {
    expect(adapter.inspect({ env: env('http://127.0.0.1:11580/v1'), settings: null }, GW, CTX)).toEqual({ status: 'taken-over', address: 'http://127.0.0.1:11580/v1' });
    expect(adapter.inspect({ env: env('https://openrouter.ai/api/v1'), settings: null }, GW, CTX)).toMatchObject({ status: 'other-address', address: 'https://openrouter.ai/api/v1' });
  });
  it('the modelProviders entry of the selected model beats .env when it points elsewhere', () => {
    const ins = adapter.inspect({ env: env('http://127.0.0.1:11580/v1'), settings: providers('qwen3-max', 'https://dashscope.aliyuncs.com/compatible-mode/v1') }, GW, CTX);
    expect(ins).toMatchObject({ status: 'other-address', address: 'https://dashscope.aliyuncs.com/compatible-mode/v1' });
    expect(ins.detail).toContain('modelProviders.openai[1]');
    expect(ins.detail).toContain('/model');
  });
  it('a selected entry without baseUrl, or entries for other models, leave it to .env', () => {
    expect(adapter.inspect({ env: env('http://127.0.0.1:11580/v1'), settings: providers('qwen3-max') }, GW, CTX).status).toBe('taken-over');
    const unselected = JSON.stringify({ model: { name: 'gpt-4o' }, modelProviders: { openai: [{ id: 'qwen3-max', baseUrl: 'https://x.example.com/v1' }] } });
    expect(adapter.inspect({ env: null, settings: unselected }, GW, CTX).status).toBe('not-taken-over');
  });
  it('warns when settings select a non-OpenAI auth type, which wins over .env', () => {
    const settings = '{ "security": { "auth": { "selectedType": "qwen-oauth" } } }';
    const ins = adapter.inspect({ env: env('http://127.0.0.1:11580/v1'), settings }, GW, CTX);
    expect(ins.status).toBe('taken-over');
    expect(ins.detail).toContain('"qwen-oauth"');
    expect(adapter.inspect({ env: env('http://127.0.0.1:11580/v1'), settings: '{ "security": { "auth": { "selectedType": "openai" } } }' }, GW, CTX).detail).toBeUndefined();
  });
  it('malformed settings.json is an error naming the file', () => {
    expect(() => adapter.inspect({ env: null, settings: '{ "model": ' }, GW, CTX)).toThrow(ConfigFormatError);
    expect(() => adapter.inspect({ env: null, settings: '{ "model": ' }, GW, CTX)).toThrow(/\.qwen\/settings\.json/);
  });
});

describe('qwen-code plan', () => {
  it('writes base URL with /v1, key and model to .env only', () => {
    const { texts, records } = takeover({ env: null, settings: '{ "model": { "name": "x" } }' });
    expect(parse(texts, 'env')).toEqual({ OPENAI_BASE_URL: 'http://127.0.0.1:11580/v1', OPENAI_API_KEY: 'sk-test-5f2c9a', OPENAI_MODEL: 'gpt-4o' });
    expect(Object.keys(records)).toEqual(['env']);
    expect(adapter.plan({ env: null, settings: null }, TARGET, CTX).map((e) => [e.path[0], e.guard?.kind ?? 'unchanged', !!e.secret])).toEqual([
      ['OPENAI_BASE_URL', 'address', false],
      ['OPENAI_API_KEY', 'unchanged', true],
      ['OPENAI_MODEL', 'unchanged', false],
    ]);
  });
  it('the model is the target default model', () => {
    const { texts } = takeover({ env: null, settings: null }, CTX, { ...TARGET, defaultModel: 'qwen3-coder' });
    expect(parse(texts, 'env').OPENAI_MODEL).toBe('qwen3-coder');
  });
  it('restore keeps a base URL the user changed and puts the other values back', () => {
    const original = { env: '# openrouter\nOPENAI_BASE_URL=https://openrouter.ai/api/v1\nOPENAI_API_KEY=sk-or-user\nOPENAI_MODEL=qwen/qwen3-coder\n', settings: null };
    const taken = takeover(original);
    const edited = { ...taken.texts, env: editorFor('dotenv').set(taken.texts.env!, ['OPENAI_BASE_URL'], 'https://other.example.com/v1', '.env') };
    expect(parse(restore(edited, taken.records), 'env')).toEqual({ OPENAI_BASE_URL: 'https://other.example.com/v1', OPENAI_API_KEY: 'sk-or-user', OPENAI_MODEL: 'qwen/qwen3-coder' });
  });
});

describe('qwen-code adapter', () => {
  it('is named for people and speaks the OpenAI protocol', () => {
    expect([adapter.name, adapter.protocol, adapter.requestPath]).toEqual(['Qwen Code', 'openai', '/v1/chat/completions']);
  });
});
