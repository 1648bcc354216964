import { describe, expect, it } from 'vitest';
import { openclaw as adapter } from '../../src/adapters/openclaw.ts';
import { ConfigFormatError } from '../../src/formats/slot.ts';
import { CTX, GW, TARGET, describeFixtures, harnessFor } from './harness.ts';

const { parse, takeover, restore } = harnessFor(adapter);
describeFixtures(adapter);

const files = (config: string | null, agentModels: string | null = null) => ({ config, agentModels });

describe('openclaw locate', () => {
  it('~/.openclaw/openclaw.json; OPENCLAW_HOME, OPENCLAW_STATE_DIR and OPENCLAW_CONFIG_PATH move it, in that order of strength', () => {
    expect(adapter.locate(CTX).files[0]).toEqual({ role: 'config', path: '/home/u/.openclaw/openclaw.json', format: 'json5', writable: true });
    expect(adapter.locate(CTX).dir).toBe('/home/u/.openclaw');
    expect(adapter.locate({ home: '/home/u', env: { OPENCLAW_HOME: '/srv/oc' } }).files[0]!.path).toBe('/srv/oc/.openclaw/openclaw.json');
    expect(adapter.locate({ home: '/home/u', env: { OPENCLAW_HOME: '/srv/oc', OPENCLAW_STATE_DIR: '~/state' } }).files[0]!.path).toBe(
      '/srv/oc/state/openclaw.json',
    );
    const p = adapter.locate({ home: '/home/u', env: { OPENCLAW_STATE_DIR: '/s', OPENCLAW_CONFIG_PATH: '/etc/oc/main.json' } });
    expect([p.dir, p.files[0]!.path, p.files[1]!.path]).toEqual(['/etc/oc', '/etc/oc/main.json', '/s/agents/main/agent/models.json']);
  });
});

describe('openclaw inspect', () => {
  const ours = "{models: {providers: {servbay: {baseUrl: 'http://127.0.0.1:11580/v1'}}}, agents: {defaults: {model: {primary: 'servbay/gpt-4o'}}}}";
  it("the primary model's provider decides; string and object forms", () => {
    expect(adapter.inspect(files(ours), GW, CTX).status).toBe('taken-over');
    expect(adapter.inspect(files("{agents: {defaults: {model: 'anthropic/claude-opus-4-6'}}}"), GW, CTX).status).toBe('not-taken-over');
    expect(adapter.inspect(files("{models: {providers: {x: {baseUrl: 'https://x.example/v1'}}}, agents: {defaults: {model: 'x/m'}}}"), GW, CTX)).toMatchObject({
      status: 'other-address',
      address: 'https://x.example/v1',
    });
  });
  it('a non-empty baseUrl in the generated agent models.json wins for the same provider id', () => {
    expect(adapter.inspect(files(ours, '{"providers": {"servbay": {"baseUrl": "https://stale.example/v1"}}}'), GW, CTX).status).toBe('other-address');
  });
  it('a malformed file is a ConfigFormatError naming it', () => {
    expect(() => adapter.inspect(files('{models: '), GW, CTX)).toThrow(ConfigFormatError);
    expect(() => adapter.inspect(files('{models: '), GW, CTX)).toThrow(/openclaw\.json/);
  });
});

describe('openclaw takeover', () => {
  it('writes the provider and the primary model; keeps fallbacks; restore gives the bytes back', () => {
    const text = "{\n  // mine\n  agents: { defaults: { model: { primary: 'openai/gpt-5.4', fallbacks: ['anthropic/claude-sonnet-4-6'] } } },\n}\n";
    const taken = takeover(files(text));
    const cfg = parse(taken.texts, 'config');
    expect(cfg.models).toEqual({
      providers: {
        servbay: { baseUrl: 'http://127.0.0.1:11580/v1', apiKey: TARGET.key, api: 'openai-completions', models: TARGET.models.map((id) => ({ id, name: id })) },
      },
    });
    expect(cfg.agents).toEqual({ defaults: { model: { primary: 'servbay/gpt-4o', fallbacks: ['anthropic/claude-sonnet-4-6'] } } });
    expect(taken.texts.config).toContain("primary: 'servbay/gpt-4o'");
    expect(restore(taken.texts, taken.records).config).toBe(text);
  });
});
