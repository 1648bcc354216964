/**
 * Property tests for the JSON/JSONC/JSON5 editors (JSON5 adds bare keys and single quotes): random documents (nesting, comments, blank lines,
 * CRLF/LF, BOM, tabs/spaces, trailing commas, unicode, one-line containers, final newline or not)
 * and random slot paths (existing and new, nested, array `{item}` / `{match}` segments).
 */
import fc from 'fast-check';
import JSON5 from 'json5';
import { describe, expect, it } from 'vitest';
import { json5Editor, jsonEditor, jsoncEditor } from '../../src/formats/json.ts';
import { deepEqual, deleteIn, getIn, isObject, setIn } from '../../src/formats/path.ts';
import type { FormatEditor, JsonObject, JsonValue, SlotPath } from '../../src/formats/slot.ts';
import { existingPaths, firstMissingPrefix, hollow, lands, newSlot, prng, rootObj, value, type Case } from './props.ts';

/** At least 500 runs per property; raise with GWCTL_PROP_RUNS for a longer hunt. */
const RUNS = Math.max(500, Number(process.env.GWCTL_PROP_RUNS ?? 0));
const FILE = 'settings.json';

// ---------------------------------------------------------------- layouts

interface Layout {
  jsonc: boolean;
  /** JSON5: bare keys where possible, single-quoted strings. */
  bare: boolean;
  single: boolean;
  eol: string;
  unit: string;
  keySep: string;
  itemSep: string;
  bom: boolean;
  finalNewline: boolean;
  seed: number;
}

const layout = (jsonc: boolean, json5 = false): fc.Arbitrary<Layout> =>
  fc.record({
    jsonc: fc.constant(jsonc),
    bare: json5 ? fc.boolean() : fc.constant(false),
    single: json5 ? fc.boolean() : fc.constant(false),
    eol: fc.constantFrom('\n', '\r\n'),
    unit: fc.constantFrom('  ', '    ', '\t', ' '),
    keySep: fc.constantFrom(': ', ':', ' : '),
    itemSep: fc.constantFrom(' ', ''),
    bom: fc.boolean(),
    finalNewline: fc.boolean(),
    seed: fc.integer(),
  });

