import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kimiCli } from '../../src/adapters/kimi-cli.ts';
import type { AdapterEnv, FileTexts, TakeoverTarget } from '../../src/adapters/types.ts';
import { applyEdits, revertRecords, toSlotRecords } from '../../src/formats/apply.ts';
import { editorFor } from '../../src/formats/index.ts';
import { deleteIn } from '../../src/formats/path.ts';
import { ConfigFormatError, type JsonObject } from '../../src/formats/slot.ts';

const adapter = kimiCli;
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'kimi-cli');
const HOME = '/home/tester';
const target: TakeoverTarget = {
  root: 'http://127.0.0.1:11580',
  baseUrl: { anthropic: 'http://127.0.0.1:11580', openai: 'http://127.0.0.1:11580/v1', gemini: 'http://127.0.0.1:11580' },
  providerId: 'servbay',
  displayName: 'ServBay AI Gateway',
  key: 'sk-test-kimi-cli-0123456789',
  models: ['gpt-4o', 'claude-sonnet-4-5', 'qwen3-coder'],
  defaultModel: 'gpt-4o',
};
const gw = { root: target.root, baseUrl: target.baseUrl, providerId: target.providerId };
const toml = editorFor('toml');
const FILE = 'config.toml';
const ctx0: AdapterEnv = { home: HOME, env: {} };

interface Case {
  name: string;
  ctx: AdapterEnv;
  text: string | null;
  expect: string;
}

function fixtureCases(): Case[] {
  return readdirSync(FIXTURES).map((name) => {
    const meta = JSON.parse(readFileSync(join(FIXTURES, name, 'case.json'), 'utf8')) as { env?: Record<string, string>; expect: string };
    const env = Object.fromEntries(Object.entries(meta.env ?? {}).map(([k, v]) => [k, v.replace('$HOME', HOME)]));
    const ctx: AdapterEnv = { home: HOME, env };
    const path = join(FIXTURES, name, 'home', adapter.locate(ctx).files[0]!.path.slice(HOME.length + 1));
    return { name, ctx, text: existsSync(path) ? readFileSync(path, 'utf8') : null, expect: meta.expect };
  });
}

const files = (text: string | null, json: string | null = null): FileTexts => ({ config: text, 'legacy-json': json });

function takeover(text: string | null, ctx = ctx0, t = target) {
  const edits = adapter.plan(files(text), t, ctx);
  return { edits, ...applyEdits(text ?? '', 'toml', edits, FILE) };
}

/** What the engine does at restore: revert the ledger records, then apply the sweep. */
function restore(text: string, applied: ReturnType<typeof takeover>['applied'], ctx = ctx0) {
  const res = revertRecords(text, 'toml', toSlotRecords(applied), target.root, FILE);
  const sweep = adapter.sweep!(files(res.text), gw, target.providerId, ctx);
  expect(sweep.every((e) => e.value === undefined && e.file === 'config')).toBe(true);
  return { ...res, text: sweep.length ? applyEdits(res.text, 'toml', sweep, FILE).text : res.text, sweep };
}

function expectSlot(doc: JsonObject) {
  expect(doc.default_model).toBe('servbay/gpt-4o');
  expect((doc.providers as JsonObject).servbay).toEqual({ type: 'openai_legacy', base_url: 'http://127.0.0.1:11580/v1', api_key: target.key });
  for (const m of target.models) {
    expect((doc.models as JsonObject)[`servbay/${m}`]).toEqual({ provider: 'servbay', model: m, max_context_size: 128000 });
  }
}

/** No default_model naming a missing model, no model naming a missing provider. */
function expectLoadable(doc: JsonObject) {
  const models = (doc.models ?? {}) as Record<string, JsonObject>;
  const providers = (doc.providers ?? {}) as JsonObject;
  if (typeof doc.default_model === 'string' && doc.default_model !== '') expect(Object.keys(models)).toContain(doc.default_model);
  for (const m of Object.values(models)) expect(Object.keys(providers)).toContain(m.provider);
}

/** The sweep may leave a `[models]` table it emptied; compare without empty top-level tables. */
function withoutEmpty(doc: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(doc).filter(([, v]) => !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)));
}

