import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { geminiCli as adapter } from '../../src/adapters/gemini-cli.ts';
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

describe('gemini-cli locate', () => {
  it('uses ~/.gemini/.env and ~/.gemini/settings.json (JSONC)', () => {
    expect(adapter.locate(CTX)).toEqual({
      dir: '/home/u/.gemini',
      files: [
        { role: 'env', path: '/home/u/.gemini/.env', format: 'dotenv', writable: true },
        { role: 'settings', path: '/home/u/.gemini/settings.json', format: 'jsonc', writable: true },
      ],
    });
  });
  it('GEMINI_CLI_HOME replaces the home directory, .gemini stays', () => {
    expect(adapter.locate({ home: '/home/u', env: { GEMINI_CLI_HOME: '/sandbox' } }).dir).toBe('/sandbox/.gemini');
  });
});

describe('gemini-cli inspect', () => {
  const apiKeyAuth = '{ "security": { "auth": { "selectedType": "gemini-api-key" } } }';
  it('no files, or a .env without a base URL, is not taken over', () => {
    expect(adapter.inspect({ env: null, settings: null }, GW, CTX)).toEqual({ status: 'not-taken-over' });
    expect(adapter.inspect({ env: 'GEMINI_API_KEY=AIza-user\n', settings: apiKeyAuth }, GW, CTX).status).toBe('not-taken-over');
  });
  it('the gateway root with API-key auth is taken over, without warnings', () => {
    expect(adapter.inspect({ env: 'GOOGLE_GEMINI_BASE_URL=http://localhost:11580\n', settings: apiKeyAuth }, GW, CTX)).toEqual({ status: 'taken-over', address: 'http://localhost:11580' });
  });
  it('taken over but another auth type selected: still ours, with a warning (the CLI would exit 41)', () => {
    const ins = adapter.inspect({ env: 'GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:11580\n', settings: '{ "security": { "auth": { "selectedType": "oauth-personal" } } }' }, GW, CTX);
    expect(ins.status).toBe('taken-over');
    expect(ins.detail).toMatch(/selectedType is "oauth-personal", not "gemini-api-key"/);
    expect(adapter.inspect({ env: 'GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:11580\n', settings: null }, GW, CTX).detail).toMatch(/not set/);
  });
  it('another base URL is other-address', () => {
    expect(adapter.inspect({ env: 'export GOOGLE_GEMINI_BASE_URL="https://gemini-proxy.example.com"\n', settings: null }, GW, CTX)).toMatchObject({ status: 'other-address', address: 'https://gemini-proxy.example.com' });
  });
  it('settings.json may hold comments; a broken .env line is an error naming the file', () => {
    expect(adapter.inspect({ env: null, settings: '{\n  // mine\n  "ui": { "theme": "GitHub", },\n}' }, GW, CTX).status).toBe('not-taken-over');
    expect(() => adapter.inspect({ env: 'GEMINI_API_KEY=x\nthis is not a setting\n', settings: null }, GW, CTX)).toThrow(ConfigFormatError);
    expect(() => adapter.inspect({ env: null, settings: '{ "ui": ' }, GW, CTX)).toThrow(/settings\.json/);
  });
});

describe('gemini-cli plan', () => {
  it('writes the root (no /v1), the key and API-key auth: nothing else', () => {
    const { texts } = takeover({ env: null, settings: null });
    expect(parse(texts, 'env')).toEqual({ GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:11580', GEMINI_API_KEY: 'sk-test-5f2c9a' });
    expect(parse(texts, 'settings')).toEqual({ security: { auth: { selectedType: 'gemini-api-key' } } });
    expect(adapter.plan({ env: null, settings: null }, TARGET, CTX).map((e) => [e.file, e.path.join('.'), e.guard?.kind ?? 'unchanged', !!e.secret])).toEqual([
      ['env', 'GOOGLE_GEMINI_BASE_URL', 'address', false],
      ['env', 'GEMINI_API_KEY', 'unchanged', true],
      ['settings', 'security.auth.selectedType', 'unchanged', false],
    ]);
  });
  it('restore puts the old auth type and key back, keeping comments', () => {
    const original = { env: '# mine\nGEMINI_API_KEY=AIza-user # personal\n', settings: '{\n  // auth\n  "security": { "auth": { "selectedType": "oauth-personal" } }\n}\n' };
    const taken = takeover(original);
    expect(parse(taken.texts, 'env').GEMINI_API_KEY).toBe('sk-test-5f2c9a');
    expect(restore(taken.texts, taken.records)).toEqual(original);
  });
  it('restore keeps a base URL the user pointed elsewhere, and removes the rest', () => {
    const taken = takeover({ env: 'DEBUG=1\n', settings: '{}' });
    const edited = { ...taken.texts, env: editorFor('dotenv').set(taken.texts.env!, ['GOOGLE_GEMINI_BASE_URL'], 'https://elsewhere.example.com', '.env') };
    const restored = restore(edited, taken.records);
    expect(parse(restored, 'env')).toEqual({ DEBUG: '1', GOOGLE_GEMINI_BASE_URL: 'https://elsewhere.example.com' });
    expect(restored.settings).toBe('{}');
  });
});

describe('gemini-cli adapter', () => {
  it('is named for people and speaks the Gemini protocol', () => {
    expect([adapter.name, adapter.protocol, adapter.requestPath]).toEqual(['Gemini CLI', 'gemini', '/v1beta/models/']);
  });
});
