import { describe, expect, it } from 'vitest';
import { cline as adapter } from '../../src/adapters/cline.ts';
import { ConfigFormatError } from '../../src/formats/slot.ts';
import { CTX, GW, TARGET, describeFixtures, harnessFor } from './harness.ts';

const { parse, takeover, restore } = harnessFor(adapter);
describeFixtures(adapter);

const none = { providers: null, legacy: null };
const entry = (provider: string, settings: Record<string, unknown>) => ({
  settings: { provider, ...settings },
  updatedAt: '2026-11-01T08:00:00.000Z',
  tokenSource: 'manual',
});
const file = (last: string | undefined, providers: Record<string, unknown>) =>
  JSON.stringify({ version: 1, ...(last ? { lastUsedProvider: last } : {}), modes: {}, providers }, null, 2);

describe('cline locate', () => {
  it('uses ~/.cline/data/settings/providers.json; the 2.x globalState.json is read to detect the old layout', () => {
    expect(adapter.locate(CTX)).toEqual({
      dir: '/home/u/.cline',
      files: [
        { role: 'providers', path: '/home/u/.cline/data/settings/providers.json', format: 'json', writable: true },
        { role: 'legacy', path: '/home/u/.cline/data/globalState.json', format: 'json', writable: false },
      ],
    });
  });
  it('honours CLINE_DIR, CLINE_DATA_DIR and CLINE_PROVIDER_SETTINGS_PATH', () => {
    expect(adapter.locate({ home: '/home/u', env: { CLINE_DIR: '/c' } }).files[0]!.path).toBe('/c/data/settings/providers.json');
    expect(adapter.locate({ home: '/home/u', env: { CLINE_DIR: '/c', CLINE_DATA_DIR: '/d' } }).files.map((f) => f.path)).toEqual([
      '/d/settings/providers.json',
      '/d/globalState.json',
    ]);
    expect(adapter.locate({ home: '/home/u', env: { CLINE_PROVIDER_SETTINGS_PATH: '/p.json' } }).files[0]!.path).toBe('/p.json');
  });
});

describe('cline inspect', () => {
  it('nothing selected, or a provider on its own service: not taken over', () => {
    expect(adapter.inspect(none, GW, CTX)).toEqual({ status: 'not-taken-over' });
    expect(adapter.inspect({ ...none, providers: file('anthropic', { anthropic: entry('anthropic', { apiKey: 'k' }) }) }, GW, CTX).status).toBe(
      'not-taken-over',
    );
  });
  it('lastUsedProvider decides: its baseUrl here is taken over, elsewhere another address', () => {
    const here = file('openai-compatible', { 'openai-compatible': entry('openai-compatible', { baseUrl: 'http://127.0.0.1:11580/v1' }) });
    expect(adapter.inspect({ ...none, providers: here }, GW, CTX)).toEqual({ status: 'taken-over', address: 'http://127.0.0.1:11580/v1' });
    const ollama = file('ollama', { ollama: entry('ollama', { baseUrl: 'http://localhost:11434' }) });
    expect(adapter.inspect({ ...none, providers: ollama }, GW, CTX)).toMatchObject({ status: 'other-address', address: 'http://localhost:11434' });
  });
  it("the user's openai-compatible entry elsewhere is another address even while another provider is selected", () => {
    const corp = file('anthropic', {
      'openai-compatible': entry('openai-compatible', { baseUrl: 'https://llm.corp.example.com/v1' }),
      anthropic: entry('anthropic', {}),
    });
    expect(adapter.inspect({ ...none, providers: corp }, GW, CTX)).toMatchObject({ status: 'other-address', address: 'https://llm.corp.example.com/v1' });
  });
  it('the 2.x layout (globalState.json, no providers.json): not taken over, saying how to migrate', () => {
    const ins = adapter.inspect({ providers: null, legacy: '{"actModeApiProvider":"openai"}' }, GW, CTX);
    expect(ins.status).toBe('not-taken-over');
    expect(ins.detail).toContain('run Cline 3 once');
  });
});

describe('cline plan', () => {
  it('a new providers.json: version 1, our entry, selected', () => {
    const { texts } = takeover(none);
    expect(parse(texts, 'providers')).toEqual({
      version: 1,
      providers: {
        'openai-compatible': {
          settings: { provider: 'openai-compatible', apiKey: TARGET.key, baseUrl: 'http://127.0.0.1:11580/v1', model: 'gpt-4o' },
          updatedAt: '2000-01-01T00:00:00.000Z',
          tokenSource: 'manual',
        },
      },
      lastUsedProvider: 'openai-compatible',
    });
  });
  it('refuses the 2.x layout, naming globalState.json and the fix', () => {
    expect(() => adapter.plan({ providers: null, legacy: '{}' }, TARGET, CTX)).toThrow(ConfigFormatError);
    expect(() => adapter.plan({ providers: null, legacy: '{}' }, TARGET, CTX)).toThrow(/globalState\.json.*run `cline` \(3\.x\) once/);
  });
  it("with --force over the user's entry: restore gives it back and selects their provider again", () => {
    const original = {
      ...none,
      providers: file('anthropic', {
        'openai-compatible': entry('openai-compatible', { apiKey: 'sk-corp', baseUrl: 'https://llm.corp.example.com/v1', model: 'gpt-4.1' }),
        anthropic: entry('anthropic', {}),
      }),
    };
    const taken = takeover(original);
    expect(adapter.inspect(taken.texts, GW, CTX).status).toBe('taken-over');
    expect(parse(restore(taken.texts, taken.records), 'providers')).toEqual(parse(original, 'providers'));
  });
});
