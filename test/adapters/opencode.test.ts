import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { opencode as adapter } from '../../src/adapters/opencode.ts';
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

const PROVIDER = {
  npm: '@ai-sdk/openai-compatible',
  name: 'ServBay AI Gateway',
  options: { baseURL: 'http://127.0.0.1:11580/v1', apiKey: 'sk-test-5f2c9a' },
  models: {
    'gpt-4o': { name: 'gpt-4o', limit: { context: 128000, output: 8192 } },
    'claude-sonnet-4-5': { name: 'claude-sonnet-4-5', limit: { context: 128000, output: 8192 } },
    'qwen3-coder': { name: 'qwen3-coder', limit: { context: 128000, output: 8192 } },
  },
};
const none = { jsonc: null, json: null, legacy: null };

describe('opencode locate', () => {
  it('uses ~/.config/opencode: opencode.jsonc, opencode.json (both JSONC), config.json read only', () => {
    expect(adapter.locate(CTX)).toEqual({
      dir: '/home/u/.config/opencode',
      files: [
        { role: 'jsonc', path: '/home/u/.config/opencode/opencode.jsonc', format: 'jsonc', writable: true },
        { role: 'json', path: '/home/u/.config/opencode/opencode.json', format: 'jsonc', writable: true },
        { role: 'legacy', path: '/home/u/.config/opencode/config.json', format: 'jsonc', writable: false },
      ],
    });
  });
  it('honours XDG_CONFIG_HOME', () => {
    expect(adapter.locate({ home: '/home/u', env: { XDG_CONFIG_HOME: '/x/cfg' } }).dir).toBe('/x/cfg/opencode');
  });
});

describe('opencode inspect', () => {
  const ollama = '{ "provider": { "ollama": { "options": { "baseURL": "http://localhost:11434/v1" } } }, "model": "ollama/qwen2.5-coder:14b" }';
  it('no files, or a built-in provider selected, is not taken over', () => {
    expect(adapter.inspect(none, GW, CTX)).toEqual({ status: 'not-taken-over' });
    expect(adapter.inspect({ ...none, json: '{ "model": "anthropic/claude-sonnet-4-5" }' }, GW, CTX).status).toBe('not-taken-over');
  });
  it('the selected model\'s provider points here: taken over', () => {
    const ours = JSON.stringify({ provider: { servbay: PROVIDER }, model: 'servbay/gpt-4o' });
    expect(adapter.inspect({ ...none, json: ours }, GW, CTX)).toEqual({ status: 'taken-over', address: 'http://127.0.0.1:11580/v1' });
  });
  it('our provider present but another model selected: not taken over, with a note', () => {
    const ins = adapter.inspect({ ...none, json: JSON.stringify({ provider: { servbay: PROVIDER }, model: 'anthropic/claude-sonnet-4-5' }) }, GW, CTX);
    expect(ins.status).toBe('not-taken-over');
    expect(ins.detail).toContain('provider.servbay points to this gateway');
  });
  it('the selected model\'s provider points elsewhere: other-address', () => {
    expect(adapter.inspect({ ...none, json: ollama }, GW, CTX)).toMatchObject({ status: 'other-address', address: 'http://localhost:11434/v1' });
  });
  it('reads the merge: config.json < opencode.json < opencode.jsonc', () => {
    const ours = JSON.stringify({ provider: { servbay: PROVIDER } });
    expect(adapter.inspect({ legacy: ollama, json: ours, jsonc: '{ "model": "servbay/gpt-4o" }' }, GW, CTX).status).toBe('taken-over');
    expect(adapter.inspect({ legacy: null, json: JSON.stringify({ provider: { servbay: PROVIDER }, model: 'servbay/gpt-4o' }), jsonc: '{ "model": "anthropic/claude-sonnet-4-5" }' }, GW, CTX).status).toBe('not-taken-over');
    // Nested objects merge key by key: the jsonc file repoints only baseURL.
    const repoint = '{ "provider": { "servbay": { "options": { "baseURL": "https://elsewhere.example.com/v1" } } } }';
    expect(adapter.inspect({ legacy: null, json: JSON.stringify({ provider: { servbay: PROVIDER }, model: 'servbay/gpt-4o' }), jsonc: repoint }, GW, CTX).status).toBe('other-address');
  });
  it('{env:VAR} in baseURL is resolved, as opencode does', () => {
    const byVar = '{ "provider": { "gw": { "options": { "baseURL": "{env:GW_BASE}" } } }, "model": "gw/gpt-4o" }';
    expect(adapter.inspect({ ...none, jsonc: byVar }, GW, { home: '/home/u', env: { GW_BASE: 'http://127.0.0.1:11580/v1' } }).status).toBe('taken-over');
  });
  it('comments and trailing commas are fine; broken JSON names the file', () => {
    expect(adapter.inspect({ ...none, jsonc: '{\n  // theme\n  "theme": "tokyonight",\n}' }, GW, CTX).status).toBe('not-taken-over');
    expect(() => adapter.inspect({ ...none, json: '{ "model": ' }, GW, CTX)).toThrow(ConfigFormatError);
    expect(() => adapter.inspect({ ...none, json: '{ "model": ' }, GW, CTX)).toThrow(/opencode\.json/);
  });
});

