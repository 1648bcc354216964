import { describe, expect, it } from 'vitest';
import { keyReference, literalKey, pi as adapter } from '../../src/adapters/pi.ts';
import { ConfigFormatError } from '../../src/formats/slot.ts';
import { CTX, GW, TARGET, describeFixtures, harnessFor } from './harness.ts';

const { parse, takeover, restore } = harnessFor(adapter);
describeFixtures(adapter);

const none = { models: null, settings: null, auth: null };
const selected = JSON.stringify({ defaultProvider: 'servbay', defaultModel: 'gpt-4o' });
const provider = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    providers: { servbay: { baseUrl: 'http://127.0.0.1:11580/v1', api: 'openai-completions', apiKey: 'sk-x', models: [{ id: 'gpt-4o' }], ...extra } },
  });

describe('pi locate', () => {
  it('uses ~/.pi/agent: models.json (JSONC), settings.json (JSON), auth.json read only', () => {
    expect(adapter.locate(CTX)).toEqual({
      dir: '/home/u/.pi/agent',
      files: [
        { role: 'models', path: '/home/u/.pi/agent/models.json', format: 'jsonc', writable: true },
        { role: 'settings', path: '/home/u/.pi/agent/settings.json', format: 'json', writable: true },
        { role: 'auth', path: '/home/u/.pi/agent/auth.json', format: 'json', writable: false },
      ],
    });
  });
  it('honours PI_CODING_AGENT_DIR, expanding a leading ~', () => {
    expect(adapter.locate({ home: '/home/u', env: { PI_CODING_AGENT_DIR: '/x/pi' } }).dir).toBe('/x/pi');
    expect(adapter.locate({ home: '/home/u', env: { PI_CODING_AGENT_DIR: '~/dot/pi' } }).dir).toBe('/home/u/dot/pi');
  });
});

describe('pi key syntax (resolve-config-value.js)', () => {
  it('tells a $VAR, ${VAR} or !command reference from a literal', () => {
    expect(keyReference('$SERVBAY_KEY')).toBe('environment variable');
    expect(keyReference('Bearer ${TOKEN}')).toBe('environment variable');
    expect(keyReference('!op read op://x/y')).toBe('command');
    for (const literal of ['sk-abc', 'sk-a$$b', '$!bang', 'price$', 'a$1b', '${not valid}']) expect(keyReference(literal)).toBeUndefined();
  });
  it('writes a key so Pi reads it back literally', () => {
    expect(literalKey('sk-abc')).toBe('sk-abc');
    expect(literalKey('sk-$HOME')).toBe('sk-$$HOME');
    expect(literalKey('!abc')).toBe('$!abc');
    for (const k of ['sk-$HOME', '!abc', 'a$$b']) expect(keyReference(literalKey(k))).toBeUndefined();
  });
});

describe('pi inspect', () => {
  it('no files, or a built-in provider selected: not taken over', () => {
    expect(adapter.inspect(none, GW, CTX)).toEqual({ status: 'not-taken-over' });
    expect(adapter.inspect({ ...none, settings: '{"defaultProvider":"anthropic","defaultModel":"claude-sonnet-4-5"}' }, GW, CTX).status).toBe('not-taken-over');
  });
  it("selected provider points here: taken over; a model-level baseUrl wins over the provider's", () => {
    expect(adapter.inspect({ ...none, models: provider(), settings: selected }, GW, CTX)).toEqual({
      status: 'taken-over',
      address: 'http://127.0.0.1:11580/v1',
    });
    const override = provider({ models: [{ id: 'gpt-4o', baseUrl: 'https://elsewhere.example.com/v1' }] });
    expect(adapter.inspect({ ...none, models: override, settings: selected }, GW, CTX)).toMatchObject({
      status: 'other-address',
      address: 'https://elsewhere.example.com/v1',
    });
  });
  it('a built-in provider routed through models.json baseUrl elsewhere is another address', () => {
    const proxied = JSON.stringify({ providers: { anthropic: { baseUrl: 'https://proxy.example.com' } } });
    expect(adapter.inspect({ ...none, models: proxied, settings: '{"defaultProvider":"anthropic","defaultModel":"claude-sonnet-4-5"}' }, GW, CTX).status).toBe(
      'other-address',
    );
  });
  it("providers.servbay with the user's own $VAR or !command key is theirs, even at this gateway", () => {
    for (const apiKey of ['$SERVBAY_KEY', '!pass show servbay']) {
      const ins = adapter.inspect({ ...none, models: provider({ apiKey }), settings: selected }, GW, CTX);
      expect(ins.status).toBe('other-address');
      expect(ins.detail).toMatch(/apiKey is your own .* reference/);
    }
  });
  it('providers.servbay elsewhere counts as another address even when another provider is selected', () => {
    const theirs = JSON.stringify({ providers: { servbay: { baseUrl: 'http://mac-mini.local:11580/v1', apiKey: 'k' } } });
    expect(adapter.inspect({ ...none, models: theirs, settings: '{"defaultProvider":"openai","defaultModel":"gpt-5"}' }, GW, CTX)).toMatchObject({
      status: 'other-address',
      address: 'http://mac-mini.local:11580/v1',
    });
  });
  it('warns when auth.json holds a stored key for our provider (it wins over apiKey)', () => {
    const ins = adapter.inspect({ models: provider(), settings: selected, auth: '{"servbay":{"type":"api_key","key":"sk-old"}}' }, GW, CTX);
    expect(ins.status).toBe('taken-over');
    expect(ins.detail).toContain('auth.json holds a stored key');
  });
  it('broken settings.json names the file', () => {
    expect(() => adapter.inspect({ ...none, settings: '{ "defaultModel": ' }, GW, CTX)).toThrow(ConfigFormatError);
    expect(() => adapter.inspect({ ...none, settings: '{ "defaultModel": ' }, GW, CTX)).toThrow(/settings\.json/);
  });
});

describe('pi plan', () => {
  it('writes providers.servbay with every model and selects it', () => {
    const { texts, records } = takeover(none);
    expect(Object.keys(records).sort()).toEqual(['models', 'settings']);
    expect(parse(texts, 'models')).toEqual({
      providers: {
        servbay: {
          name: 'ServBay AI Gateway',
          baseUrl: 'http://127.0.0.1:11580/v1',
          api: 'openai-completions',
          apiKey: TARGET.key,
          models: TARGET.models.map((id) => ({ id, name: id, contextWindow: 128000, maxTokens: 8192 })),
        },
      },
    });
    expect(parse(texts, 'settings')).toEqual({ defaultProvider: 'servbay', defaultModel: 'gpt-4o' });
  });
  it("with --force over the user's $VAR key: restore gives the reference back exactly", () => {
    const original = {
      ...none,
      models: `{\n  "providers": {\n    "servbay": { "baseUrl": "http://127.0.0.1:11580/v1", "api": "openai-completions", "apiKey": "$SERVBAY_KEY", "models": [{ "id": "gpt-4o" }] }\n  }\n}\n`,
      settings: selected,
    };
    const taken = takeover(original);
    expect(adapter.inspect(taken.texts, GW, CTX).status).toBe('taken-over');
    expect((parse(taken.texts, 'models') as { providers: { servbay: { apiKey: string } } }).providers.servbay.apiKey).toBe(TARGET.key);
    const back = restore(taken.texts, taken.records);
    expect(parse(back, 'models')).toEqual(parse(original, 'models'));
    expect(back.settings).toBe(selected);
  });
});
