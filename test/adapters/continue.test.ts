import { describe, expect, it } from 'vitest';
import { continueCli as adapter } from '../../src/adapters/continue.ts';
import { CTX, GW, TARGET, describeFixtures, harnessFor } from './harness.ts';

const { parse, takeover, restore } = harnessFor(adapter);
describeFixtures(adapter);

const files = (config: string | null, context: string | null = null) => ({ config, context });

describe('continue locate', () => {
  it('uses ~/.continue/config.yaml and index/globalContext.json; CONTINUE_GLOBAL_DIR moves both', () => {
    expect(adapter.locate(CTX)).toEqual({
      dir: '/home/u/.continue',
      files: [
        { role: 'config', path: '/home/u/.continue/config.yaml', format: 'yaml', writable: true },
        { role: 'context', path: '/home/u/.continue/index/globalContext.json', format: 'json', writable: true },
      ],
    });
    expect(adapter.locate({ home: '/home/u', env: { CONTINUE_GLOBAL_DIR: '/x/cn' } }).files.map((f) => f.path)).toEqual([
      '/x/cn/config.yaml',
      '/x/cn/index/globalContext.json',
    ]);
  });
});

describe('continue inspect', () => {
  const ours = (name = 'servbay/gpt-4o') =>
    `  - name: ${name}\n    provider: openai\n    model: gpt-4o\n    apiBase: http://127.0.0.1:11580/v1\n    apiKey: k\n`;
  const other = '  - name: Mine\n    provider: openai\n    model: m\n    apiBase: https://api.example.com/v1\n';
  it('no config, or no chat model: not taken over', () => {
    expect(adapter.inspect(files(null), GW, CTX).status).toBe('not-taken-over');
    expect(
      adapter.inspect(files('name: a\nversion: 1\nmodels:\n  - name: x\n    provider: openai\n    model: m\n    roles: [autocomplete]\n'), GW, CTX).status,
    ).toBe('not-taken-over');
  });
  it('the first chat model decides, unless the persisted selection names another one', () => {
    expect(adapter.inspect(files(`models:\n${ours()}${other}`), GW, CTX).status).toBe('taken-over');
    expect(adapter.inspect(files(`models:\n${other}${ours()}`), GW, CTX)).toMatchObject({ status: 'other-address', address: 'https://api.example.com/v1' });
    expect(adapter.inspect(files(`models:\n${other}${ours()}`, '{"cliSelectedModel": "servbay/gpt-4o"}'), GW, CTX).status).toBe('taken-over');
    // A selection naming no chat model is ignored by cn.
    expect(adapter.inspect(files(`models:\n${ours()}${other}`, '{"cliSelectedModel": "gone"}'), GW, CTX).status).toBe('taken-over');
  });
  it('says when the gateway models are there but another is used', () => {
    expect(adapter.inspect(files(`models:\n${other}${ours()}`), GW, CTX).detail).toMatch(/gateway's models are in config\.yaml, but cn uses "Mine"/);
  });
});

describe('continue takeover', () => {
  it('a new config.yaml gets name, version and every gateway model, the default first', () => {
    const { texts } = takeover(files(null));
    const cfg = parse(texts, 'config');
    expect(cfg.name).toBe('Local Config');
    expect((cfg.models as { name: string }[]).map((m) => m.name)).toEqual(['servbay/gpt-4o', 'servbay/claude-sonnet-4-5', 'servbay/qwen3-coder']);
    expect((cfg.models as object[])[0]).toEqual({
      name: 'servbay/gpt-4o',
      provider: 'openai',
      model: 'gpt-4o',
      apiBase: 'http://127.0.0.1:11580/v1',
      apiKey: TARGET.key,
      roles: ['chat', 'edit', 'apply'],
    });
    expect(texts.context).toBeNull();
  });
  it("inserts before the user's models and points an existing selection at ours; restore gives the bytes back", () => {
    const cfg =
      '# mine\nname: a\nversion: 1.0.0\nmodels:\n  - name: Mine # keep\n    provider: openai\n    model: m\n    apiBase: https://api.example.com/v1\n';
    const ctx = '{\n  "cliSelectedModel": "Mine"\n}';
    const taken = takeover(files(cfg, ctx));
    expect((parse(taken.texts, 'config').models as { name: string }[]).at(-1)?.name).toBe('Mine');
    expect(parse(taken.texts, 'context').cliSelectedModel).toBe('servbay/gpt-4o');
    expect(adapter.inspect(taken.texts, GW, CTX).status).toBe('taken-over');
    expect(restore(taken.texts, taken.records)).toEqual(files(cfg, ctx));
  });
});