describe('opencode plan', () => {
  it('creates opencode.json with exactly the provider and the model when no file exists', () => {
    const { texts, records } = takeover(none);
    expect(Object.keys(records)).toEqual(['json']);
    expect(parse(texts, 'json')).toEqual({ provider: { servbay: PROVIDER }, model: 'servbay/gpt-4o' });
  });
  it('edits opencode.jsonc when it exists (even next to opencode.json), never config.json', () => {
    expect(Object.keys(takeover({ jsonc: '{}', json: '{}', legacy: '{}' }).records)).toEqual(['jsonc']);
    expect(Object.keys(takeover({ jsonc: null, json: '{}', legacy: '{}' }).records)).toEqual(['json']);
    expect(Object.keys(takeover({ jsonc: null, json: null, legacy: '{ "model": "openai/gpt-4.1" }' }).records)).toEqual(['json']);
  });
  it('keeps comments and trailing commas, and restore gives the bytes back', () => {
    const original = { ...none, jsonc: '{\n  // mine\n  "theme": "tokyonight",\n  "model": "anthropic/claude-sonnet-4-5",\n}\n' };
    const taken = takeover(original);
    expect(taken.texts.jsonc).toContain('// mine');
    expect(parse(taken.texts, 'jsonc')).toEqual({ theme: 'tokyonight', model: 'servbay/gpt-4o', provider: { servbay: PROVIDER } });
    expect(restore(taken.texts, taken.records)).toEqual(original);
  });
  it('uses the configured provider id', () => {
    const { texts } = takeover(none, CTX, { ...TARGET, providerId: 'gw' });
    expect(parse(texts, 'json')).toMatchObject({ model: 'gw/gpt-4o', provider: { gw: { name: 'ServBay AI Gateway' } } });
  });
  it('restore keeps a provider the user repointed, and puts the old model back', () => {
    const taken = takeover({ ...none, json: '{ "model": "anthropic/claude-sonnet-4-5" }' });
    const edited = { ...taken.texts, json: editorFor('jsonc').set(taken.texts.json!, ['provider', 'servbay', 'options', 'baseURL'], 'https://other.example.com/v1', 'opencode.json') };
    const restored = parse(restore(edited, taken.records), 'json');
    expect(restored.model).toBe('anthropic/claude-sonnet-4-5');
    expect(restored.provider).toEqual({ servbay: { ...PROVIDER, options: { ...PROVIDER.options, baseURL: 'https://other.example.com/v1' } } });
  });
});

describe('opencode adapter', () => {
  it('is named for people and speaks the OpenAI protocol', () => {
    expect([adapter.name, adapter.protocol, adapter.requestPath]).toEqual(['opencode', 'openai', '/v1/chat/completions']);
  });
});
