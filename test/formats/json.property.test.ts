/**
 * Property tests for the JSON/JSONC editors: random documents (nesting, comments, blank lines,
 * CRLF/LF, BOM, tabs/spaces, trailing commas, unicode, one-line containers, final newline or not)
 * and random slot paths (existing and new, nested, array `{item}` / `{match}` segments).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonEditor, jsoncEditor } from '../../src/formats/json.ts';
import { deepEqual, deleteIn, getIn, isObject, setIn } from '../../src/formats/path.ts';
import type { FormatEditor, JsonObject, JsonPrimitive, JsonValue, PathSeg, SlotPath } from '../../src/formats/slot.ts';

/** At least 500 runs per property; raise with GWCTL_PROP_RUNS for a longer hunt. */
const RUNS = Math.max(500, Number(process.env.GWCTL_PROP_RUNS ?? 0));
const FILE = 'settings.json';

// ---------------------------------------------------------------- values

const KEYS = ['a', 'b', 'env', 'model', 'hooks', 'ключ', '日本語', 'emoji 😀', 'q"uote', 'back\\slash', 'tab\tkey', 'k1', 'ANTHROPIC_BASE_URL'];
const NEW_KEYS = ['n1', 'n2', 'новый', 'nouveau é', '🆕'];
const IDS = ['m1', 'm2', 'm3'];

const str = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.constantFrom('', 'héllo', '日本', '😀', 'a"b', 'line\nbreak', '\u2028', 'http://127.0.0.1:11580'));
const prim: fc.Arbitrary<JsonPrimitive> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1000, max: 100000 }),
  fc.constantFrom(1.5, -0.25, 1e21, 3.14159),
  str,
);

const { value } = fc.letrec<{ value: JsonValue; obj: JsonObject; arr: JsonValue[] }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, prim, tie('obj'), tie('arr')),
  obj: fc
    .uniqueArray(fc.tuple(fc.constantFrom(...KEYS), tie('value')), { selector: (e) => e[0], maxLength: 4 })
    .map((entries) => Object.fromEntries(entries) as JsonObject),
  arr: fc.oneof(
    fc.array(prim, { maxLength: 4 }),
    fc.uniqueArray(fc.tuple(fc.constantFrom(...IDS), tie('obj')), { selector: (e) => e[0], maxLength: 3 }).map((els) => els.map(([id, o]) => ({ ...o, id }))),
  ),
}));
const rootObj = value.filter(isObject) as fc.Arbitrary<JsonObject>;

// ---------------------------------------------------------------- layouts

interface Layout {
  jsonc: boolean;
  eol: string;
  unit: string;
  keySep: string;
  itemSep: string;
  bom: boolean;
  finalNewline: boolean;
  seed: number;
}

const layout = (jsonc: boolean): fc.Arbitrary<Layout> =>
  fc.record({
    jsonc: fc.constant(jsonc),
    eol: fc.constantFrom('\n', '\r\n'),
    unit: fc.constantFrom('  ', '    ', '\t', ' '),
    keySep: fc.constantFrom(': ', ':', ' : '),
    itemSep: fc.constantFrom(' ', ''),
    bom: fc.boolean(),
    finalNewline: fc.boolean(),
    seed: fc.integer(),
  });

/** Small deterministic PRNG so one seed gives one layout. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function renderDoc(doc: JsonObject, L: Layout): string {
  const rnd = prng(L.seed);
  const pick = (p: number): boolean => rnd() < p;
  const { eol, unit } = L;

  const mem = (k: string | undefined, v: JsonValue, indent: string, inline: boolean): string =>
    (k === undefined ? '' : JSON.stringify(k) + L.keySep) + val(v, indent, inline);

  function val(v: JsonValue, indent: string, parentInline: boolean): string {
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

/** Paths to values present in `doc` (array elements via {item} or {match:{id}}). */
function existingPaths(v: JsonValue, prefix: SlotPath = []): SlotPath[] {
  const out: SlotPath[] = [];
  if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      out.push([...prefix, k], ...existingPaths(x, [...prefix, k]));
    }
  } else if (Array.isArray(v)) {
    for (const x of v) {
      let seg: PathSeg | undefined;
      if (x === null || typeof x !== 'object') seg = { item: x };
      else if (isObject(x) && typeof x.id === 'string') seg = { match: { id: x.id } };
      if (seg) out.push([...prefix, seg], ...existingPaths(x, [...prefix, seg]));
    }
  }
  return out;
}

function containerPaths(v: JsonValue, prefix: SlotPath = []): SlotPath[] {
  const out: SlotPath[] = isObject(v) || Array.isArray(v) ? [prefix] : [];
  return out.concat(existingPaths(v, prefix).filter((p) => {
    const x = getIn(v, p.slice(prefix.length));
    return isObject(x) || Array.isArray(x);
  }));
}

/** A path absent from `doc` under an existing container, with a value that lands exactly there. */
function newSlot(doc: JsonObject): fc.Arbitrary<{ path: SlotPath; value: JsonValue }> {
  const parents = containerPaths(doc);
  return fc.constantFrom(...parents).chain((parent) => {
    const at = getIn(doc, parent);
    if (Array.isArray(at)) {
      return fc.oneof(
        fc.constantFrom<JsonPrimitive>('new-item', 42, true, '日本-new').map((x) => ({ path: [...parent, { item: x }], value: x })),
        fc.tuple(fc.constantFrom('m-new', 'm9'), value).map(([id, v]) => ({
          path: [...parent, { match: { id } }],
          value: { ...(isObject(v) ? v : { v }), id },
        })),
      );
    }
    return fc
      .tuple(fc.array(fc.constantFrom(...NEW_KEYS), { minLength: 1, maxLength: 3 }), fc.option(fc.constantFrom<JsonPrimitive>('x', 7)), value)
      .map(([keys, item, v]) => (item === null ? { path: [...parent, ...keys], value: v } : { path: [...parent, ...keys, { item }], value: item }));
  });
}

