import { describe, expect, it } from 'vitest';
import { kimiCode as adapter } from '../../src/adapters/kimi-code.ts';
import { ConfigFormatError } from '../../src/formats/slot.ts';
import { CTX, GW, singleFileHarness } from './harness.ts';

// The behaviour Kimi Code shares with Kimi CLI is tested in kimi.test.ts.
const { files, takeover, fixture } = singleFileHarness(adapter);

describe('kimi-code locate', () => {
  it('uses ~/.kimi-code/config.toml', () => {
    const loc = adapter.locate(CTX);
    expect(loc.dir).toBe('/home/u/.kimi-code');
    expect(loc.files).toEqual([{ role: 'config', path: '/home/u/.kimi-code/config.toml', format: 'toml', writable: true }]);
  });

  it('honours KIMI_CODE_HOME', () => {
    expect(adapter.locate({ home: CTX.home, env: { KIMI_CODE_HOME: '/data/kc' } }).files[0]!.path).toBe('/data/kc/config.toml');
    expect(adapter.locate({ home: CTX.home, env: { KIMI_CODE_HOME: '' } }).dir).toBe('/home/u/.kimi-code');
    // The legacy kimi-cli variable does not move Kimi Code.
    expect(adapter.locate({ home: CTX.home, env: { KIMI_SHARE_DIR: '/data/kimi' } }).dir).toBe('/home/u/.kimi-code');
  });

  it('declares the tool facts', () => {
    expect(adapter).toMatchObject({ id: 'kimi-code', name: 'Kimi Code', protocol: 'openai', requestPath: '/v1/chat/completions' });
  });
});

describe('kimi-code inspect', () => {
  it('a missing or comment-only config is not taken over', () => {
    expect(adapter.inspect(files(null), GW, CTX)).toEqual({ status: 'not-taken-over' });
    expect(adapter.inspect(files('# nothing yet\n'), GW, CTX)).toEqual({ status: 'not-taken-over' });
  });

  it("names the address of the default model's provider", () => {
    const c = fixture('corp-proxy');
    expect(adapter.inspect(files(c.text), GW, c.ctx)).toMatchObject({ status: 'other-address', address: 'https://llm.corp.example/v1' });
  });

  it("Kimi's own service (managed OAuth login) is the default, not another address", () => {
    const ins = adapter.inspect(files(fixture('oauth-login').text), GW, CTX);
    expect(ins).toMatchObject({ status: 'not-taken-over', address: 'https://api.kimi.com/coding/v1' });
    expect(ins.detail).toContain('Kimi');
  });

  it("a model's own base_url beats its provider's", () => {
    const text =
      'default_model = "m"\n[providers.p]\ntype = "openai"\nbase_url = "http://127.0.0.1:11580/v1"\n[models.m]\nprovider = "p"\nmodel = "m"\nmax_context_size = 1\nbase_url = "https://direct.example/v1"\n';
    expect(adapter.inspect(files(text), GW, CTX)).toMatchObject({ status: 'other-address', address: 'https://direct.example/v1' });
  });

  it('default_provider fills a model without provider', () => {
    const text =
      'default_model = "m"\ndefault_provider = "p"\n[providers.p]\ntype = "openai"\nbase_url = "https://other.example/v1"\n[models.m]\nmodel = "m"\nmax_context_size = 1\n';
    expect(adapter.inspect(files(text), GW, CTX)).toMatchObject({ status: 'other-address', address: 'https://other.example/v1' });
  });

  it('our provider pointing elsewhere is another address', () => {
    const text = '[providers.servbay]\ntype = "openai"\nbase_url = "http://127.0.0.1:8080/v1"\napi_key = "k"\n';
    expect(adapter.inspect(files(text), GW, CTX)).toMatchObject({ status: 'other-address', address: 'http://127.0.0.1:8080/v1' });
  });

  it('a user provider already pointing at this gateway is reported, not claimed', () => {
    const text =
      'default_model = "m"\n[providers.mine]\ntype = "openai"\nbase_url = "http://localhost:11580/v1"\n[models.m]\nprovider = "mine"\nmodel = "m"\nmax_context_size = 1\n';
    const ins = adapter.inspect(files(text), GW, CTX);
    expect(ins.status).toBe('not-taken-over');
    expect(ins.detail).toContain('mine');
  });

  it('is taken over, with a note when KIMI_MODEL_NAME overrides the model', () => {
    const { text } = takeover(null);
    expect(adapter.inspect(files(text), GW, CTX)).toEqual({ status: 'taken-over', address: 'http://127.0.0.1:11580/v1' });
    const ins = adapter.inspect(files(text), GW, { home: CTX.home, env: { KIMI_MODEL_NAME: 'kimi-k2' } });
    expect(ins.detail).toContain('KIMI_MODEL_NAME');
    // OPENAI_BASE_URL does not beat an explicit base_url in Kimi Code.
    expect(adapter.inspect(files(text), GW, { home: CTX.home, env: { OPENAI_BASE_URL: 'https://x.example' } }).detail).toBeUndefined();
  });

  it('throws ConfigFormatError naming the file, without its contents, on bad TOML', () => {
    const bad = 'default_model = "x"\n[providers.servbay]\napi_key = "sk-secret-value\n';
    expect(() => adapter.inspect(files(bad), GW, CTX)).toThrow(ConfigFormatError);
    try {
      adapter.inspect(files(bad), GW, CTX);
    } catch (e) {
      expect((e as Error).message).toContain('/home/u/.kimi-code/config.toml');
      expect((e as Error).message).not.toContain('sk-secret-value');
    }
  });
});
