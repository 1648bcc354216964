import { describe, expect, it } from 'vitest';
import { droid as adapter } from '../../src/adapters/droid.ts';
import { applyEdits } from '../../src/formats/apply.ts';
import { CTX, GW, TARGET, describeFixtures, harnessFor } from './harness.ts';

const { parse, takeover, restore } = harnessFor(adapter);
describeFixtures(adapter);

const none = { settings: null, local: null, legacy: null };
const qwen = (extra: Record<string, unknown> = {}) => ({
  model: 'qwen3-coder',
  displayName: 'Local Qwen',
  baseUrl: 'http://localhost:11434/v1',
  apiKey: 'ollama',
  provider: 'generic-chat-completion-api',
  ...extra,
});
const settings = (models: unknown[], model?: string) => JSON.stringify({ customModels: models, ...(model ? { sessionDefaultSettings: { model } } : {}) });

describe('droid locate', () => {
  it('uses ~/.factory/settings.json; settings.local.json and legacy config.json are read only', () => {
    expect(adapter.locate(CTX)).toEqual({
      dir: '/home/u/.factory',
      files: [
        { role: 'settings', path: '/home/u/.factory/settings.json', format: 'jsonc', writable: true },
        { role: 'local', path: '/home/u/.factory/settings.local.json', format: 'jsonc', writable: false },
        { role: 'legacy', path: '/home/u/.factory/config.json', format: 'jsonc', writable: false },
      ],
    });
  });
  it('honours FACTORY_HOME_OVERRIDE', () => {
    expect(adapter.locate({ home: '/home/u', env: { FACTORY_HOME_OVERRIDE: '/w' } }).dir).toBe('/w/.factory');
  });
});

describe('droid inspect', () => {
  it('a Factory model (or none) selected: not taken over', () => {
    expect(adapter.inspect(none, GW, CTX)).toEqual({ status: 'not-taken-over' });
    expect(adapter.inspect({ ...none, settings: settings([qwen()], 'claude-sonnet-4-5-20250929') }, GW, CTX).status).toBe('not-taken-over');
  });
  it("finds the selected entry by Droid's computed id: custom:<display name, spaces as ->-<n>", () => {
    const two = [qwen(), qwen({ baseUrl: 'http://127.0.0.1:11580/v1' })];
    expect(adapter.inspect({ ...none, settings: settings(two, 'custom:Local-Qwen-0') }, GW, CTX)).toMatchObject({
      status: 'other-address',
      address: 'http://localhost:11434/v1',
    });
    expect(adapter.inspect({ ...none, settings: settings(two, 'custom:Local-Qwen-1') }, GW, CTX)).toMatchObject({ status: 'taken-over' });
  });
  it('an explicit id wins, and custom:<model> finds the entry serving that model', () => {
    expect(adapter.inspect({ ...none, settings: settings([qwen({ id: 'custom:mine' })], 'custom:mine') }, GW, CTX).status).toBe('other-address');
    expect(adapter.inspect({ ...none, settings: settings([qwen()], 'custom:qwen3-coder') }, GW, CTX).status).toBe('other-address');
  });
  it("settings.local.json's selection outranks settings.json", () => {
    const taken = takeover(none).texts;
    expect(adapter.inspect(taken, GW, CTX).status).toBe('taken-over');
    const local = JSON.stringify({ sessionDefaultSettings: { model: 'gpt-5' } });
    expect(adapter.inspect({ ...taken, local }, GW, CTX).status).toBe('not-taken-over');
  });
  it('reads legacy config.json custom_models (snake_case) under settings.json', () => {
    const legacy = JSON.stringify({
      custom_models: [
        {
          model_display_name: 'DeepSeek V3',
          model: 'deepseek-chat',
          base_url: 'https://api.deepseek.com/v1',
          api_key: 'k',
          provider: 'generic-chat-completion-api',
        },
      ],
    });
    expect(adapter.inspect({ ...none, legacy, settings: '{"sessionDefaultSettings":{"model":"custom:DeepSeek-V3-0"}}' }, GW, CTX)).toMatchObject({
      status: 'other-address',
      address: 'https://api.deepseek.com/v1',
    });
  });
});

describe('droid plan and restore', () => {
  it('appends one entry per gateway model with id custom:servbay-<model>, and selects the default', () => {
    const original = { ...none, settings: settings([qwen()], 'custom:Local-Qwen-0') };
    const { texts } = takeover(original);
    const doc = parse(texts, 'settings') as { customModels: Array<Record<string, unknown>>; sessionDefaultSettings: { model: string } };
    expect(doc.customModels[0]).toEqual(qwen());
    expect(doc.customModels.slice(1)).toEqual(
      TARGET.models.map((model) => ({
        model,
        id: `custom:servbay-${model}`,
        displayName: `${model} (ServBay AI Gateway)`,
        baseUrl: 'http://127.0.0.1:11580/v1',
        apiKey: TARGET.key,
        provider: 'generic-chat-completion-api',
        maxOutputTokens: 8192,
      })),
    );
    expect(doc.sessionDefaultSettings.model).toBe('custom:servbay-gpt-4o');
  });
  it('restore removes exactly our entries, keeping one the user re-pointed', () => {
    const original = { ...none, settings: settings([qwen()], 'custom:Local-Qwen-0') };
    const taken = takeover(original);
    const repointed = applyEdits(
      taken.texts.settings!,
      'jsonc',
      [{ file: 'settings', path: ['customModels', { match: { id: 'custom:servbay-qwen3-coder' } }, 'baseUrl'], value: 'https://other.example.com/v1' }],
      'settings.json',
    ).text;
    const doc = parse(restore({ ...taken.texts, settings: repointed }, taken.records), 'settings') as {
      customModels: Array<{ id?: string }>;
      sessionDefaultSettings: unknown;
    };
    expect(doc.customModels.map((e) => e.id ?? 'user')).toEqual(['user', 'custom:servbay-qwen3-coder']);
    expect(doc.sessionDefaultSettings).toEqual({ model: 'custom:Local-Qwen-0' });
  });
  it("sweep removes copies with our id prefix that still point here, never the user's entries", () => {
    const copy = { model: 'o3', id: 'custom:servbay-o3', baseUrl: 'http://127.0.0.1:11580/v1', apiKey: 'k', provider: 'generic-chat-completion-api' };
    const elsewhere = { ...copy, id: 'custom:servbay-mine', baseUrl: 'https://other.example.com/v1' };
    const edits = adapter.sweep!({ ...none, settings: settings([qwen(), copy, elsewhere]) }, GW, 'servbay', CTX);
    expect(edits).toEqual([{ file: 'settings', path: ['customModels', { match: { id: 'custom:servbay-o3' } }], value: undefined }]);
  });
});
