/**
 * What every adapter unit test shares: the gateway and takeover target, the fixture cases on disk,
 * and takeover/restore done the way the engine does them (plan → applyEdits per file, then
 * revertRecords over the ledger records, then the adapter's sweep if it has one).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AdapterEnv, FileSpec, FileTexts, GatewayIdentity, TakeoverTarget, ToolAdapter } from '../../src/adapters/types.ts';
import { applyEdits, revertRecords, toSlotRecords, type AppliedEdit, type SlotRecord } from '../../src/formats/apply.ts';
import { editorFor } from '../../src/formats/index.ts';
import { hashValue } from '../../src/formats/path.ts';
import type { JsonObject } from '../../src/formats/slot.ts';

export const GW: GatewayIdentity = {
  root: 'http://127.0.0.1:11580',
  baseUrl: { anthropic: 'http://127.0.0.1:11580', openai: 'http://127.0.0.1:11580/v1', gemini: 'http://127.0.0.1:11580' },
  providerId: 'servbay',
};
export const TARGET: TakeoverTarget = {
  ...GW,
  displayName: 'ServBay AI Gateway',
  key: 'sk-test-5f2c9a',
  models: ['gpt-4o', 'claude-sonnet-4-5', 'qwen3-coder'],
  defaultModel: 'gpt-4o',
};
/** A HOME with no environment overrides. */
export const CTX: AdapterEnv = { home: '/home/u', env: {} };

// ------------------------------------------------------------------ fixtures

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** One case of test/fixtures/<tool>/: HOME is its home/ directory, the files are read from there. */
export interface Fixture {
  name: string;
  ctx: AdapterEnv;
  texts: FileTexts;
  expect?: string;
}

interface CaseMeta {
  env?: Record<string, string>;
  expect?: string;
}

export function loadFixture(adapter: ToolAdapter, name: string): Fixture {
  const dir = join(FIXTURES, adapter.id, name);
  const home = join(dir, 'home');
  const meta = (existsSync(join(dir, 'case.json')) ? JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) : {}) as CaseMeta;
  const env = Object.fromEntries(Object.entries(meta.env ?? {}).map(([k, v]) => [k, v.replaceAll('$HOME', home)]));
  const ctx = { home, env };
  const texts = Object.fromEntries(adapter.locate(ctx).files.map((f) => [f.role, existsSync(f.path) ? readFileSync(f.path, 'utf8') : null]));
  return meta.expect === undefined ? { name, ctx, texts } : { name, ctx, texts, expect: meta.expect };
}

export function loadFixtures(adapter: ToolAdapter): Fixture[] {
  return readdirSync(join(FIXTURES, adapter.id))
    .sort()
    .map((name) => loadFixture(adapter, name));
}

// ------------------------------------------------------------------ takeover and restore, any number of files

export interface Taken {
  texts: FileTexts;
  records: Record<string, SlotRecord[]>;
}

export function harnessFor(adapter: ToolAdapter) {
  const spec = (role: string, ctx: AdapterEnv): FileSpec => adapter.locate(ctx).files.find((f) => f.role === role)!;

  /** The data of one file (a missing file parses as empty). */
  function parse(texts: FileTexts, role: string, ctx = CTX): JsonObject {
    const s = spec(role, ctx);
    return editorFor(s.format).parse(texts[role] ?? '', s.path);
  }

  /** plan → applyEdits file by file; every edit must land in a writable file. */
  function takeover(texts: FileTexts, ctx = CTX, target = TARGET): Taken {
    const out: Record<string, string | null> = { ...texts };
    const records: Record<string, SlotRecord[]> = {};
    const edits = adapter.plan(texts, target, ctx);
    for (const s of adapter.locate(ctx).files) {
      const mine = edits.filter((e) => e.file === s.role);
      if (mine.length === 0) continue;
      expect(s.writable).toBe(true);
      const r = applyEdits(texts[s.role] ?? '', s.format, mine, s.path);
      out[s.role] = r.text;
      records[s.role] = toSlotRecords(r.applied);
    }
    expect(edits.every((e) => records[e.file] !== undefined)).toBe(true);
    return { texts: out, records };
  }

  function restore(texts: FileTexts, records: Record<string, SlotRecord[]>, ctx = CTX): FileTexts {
    const out: Record<string, string | null> = { ...texts };
    for (const s of adapter.locate(ctx).files) {
      if (records[s.role]) out[s.role] = revertRecords(texts[s.role]!, s.format, records[s.role]!, GW.root, s.path).text;
    }
    return out;
  }

  /**
   * Byte-identical, except where the takeover removed a key (it comes back at the end of its object)
   * or replaced a whole object or array (it comes back in the editor's layout): there, equal data.
   */
  function expectRestored(restored: FileTexts, original: FileTexts, records: Record<string, SlotRecord[]>, ctx = CTX): void {
    for (const [role, text] of Object.entries(original)) {
      const relaid = (records[role] ?? []).some((r) => r.afterHash === hashValue(undefined) || (typeof r.before === 'object' && r.before !== null));
      if (text === null) expect(restored[role] === null || Object.keys(parse(restored, role, ctx)).length === 0).toBe(true);
      else if (relaid) expect(parse(restored, role, ctx)).toEqual(parse(original, role, ctx));
      else expect(restored[role]).toBe(text);
    }
  }

  return { parse, takeover, restore, expectRestored };
}

