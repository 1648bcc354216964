/**
 * The adapters' launch hooks (pure: target, context and the tool's current texts in; a plan out).
 * What each one sets follows the tool's source, cited in its adapter header; the real clients
 * prove the plans work (test/clients/launch.test.ts).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adapterFor, allAdapters } from '../../src/adapters/index.ts';
import type { FileTexts, LaunchTarget } from '../../src/adapters/types.ts';
import type { ToolId } from '../../src/adapters/index.ts';

const KEY = 'sk-launch-unit-9b1e';
const HOME = '/home/u';
const TMP = '/tmp/gwctl-launch-x';
const target = (over: Partial<LaunchTarget> = {}): LaunchTarget => ({
  root: 'http://127.0.0.1:4000',
  baseUrl: { openai: 'http://127.0.0.1:4000/v1', anthropic: 'http://127.0.0.1:4000', gemini: 'http://127.0.0.1:4000' },
  providerId: 'servbay',
  displayName: 'Gateway',
  key: KEY,
  model: 'qwen3-coder',
  modelGiven: false,
  ...over,
});
const ctx = { home: HOME, env: {}, tempDir: TMP };
const plan = (tool: ToolId, files: FileTexts = {}, over: Partial<LaunchTarget> = {}) => adapterFor(tool).launch!(target(over), ctx, files);

// Cline: not supported, with the reason (its hub daemon outlives a run with that run's environment).
const NO_LAUNCH: string[] = ['cline'];

describe('continue and openclaw launch: the user config plus gwctl-launch, in a temp file', () => {
  it('continue: --config TEMP with only the launch model (a persisted selection cannot win), the rest kept', () => {
    const p = plan('continue', {
      config: 'name: mine\nversion: 1.0.0\nrules:\n  - be brief\nmodels:\n  - name: local\n    provider: ollama\n    model: llama3\n',
    });
    expect(p.args).toEqual(['--config', join(ctx.tempDir, 'config.yaml')]);
    const doc = JSON.parse(p.files![0]!.text);
    expect(doc.rules).toEqual(['be brief']);
    expect(doc.models).toHaveLength(1);
    expect(doc.models[0]).toMatchObject({ name: expect.stringMatching(/^gwctl-launch\//), provider: 'openai', apiKey: target().key });
    expect(p.args.join(' ')).not.toContain(target().key);
  });
  it('openclaw: OPENCLAW_CONFIG_PATH to a temp file with provider gwctl-launch as primary, fallbacks kept', () => {
    const p = plan('openclaw', { config: '{ agents: { defaults: { model: { primary: "x/y", fallbacks: ["a/b"] } } } }' });
    expect(p.env.OPENCLAW_CONFIG_PATH).toBe(join(ctx.tempDir, 'openclaw.json'));
    const doc = JSON.parse(p.files![0]!.text);
    expect(doc.agents.defaults.model).toEqual({ primary: `gwctl-launch/${target().model}`, fallbacks: ['a/b'] });
    expect(doc.models.providers['gwctl-launch'].apiKey).toBe(target().key);
  });
});

describe('every adapter', () => {
  it('those without a launch hook say why', () => {
    expect(
      allAdapters()
        .filter((a) => !a.launch)
        .map((a) => a.id),
    ).toEqual(NO_LAUNCH);
    for (const id of NO_LAUNCH) expect(adapterFor(id as ToolId).noLaunch).toMatch(/hub daemon/);
  });

  it.each(
    allAdapters()
      .filter((a) => !NO_LAUNCH.includes(a.id))
      .map((a) => [a.id, a] as const),
  )('%s has a launch hook and a command, and never puts the key in an argument', (_id, a) => {
    expect(a.launch).toBeTypeOf('function');
    expect(a.bin).toMatch(/^[a-z]+$/);
    const p = a.launch!(target(), ctx, {});
    expect(p.args.some((x) => x.includes(KEY))).toBe(false);
    // The key goes somewhere the tool reads it: the environment or a temp file.
    expect(Object.values(p.env).some((v) => v.includes(KEY)) || (p.files ?? []).some((f) => f.text.includes(KEY))).toBe(true);
    for (const f of p.files ?? []) expect(f.name.startsWith('/') || f.name.split('/').includes('..')).toBe(false);
  });
});

describe('launch plans', () => {
  it('claude-code: --settings with the env slot, apiKeyHelper silenced, model only when chosen', () => {
    const p = plan('claude-code');
    expect(p.args).toEqual(['--settings', `${TMP}/claude-settings.json`]);
    expect(JSON.parse(p.files![0]!.text)).toEqual({
      env: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:4000', ANTHROPIC_AUTH_TOKEN: KEY, ANTHROPIC_API_KEY: '' },
      apiKeyHelper: '',
    });
    expect(p.unset).toEqual(expect.arrayContaining(['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN']));
    expect(JSON.parse(plan('claude-code', {}, { modelGiven: true, model: 'claude-sonnet-4-5' }).files![0]!.text).model).toBe('claude-sonnet-4-5');
  });

  it('codex: -c overrides naming a provider whose key is read from GWCTL_LAUNCH_KEY', () => {
    const p = plan('codex', {}, { displayName: 'My "GW"' });
    expect(p.args).toEqual([
      '-c',
      'model_provider="gwctl-launch"',
      '-c',
      'model_providers.gwctl-launch.name="My \\"GW\\""',
      '-c',
      'model_providers.gwctl-launch.base_url="http://127.0.0.1:4000/v1"',
      '-c',
      'model_providers.gwctl-launch.wire_api="responses"',
      '-c',
      'model_providers.gwctl-launch.env_key="GWCTL_LAUNCH_KEY"',
      '-c',
      'model="qwen3-coder"',
    ]);
    expect(p.env).toEqual({ GWCTL_LAUNCH_KEY: KEY });
    expect(p.unset).toEqual(['OPENAI_API_KEY', 'CODEX_API_KEY']);
  });

  it("gemini-cli: GEMINI_CLI_HOME stand-in with the user's settings plus API-key auth, the rest linked", () => {
    const settings = '{\n  // mine\n  "ui": {"theme": "GitHub"},\n  "security": {"auth": {"selectedType": "oauth-personal", "useExternal": false}}\n}';
    const p = plan('gemini-cli', { settings, env: 'GEMINI_API_KEY=old\n' });
    expect(p.env).toEqual({ GEMINI_CLI_HOME: `${TMP}/gemini-home`, GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:4000', GEMINI_API_KEY: KEY });
    expect(p.files).toHaveLength(1);
    expect(p.files![0]!.name).toBe('gemini-home/.gemini/settings.json');
    expect(JSON.parse(p.files![0]!.text)).toEqual({ ui: { theme: 'GitHub' }, security: { auth: { selectedType: 'gemini-api-key', useExternal: false } } });
    expect(p.mirror).toEqual([{ from: `${HOME}/.gemini`, to: 'gemini-home/.gemini', except: ['settings.json'] }]);
    expect(plan('gemini-cli', {}, { modelGiven: true }).env.GEMINI_MODEL).toBe('qwen3-coder');
    expect(p.unset).toContain('GOOGLE_API_KEY');
  });

  it('qwen-code: --auth-type openai --model, OPENAI_* in the environment', () => {
    const p = plan('qwen-code');
    expect(p.args).toEqual(['--auth-type', 'openai', '--model', 'qwen3-coder']);
    expect(p.env).toEqual({ OPENAI_BASE_URL: 'http://127.0.0.1:4000/v1', OPENAI_API_KEY: KEY, OPENAI_MODEL: 'qwen3-coder' });
  });

  it('kimi-code: the KIMI_MODEL_* environment model', () => {
    expect(plan('kimi-code').env).toEqual({
      KIMI_MODEL_NAME: 'qwen3-coder',
      KIMI_MODEL_API_KEY: KEY,
      KIMI_MODEL_PROVIDER_TYPE: 'openai',
      KIMI_MODEL_BASE_URL: 'http://127.0.0.1:4000/v1',
    });
  });

  it("kimi-cli: --config-file with the user's config plus ours, OPENAI_* overrides removed", () => {
    const config =
      'default_model = "k"\n[providers.moon]\ntype = "kimi"\nbase_url = "https://api.moonshot.cn/v1"\napi_key = "sk-moon"\n[models.k]\nprovider = "moon"\nmodel = "kimi-k2"\nmax_context_size = 1000\n[loop_control]\nmax_steps_per_run = 7\n';
    const p = plan('kimi-cli', { config });
    expect(p.args).toEqual(['--config-file', `${TMP}/kimi-config.json`]);
    const doc = JSON.parse(p.files![0]!.text);
    expect(doc.default_model).toBe('gwctl-launch/qwen3-coder');
    expect(doc.providers['gwctl-launch']).toEqual({ type: 'openai_legacy', base_url: 'http://127.0.0.1:4000/v1', api_key: KEY });
    expect(doc.providers.moon.api_key).toBe('sk-moon');
    expect(doc.models['gwctl-launch/qwen3-coder']).toEqual({ provider: 'gwctl-launch', model: 'qwen3-coder', max_context_size: 128000 });
    expect(doc.loop_control).toEqual({ max_steps_per_run: 7 });
    expect(p.unset).toEqual(['OPENAI_BASE_URL', 'OPENAI_API_KEY', 'AZURE_OPENAI_API_KEY']);
  });

  it('codebuddy: one product-config model in ACC_PRODUCT_CONFIG_V3, --model', () => {
    const p = plan('codebuddy');
    expect(p.args).toEqual(['--model', 'qwen3-coder']);
    expect(JSON.parse(p.env.ACC_PRODUCT_CONFIG_V3!)).toEqual({
      models: [
        {
          id: 'qwen3-coder',
          name: 'qwen3-coder',
          vendor: 'Gateway',
          apiKey: KEY,
          url: 'http://127.0.0.1:4000/v1/chat/completions',
          maxInputTokens: 128000,
          maxOutputTokens: 8192,
          supportsToolCall: true,
        },
      ],
    });
    expect(p.unset).toEqual(expect.arrayContaining(['ACC_PRODUCT_CONFIG_PATH', 'CODEBUDDY_API_KEY']));
  });

  it('opencode: OPENCODE_CONFIG_CONTENT with our provider and model', () => {
    const c = JSON.parse(plan('opencode').env.OPENCODE_CONFIG_CONTENT!);
    expect(c.model).toBe('gwctl-launch/qwen3-coder');
    expect(c.provider['gwctl-launch'].options).toEqual({ baseURL: 'http://127.0.0.1:4000/v1', apiKey: KEY });
    expect(Object.keys(c.provider['gwctl-launch'].models)).toEqual(['qwen3-coder']);
  });

  it("crush: temp global config and data dirs holding the user's files plus our provider and selections", () => {
    const config = JSON.stringify({
      providers: { mine: { type: 'openai', api_key: 'sk-mine' } },
      mcp: { fs: { command: 'x' } },
      models: { large: { provider: 'mine', model: 'a' } },
    });
    const data = JSON.stringify({
      providers: { hyper: { oauth: { access_token: 'tok' } } },
      models: { large: { provider: 'mine', model: 'b' } },
      recent_models: ['b'],
    });
    const p = plan('crush', { config, data });
    expect(p.env).toEqual({ CRUSH_GLOBAL_CONFIG: `${TMP}/crush-config`, CRUSH_GLOBAL_DATA: `${TMP}/crush-data` });
    const [c, d] = p.files!.map((f) => JSON.parse(f.text));
    expect(p.files!.map((f) => f.name)).toEqual(['crush-config/crush.json', 'crush-data/crush.json']);
    const sel = { provider: 'gwctl-launch', model: 'qwen3-coder' };
    expect(c.providers.mine).toEqual({ type: 'openai', api_key: 'sk-mine' });
    expect(c.providers['gwctl-launch']).toMatchObject({ type: 'openai-compat', base_url: 'http://127.0.0.1:4000/v1', api_key: KEY });
    expect(c.mcp).toEqual({ fs: { command: 'x' } });
    expect(c.models).toEqual({ large: sel, small: sel });
    expect(d).toEqual({ providers: { hyper: { oauth: { access_token: 'tok' } } }, models: { large: sel, small: sel }, recent_models: ['b'] });
  });

  it('copilot: the COPILOT_PROVIDER_* environment; variables that would replace key, model or wire format removed', () => {
    const p = plan('copilot');
    expect(p.env).toEqual({
      COPILOT_PROVIDER_BASE_URL: 'http://127.0.0.1:4000/v1',
      COPILOT_PROVIDER_TYPE: 'openai',
      COPILOT_PROVIDER_API_KEY: KEY,
      COPILOT_MODEL: 'qwen3-coder',
    });
    expect(p.unset).toEqual(
      expect.arrayContaining(['COPILOT_PROVIDER_BEARER_TOKEN', 'COPILOT_PROVIDER_API_KEY_COMMAND', 'COPILOT_PROVIDER_HEADERS', 'COPILOT_PROVIDER_WIRE_MODEL']),
    );
    expect(p.args).toEqual([]);
  });
});
