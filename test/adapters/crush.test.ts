import { describe, expect, it } from 'vitest';
import { crush as adapter } from '../../src/adapters/crush.ts';
import { editorFor } from '../../src/formats/index.ts';
import { ConfigFormatError } from '../../src/formats/slot.ts';
import { CTX, GW, TARGET, describeFixtures, harnessFor } from './harness.ts';

const { parse, takeover, restore } = harnessFor(adapter);
describeFixtures(adapter);

const PROVIDER = {
  name: 'ServBay AI Gateway',
  type: 'openai-compat',
  base_url: 'http://127.0.0.1:11580/v1',
  api_key: 'sk-test-5f2c9a',
  models: TARGET.models.map((id) => ({ id, name: id, context_window: 128000, default_max_tokens: 8192 })),
};
const SELECTED = { provider: 'servbay', model: 'gpt-4o' };

describe('crush locate', () => {
  it('uses ~/.config/crush/crush.json and the data file ~/.local/share/crush/crush.json', () => {
    expect(adapter.locate(CTX)).toEqual({
      dir: '/home/u/.config/crush',
      files: [
        { role: 'config', path: '/home/u/.config/crush/crush.json', format: 'json', writable: true },
        { role: 'data', path: '/home/u/.local/share/crush/crush.json', format: 'json', writable: true },
      ],
    });
  });
  it('honours XDG_CONFIG_HOME / XDG_DATA_HOME, and CRUSH_GLOBAL_CONFIG / CRUSH_GLOBAL_DATA over them', () => {
    const xdg = adapter.locate({ home: '/home/u', env: { XDG_CONFIG_HOME: '/x/cfg', XDG_DATA_HOME: '/x/data' } });
    expect(xdg.files.map((f) => f.path)).toEqual(['/x/cfg/crush/crush.json', '/x/data/crush/crush.json']);
    const crush = adapter.locate({ home: '/home/u', env: { XDG_CONFIG_HOME: '/x/cfg', CRUSH_GLOBAL_CONFIG: '/c', CRUSH_GLOBAL_DATA: '/d' } });
    expect([crush.dir, ...crush.files.map((f) => f.path)]).toEqual(['/c', '/c/crush.json', '/d/crush.json']);
  });
});

describe('crush inspect', () => {
  const ours = JSON.stringify({ providers: { servbay: PROVIDER }, models: { large: SELECTED, small: SELECTED } });
  const deepseek = JSON.stringify({
    providers: { deepseek: { type: 'openai-compat', base_url: 'https://api.deepseek.com/v1', api_key: '$DEEPSEEK_API_KEY' } },
    models: { large: { provider: 'deepseek', model: 'deepseek-chat' } },
  });
  it('no files, or a built-in provider selected, is not taken over', () => {
    expect(adapter.inspect({ config: null, data: null }, GW, CTX)).toEqual({ status: 'not-taken-over' });
    expect(
      adapter.inspect({ config: null, data: '{ "models": { "large": { "provider": "anthropic", "model": "claude-sonnet-4-5" } } }' }, GW, CTX).status,
    ).toBe('not-taken-over');
  });
  it('models.large on our provider: taken over', () => {
    expect(adapter.inspect({ config: ours, data: null }, GW, CTX)).toEqual({ status: 'taken-over', address: 'http://127.0.0.1:11580/v1' });
  });
  it("models.large on the user's own provider elsewhere: other-address", () => {
    expect(adapter.inspect({ config: deepseek, data: null }, GW, CTX)).toMatchObject({ status: 'other-address', address: 'https://api.deepseek.com/v1' });
  });
  it('the data file outranks crush.json', () => {
    const picked = '{ "models": { "large": { "provider": "openai", "model": "gpt-5" } } }';
    const ins = adapter.inspect({ config: ours, data: picked }, GW, CTX);
    expect(ins.status).toBe('not-taken-over');
    expect(ins.detail).toMatch(/providers\.servbay points to this gateway, but models\.large uses "openai"/);
    expect(adapter.inspect({ config: deepseek, data: JSON.stringify({ models: { large: SELECTED } }) + '' }, GW, CTX).status).toBe('not-taken-over');
    expect(
      adapter.inspect({ config: JSON.stringify({ providers: { servbay: PROVIDER } }), data: JSON.stringify({ models: { large: SELECTED } }) }, GW, CTX).status,
    ).toBe('taken-over');
  });
  it('no model chosen: ours when one provider points here', () => {
    expect(adapter.inspect({ config: JSON.stringify({ providers: { servbay: PROVIDER } }), data: null }, GW, CTX).status).toBe('taken-over');
  });
  it('$VAR in base_url is resolved, as Crush does', () => {
    const byVar = '{ "providers": { "gw": { "base_url": "$GW_BASE/v1" } }, "models": { "large": { "provider": "gw", "model": "m" } } }';
    expect(adapter.inspect({ config: byVar, data: null }, GW, { home: '/home/u', env: { GW_BASE: 'http://127.0.0.1:11580' } }).status).toBe('taken-over');
  });
  it('crush.json is strict JSON: a comment is an error naming the file', () => {
    expect(() => adapter.inspect({ config: '{\n  // x\n}', data: null }, GW, CTX)).toThrow(ConfigFormatError);
    expect(() => adapter.inspect({ config: null, data: '{ "models": ' }, GW, CTX)).toThrow(/share\/crush\/crush\.json/);
  });
});

