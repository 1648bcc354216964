import { describe, expect, it } from 'vitest';
import { opencode as adapter } from '../../src/adapters/opencode.ts';
import { editorFor } from '../../src/formats/index.ts';
import { ConfigFormatError } from '../../src/formats/slot.ts';
import { CTX, GW, TARGET, describeFixtures, harnessFor } from './harness.ts';

const { parse, takeover, restore } = harnessFor(adapter);
describeFixtures(adapter);

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
  it("the selected model's provider points here: taken over", () => {
    const ours = JSON.stringify({ provider: { servbay: PROVIDER }, model: 'servbay/gpt-4o' });
    expect(adapter.inspect({ ...none, json: ours }, GW, CTX)).toEqual({ status: 'taken-over', address: 'http://127.0.0.1:11580/v1' });
  });
  it('our provider present but another model selected: not taken over, with a note', () => {
    const ins = adapter.inspect({ ...none, json: JSON.stringify({ provider: { servbay: PROVIDER }, model: 'anthropic/claude-sonnet-4-5' }) }, GW, CTX);
    expect(ins.status).toBe('not-taken-over');
    expect(ins.detail).toContain('provider.servbay points to this gateway');
  });
  it("the selected model's provider points elsewhere: other-address", () => {
    expect(adapter.inspect({ ...none, json: ollama }, GW, CTX)).toMatchObject({ status: 'other-address', address: 'http://localhost:11434/v1' });
  });
  it('reads the merge: config.json < opencode.json < opencode.jsonc', () => {
    const ours = JSON.stringify({ provider: { servbay: PROVIDER } });
    expect(adapter.inspect({ legacy: ollama, json: ours, jsonc: '{ "model": "servbay/gpt-4o" }' }, GW, CTX).status).toBe('taken-over');
    expect(
      adapter.inspect(
        {
          legacy: null,
          json: JSON.stringify({ provider: { servbay: PROVIDER }, model: 'servbay/gpt-4o' }),
          jsonc: '{ "model": "anthropic/claude-sonnet-4-5" }',
        },
        GW,
        CTX,
      ).status,
    ).toBe('not-taken-over');
    // Nested objects merge key by key: the jsonc file repoints only baseURL.
    const repoint = '{ "provider": { "servbay": { "options": { "baseURL": "https://elsewhere.example.com/v1" } } } }';
    expect(
      adapter.inspect({ legacy: null, json: JSON.stringify({ provider: { servbay: PROVIDER }, model: 'servbay/gpt-4o' }), jsonc: repoint }, GW, CTX).status,
    ).toBe('other-address');
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
    const edited = {
      ...taken.texts,
      json: editorFor('jsonc').set(taken.texts.json!, ['provider', 'servbay', 'options', 'baseURL'], 'https://other.example.com/v1', 'opencode.json'),
    };
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
