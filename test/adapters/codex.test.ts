import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codex } from '../../src/adapters/codex.ts';
import type { TakeoverTarget } from '../../src/adapters/types.ts';
import { deleteIn } from '../../src/formats/path.ts';
import { ConfigFormatError, type JsonObject } from '../../src/formats/slot.ts';
import { arbModelName, arbProviderId, CTX, GW, PROPERTY_RUNS, singleFileHarness, TARGET } from './harness.ts';

const { FILE, editor: toml, files, takeover, restore, cases, fixture } = singleFileHarness(codex);
const OUR_TABLE = { name: 'ServBay AI Gateway', base_url: 'http://127.0.0.1:11580/v1', experimental_bearer_token: TARGET.key, wire_api: 'responses' };

describe('codex locate', () => {
  it('uses ~/.codex/config.toml by default', () => {
    const loc = codex.locate(CTX);
    expect(loc.dir).toBe('/home/u/.codex');
    expect(loc.files).toEqual([{ role: 'config', path: '/home/u/.codex/config.toml', format: 'toml', writable: true }]);
  });

  it('honours CODEX_HOME (and ignores an empty one)', () => {
    expect(codex.locate({ home: CTX.home, env: { CODEX_HOME: '/srv/codex' } }).files[0]!.path).toBe('/srv/codex/config.toml');
    expect(codex.locate({ home: CTX.home, env: { CODEX_HOME: '' } }).dir).toBe('/home/u/.codex');
  });

  it('declares the tool facts', () => {
    expect(codex).toMatchObject({ id: 'codex', name: 'Codex', protocol: 'openai', requestPath: '/v1/responses' });
  });
});

describe('codex inspect', () => {
  it.each(cases().map((c) => [c.name, c] as const))('fixture %s has its expected status', (_n, c) => {
    expect(codex.inspect(files(c.text), GW, c.ctx).status).toBe(c.expect);
  });

  it('a missing config.toml is not taken over', () => {
    expect(codex.inspect(files(null), GW, CTX)).toEqual({ status: 'not-taken-over' });
  });

  it("the user's active provider elsewhere is another address", () => {
    const c = fixture('openrouter-active');
    const ins = codex.inspect(files(c.text), GW, c.ctx);
    expect(ins).toMatchObject({ status: 'other-address', address: 'https://openrouter.ai/api/v1' });
    expect(ins.detail).toContain('openrouter');
  });

  it('our provider table pointing elsewhere is another address, even when inactive', () => {
    const text = 'model = "o3"\n\n[model_providers.servbay]\nname = "x"\nbase_url = "http://127.0.0.1:9999/v1"\n';
    expect(codex.inspect(files(text), GW, CTX)).toMatchObject({ status: 'other-address', address: 'http://127.0.0.1:9999/v1' });
  });

  it('openai_base_url on the built-in provider is another address', () => {
    const ins = codex.inspect(files('openai_base_url = "https://relay.example.com/v1"\n'), GW, CTX);
    expect(ins).toMatchObject({ status: 'other-address', address: 'https://relay.example.com/v1' });
  });

  it('a user provider already pointing at this gateway is reported, not claimed', () => {
    const text = 'model_provider = "mine"\n[model_providers.mine]\nname = "m"\nbase_url = "http://localhost:11580/v1/"\n';
    const ins = codex.inspect(files(text), GW, CTX);
    expect(ins.status).toBe('not-taken-over');
    expect(ins.detail).toContain('mine');
  });

  it('is taken over once our provider is active and points here (any loopback spelling)', () => {
    const text = 'model_provider = "servbay"\n[model_providers.servbay]\nname = "S"\nbase_url = "http://localhost:11580/v1/"\n';
    expect(codex.inspect(files(text), GW, CTX)).toEqual({ status: 'taken-over', address: 'http://localhost:11580/v1/' });
  });

  it('uses the provider id the engine passes with the gateway settings', () => {
    const text = 'model_provider = "lab"\n[model_providers.lab]\nname = "S"\nbase_url = "http://127.0.0.1:11580/v1"\n';
    expect(codex.inspect(files(text), { ...GW, providerId: 'lab' } as typeof GW, CTX).status).toBe('taken-over');
    expect(codex.inspect(files(text), GW, CTX).status).toBe('not-taken-over');
  });

  it('mentions an active profile that picks another provider', () => {
    const c = fixture('codex-home-profile');
    const ins = codex.inspect(files(c.text), GW, c.ctx);
    expect(ins.status).toBe('not-taken-over');
    expect(ins.detail).toContain('profile "work"');
    const after = takeover(c.text, c.ctx).text;
    const ins2 = codex.inspect(files(after), GW, c.ctx);
    expect(ins2.status).toBe('taken-over');
    expect(ins2.detail).toContain('model_provider = "azure"');
  });

  it('says so when model_provider names ours but the table is missing', () => {
    const ins = codex.inspect(files('model_provider = "servbay"\n'), GW, CTX);
    expect(ins.status).toBe('not-taken-over');
    expect(ins.detail).toContain('[model_providers.servbay]');
  });

  it('throws ConfigFormatError naming the file, without its contents, on bad TOML', () => {
    const bad = 'model = "gpt-5"\n[model_providers.x\nexperimental_bearer_token = "sk-secret-value"\n';
    let err: unknown;
    try {
      codex.inspect(files(bad), GW, CTX);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigFormatError);
    expect((err as Error).message).toContain('/home/u/.codex/config.toml');
    expect((err as Error).message).not.toContain('sk-secret-value');
  });
});