interface Case {
  text: string;
  doc: JsonObject;
  path: SlotPath;
  value: JsonValue;
}

const docs = (jsonc: boolean) => fc.tuple(rootObj, layout(jsonc)).map(([doc, L]) => ({ doc, text: renderDoc(doc, L) }));

const newCases = (jsonc: boolean): fc.Arbitrary<Case> =>
  docs(jsonc).chain(({ doc, text }) => newSlot(doc).map(({ path, value: v }) => ({ text, doc, path, value: v })));

const existingCases = (jsonc: boolean): fc.Arbitrary<Case> =>
  docs(jsonc)
    .filter(({ doc }) => existingPaths(doc).length > 0)
    .chain(({ doc, text }) => fc.tuple(fc.constantFrom(...existingPaths(doc)), value).map(([path, v]) => ({ text, doc, path, value: v })));

const anyCases = (jsonc: boolean): fc.Arbitrary<Case> => fc.oneof(newCases(jsonc), existingCases(jsonc));

/** The value ends up exactly at the path (not e.g. appended as a non-matching element). */
const lands = (c: Case): boolean => deepEqual(getIn(setIn(c.doc, c.path, c.value), c.path), c.value);

function firstMissingPrefix(doc: JsonValue, path: SlotPath): SlotPath {
  for (let i = 1; i < path.length; i++) if (getIn(doc, path.slice(0, i)) === undefined) return path.slice(0, i);
  return path;
}

/** A container holding nothing but (recursively) empty containers. */
function hollow(v: JsonValue | undefined): boolean {
  if (Array.isArray(v)) return v.every(hollow);
  return isObject(v) && Object.values(v).every(hollow);
}

/** Parses, and keeps the BOM, line-ending style and final newline of the input. */
function checkShape(ed: FormatEditor, before: string, after: string): void {
  ed.parse(after, FILE);
  const body = after.replace(/^\uFEFF/, '');
  if (ed.format === 'json') JSON.parse(body);
  expect(after.startsWith('\uFEFF')).toBe(before.startsWith('\uFEFF'));
  if (before.includes('\r\n')) expect(body.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  else if (before.includes('\n')) expect(body).not.toContain('\r');
  expect(/[\r\n]$/.test(after)).toBe(/[\r\n]$/.test(before));
}

// ---------------------------------------------------------------- properties

for (const ed of [jsonEditor, jsoncEditor]) {
  const jsonc = ed.format === 'jsonc';
  describe(`${ed.format} editor properties`, () => {
    it('generated documents parse to the generated data', () => {
      fc.assert(fc.property(docs(jsonc), ({ doc, text }) => deepEqual(ed.parse(text, FILE), doc)), { numRuns: RUNS });
    });

    it('(a) inverse: deleting a new slot (and the parent it created) gives back the exact bytes', () => {
      fc.assert(
        fc.property(newCases(jsonc), (c) => {
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
        fc.property(existingCases(jsonc), (c) => {
          fc.pre(lands(c));
          const before = getIn(c.doc, c.path) as JsonValue;
          const out = ed.set(ed.set(c.text, c.path, c.value, FILE), c.path, before, FILE);
          if (before === null || typeof before !== 'object') expect(out).toBe(c.text);
          else expect(deepEqual(ed.parse(out, FILE), c.doc)).toBe(true);
        }),
        { numRuns: RUNS },
      );
    });

    it('(a) inverse over a takeover of several slots, reverted newest first as a restore does', () => {
      const takeovers = docs(jsonc).chain(({ doc, text }) =>
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
        fc.property(anyCases(jsonc), (c) => {
          fc.pre(lands(c));
          const once = ed.set(c.text, c.path, c.value, FILE);
          expect(ed.set(once, c.path, c.value, FILE)).toBe(once);
        }),
        { numRuns: RUNS },
      );
    });

    it('(c) set changes nothing outside the slot', () => {
      fc.assert(
        fc.property(anyCases(jsonc), (c) => {
          const out = ed.set(c.text, c.path, c.value, FILE);
          expect(deepEqual(ed.parse(out, FILE), setIn(c.doc, c.path, c.value))).toBe(true);
          expect(deepEqual(ed.get(out, c.path, FILE), getIn(setIn(c.doc, c.path, c.value), c.path))).toBe(true);
        }),
        { numRuns: RUNS },
      );
    });

    it('(c) delete changes nothing outside the slot', () => {
      fc.assert(
        fc.property(anyCases(jsonc), (c) => {
          const out = ed.delete(c.text, c.path, FILE);
          expect(deepEqual(ed.parse(out, FILE), deleteIn(c.doc, c.path) ?? {})).toBe(true);
          if (getIn(c.doc, c.path) === undefined) expect(out).toBe(c.text);
        }),
        { numRuns: RUNS },
      );
    });

    it('(d) every output parses and keeps BOM, line endings and final newline', () => {
      fc.assert(
        fc.property(anyCases(jsonc), (c) => {
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
