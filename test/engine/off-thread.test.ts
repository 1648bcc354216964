/**
 * Large edits in a worker thread (issue 18 §2: no CPU-heavy stretch on the agent's loop): the
 * worker gives the same texts, records, inspections and errors as the code run in place, the
 * caller's loop turns while it works, a 2,000-model takeover and restore through the engine are
 * exact, and an idle worker does not keep the process alive.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adapterFor, type ToolId } from '../../src/adapters/index.ts';
import { Engine } from '../../src/engine/engine.ts';
import { changeLines } from '../../src/cli/tools.ts';
import { applyEditsOffThread, inspectOffThread, revertRecordsOffThread } from '../../src/engine/off-thread.ts';
import { applyEdits, revertRecords, toSlotRecords } from '../../src/formats/apply.ts';
import { ConfigFormatError, type Edit, type Format } from '../../src/formats/slot.ts';
import type { KeySource } from '../../src/gateway/types.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { configPointingAt, writeFiles } from '../agent/helpers.ts';
import { TOOL_IDS } from '../../src/adapters/index.ts';

const ROOT = 'http://127.0.0.1:11580';
const models = (n: number) => Array.from({ length: n }, (_, i) => `vendor/model-${i}`);

/** One file per format, with a comment or layout worth keeping, and edits that add a model list. */
const CASES: Array<{ format: Format; text: string; edits: Edit[] }> = [
  {
    format: 'jsonc',
    text: '{\n  // mine\n  "theme": "dark",\n  "models": [{ "id": "mine" }]\n}\n',
    edits: [
      { file: 'c', path: ['baseUrl'], value: `${ROOT}/v1`, guard: { kind: 'address' } },
      ...models(300).map((id): Edit => ({ file: 'c', path: ['models', { match: { id } }], value: { id, provider: 'gw' } })),
    ],
  },
  {
    format: 'yaml',
    text: '# mine\nname: local\nmodels:\n  - name: mine\n    model: mine\n',
    edits: models(300).map((m): Edit => ({ file: 'c', path: ['models', { match: { name: m } }], value: { name: m, model: m, apiBase: `${ROOT}/v1` } })),
  },
  {
    format: 'toml',
    text: '# mine\nmodel = "o3"\n\n[profiles.work]\nmodel = "o3"\n',
    edits: [
      { file: 'c', path: ['model_provider'], value: 'gw' },
      { file: 'c', path: ['model_providers', 'gw', 'base_url'], value: `${ROOT}/v1`, guard: { kind: 'address' } },
    ],
  },
  {
    format: 'json5',
    text: "{\n  // mine\n  theme: 'dark',\n}\n",
    edits: [{ file: 'c', path: ['providers'], value: { gw: { baseUrl: `${ROOT}/v1`, models: models(500).map((id) => ({ id })) } } }],
  },
];

