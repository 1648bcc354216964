import { describe, expect, it } from 'vitest';
import { codebuddy as adapter } from '../../src/adapters/codebuddy.ts';
import { editorFor } from '../../src/formats/index.ts';
import { ConfigFormatError } from '../../src/formats/slot.ts';
import { CTX, GW, TARGET, describeFixtures, harnessFor } from './harness.ts';

const { parse, takeover, restore } = harnessFor(adapter);
describeFixtures(adapter);

const URL = 'http://127.0.0.1:11580/v1/chat/completions';
const entry = (id: string) => ({
  id,
  name: id,
  vendor: 'ServBay AI Gateway',
  apiKey: 'sk-test-5f2c9a',
  url: URL,
  maxInputTokens: 128000,
  maxOutputTokens: 8192,
  supportsToolCall: true,
});

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
    expect(adapter.locate({ home: '/home/u', env: { CODEBUDDY_CONFIG_DIR: '/cfg/cb' } }).files.map((f) => f.path)).toEqual([
      '/cfg/cb/models.json',
      '/cfg/cb/settings.json',
    ]);
  });
});

describe('codebuddy inspect', () => {
  const models = JSON.stringify({
    models: [
      { id: 'mine', url: 'https://api.deepseek.com/v1/chat/completions' },
      { id: 'gpt-4o', url: URL },
    ],
  });
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
    expect(
      adapter.inspect({ models: JSON.stringify({ models: [{ id: 'mine', url: 'https://x.example.com/v1/chat/completions' }] }), settings: '{}' }, GW, CTX)
        .status,
    ).toBe('not-taken-over');
  });
  it("the selected model is the user's own custom model elsewhere: other-address", () => {
    expect(adapter.inspect({ models, settings: '{"model":"mine"}' }, GW, CTX)).toMatchObject({
      status: 'other-address',
      address: 'https://api.deepseek.com/v1/chat/completions',
    });
  });
  it('${VAR} in url is resolved from the environment, as CodeBuddy does', () => {
    const byVar = JSON.stringify({ models: [{ id: 'gpt-4o', url: '${GW_URL}/v1/chat/completions' }] });
    expect(adapter.inspect({ models: byVar, settings: '{"model":"gpt-4o"}' }, GW, { home: '/home/u', env: { GW_URL: 'http://localhost:11580' } }).status).toBe(
      'taken-over',
    );
    expect(adapter.inspect({ models: byVar, settings: '{"model":"gpt-4o"}' }, GW, CTX)).toMatchObject({
      status: 'other-address',
      address: '${GW_URL}/v1/chat/completions',
    });
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
    const original = {
      models:
        JSON.stringify(
          {
            models: [
              { id: 'mine', url: 'https://a.example.com/v1/chat/completions' },
              { id: 'gpt-4o', url: 'https://api.openai.com/v1/chat/completions', apiKey: 'sk-user' },
            ],
          },
          null,
          2,
        ) + '\n',
      settings: '{ "model": "mine" }',
    };
    const taken = takeover(original);
    expect(parse(taken.texts, 'models').models as unknown[]).toEqual([
      { id: 'mine', url: 'https://a.example.com/v1/chat/completions' },
      entry('gpt-4o'),
      entry('claude-sonnet-4-5'),
      entry('qwen3-coder'),
    ]);
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
    const edited = {
      ...taken.texts,
      models: editorFor('json').set(
        taken.texts.models!,
        ['models', { match: { id: 'qwen3-coder' } }, 'url'],
        'https://dashscope.example.com/v1/chat/completions',
        'models.json',
      ),
    };
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