describe('codex plan', () => {
  it('writes exactly our slot, marks the key secret and guards the table by address', () => {
    const { edits } = takeover(null);
    expect(edits).toEqual([
      { file: 'config', path: ['model_provider'], value: 'servbay' },
      { file: 'config', path: ['model'], value: 'gpt-4o' },
      { file: 'config', path: ['model_providers', 'servbay'], value: OUR_TABLE, guard: { kind: 'address', field: ['base_url'] }, secret: true },
    ]);
  });

  it('keeps a model the gateway serves, replaces one it does not', () => {
    expect(takeover('model = "qwen3-coder"\n').edits.map((e) => e.path[0])).toEqual(['model_provider', 'model_providers']);
    const { text } = takeover('model = "gpt-5-codex"\n');
    expect(toml.parse(text, FILE).model).toBe('gpt-4o');
  });

  it('uses the configured provider id, display name and the OpenAI base URL', () => {
    const t = {
      ...TARGET,
      providerId: 'gw2',
      displayName: 'Lab',
      baseUrl: { ...TARGET.baseUrl, openai: 'http://127.0.0.1:4000/openai/v1' },
      root: 'http://127.0.0.1:4000',
    };
    const doc = toml.parse(takeover(null, CTX, t).text, FILE);
    expect(doc.model_provider).toBe('gw2');
    expect((doc.model_providers as JsonObject).gw2).toMatchObject({ name: 'Lab', base_url: 'http://127.0.0.1:4000/openai/v1' });
  });

  describe.each(cases().map((c) => [c.name, c] as const))('fixture %s', (_n, c) => {
    it('takeover changes only our slot and is then taken over', () => {
      const { text } = takeover(c.text, c.ctx);
      const before = toml.parse(c.text ?? '', FILE);
      const after = toml.parse(text, FILE);
      expect(after.model_provider).toBe('servbay');
      expect((after.model_providers as JsonObject).servbay).toEqual(OUR_TABLE);
      const model = before.model;
      expect(after.model).toBe(typeof model === 'string' && TARGET.models.includes(model) ? model : 'gpt-4o');
      // Everything else is untouched.
      let rest = deleteIn(after, ['model_providers', 'servbay']) as JsonObject;
      if (!before.model_providers) rest = deleteIn(rest, ['model_providers']) as JsonObject;
      for (const k of ['model_provider', 'model']) {
        rest = before[k] === undefined ? (deleteIn(rest, [k]) as JsonObject) : { ...rest, [k]: before[k]! };
      }
      expect(rest).toEqual(before);
      expect(codex.inspect(files(text), GW, c.ctx).status).toBe('taken-over');
      if (c.text?.startsWith('\uFEFF')) expect(text.startsWith('\uFEFF')).toBe(true);
      if (c.text?.includes('\r\n')) expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    });

    it('restore gives back the original bytes', () => {
      const { text, applied } = takeover(c.text, c.ctx);
      const res = restore(text, applied);
      expect(res.kept).toEqual([]);
      if (c.text === null) expect(res.text.trim()).toBe('');
      else expect(res.text).toBe(c.text);
    });

    it('planning again on the taken-over file changes nothing', () => {
      const first = takeover(c.text, c.ctx).text;
      expect(takeover(first, c.ctx).text).toBe(first);
    });

    it('restore keeps our table when the user pointed it elsewhere', () => {
      const { text, applied } = takeover(c.text, c.ctx);
      const moved = toml.set(text, ['model_providers', 'servbay', 'base_url'], 'https://elsewhere.example/v1', FILE);
      const res = restore(moved, applied);
      const doc = toml.parse(res.text, FILE);
      expect((doc.model_providers as JsonObject).servbay).toMatchObject({ base_url: 'https://elsewhere.example/v1' });
      expect(res.kept.map((r) => r.path.join('.'))).toEqual(['model_providers.servbay']);
      expect(codex.inspect(files(res.text), GW, c.ctx).status).toBe('other-address');
    });
  });

  it('restore survives Codex appending a [tui] table after the takeover', () => {
    const c = fixture('openrouter-active');
    const { text, applied } = takeover(c.text, c.ctx);
    const appended = `${text}${text.endsWith('\n') ? '' : '\n'}\n[tui]\nnotifications = true\n`;
    const res = restore(appended, applied);
    const doc = toml.parse(res.text, FILE);
    expect(doc).toEqual({ ...toml.parse(c.text!, FILE), tui: { notifications: true } });
  });

  it('restore leaves a model the user picked after the takeover', () => {
    const { text, applied } = takeover('model = "o3"\n');
    const res = restore(toml.set(text, ['model'], 'qwen3-coder', FILE), applied);
    expect(toml.parse(res.text, FILE)).toEqual({ model: 'qwen3-coder' });
  });
});