describe('edits in a worker thread', () => {
  for (const c of CASES) {
    it(`${c.format}: the same text, records and revert as in place; reverted records are the caller's own objects`, async () => {
      const here = applyEdits(c.text, c.format, c.edits, `/h/c.${c.format}`);
      const there = await applyEditsOffThread(c.text, c.format, c.edits, `/h/c.${c.format}`, { force: true });
      expect(there.text).toBe(here.text);
      const records = toSlotRecords(here.applied);
      expect(there.records).toEqual(records);
      const back = revertRecords(here.text, c.format, records, ROOT, `/h/c.${c.format}`);
      const backThere = await revertRecordsOffThread(here.text, c.format, records, ROOT, `/h/c.${c.format}`, { force: true });
      expect(backThere.text).toBe(back.text);
      expect(backThere.text).toBe(c.text);
      expect(backThere.reverted.length).toBe(back.reverted.length);
      for (const r of backThere.reverted) expect(records).toContain(r);
    });
  }

  it('errors come back as the same ConfigFormatError, naming the file and the line', async () => {
    const bad = '{\n  "a": 1,\n  "b": \n}\n';
    const edits: Edit[] = [{ file: 'c', path: ['x'], value: 1 }];
    let here: unknown;
    try {
      applyEdits(bad, 'json', edits, '/h/bad.json');
    } catch (e) {
      here = e;
    }
    const there = await applyEditsOffThread(bad, 'json', edits, '/h/bad.json', { force: true }).catch((e: unknown) => e);
    expect(here).toBeInstanceOf(ConfigFormatError);
    expect(there).toBeInstanceOf(ConfigFormatError);
    expect((there as ConfigFormatError).message).toBe((here as ConfigFormatError).message);
    expect((there as ConfigFormatError).file).toBe('/h/bad.json');
    expect((there as ConfigFormatError).line).toBe((here as ConfigFormatError).line);
    expect((there as Error).message).toMatch(/^\/h\/bad\.json:\d+/);
  });

  it("an adapter's inspection is the same in the worker", async () => {
    const h = tempHome();
    try {
      const ctx = { home: h.home, env: h.env };
      const gw = { root: ROOT, baseUrl: { anthropic: ROOT, openai: `${ROOT}/v1`, gemini: ROOT }, providerId: 'servbay' };
      const texts = { settings: JSON.stringify({ env: { ANTHROPIC_BASE_URL: ROOT } }) };
      const here = adapterFor('claude-code').inspect(texts, gw, ctx);
      expect(await inspectOffThread('claude-code', texts, gw, ctx, { force: true })).toEqual(here);
      expect(here.status).toBe('taken-over');
    } finally {
      h.cleanup();
    }
  });

  it("the caller's loop turns while a large edit is worked on (in place, a timer could not fire before it ends)", async () => {
    const big = CASES[1]!;
    const edits = [
      ...big.edits,
      ...models(3000).map((m): Edit => ({ file: 'c', path: ['models', { match: { name: `x/${m}` } }], value: { name: `x/${m}`, model: m } })),
    ];
    let fired = false;
    setTimeout(() => (fired = true), 0);
    const r = await applyEditsOffThread(big.text, 'yaml', edits, '/h/c.yaml');
    expect(fired).toBe(true);
    expect(r.records.length).toBe(edits.length);
    // A small one runs in place: nothing can run in between.
    let firedSmall = false;
    setTimeout(() => (firedSmall = true), 0);
    await applyEditsOffThread('{}', 'json', [{ file: 'c', path: ['a'], value: 1 }], '/h/c.json');
    expect(firedSmall).toBe(false);
  });

  it('an idle worker does not keep the process alive', () => {
    const script = `
      import { applyEditsOffThread } from ${JSON.stringify(new URL('../../src/engine/off-thread.ts', import.meta.url).href)};
      const r = await applyEditsOffThread('{}', 'json', [{ file: 'c', path: ['a'], value: 1 }], '/h/c.json', { force: true });
      process.stdout.write(r.text);
    `;
    const t = Date.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ a: 1 });
    // Well before the worker's idle timeout would matter if it held the loop (it is unref'd).
    expect(Date.now() - t).toBeLessThan(15_000);
  });
});

/** A gateway (no network) listing `list`; the engine's own checks and writes are what is tested. */
const keysListing = (list: string[]): KeySource => ({
  health: async () => undefined,
  models: async () => list,
  acquire: async () => ({ key: 'sk-offthread-test-0123456789', ref: { kind: 'static' } }),
  release: async () => undefined,
});
const gateway = {
  kind: 'static' as const,
  root: ROOT,
  baseUrl: { anthropic: ROOT, openai: `${ROOT}/v1`, gemini: ROOT },
  providerId: 'servbay',
  displayName: 'AI Gateway',
};

