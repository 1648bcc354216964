import { describe, expect, it } from 'vitest';
import { qwenCode as adapter } from '../../src/adapters/qwen-code.ts';
import { editorFor } from '../../src/formats/index.ts';
import { ConfigFormatError } from '../../src/formats/slot.ts';
import { CTX, GW, TARGET, describeFixtures, harnessFor } from './harness.ts';

const { parse, takeover, restore } = harnessFor(adapter);
describeFixtures(adapter);

describe('qwen-code locate', () => {
  it('uses ~/.qwen/.env and ~/.qwen/settings.json (written only by takeover --force, for model.name)', () => {
    expect(adapter.locate(CTX)).toEqual({
      dir: '/home/u/.qwen',
      files: [
        { role: 'env', path: '/home/u/.qwen/.env', format: 'dotenv', writable: true },
        { role: 'settings', path: '/home/u/.qwen/settings.json', format: 'jsonc', writable: true },
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
    JSON.stringify({
      model: { name: model },
      modelProviders: {
        openai: [
          { id: 'other', baseUrl: 'https://x.example.com/v1' },
          { id: model, envKey: 'K', ...(baseUrl ? { baseUrl } : {}) },
        ],
      },
    });
  it('no files is not taken over', () => {
    expect(adapter.inspect({ env: null, settings: null }, GW, CTX)).toEqual({ status: 'not-taken-over' });
  });
  it('.env OPENAI_BASE_URL decides: here, elsewhere', () => {
    expect(adapter.inspect({ env: env('http://127.0.0.1:11580/v1'), settings: null }, GW, CTX)).toEqual({
      status: 'taken-over',
      address: 'http://127.0.0.1:11580/v1',
    });
    expect(adapter.inspect({ env: env('https://openrouter.ai/api/v1'), settings: null }, GW, CTX)).toMatchObject({
      status: 'other-address',
      address: 'https://openrouter.ai/api/v1',
    });
  });
  it('the modelProviders entry of the selected model beats .env when it points elsewhere', () => {
    const ins = adapter.inspect(
      { env: env('http://127.0.0.1:11580/v1'), settings: providers('qwen3-max', 'https://dashscope.aliyuncs.com/compatible-mode/v1') },
      GW,
      CTX,
    );
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
    expect(
      adapter.inspect({ env: env('http://127.0.0.1:11580/v1'), settings: '{ "security": { "auth": { "selectedType": "openai" } } }' }, GW, CTX).detail,
    ).toBeUndefined();
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
    const original = {
      env: '# openrouter\nOPENAI_BASE_URL=https://openrouter.ai/api/v1\nOPENAI_API_KEY=sk-or-user\nOPENAI_MODEL=qwen/qwen3-coder\n',
      settings: null,
    };
    const taken = takeover(original);
    const edited = { ...taken.texts, env: editorFor('dotenv').set(taken.texts.env!, ['OPENAI_BASE_URL'], 'https://other.example.com/v1', '.env') };
    expect(parse(restore(edited, taken.records), 'env')).toEqual({
      OPENAI_BASE_URL: 'https://other.example.com/v1',
      OPENAI_API_KEY: 'sk-or-user',
      OPENAI_MODEL: 'qwen/qwen3-coder',
    });
  });
});

describe('qwen-code adapter', () => {
  it('is named for people and speaks the OpenAI protocol', () => {
    expect([adapter.name, adapter.protocol, adapter.requestPath]).toEqual(['Qwen Code', 'openai', '/v1/chat/completions']);
  });
});