describe('kimi-cli locate', () => {
  it('uses ~/.kimi/config.toml, and reads config.json for status only', () => {
    const loc = adapter.locate(ctx0);
    expect(loc.dir).toBe('/home/tester/.kimi');
    expect(loc.files).toEqual([
      { role: 'config', path: '/home/tester/.kimi/config.toml', format: 'toml', writable: true },
      { role: 'legacy-json', path: '/home/tester/.kimi/config.json', format: 'json', writable: false },
    ]);
  });

  it('honours KIMI_SHARE_DIR, expanding ~ like kimi-cli does', () => {
    expect(adapter.locate({ home: HOME, env: { KIMI_SHARE_DIR: '/data/kimi' } }).files[0]!.path).toBe('/data/kimi/config.toml');
    expect(adapter.locate({ home: HOME, env: { KIMI_SHARE_DIR: '~/kimi-share' } }).dir).toBe('/home/tester/kimi-share');
    expect(adapter.locate({ home: HOME, env: { KIMI_SHARE_DIR: '' } }).dir).toBe('/home/tester/.kimi');
  });

  it('declares the tool facts', () => {
    expect(adapter).toMatchObject({ id: 'kimi-cli', name: 'Kimi CLI', protocol: 'openai', requestPath: '/v1/chat/completions' });
  });
});

describe('kimi-cli inspect', () => {
  it.each(fixtureCases().map((c) => [c.name, c] as const))('fixture %s has its expected status', (_n, c) => {
    expect(adapter.inspect(files(c.text), gw, c.ctx).status).toBe(c.expect);
  });

  it('a missing config is not taken over', () => {
    expect(adapter.inspect(files(null), gw, ctx0)).toEqual({ status: 'not-taken-over' });
  });

  it('names the address of the default model\'s provider', () => {
    const c = fixtureCases().find((x) => x.name === 'deepseek-default')!;
    const ins = adapter.inspect(files(c.text), gw, c.ctx);
    expect(ins).toMatchObject({ status: 'other-address', address: 'https://api.deepseek.com/v1' });
    expect(ins.detail).toContain('deepseek');
  });

  it('our provider pointing elsewhere is another address', () => {
    const text = '[providers.servbay]\ntype = "openai_legacy"\nbase_url = "http://10.1.1.1:11580/v1"\napi_key = "k"\n';
    expect(adapter.inspect(files(text), gw, ctx0)).toMatchObject({ status: 'other-address', address: 'http://10.1.1.1:11580/v1' });
  });

  it('Kimi\'s own service is the default, not another address', () => {
    const ins = adapter.inspect(files(fixtureCases().find((x) => x.name === 'login-kimi-code')!.text), gw, ctx0);
    expect(ins).toMatchObject({ status: 'not-taken-over', address: 'https://api.kimi.com/coding/v1' });
  });

  it('a moonshot-looking host with a non-kimi provider type is another address', () => {
    const text = 'default_model = "m"\n[providers.p]\ntype = "openai_legacy"\nbase_url = "https://proxy.moonshot.ai.evil.example/v1"\napi_key = ""\n[models.m]\nprovider = "p"\nmodel = "m"\nmax_context_size = 1\n';
    expect(adapter.inspect(files(text), gw, ctx0).status).toBe('other-address');
  });

  it('is taken over, with a note when the environment overrides the provider', () => {
    const { text } = takeover(null);
    expect(adapter.inspect(files(text), gw, ctx0)).toEqual({ status: 'taken-over', address: 'http://127.0.0.1:11580/v1' });
    const ins = adapter.inspect(files(text), gw, { home: HOME, env: { OPENAI_BASE_URL: 'https://api.openai.com/v1', OPENAI_API_KEY: 'sk-x' } });
    expect(ins.status).toBe('taken-over');
    expect(ins.detail).toContain('OPENAI_BASE_URL');
    expect(ins.detail).toContain('OPENAI_API_KEY');
    expect(ins.detail).not.toContain('sk-x');
  });

  it('notes when default_model no longer uses our provider', () => {
    const { text } = takeover(fixtureCases().find((x) => x.name === 'deepseek-default')!.text);
    const ins = adapter.inspect(files(toml.set(text, ['default_model'], 'deepseek-chat', FILE)), gw, ctx0);
    expect(ins.status).toBe('taken-over');
    expect(ins.detail).toContain('deepseek-chat');
  });

  it('reads a legacy config.json when config.toml does not exist yet', () => {
    const json = JSON.stringify({ default_model: 'k2', providers: { p: { type: 'openai_legacy', base_url: 'https://openrouter.ai/api/v1', api_key: 'sk-json-secret' } }, models: { k2: { provider: 'p', model: 'moonshotai/kimi-k2', max_context_size: 131072 } } });
    expect(adapter.inspect(files(null, json), gw, ctx0)).toMatchObject({ status: 'other-address', address: 'https://openrouter.ai/api/v1' });
    // config.toml wins once it exists.
    expect(adapter.inspect(files('', json), gw, ctx0).status).toBe('not-taken-over');
  });

  it('throws ConfigFormatError naming the file, without its contents, on bad TOML', () => {
    const bad = '[providers.servbay\napi_key = "sk-secret-value"\n';
    expect(() => adapter.inspect(files(bad), gw, ctx0)).toThrow(ConfigFormatError);
    try {
      adapter.inspect(files(bad), gw, ctx0);
    } catch (e) {
      expect((e as Error).message).toContain('/home/tester/.kimi/config.toml');
      expect((e as Error).message).not.toContain('sk-secret-value');
    }
  });
});

