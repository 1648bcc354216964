import { describe, expect, it } from 'vitest';
import { grok as adapter } from '../../src/adapters/grok.ts';
import { applyEdits } from '../../src/formats/apply.ts';
import { CTX, GW, TARGET, describeFixtures, harnessFor } from './harness.ts';

const { parse, takeover, restore } = harnessFor(adapter);
describeFixtures(adapter);

describe('grok locate', () => {
  it('uses ~/.grok/config.toml, or $GROK_HOME', () => {
    expect(adapter.locate(CTX)).toEqual({
      dir: '/home/u/.grok',
      files: [{ role: 'config', path: '/home/u/.grok/config.toml', format: 'toml', writable: true }],
    });
    expect(adapter.locate({ home: '/home/u', env: { GROK_HOME: '/g' } }).dir).toBe('/g');
  });
});

describe('grok inspect', () => {
  it('no config, or an xAI model as default: not taken over', () => {
    expect(adapter.inspect({ config: null }, GW, CTX)).toEqual({ status: 'not-taken-over' });
    expect(adapter.inspect({ config: '[models]\ndefault = "grok-4.5"\n' }, GW, CTX).status).toBe('not-taken-over');
  });
  it("the default model's base_url, inherited through model_provider", () => {
    const lan = '[models]\ndefault = "q"\n[model_providers.lan]\nbase_url = "http://192.168.1.40:8000/v1"\n[model.q]\nmodel = "qwen"\nmodel_provider = "lan"\n';
    expect(adapter.inspect({ config: lan }, GW, CTX)).toMatchObject({ status: 'other-address', address: 'http://192.168.1.40:8000/v1' });
    const own = lan.replace('model_provider = "lan"', 'model_provider = "lan"\nbase_url = "http://127.0.0.1:11580/v1"');
    expect(adapter.inspect({ config: own }, GW, CTX).status).toBe('taken-over');
  });
  it('notes a GROK_CONFIG overlay, which outranks config.toml', () => {
    const taken = takeover({ config: null }).texts;
    const ins = adapter.inspect(taken, GW, { home: '/home/u', env: { GROK_CONFIG: '{"models":{"default":"grok-4.5"}}' } });
    expect(ins.detail).toContain('GROK_CONFIG is set');
  });
});

describe('grok plan and restore', () => {
  it('writes [models] default and one [model."servbay-<model>"] per gateway model', () => {
    const { texts } = takeover({ config: '# mine\n[models]\ndefault = "grok-4.5"\n' });
    expect(texts.config).toContain('# mine');
    expect(parse(texts, 'config')).toEqual({
      models: { default: 'servbay-gpt-4o' },
      model: Object.fromEntries(
        TARGET.models.map((m) => [
          `servbay-${m}`,
          {
            model: m,
            name: `${m} (ServBay AI Gateway)`,
            base_url: 'http://127.0.0.1:11580/v1',
            api_key: TARGET.key,
            api_backend: 'chat_completions',
            context_window: 128000,
          },
        ]),
      ),
    });
  });
  it('restore keeps a table the user re-pointed and puts the old default back', () => {
    const original = { config: '[models]\ndefault = "grok-4.5"\n' };
    const taken = takeover(original);
    const edited = applyEdits(
      taken.texts.config!,
      'toml',
      [{ file: 'config', path: ['model', 'servbay-qwen3-coder', 'base_url'], value: 'https://other.example.com/v1' }],
      'config.toml',
    ).text;
    const back = parse(restore({ config: edited }, taken.records), 'config') as { models: unknown; model: Record<string, unknown> };
    expect(back.models).toEqual({ default: 'grok-4.5' });
    expect(Object.keys(back.model)).toEqual(['servbay-qwen3-coder']);
  });
  it('sweep removes [model."servbay-…"] copies still pointing here, and a default naming one', () => {
    const text =
      '[models]\ndefault = "servbay-o3"\n[model.servbay-o3]\nbase_url = "http://127.0.0.1:11580/v1"\n[model.servbay-mine]\nbase_url = "https://x.example.com/v1"\n[model.other]\nbase_url = "http://127.0.0.1:11580/v1"\n';
    expect(adapter.sweep!({ config: text }, GW, 'servbay', CTX)).toEqual([
      { file: 'config', path: ['model', 'servbay-o3'], value: undefined },
      { file: 'config', path: ['models', 'default'], value: undefined },
    ]);
  });
});
