import { describe, expect, it } from 'vitest';
import { geminiCli as adapter } from '../../src/adapters/gemini-cli.ts';
import { editorFor } from '../../src/formats/index.ts';
import { ConfigFormatError } from '../../src/formats/slot.ts';
import { CTX, GW, TARGET, describeFixtures, harnessFor } from './harness.ts';

const { parse, takeover, restore } = harnessFor(adapter);
describeFixtures(adapter);

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
    expect(adapter.inspect({ env: 'GOOGLE_GEMINI_BASE_URL=http://localhost:11580\n', settings: apiKeyAuth }, GW, CTX)).toEqual({
      status: 'taken-over',
      address: 'http://localhost:11580',
    });
  });
  it('taken over but another auth type selected: still ours, with a warning (the CLI would exit 41)', () => {
    const ins = adapter.inspect(
      { env: 'GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:11580\n', settings: '{ "security": { "auth": { "selectedType": "oauth-personal" } } }' },
      GW,
      CTX,
    );
    expect(ins.status).toBe('taken-over');
    expect(ins.detail).toMatch(/selectedType is "oauth-personal", not "gemini-api-key"/);
    expect(adapter.inspect({ env: 'GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:11580\n', settings: null }, GW, CTX).detail).toMatch(/not set/);
  });
  it('another base URL is other-address', () => {
    expect(adapter.inspect({ env: 'export GOOGLE_GEMINI_BASE_URL="https://gemini-proxy.example.com"\n', settings: null }, GW, CTX)).toMatchObject({
      status: 'other-address',
      address: 'https://gemini-proxy.example.com',
    });
  });
  it('settings.json may hold comments; a broken .env line is an error naming the file', () => {
    expect(adapter.inspect({ env: null, settings: '{\n  // mine\n  "ui": { "theme": "GitHub", },\n}' }, GW, CTX).status).toBe('not-taken-over');
    expect(() => adapter.inspect({ env: 'GEMINI_API_KEY=x\nthis is not a setting\n', settings: null }, GW, CTX)).toThrow(ConfigFormatError);
    expect(() => adapter.inspect({ env: null, settings: '{ "ui": ' }, GW, CTX)).toThrow(/settings\.json/);
  });
});

const UNLISTED = { ...TARGET, modelsListed: false };

describe('gemini-cli plan', () => {
  it('the model rule: settings.json model.name kept when served, else the chosen model; restore puts it back', () => {
    const served = { ...TARGET, models: [...TARGET.models, 'gemini-2.5-pro'], chosenModel: 'gemini-2.5-pro' };
    const keep = takeover({ env: null, settings: '{ "model": { "name": "gemini-2.5-pro" } }\n' }, CTX, served);
    expect(parse(keep.texts, 'settings').model).toEqual({ name: 'gemini-2.5-pro' });
    const original = '{\n  // mine\n  "model": { "name": "gemini-2.5-flash" }\n}\n';
    const set = takeover({ env: null, settings: original }, CTX, served);
    expect(parse(set.texts, 'settings').model).toEqual({ name: 'gemini-2.5-pro' });
    expect(restore(set.texts, set.records).settings).toBe(original);
    const none = takeover({ env: null, settings: null }, CTX, served);
    expect(parse(none.texts, 'settings').model).toEqual({ name: 'gemini-2.5-pro' });
  });
  it('writes the root (no /v1), the key and API-key auth: nothing else', () => {
    const { texts } = takeover({ env: null, settings: null }, CTX, UNLISTED);
    expect(parse(texts, 'env')).toEqual({ GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:11580', GEMINI_API_KEY: 'sk-test-5f2c9a' });
    expect(parse(texts, 'settings')).toEqual({ security: { auth: { selectedType: 'gemini-api-key' } } });
    expect(adapter.plan({ env: null, settings: null }, UNLISTED, CTX).map((e) => [e.file, e.path.join('.'), e.guard?.kind ?? 'unchanged', !!e.secret])).toEqual(
      [
        ['env', 'GOOGLE_GEMINI_BASE_URL', 'address', false],
        ['env', 'GEMINI_API_KEY', 'unchanged', true],
        ['settings', 'security.auth.selectedType', 'unchanged', false],
      ],
    );
  });
  it('restore puts the old auth type and key back, keeping comments', () => {
    const original = {
      env: '# mine\nGEMINI_API_KEY=AIza-user # personal\n',
      settings: '{\n  // auth\n  "security": { "auth": { "selectedType": "oauth-personal" } }\n}\n',
    };
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
