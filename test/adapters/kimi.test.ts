/**
 * What Kimi CLI and Kimi Code share (src/adapters/kimi.ts): the slot they write, the sweep at
 * restore and the fixture round trips. Each tool's own locate/inspect facts stay in its own file.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kimiCli } from '../../src/adapters/kimi-cli.ts';
import { kimiCode } from '../../src/adapters/kimi-code.ts';
import type { TakeoverTarget, ToolAdapter } from '../../src/adapters/types.ts';
import { applyEdits, revertRecords, toSlotRecords } from '../../src/formats/apply.ts';
import { deleteIn } from '../../src/formats/path.ts';
import type { JsonObject } from '../../src/formats/slot.ts';
import { arbModelName, arbProviderId, CTX, GW, PROPERTY_RUNS, singleFileHarness, TARGET } from './harness.ts';

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

const KIMIS: [string, ToolAdapter, string][] = [
  [kimiCli.id, kimiCli, 'openai_legacy'],
  [kimiCode.id, kimiCode, 'openai'],
];

describe.each(KIMIS)('%s', (_id, adapter, providerType) => {
  const { FILE, editor: toml, files, takeover, restore, cases } = singleFileHarness(adapter);
  const ourProvider = { type: providerType, base_url: 'http://127.0.0.1:11580/v1', api_key: TARGET.key };

  function expectSlot(doc: JsonObject) {
    expect(doc.default_model).toBe('servbay/gpt-4o');
    expect((doc.providers as JsonObject).servbay).toEqual(ourProvider);
    for (const m of TARGET.models) {
      expect((doc.models as JsonObject)[`servbay/${m}`]).toEqual({ provider: 'servbay', model: m, max_context_size: 128000 });
    }
  }

  describe('inspect', () => {
    it.each(cases().map((c) => [c.name, c] as const))('fixture %s has its expected status', (_n, c) => {
      expect(adapter.inspect(files(c.text), GW, c.ctx).status).toBe(c.expect);
    });
  });

  describe('plan', () => {
    it('writes the default model, our provider (secret, guarded by address) and one model per gateway model', () => {
      const { edits } = takeover(null);
      expect(edits).toEqual([
        { file: 'config', path: ['default_model'], value: 'servbay/gpt-4o' },
        { file: 'config', path: ['providers', 'servbay'], value: ourProvider, guard: { kind: 'address', field: ['base_url'] }, secret: true },
        ...TARGET.models.map((m) => ({
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
      const edits = adapter.plan(files(withOld), TARGET, CTX);
      expect(edits.at(-1)).toEqual({ file: 'config', path: ['models', 'servbay/retired-model'], value: undefined });
      expect(applyEdits(withOld, 'toml', edits, FILE).text).toBe(text);
    });

    describe.each(cases().map((c) => [c.name, c] as const))('fixture %s', (_n, c) => {
      it('takeover changes only our slot and is then taken over', () => {
        const { text } = takeover(c.text, c.ctx);
        const before = toml.parse(c.text ?? '', FILE);
        const after = toml.parse(text, FILE);
        expectSlot(after);
        expectLoadable(after);
        let rest = deleteIn(after, ['providers', 'servbay']) as JsonObject;
        for (const m of TARGET.models) rest = deleteIn(rest, ['models', `servbay/${m}`]) as JsonObject;
        for (const k of ['providers', 'models'] as const) {
          if (!before[k]) rest = deleteIn(rest, [k]) as JsonObject;
        }
        rest = before.default_model === undefined ? (deleteIn(rest, ['default_model']) as JsonObject) : { ...rest, default_model: before.default_model };
        expect(rest).toEqual(before);
        expect(adapter.inspect(files(text), GW, c.ctx).status).toBe('taken-over');
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

  describe('takeover/restore property', () => {
    const RUNS = PROPERTY_RUNS;

    it(`restores every fixture byte for byte and re-plans idempotently (${RUNS} runs)`, () => {
      let runs = 0;
      fc.assert(
        fc.property(fc.constantFrom(...cases()), arbProviderId, fc.uniqueArray(arbModelName, { minLength: 1, maxLength: 5 }), (c, P, models) => {
          runs++;
          const t: TakeoverTarget = { ...TARGET, providerId: P, models, defaultModel: models[0]! };
          const { text, applied } = takeover(c.text, c.ctx, t);
          const doc = toml.parse(text, FILE);
          expect(doc.default_model).toBe(`${P}/${models[0]}`);
          expect(
            Object.keys(doc.models as JsonObject)
              .filter((k) => ((doc.models as JsonObject)[k] as JsonObject).provider === P)
              .sort(),
          ).toEqual(models.map((m) => `${P}/${m}`).sort());
          expect(adapter.inspect(files(text), { ...GW, providerId: P }, c.ctx).status).toBe('taken-over');
          expect(takeover(text, c.ctx, t).text).toBe(text);
          const res = revertRecords(text, 'toml', toSlotRecords(applied), GW.root, FILE);
          expect(adapter.sweep!(files(res.text), GW, P, c.ctx)).toEqual([]);
          expect(res.text).toBe(c.text ?? '');
        }),
        { numRuns: RUNS },
      );
      expect(runs).toBeGreaterThanOrEqual(RUNS);
    });
  });
});