describe('codex takeover/restore property', () => {
  const RUNS = PROPERTY_RUNS;

  it(`restores every fixture with a final newline byte for byte and re-plans idempotently (${RUNS} runs)`, () => {
    // windows-crlf-bom has no final newline: the TOML editor adds one (see the fixture test above).
    const endingInNewline = cases().filter((c) => c.text === null || /\n$/.test(c.text));
    let runs = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...endingInNewline),
        arbProviderId,
        fc.uniqueArray(arbModelName, { minLength: 1, maxLength: 4 }),
        fc.string({ maxLength: 20 }),
        (c, P, models, displayName) => {
          runs++;
          const t: TakeoverTarget = { ...TARGET, providerId: P, displayName, models, defaultModel: models[0]! };
          const { text, applied } = takeover(c.text, c.ctx, t);
          const doc = toml.parse(text, FILE);
          expect(doc.model_provider).toBe(P);
          expect((doc.model_providers as JsonObject)[P]).toEqual({ ...OUR_TABLE, name: displayName });
          expect(codex.inspect(files(text), { ...GW, providerId: P } as typeof GW, c.ctx).status).toBe('taken-over');
          expect(takeover(text, c.ctx, t).text).toBe(text);
          const res = restore(text, applied);
          if (c.text === null) expect(res.text.trim()).toBe('');
          else expect(res.text).toBe(c.text);
        },
      ),
      { numRuns: RUNS },
    );
    expect(runs).toBeGreaterThanOrEqual(RUNS);
  });
});