function renderDoc(doc: JsonObject, L: Layout): string {
  const rnd = prng(L.seed);
  const pick = (p: number): boolean => rnd() < p;
  const { eol, unit } = L;

  const q = (x: string): string =>
    L.single
      ? "'" +
        JSON.stringify(x)
          .slice(1, -1)
          .replace(/\\(.)|'/g, (m: string, c: string | undefined) => (c === '"' ? '"' : m === "'" ? "\\'" : m)) +
        "'"
      : JSON.stringify(x);
  const mem = (k: string | undefined, v: JsonValue, indent: string, inline: boolean): string =>
    (k === undefined ? '' : (L.bare && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : q(k)) + L.keySep) + val(v, indent, inline);

  function val(v: JsonValue, indent: string, parentInline: boolean): string {
    if (typeof v === 'string') return q(v);
    if (v === null || typeof v !== 'object') return JSON.stringify(v);
    const entries: [string | undefined, JsonValue][] = Array.isArray(v) ? v.map((e) => [undefined, e]) : Object.entries(v);
    const [o, c] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
    const inline = parentInline || pick(0.3);
    if (entries.length === 0) {
      if (inline) return o + (pick(0.2) ? ' ' : '') + (L.jsonc && pick(0.15) ? '/* empty */' : '') + c;
      const r = rnd();
      if (r < 0.55) return o + c;
      if (r < 0.75) return o + eol + indent + c;
      if (r < 0.85 && L.jsonc) return o + eol + indent + unit + '// nothing yet' + eol + indent + c;
      if (r < 0.92) return o + eol + eol + indent + c;
      return o + eol + indent + unit + c;
    }
    const trailing = L.jsonc && pick(0.3);
    if (inline) {
      const pad = pick(0.3) ? ' ' : '';
      const items = entries.map(([k, e]) => mem(k, e, indent, true));
      return o + pad + items.join(',' + L.itemSep) + (trailing ? ',' : '') + (L.jsonc && pick(0.2) ? ' /* c */' : '') + pad + c;
    }
    const inner = indent + unit;
    let out = o;
    const firstOnBraceLine = pick(0.1);
    let lineComment = false;
    entries.forEach(([k, e], i) => {
      if (i === 0 && firstOnBraceLine) out += ' ';
      else {
        if (pick(0.15)) out += eol;
        if (L.jsonc && pick(0.2)) {
          const r = rnd();
          out += eol + inner + (r < 0.4 ? `// about ${i}` : r < 0.8 ? '/* about */' : `/* about${eol}${inner} * more */`);
        }
        out += eol + inner;
      }
      out += mem(k, e, inner, false);
      if (i < entries.length - 1 || trailing) out += (L.jsonc && pick(0.1) ? ' /* before comma */' : '') + ',';
      lineComment = L.jsonc && pick(0.1);
      if (lineComment) out += ' // note';
      else if (L.jsonc && pick(0.1)) out += ' /* note */';
      if (pick(0.05)) out += ' ';
    });
    if (L.jsonc && pick(0.1)) {
      out += eol + inner + '// end';
      lineComment = true;
    }
    // Sometimes the closing bracket stays on the last member's line.
    if (!lineComment && pick(0.1)) return out + (pick(0.5) ? ' ' : '') + c;
    return out + eol + indent + c;
  }

  const head = L.jsonc && pick(0.3) ? '// opencode config' + eol : '';
  const tail = L.jsonc && pick(0.15) ? eol + '/* trailer */' : '';
  return (L.bom ? '\uFEFF' : '') + head + val(doc, '', false) + tail + (L.finalNewline ? eol : '');
}

// ---------------------------------------------------------------- paths

const docs = (jsonc: boolean, json5 = false) => fc.tuple(rootObj, layout(jsonc, json5)).map(([doc, L]) => ({ doc, text: renderDoc(doc, L) }));

const newCases = (jsonc: boolean, json5 = false): fc.Arbitrary<Case> =>
  docs(jsonc, json5).chain(({ doc, text }) => newSlot(doc).map(({ path, value: v }) => ({ text, doc, path, value: v })));

const existingCases = (jsonc: boolean, json5 = false): fc.Arbitrary<Case> =>
  docs(jsonc, json5)
    .filter(({ doc }) => existingPaths(doc).length > 0)
    .chain(({ doc, text }) => fc.tuple(fc.constantFrom(...existingPaths(doc)), value).map(([path, v]) => ({ text, doc, path, value: v })));

const anyCases = (jsonc: boolean, json5 = false): fc.Arbitrary<Case> => fc.oneof(newCases(jsonc, json5), existingCases(jsonc, json5));

/** Parses, and keeps the BOM, line-ending style and final newline of the input. */
function checkShape(ed: FormatEditor, before: string, after: string): void {
  ed.parse(after, FILE);
  const body = after.replace(/^\uFEFF/, '');
  if (ed.format === 'json') JSON.parse(body);
  if (ed.format === 'json5') JSON5.parse(body);
  expect(after.startsWith('\uFEFF')).toBe(before.startsWith('\uFEFF'));
  if (before.includes('\r\n')) expect(body.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  else if (before.includes('\n')) expect(body).not.toContain('\r');
  expect(/[\r\n]$/.test(after)).toBe(/[\r\n]$/.test(before));
}

// ---------------------------------------------------------------- properties

for (const ed of [jsonEditor, jsoncEditor, json5Editor]) {
  const jsonc = ed.format !== 'json';
  const json5 = ed.format === 'json5';
  describe(`${ed.format} editor properties`, () => {
    it('generated documents parse to the generated data', () => {
      fc.assert(
        fc.property(docs(jsonc, json5), ({ doc, text }) => deepEqual(ed.parse(text, FILE), doc)),
        { numRuns: RUNS },
      );
    });

    it('(a) inverse: deleting a new slot (and the parent it created) gives back the exact bytes', () => {
      fc.assert(
        fc.property(newCases(jsonc, json5), (c) => {
          fc.pre(getIn(c.doc, c.path) === undefined && lands(c));
          const created = firstMissingPrefix(c.doc, c.path);
          let out = ed.delete(ed.set(c.text, c.path, c.value, FILE), c.path, FILE);
          if (created.length < c.path.length) out = ed.delete(out, created, FILE);
          expect(out).toBe(c.text);
        }),
        { numRuns: RUNS },
      );
    });

    it('(a) inverse: writing the previous value back restores the slot (bytes, for primitives)', () => {
      fc.assert(
        fc.property(existingCases(jsonc, json5), (c) => {
          fc.pre(lands(c));
          const before = getIn(c.doc, c.path) as JsonValue;
          const mid = ed.set(c.text, c.path, c.value, FILE);
          const out = ed.set(mid, c.path, before, FILE);
          // JSON5 quoting (single or double) is read from the file: once the edit removed every
          // quoted string, the style is unknown and only the meaning must come back.
          const styleLost = json5 && typeof before === 'string' && !/['"]/.test(mid.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, ''));
          if ((before === null || typeof before !== 'object') && !styleLost) expect(out).toBe(c.text);
          else expect(deepEqual(ed.parse(out, FILE), c.doc)).toBe(true);
        }),
        { numRuns: RUNS },
      );
    });

    it('(a) inverse over a takeover of several slots, reverted newest first as a restore does', () => {
      const takeovers = docs(jsonc, json5).chain(({ doc, text }) =>
        fc.array(newSlot(doc), { minLength: 2, maxLength: 4 }).map((slots) => ({ doc, text, slots })),
      );
      fc.assert(
        fc.property(takeovers, ({ doc, text, slots }) => {
          let cur = text;
          let data: JsonValue = doc;
          const records: { path: SlotPath; before: JsonValue | undefined; created: SlotPath }[] = [];
          for (const { path, value: v } of slots) {
            const before = getIn(data, path);
            const prefixesOk = path.slice(0, -1).every((_, i) => {
              const p = getIn(data, path.slice(0, i + 1));
              return p === undefined || (typeof path[i + 1] === 'string' ? isObject(p) : Array.isArray(p));
            });
            if (!prefixesOk || !deepEqual(getIn(setIn(data, path, v), path), v) || (before !== null && typeof before === 'object')) continue;
            records.push({ path, before, created: firstMissingPrefix(data, path) });
            cur = ed.set(cur, path, v, FILE);
            data = setIn(data, path, v);
          }
          for (const r of [...records].reverse()) {
            if (r.before !== undefined) {
              cur = ed.set(cur, r.path, r.before, FILE);
              continue;
            }
            cur = ed.delete(cur, r.path, FILE);
            // A parent the takeover created goes once it holds nothing but empty containers.
            if (r.created.length < r.path.length && hollow(ed.get(cur, r.created, FILE))) {
              cur = ed.delete(cur, r.created, FILE);
            }
          }
          expect(cur).toBe(text);
        }),
        { numRuns: RUNS },
      );
    });

    it('(b) idempotence: setting the same value twice changes nothing the second time', () => {
      fc.assert(
        fc.property(anyCases(jsonc, json5), (c) => {
          fc.pre(lands(c));
          const once = ed.set(c.text, c.path, c.value, FILE);
          expect(ed.set(once, c.path, c.value, FILE)).toBe(once);
        }),
        { numRuns: RUNS },
      );
    });

    it('(c) set changes nothing outside the slot', () => {
      fc.assert(
        fc.property(anyCases(jsonc, json5), (c) => {
          const out = ed.set(c.text, c.path, c.value, FILE);
          expect(deepEqual(ed.parse(out, FILE), setIn(c.doc, c.path, c.value))).toBe(true);
          expect(deepEqual(ed.get(out, c.path, FILE), getIn(setIn(c.doc, c.path, c.value), c.path))).toBe(true);
        }),
        { numRuns: RUNS },
      );
    });

    it('(c) delete changes nothing outside the slot', () => {
      fc.assert(
        fc.property(anyCases(jsonc, json5), (c) => {
          const out = ed.delete(c.text, c.path, FILE);
          expect(deepEqual(ed.parse(out, FILE), deleteIn(c.doc, c.path) ?? {})).toBe(true);
          if (getIn(c.doc, c.path) === undefined) expect(out).toBe(c.text);
        }),
        { numRuns: RUNS },
      );
    });

    it('(d) every output parses and keeps BOM, line endings and final newline', () => {
      fc.assert(
        fc.property(anyCases(jsonc, json5), (c) => {
          const set = ed.set(c.text, c.path, c.value, FILE);
          checkShape(ed, c.text, set);
          checkShape(ed, c.text, ed.delete(c.text, c.path, FILE));
          checkShape(ed, c.text, ed.delete(set, c.path, FILE));
        }),
        { numRuns: RUNS },
      );
    });
  });
}
