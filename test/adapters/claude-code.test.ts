import { describe, expect, it } from 'vitest';
import { claudeCode as adapter } from '../../src/adapters/claude-code.ts';
import { editorFor } from '../../src/formats/index.ts';
import { ConfigFormatError } from '../../src/formats/slot.ts';
import { CTX, GW, TARGET, describeFixtures, harnessFor } from './harness.ts';

const { parse, takeover, restore } = harnessFor(adapter);
describeFixtures(adapter);

describe('claude-code locate', () => {
  it('uses ~/.claude/settings.json', () => {
    expect(adapter.locate(CTX)).toEqual({
      dir: '/home/u/.claude',
      files: [{ role: 'settings', path: '/home/u/.claude/settings.json', format: 'json', writable: true }],
    });
  });
  it('honours CLAUDE_CONFIG_DIR (an empty value is unset)', () => {
    expect(adapter.locate({ home: '/home/u', env: { CLAUDE_CONFIG_DIR: '/srv/claude' } }).files[0]!.path).toBe('/srv/claude/settings.json');
    expect(adapter.locate({ home: '/home/u', env: { CLAUDE_CONFIG_DIR: '' } }).dir).toBe('/home/u/.claude');
  });
});

describe('claude-code inspect', () => {
  const at = (url: string) => ({ settings: JSON.stringify({ env: { ANTHROPIC_BASE_URL: url } }) });
  it('a missing file, no env or an empty base URL is not taken over', () => {
    expect(adapter.inspect({ settings: null }, GW, CTX)).toEqual({ status: 'not-taken-over' });
    expect(adapter.inspect({ settings: '{"model":"opus"}' }, GW, CTX).status).toBe('not-taken-over');
    expect(adapter.inspect(at(''), GW, CTX).status).toBe('not-taken-over');
  });
  it('this gateway, however spelled, is taken over', () => {
    expect(adapter.inspect(at('http://localhost:11580/'), GW, CTX)).toEqual({ status: 'taken-over', address: 'http://localhost:11580/' });
  });
  it('the gateway with /v1 is ours but flagged: Claude would call /v1/v1/messages', () => {
    const ins = adapter.inspect(at('http://127.0.0.1:11580/v1'), GW, CTX);
    expect(ins.status).toBe('taken-over');
    expect(ins.detail).toContain('expected http://127.0.0.1:11580');
  });
  it('another address (or another port) is other-address, with the address', () => {
    expect(adapter.inspect(at('https://api.moonshot.ai/anthropic'), GW, CTX)).toMatchObject({
      status: 'other-address',
      address: 'https://api.moonshot.ai/anthropic',
    });
    expect(adapter.inspect(at('http://127.0.0.1:4000'), GW, CTX).status).toBe('other-address');
  });
  it('a comment makes the file malformed (Claude Code rejects it too), without quoting it', () => {
    const bad = '{\n  // secret sk-ant-xyz\n  "env": {}\n}';
    expect(() => adapter.inspect({ settings: bad }, GW, CTX)).toThrow(ConfigFormatError);
    expect(() => adapter.inspect({ settings: bad }, GW, CTX)).toThrow(/settings\.json:2/);
    try {
      adapter.inspect({ settings: bad }, GW, CTX);
    } catch (e) {
      expect(String(e)).not.toContain('sk-ant-xyz');
    }
  });
});

/** A gateway whose model list could not be read: the model rule leaves the user's model alone. */
const UNLISTED = { ...TARGET, modelsListed: false };