describe('kimi-cli plan', () => {
  it('writes the default model, our provider (secret, guarded by address) and one model per gateway model', () => {
    const { edits } = takeover(null);
    expect(edits).toEqual([
      { file: 'config', path: ['default_model'], value: 'servbay/gpt-4o' },
      {
        file: 'config',
        path: ['providers', 'servbay'],
        value: { type: 'openai_legacy', base_url: 'http://127.0.0.1:11580/v1', api_key: target.key },
        guard: { kind: 'address', field: ['base_url'] },
        secret: true,
      },
      ...target.models.map((m) => ({
        file: 'config',
        path: ['models', `servbay/${m}`],
        value: { provider: 'servbay', model: m, max_context_size: 128000 },
        guard: { kind: 'field-equals', field: ['provider'], value: 'servbay' },
      })),
    ]);
  });

  it('removes models of ours the gateway no longer offers', () => {
    const { text } = takeover(null);
    const withOld = toml.set(text, ['models', 'servbay/retired-model'], { provider: 'servbay', model: 'retired-model', max_context_size: 128000 }, FILE);
    const edits = adapter.plan(files(withOld), target, ctx0);
    expect(edits.at(-1)).toEqual({ file: 'config', path: ['models', 'servbay/retired-model'], value: undefined });
    expect(applyEdits(withOld, 'toml', edits, FILE).text).toBe(text);
  });

  it('refuses to hide a config.json kimi-cli has not moved to config.toml yet', () => {
    const json = '{"default_model": "k2", "providers": {"p": {"api_key": "sk-json-secret"}}}';
    let err: unknown;
    try {
      adapter.plan(files(null, json), target, ctx0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigFormatError);
    expect((err as Error).message).toContain('/home/tester/.kimi/config.json');
    expect((err as Error).message).toContain('kimi');
    expect((err as Error).message).not.toContain('sk-json-secret');
  });

  describe.each(fixtureCases().map((c) => [c.name, c] as const))('fixture %s', (_n, c) => {
    it('takeover changes only our slot and is then taken over', () => {
      const { text } = takeover(c.text, c.ctx);
      const before = toml.parse(c.text ?? '', FILE);
      const after = toml.parse(text, FILE);
      expectSlot(after);
      expectLoadable(after);
      let rest = deleteIn(after, ['providers', 'servbay']) as JsonObject;
      for (const m of target.models) rest = deleteIn(rest, ['models', `servbay/${m}`]) as JsonObject;
      for (const k of ['providers', 'models'] as const) {
        if (!before[k]) rest = deleteIn(rest, [k]) as JsonObject;
      }
      rest = before.default_model === undefined ? (deleteIn(rest, ['default_model']) as JsonObject) : { ...rest, default_model: before.default_model };
      expect(rest).toEqual(before);
      expect(adapter.inspect(files(text), gw, c.ctx).status).toBe('taken-over');
      if (c.text?.includes('\r\n')) expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    });

    it('restore gives back the original bytes', () => {
      const { text, applied } = takeover(c.text, c.ctx);
      const res = restore(text, applied, c.ctx);
      expect(res.kept).toEqual([]);
      expect(res.sweep).toEqual([]);
      expect(res.text).toBe(c.text ?? '');
    });

    it('planning again on the taken-over file changes nothing', () => {
      const first = takeover(c.text, c.ctx).text;
      expect(takeover(first, c.ctx).text).toBe(first);
    });

    it('restore sweeps models added to our provider later and a default_model naming one', () => {
      const { text, applied } = takeover(c.text, c.ctx);
      let later = toml.set(text, ['models', 'servbay/added-later'], { provider: 'servbay', model: 'added-later', max_context_size: 8192 }, FILE);
      later = toml.set(later, ['default_model'], 'servbay/added-later', FILE);
      const res = restore(later, applied, c.ctx);
      const doc = toml.parse(res.text, FILE);
      expect(Object.values((doc.models ?? {}) as Record<string, JsonObject>).some((m) => m.provider === 'servbay')).toBe(false);
      expect((doc.providers as JsonObject | undefined)?.servbay).toBeUndefined();
      expectLoadable(doc);
      const original = toml.parse(c.text ?? '', FILE);
      expect(withoutEmpty(deleteIn(doc, ['default_model']) as JsonObject)).toEqual(withoutEmpty(deleteIn(original, ['default_model']) as JsonObject));
    });

    it('restore keeps our provider when the user pointed it elsewhere', () => {
      const { text, applied } = takeover(c.text, c.ctx);
      const moved = toml.set(text, ['providers', 'servbay', 'base_url'], 'https://elsewhere.example/v1', FILE);
      const res = restore(moved, applied, c.ctx);
      const doc = toml.parse(res.text, FILE);
      expect((doc.providers as JsonObject).servbay).toMatchObject({ base_url: 'https://elsewhere.example/v1' });
      expect(res.kept.map((r) => r.path.join('.'))).toEqual(['providers.servbay']);
      expectLoadable(doc);
    });
  });
});

describe('kimi-cli takeover/restore property', () => {
  const modelName = fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:\/@-]{0,30}$/), fc.string({ minLength: 1, maxLength: 12 }));
  const providerId = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,15}$/);
  const RUNS = 150;

  it(`restores every fixture byte for byte and re-plans idempotently (${RUNS} runs)`, () => {
    const cases = fixtureCases();
    let runs = 0;
    fc.assert(
      fc.property(fc.constantFrom(...cases), providerId, fc.uniqueArray(modelName, { minLength: 1, maxLength: 5 }), (c, P, models) => {
        runs++;
        const t: TakeoverTarget = { ...target, providerId: P, models, defaultModel: models[0]! };
        const { text, applied } = takeover(c.text, c.ctx, t);
        const doc = toml.parse(text, FILE);
        expect(doc.default_model).toBe(`${P}/${models[0]}`);
        expect(Object.keys(doc.models as JsonObject).filter((k) => ((doc.models as JsonObject)[k] as JsonObject).provider === P).sort()).toEqual(models.map((m) => `${P}/${m}`).sort());
        expect(adapter.inspect(files(text), { ...gw, providerId: P } as typeof gw, c.ctx).status).toBe('taken-over');
        expect(takeover(text, c.ctx, t).text).toBe(text);
        const res = revertRecords(text, 'toml', toSlotRecords(applied), target.root, FILE);
        expect(adapter.sweep!(files(res.text), gw, P, c.ctx)).toEqual([]);
        expect(res.text).toBe(c.text ?? '');
      }),
      { numRuns: RUNS },
    );
    expect(runs).toBeGreaterThanOrEqual(RUNS);
  });
});