/** Every fixture case of the tool: status, takeover, idempotent re-plan, restore. */
export function describeFixtures(adapter: ToolAdapter): void {
  const { takeover, restore, expectRestored } = harnessFor(adapter);
  describe(`${adapter.id} fixtures`, () => {
    const all = loadFixtures(adapter);
    it('has at least three cases, one on another address', () => {
      expect(all.length).toBeGreaterThanOrEqual(3);
      expect(all.some((f) => f.expect === 'other-address')).toBe(true);
    });
    it.each(all.map((f) => [f.name, f] as const))('%s: status, takeover, idempotent re-plan, byte-identical restore', (_n, f) => {
      expect(existsSync(adapter.locate(f.ctx).dir)).toBe(true);
      expect(adapter.inspect(f.texts, GW, f.ctx).status).toBe(f.expect);
      for (const e of adapter.plan(f.texts, TARGET, f.ctx)) expect(JSON.stringify(e.value ?? null).includes(TARGET.key)).toBe(!!e.secret);
      const taken = takeover(f.texts, f.ctx);
      expect(adapter.inspect(taken.texts, GW, f.ctx).status).toBe('taken-over');
      expect(takeover(taken.texts, f.ctx).texts).toEqual(taken.texts);
      expectRestored(restore(taken.texts, taken.records, f.ctx), f.texts, taken.records, f.ctx);
    });
  });
}

// ------------------------------------------------------------------ takeover and restore of one file (Codex, Kimi)

/**
 * Tools that write one file (their first): `files(text)` gives the texts the adapter sees (the
 * other files missing unless given), `takeover` and `restore` work on that file's text.
 */
export function singleFileHarness(adapter: ToolAdapter) {
  const [main, ...others] = adapter.locate(CTX).files;
  const FILE = basename(main!.path);
  const { role, format } = main!;
  const editor = editorFor(format);

  const files = (text: string | null, rest: FileTexts = {}): FileTexts => ({ ...Object.fromEntries(others.map((f) => [f.role, null])), ...rest, [role]: text });

  function takeover(text: string | null, ctx = CTX, target = TARGET) {
    const edits = adapter.plan(files(text), target, ctx);
    return { edits, ...applyEdits(text ?? '', format, edits, FILE) };
  }

  /** What the engine does at restore: revert the ledger records, then apply the sweep (if any). */
  function restore(text: string, applied: readonly AppliedEdit[], ctx = CTX) {
    const res = revertRecords(text, format, toSlotRecords(applied), GW.root, FILE);
    const sweep = adapter.sweep?.(files(res.text), GW, TARGET.providerId, ctx) ?? [];
    expect(sweep.every((e) => e.value === undefined && e.file === role)).toBe(true);
    return { ...res, text: sweep.length ? applyEdits(res.text, format, sweep, FILE).text : res.text, sweep };
  }

  /** The fixture cases, with the one file's text. */
  const withText = (f: Fixture) => ({ ...f, text: f.texts[role] ?? null });
  const cases = () => loadFixtures(adapter).map(withText);
  const fixture = (name: string) => withText(loadFixture(adapter, name));

  return { FILE, editor, files, takeover, restore, cases, fixture };
}

// ------------------------------------------------------------------ property tests

export const PROPERTY_RUNS = 150;
export const arbModelName = fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:\/@-]{0,30}$/), fc.string({ minLength: 1, maxLength: 12 }));
export const arbProviderId = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,15}$/);