describe('crush plan', () => {
  it('creates crush.json with exactly the provider and both selections; no data file, no data edits', () => {
    const { texts, records } = takeover({ config: null, data: null });
    expect(Object.keys(records)).toEqual(['config']);
    expect(parse(texts, 'config')).toEqual({ providers: { servbay: PROVIDER }, models: { large: SELECTED, small: SELECTED } });
    expect(texts.data).toBeNull();
  });
  it('repoints the selections the data file already sets, and only those', () => {
    const data = '{\n  "models": {\n    "large": { "provider": "openai", "model": "gpt-5", "max_tokens": 64000 }\n  },\n  "recent_models": {}\n}\n';
    const taken = takeover({ config: '{}', data });
    expect(parse(taken.texts, 'data')).toEqual({ models: { large: SELECTED }, recent_models: {} });
    expect(adapter.inspect(taken.texts, GW, CTX).status).toBe('taken-over');
    // The replaced selection comes back as equal data (in the editor's layout); crush.json exactly.
    const restored = restore(taken.texts, taken.records);
    expect(restored.config).toBe('{}');
    expect(parse(restored, 'data')).toEqual(JSON.parse(data));
  });
  it('a data file without selections is left alone', () => {
    expect(Object.keys(takeover({ config: null, data: '{ "recent_models": {} }' }).records)).toEqual(['config']);
  });
  it('guards: provider by base_url, selections while they still name our provider', () => {
    const edits = adapter.plan({ config: null, data: '{ "models": { "small": {} } }' }, TARGET, CTX);
    expect(edits.map((e) => [e.file, e.path.join('.'), e.guard, !!e.secret])).toEqual([
      ['config', 'providers.servbay', { kind: 'address', field: ['base_url'] }, true],
      ['config', 'models.large', { kind: 'field-equals', field: ['provider'], value: 'servbay' }, false],
      ['config', 'models.small', { kind: 'field-equals', field: ['provider'], value: 'servbay' }, false],
      ['data', 'models.small', { kind: 'field-equals', field: ['provider'], value: 'servbay' }, false],
    ]);
  });
  it('restore resets a selection switched to another gateway model, keeps one switched to another provider', () => {
    const original = {
      config:
        '{\n  "models": {\n    "large": { "provider": "anthropic", "model": "claude-sonnet-4-5" },\n    "small": { "provider": "anthropic", "model": "claude-haiku-4-5" }\n  }\n}\n',
      data: null,
    };
    const taken = takeover(original);
    let config = editorFor('json').set(taken.texts.config!, ['models', 'large'], { provider: 'servbay', model: 'qwen3-coder' }, 'crush.json');
    config = editorFor('json').set(config, ['models', 'small'], { provider: 'openai', model: 'gpt-5-mini' }, 'crush.json');
    const restored = parse(restore({ ...taken.texts, config }, taken.records), 'config');
    expect(restored).toEqual({ models: { large: { provider: 'anthropic', model: 'claude-sonnet-4-5' }, small: { provider: 'openai', model: 'gpt-5-mini' } } });
  });
});

describe('crush adapter', () => {
  it('is named for people and speaks the OpenAI protocol', () => {
    expect([adapter.name, adapter.protocol, adapter.requestPath]).toEqual(['Crush', 'openai', '/v1/chat/completions']);
  });
});
