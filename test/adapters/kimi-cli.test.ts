import { describe, expect, it } from 'vitest';
import { kimiCli as adapter } from '../../src/adapters/kimi-cli.ts';
import { ConfigFormatError } from '../../src/formats/slot.ts';
import { CTX, GW, singleFileHarness, TARGET } from './harness.ts';

// The behaviour Kimi CLI shares with Kimi Code is tested in kimi.test.ts.
const { FILE, editor: toml, files, takeover, fixture } = singleFileHarness(adapter);

describe('kimi-cli locate', () => {
  it('uses ~/.kimi/config.toml, and reads config.json for status only', () => {
    const loc = adapter.locate(CTX);
    expect(loc.dir).toBe('/home/u/.kimi');
    expect(loc.files).toEqual([
      { role: 'config', path: '/home/u/.kimi/config.toml', format: 'toml', writable: true },
      { role: 'legacy-json', path: '/home/u/.kimi/config.json', format: 'json', writable: false },
    ]);
  });

  it('honours KIMI_SHARE_DIR, expanding ~ like kimi-cli does', () => {
    expect(adapter.locate({ home: CTX.home, env: { KIMI_SHARE_DIR: '/data/kimi' } }).files[0]!.path).toBe('/data/kimi/config.toml');
    expect(adapter.locate({ home: CTX.home, env: { KIMI_SHARE_DIR: '~/kimi-share' } }).dir).toBe('/home/u/kimi-share');
    expect(adapter.locate({ home: CTX.home, env: { KIMI_SHARE_DIR: '' } }).dir).toBe('/home/u/.kimi');
  });

  it('declares the tool facts', () => {
    expect(adapter).toMatchObject({ id: 'kimi-cli', name: 'Kimi CLI', protocol: 'openai', requestPath: '/v1/chat/completions' });
  });
});

describe('kimi-cli inspect', () => {
  it('a missing config is not taken over', () => {
    expect(adapter.inspect(files(null), GW, CTX)).toEqual({ status: 'not-taken-over' });
  });

  it("names the address of the default model's provider", () => {
    const c = fixture('deepseek-default');
    const ins = adapter.inspect(files(c.text), GW, c.ctx);
    expect(ins).toMatchObject({ status: 'other-address', address: 'https://api.deepseek.com/v1' });
    expect(ins.detail).toContain('deepseek');
  });

  it('our provider pointing elsewhere is another address', () => {
    const text = '[providers.servbay]\ntype = "openai_legacy"\nbase_url = "http://10.1.1.1:11580/v1"\napi_key = "k"\n';
    expect(adapter.inspect(files(text), GW, CTX)).toMatchObject({ status: 'other-address', address: 'http://10.1.1.1:11580/v1' });
  });

  it("Kimi's own service is the default, not another address", () => {
    const ins = adapter.inspect(files(fixture('login-kimi-code').text), GW, CTX);
    expect(ins).toMatchObject({ status: 'not-taken-over', address: 'https://api.kimi.com/coding/v1' });
  });

  it('a moonshot-looking host with a non-kimi provider type is another address', () => {
    const text =
      'default_model = "m"\n[providers.p]\ntype = "openai_legacy"\nbase_url = "https://proxy.moonshot.ai.evil.example/v1"\napi_key = ""\n[models.m]\nprovider = "p"\nmodel = "m"\nmax_context_size = 1\n';
    expect(adapter.inspect(files(text), GW, CTX).status).toBe('other-address');
  });

  it('is taken over, with a note when the environment overrides the provider', () => {
    const { text } = takeover(null);
    expect(adapter.inspect(files(text), GW, CTX)).toEqual({ status: 'taken-over', address: 'http://127.0.0.1:11580/v1' });
    const ins = adapter.inspect(files(text), GW, { home: CTX.home, env: { OPENAI_BASE_URL: 'https://api.openai.com/v1', OPENAI_API_KEY: 'sk-x' } });
    expect(ins.status).toBe('taken-over');
    expect(ins.detail).toContain('OPENAI_BASE_URL');
    expect(ins.detail).toContain('OPENAI_API_KEY');
    expect(ins.detail).not.toContain('sk-x');
  });

  it('notes when default_model no longer uses our provider', () => {
    const { text } = takeover(fixture('deepseek-default').text);
    const ins = adapter.inspect(files(toml.set(text, ['default_model'], 'deepseek-chat', FILE)), GW, CTX);
    expect(ins.status).toBe('taken-over');
    expect(ins.detail).toContain('deepseek-chat');
  });

  it('reads a legacy config.json when config.toml does not exist yet', () => {
    const json = JSON.stringify({
      default_model: 'k2',
      providers: { p: { type: 'openai_legacy', base_url: 'https://openrouter.ai/api/v1', api_key: 'sk-json-secret' } },
      models: { k2: { provider: 'p', model: 'moonshotai/kimi-k2', max_context_size: 131072 } },
    });
    expect(adapter.inspect(files(null, { 'legacy-json': json }), GW, CTX)).toMatchObject({ status: 'other-address', address: 'https://openrouter.ai/api/v1' });
    // config.toml wins once it exists.
    expect(adapter.inspect(files('', { 'legacy-json': json }), GW, CTX).status).toBe('not-taken-over');
  });

  it('throws ConfigFormatError naming the file, without its contents, on bad TOML', () => {
    const bad = '[providers.servbay\napi_key = "sk-secret-value"\n';
    expect(() => adapter.inspect(files(bad), GW, CTX)).toThrow(ConfigFormatError);
    try {
      adapter.inspect(files(bad), GW, CTX);
    } catch (e) {
      expect((e as Error).message).toContain('/home/u/.kimi/config.toml');
      expect((e as Error).message).not.toContain('sk-secret-value');
    }
  });
});

describe('kimi-cli plan', () => {
  it('refuses to hide a config.json kimi-cli has not moved to config.toml yet', () => {
    const json = '{"default_model": "k2", "providers": {"p": {"api_key": "sk-json-secret"}}}';
    let err: unknown;
    try {
      adapter.plan(files(null, { 'legacy-json': json }), TARGET, CTX);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigFormatError);
    expect((err as Error).message).toContain('/home/u/.kimi/config.json');
    expect((err as Error).message).toContain('kimi');
    expect((err as Error).message).not.toContain('sk-json-secret');
  });
});