describe('claude-code plan', () => {
  it('writes exactly the root (no /v1), the key as token, a blank API key', () => {
    const { texts } = takeover({ settings: null }, CTX, UNLISTED);
    expect(parse(texts, 'settings')).toEqual({
      env: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:11580', ANTHROPIC_AUTH_TOKEN: 'sk-test-5f2c9a', ANTHROPIC_API_KEY: '' },
    });
  });
  it('marks only the key as secret and guards the URL by address', () => {
    const edits = adapter.plan({ settings: null }, UNLISTED, CTX);
    expect(edits.map((e) => [e.path.join('.'), !!e.secret, e.guard?.kind ?? 'unchanged'])).toEqual([
      ['env.ANTHROPIC_BASE_URL', false, 'address'],
      ['env.ANTHROPIC_AUTH_TOKEN', true, 'unchanged'],
      ['env.ANTHROPIC_API_KEY', false, 'unchanged'],
    ]);
  });
  it('sets apiKeyHelper aside and restore puts it back (at the end of the object)', () => {
    const original = '{\n  "apiKeyHelper": "~/bin/key.sh",\n  "env": { "DISABLE_TELEMETRY": "1" }\n}\n';
    const taken = takeover({ settings: original }, CTX, UNLISTED);
    const doc = parse(taken.texts, 'settings');
    expect(doc.apiKeyHelper).toBeUndefined();
    expect(doc.env).toEqual({
      DISABLE_TELEMETRY: '1',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:11580',
      ANTHROPIC_AUTH_TOKEN: 'sk-test-5f2c9a',
      ANTHROPIC_API_KEY: '',
    });
    const restored = restore(taken.texts, taken.records).settings!;
    expect(JSON.parse(restored)).toEqual(JSON.parse(original));
    expect(restored).toBe('{\n  "env": { "DISABLE_TELEMETRY": "1" },\n  "apiKeyHelper": "~/bin/key.sh"\n}\n');
  });
  it('the model rule: a served model is kept; otherwise ANTHROPIC_MODEL and the ANTHROPIC_DEFAULT_*_MODEL family name the chosen one, and restore takes them out', () => {
    const served = { ...TARGET, chosenModel: 'claude-sonnet-4-5' };
    const keep = takeover({ settings: '{\n  "model": "claude-sonnet-4-5"\n}\n' }, CTX, served);
    expect(parse(keep.texts, 'settings').env).not.toHaveProperty('ANTHROPIC_MODEL');
    const keepEnv = takeover({ settings: '{\n  "env": { "ANTHROPIC_MODEL": "gpt-4o" }, "model": "opus"\n}\n' }, CTX, served);
    expect(parse(keepEnv.texts, 'settings').env).toEqual(expect.not.objectContaining({ ANTHROPIC_DEFAULT_OPUS_MODEL: expect.anything() }));
    const original = '{\n  "model": "opus"\n}\n';
    const set = takeover({ settings: original }, CTX, served);
    const env = parse(set.texts, 'settings').env as Record<string, string>;
    for (const v of [
      'ANTHROPIC_MODEL',
      'ANTHROPIC_DEFAULT_OPUS_MODEL',
      'ANTHROPIC_DEFAULT_SONNET_MODEL',
      'ANTHROPIC_DEFAULT_HAIKU_MODEL',
      'ANTHROPIC_DEFAULT_FABLE_MODEL',
    ])
      expect(env[v], v).toBe('claude-sonnet-4-5');
    expect(parse(set.texts, 'settings').model).toBe('opus');
    expect(restore(set.texts, set.records).settings).toBe(original);
    // --model: set whatever the user had.
    const forced = takeover({ settings: '{\n  "model": "claude-sonnet-4-5"\n}\n' }, CTX, { ...served, chosenModel: 'gpt-4o', modelForced: true });
    expect((parse(forced.texts, 'settings').env as Record<string, string>).ANTHROPIC_MODEL).toBe('gpt-4o');
  });
  it('a helper the user adds back after the takeover survives restore', () => {
    const taken = takeover({ settings: '{\n  "apiKeyHelper": "~/bin/key.sh"\n}\n' });
    const edited = editorFor('json').set(taken.texts.settings!, ['apiKeyHelper'], '~/bin/new-key.sh', 'settings.json');
    const restored = parse(restore({ settings: edited }, taken.records), 'settings');
    expect(restored).toEqual({ apiKeyHelper: '~/bin/new-key.sh' });
  });
  it('restore keeps a base URL the user pointed elsewhere after the takeover', () => {
    const original = '{\n  "model": "opus"\n}\n';
    const taken = takeover({ settings: original });
    const edited = editorFor('json').set(taken.texts.settings!, ['env', 'ANTHROPIC_BASE_URL'], 'https://proxy.example.com', 'settings.json');
    const restored = parse(restore({ settings: edited }, taken.records), 'settings');
    expect(restored).toEqual({ model: 'opus', env: { ANTHROPIC_BASE_URL: 'https://proxy.example.com' } });
  });
  it('an existing API key is blanked and comes back on restore', () => {
    const original = '{"env":{"ANTHROPIC_API_KEY":"sk-ant-user"}}';
    const taken = takeover({ settings: original });
    expect(parse(taken.texts, 'settings').env).toMatchObject({ ANTHROPIC_API_KEY: '' });
    expect(restore(taken.texts, taken.records).settings).toBe(original);
  });
});

describe('claude-code adapter', () => {
  it('is named for people and speaks the Anthropic protocol', () => {
    expect([adapter.name, adapter.protocol, adapter.requestPath]).toEqual(['Claude Code', 'anthropic', '/v1/messages']);
  });
});