describe('a 2,000-model takeover and restore through the engine', () => {
  let h: TempHome;
  afterEach(() => h?.cleanup());
  const keys = keysListing(models(2000));
  const ORIGINAL: Partial<Record<ToolId, string>> = {
    continue: '# my assistant\nname: Local Assistant\nversion: 1.0.0\nschema: v1\nmodels:\n  - name: mine\n    provider: ollama\n    model: llama3\n',
    droid:
      '{\n  // mine\n  "custom_models": [\n    { "model_display_name": "Mine", "model": "m", "base_url": "http://10.0.0.2/v1", "api_key": "x", "provider": "generic-chat-completion-api" }\n  ]\n}\n',
    openclaw: "{\n  // mine\n  agents: { defaults: { workspace: '~/w' } },\n}\n",
    codebuddy: '{\n  "models": []\n}\n',
  };
  for (const [tool, original] of Object.entries(ORIGINAL) as Array<[ToolId, string]>) {
    it(`${tool}: taken over with every model, restored byte for byte`, async () => {
      h = tempHome();
      const loc = adapterFor(tool).locate({ home: h.home, env: h.env });
      const main = loc.files.find((f) => f.writable)!;
      for (const d of [loc.dir, ...loc.files.map((f) => dirname(f.path))]) mkdirSync(d, { recursive: true });
      writeFileSync(main.path, original, { mode: 0o600 });
      const engine = new Engine({ home: h.home, env: h.env, stateDir: join(h.home, 'state'), gateway, keys });
      const took = await engine.takeover(tool);
      expect(took.error).toBeUndefined();
      expect(took.status).toBe('taken-over');
      const written = readFileSync(main.path, 'utf8');
      expect(written).toContain('vendor/model-1999');
      expect(written).not.toBe(original);
      expect((took.changes ?? []).length).toBeGreaterThan(0);
      expect(JSON.stringify(took)).not.toContain('sk-offthread-test');
      // 2,000 members added to one list are one change with a count (an answer that fits the
      // agent's socket frame, a line a person reads), not 2,000.
      expect(JSON.stringify(took.changes).length).toBeLessThan(16 * 1024);
      if (tool !== 'openclaw') {
        const counted = took.changes!.filter((c) => c.count !== undefined);
        expect(counted.length).toBe(1);
        expect(counted[0]!.count).toBeGreaterThanOrEqual(2000);
        expect(changeLines({ ...took, changes: took.changes! }, h.home).join('\n')).toMatch(/: 2,0\d\d added \(/);
      }
      const back = await engine.restore(tool);
      expect(back.error).toBeUndefined();
      expect(readFileSync(main.path, 'utf8')).toBe(original);
    });
  }
});

describe('a 2,000-model takeover over a config that already lists some of them', () => {
  // A config pointing elsewhere that lists gpt-4o, claude-sonnet-4-5 and qwen3-coder; the gateway
  // lists them in the middle of 2,000 others. One member already there sent the whole list the
  // one-at-a-time way: a 300-model Continue takeover took 3.4 s, 2,000 models minutes.
  let h: TempHome;
  afterEach(() => h?.cleanup());
  const keys = keysListing([...models(1000), 'gpt-4o', 'claude-sonnet-4-5', 'qwen3-coder', ...models(2000).slice(1000)]);
  it('a gateway listing a model twice: the repeat starts a new run (not one at a time for the rest)', { timeout: 30_000 }, async () => {
    h = tempHome();
    const ctx = { home: h.home, env: h.env };
    const loc = adapterFor('continue').locate(ctx);
    mkdirSync(loc.dir, { recursive: true });
    const files = configPointingAt(adapterFor('continue'), ctx, 'https://elsewhere.example.com');
    writeFiles(files);
    const twice = [...models(1000), 'vendor/model-7', ...models(2000).slice(1000), 'vendor/model-1500'];
    const engine = new Engine({ home: h.home, env: h.env, stateDir: join(h.home, 'state'), gateway, keys: keysListing(twice) });
    const took = await engine.takeover('continue', { force: true });
    expect(took.error).toBeUndefined();
    expect(took.status).toBe('taken-over');
    expect(readFileSync(files[0]!.path, 'utf8').split('model: vendor/model-7\n').length - 1).toBe(1);
    await engine.restore('continue');
    expect(readFileSync(files[0]!.path, 'utf8')).toBe(files[0]!.text);
  });
  for (const tool of TOOL_IDS.filter((t) => !adapterFor(t).launchOnly)) {
    it(`${tool}: taken over (--force) and restored byte for byte`, { timeout: 30_000 }, async () => {
      h = tempHome();
      const ctx = { home: h.home, env: h.env };
      const loc = adapterFor(tool).locate(ctx);
      for (const d of [loc.dir, ...loc.files.map((f) => dirname(f.path))]) mkdirSync(d, { recursive: true });
      const files = configPointingAt(adapterFor(tool), ctx, 'https://elsewhere.example.com');
      writeFiles(files);
      const engine = new Engine({ home: h.home, env: h.env, stateDir: join(h.home, 'state'), gateway, keys });
      const took = await engine.takeover(tool, { force: true });
      expect(took.error).toBeUndefined();
      expect(took.status).toBe('taken-over');
      const back = await engine.restore(tool);
      expect(back.error).toBeUndefined();
      for (const f of files) expect(readFileSync(f.path, 'utf8')).toBe(f.text);
    });
  }
});
