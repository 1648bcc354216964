/**
 * Property tests for the YAML editor: random documents (block mappings and sequences, flow
 * collections, plain / double- / single-quoted scalars, comments on their own lines and after
 * values, blank lines, 2- or 4-space indentation, indented or flush sequences, CRLF/LF, BOM, final
 * newline or not) and random slot paths (existing and new, nested, `{item}` / `{match}` segments).
 * Every result is read back with js-yaml (an independent parser). The editor refuses only
 * additions to and removals from flow collections (`[…]`, `{…}`): each refusal is checked to be one.
 */
import fc from 'fast-check';
import { CORE_SCHEMA, load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { deepEqual, deleteIn, getIn, isObject, setIn } from '../../src/formats/path.ts';
import { ConfigFormatError, type JsonObject, type JsonValue, type SlotPath } from '../../src/formats/slot.ts';
import { yamlEditor as ed } from '../../src/formats/yaml.ts';
import { existingPaths, firstMissingPrefix, hollow, lands, newSlot, prng, rootObj, value, type Case } from './props.ts';

const RUNS = Math.max(500, Number(process.env.GWCTL_PROP_RUNS ?? 0));
const FILE = '/home/u/.continue/config.yaml';

interface Layout {
  eol: string;
  unit: number;
  indentSeqs: boolean;
  bom: boolean;
  finalNewline: boolean;
  seed: number;
}

const layout: fc.Arbitrary<Layout> = fc.record({
  eol: fc.constantFrom('\n', '\r\n'),
  unit: fc.constantFrom(2, 4),
  indentSeqs: fc.boolean(),
  bom: fc.boolean(),
  finalNewline: fc.boolean(),
  seed: fc.integer(),
});

const PLAIN = /^[A-Za-z_][A-Za-z0-9_.\/@+-]*$/;
const RESERVED = /^(?:true|false|null|yes|no|on|off|y|n|~)$/i;

function dq(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (
      (c >= 0x20 && c <= 0x7e) ||
      (c >= 0xa0 && c <= 0xd7ff && c !== 0x2028 && c !== 0x2029) ||
      (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff) ||
      c >= 0x10000
    )
      out += ch;
    else out += '\\u' + c.toString(16).padStart(4, '0');
  }
  return out + '"';
}

/** A document and the canonical paths of the collections it wrote in flow style. */
interface Rendered {
  text: string;
  flow: Set<string>;
}

function renderDoc(doc: JsonObject, L: Layout): Rendered {
  const rnd = prng(L.seed);
  const pick = (p: number): boolean => rnd() < p;
  const { eol } = L;
  const flowPaths = new Set<string>();
  const str = (s: string): string => {
    if (PLAIN.test(s) && !RESERVED.test(s) && pick(0.7)) return s;
    if (!/[\n\t\\\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ud800-\udfff]/.test(s) && pick(0.3)) return `'${s.replaceAll("'", "''")}'`;
    return dq(s);
  };
  const scalar = (v: JsonValue): string => (typeof v === 'string' ? str(v) : v === null ? (pick(0.2) ? '~' : 'null') : String(v));
  const flow = (v: JsonValue): string => {
    if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
    if (isObject(v))
      return `{${Object.entries(v)
        .map(([k, x]) => `${str(k)}: ${flow(x)}`)
        .join(', ')}}`;
    return scalar(v);
  };
  const comment = (indent: string): string => (pick(0.12) ? eol + indent + '# note' : '') + (pick(0.08) ? eol : '');
  const trailing = (): string => (pick(0.1) ? ' # trailing' : '');

  /** Text after `key:` or `-` for value v whose member sits at column `indent`; `inSeq`: after a dash. */
  function after(v: JsonValue, indent: string, path: string, inSeq: boolean): string {
    if (v === null || typeof v !== 'object') return ' ' + scalar(v) + trailing();
    const empty = Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
    if (empty) return (Array.isArray(v) ? ' []' : ' {}') + trailing();
    if (pick(0.15)) {
      flowPaths.add(path);
      return ' ' + flow(v) + trailing();
    }
    if (inSeq) return ' ' + block(v, indent + '  ', path);
    const inner = Array.isArray(v) && !L.indentSeqs ? indent : indent + ' '.repeat(L.unit);
    return trailing() + comment(inner) + eol + inner + block(v, inner, path);
  }

  /** A non-empty collection whose first entry is placed by the caller at column `indent`. */
  function block(v: JsonValue, indent: string, path: string): string {
    const entries = Array.isArray(v)
      ? v.map((x, i) => '-' + after(x, indent, `${path}[${i}]`, true))
      : Object.entries(v as JsonObject).map(([k, x]) => str(k) + ':' + after(x, indent, `${path}.${JSON.stringify(k)}`, false));
    return entries.map((e, i) => (i === 0 ? e : comment(indent) + eol + indent + e)).join('');
  }

  const head = pick(0.3) ? '# Continue config' + eol + (pick(0.3) ? eol : '') : '';
  const body = Object.keys(doc).length ? block(doc, '', '$') : '';
  const text = head + body + (pick(0.15) ? eol + '# the end' : '');
  return { text: (L.bom ? '\uFEFF' : '') + text + (L.finalNewline && text !== '' ? eol : ''), flow: flowPaths };
}

// ---------------------------------------------------------------- cases

/** The canonical path (as renderDoc names collections) of a slot path in `doc`. */
function canonicalPath(doc: JsonValue, path: SlotPath): string {
  let out = '$';
  let cur: JsonValue | undefined = doc;
  for (const seg of path) {
    if (typeof seg === 'string') {
      out += `.${JSON.stringify(seg)}`;
      cur = isObject(cur) ? cur[seg] : undefined;
    } else {
      const i = Array.isArray(cur) ? cur.findIndex((_, k) => deepEqual(getIn(cur, [seg]), (cur as JsonValue[])[k])) : -1;
      out += `[${i}]`;
      cur = Array.isArray(cur) ? cur[i] : undefined;
    }
  }
  return out;
}

/** True when some collection on the way to `path` (or the one it names) was written in flow style. */
function touchesFlow(doc: JsonValue, path: SlotPath, flow: Set<string>): boolean {
  for (let i = 0; i <= path.length; i++) {
    if (getIn(doc, path.slice(0, i)) === undefined) break;
    if (flow.has(canonicalPath(doc, path.slice(0, i)))) return true;
  }
  return false;
}

interface YCase extends Case {
  flow: Set<string>;
}

const docs = fc.tuple(rootObj, layout).map(([doc, L]) => ({ doc, ...renderDoc(doc, L) }));
const newCases: fc.Arbitrary<YCase> = docs.chain(({ doc, text, flow }) => newSlot(doc).map(({ path, value: v }) => ({ text, doc, path, value: v, flow })));
const existingCases: fc.Arbitrary<YCase> = docs
  .filter(({ doc }) => existingPaths(doc).length > 0)
  .chain(({ doc, text, flow }) => fc.tuple(fc.constantFrom(...existingPaths(doc)), value).map(([path, v]) => ({ text, doc, path, value: v, flow })));
const anyCases = fc.oneof(newCases, existingCases);

let refusals = 0;
/** Runs an edit; a ConfigFormatError is accepted only for a slot in or under a flow collection. */
function attempt(c: YCase, fn: () => string): string | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ConfigFormatError && /flow style|inside \[…\] or \{…\}/.test(e.message) && touchesFlow(c.doc, c.path, c.flow)) {
      refusals++;
      return undefined;
    }
    throw e;
  }
}

const independent = (text: string): JsonValue =>
  text.replace(/^\uFEFF/, '').trim() === '' ? {} : ((load(text.replace(/^\uFEFF/, ''), { schema: CORE_SCHEMA }) ?? {}) as JsonValue);

function checkShape(before: string, after: string): void {
  ed.parse(after, FILE);
  const body = after.replace(/^\uFEFF/, '');
  expect(after.startsWith('\uFEFF')).toBe(before.startsWith('\uFEFF'));
  if (before.includes('\r\n')) expect(body.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  else if (before.includes('\n')) expect(body).not.toContain('\r');
  // Removing the only key leaves an empty document (the empty mapping), without a line break.
  if (before.replace(/^\uFEFF/, '') !== '' && body !== '') expect(/[\r\n]$/.test(after)).toBe(/[\r\n]$/.test(before));
}

describe('yaml editor properties', () => {
  it('generated documents parse to the generated data (both parsers)', () => {
    fc.assert(
      fc.property(docs, ({ doc, text }) => {
        expect(ed.parse(text, FILE)).toEqual(doc);
        expect(deepEqual(independent(text), doc)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('(a) inverse: deleting a new slot (and the parent it created) gives back the exact bytes', () => {
    fc.assert(
      fc.property(newCases, (c) => {
        fc.pre(getIn(c.doc, c.path) === undefined && lands(c));
        const set = attempt(c, () => ed.set(c.text, c.path, c.value, FILE));
        if (set === undefined) return;
        const created = firstMissingPrefix(c.doc, c.path);
        let out = ed.delete(set, c.path, FILE);
        if (created.length < c.path.length) out = ed.delete(out, created, FILE);
        expect(out).toBe(c.text);
      }),
      { numRuns: RUNS },
    );
  });

  it('(a) inverse: writing the previous value back restores the slot (bytes, for primitives)', () => {
    fc.assert(
      fc.property(existingCases, (c) => {
        fc.pre(lands(c));
        const before = getIn(c.doc, c.path) as JsonValue;
        const mid = attempt(c, () => ed.set(c.text, c.path, c.value, FILE));
        if (mid === undefined) return;
        const out = ed.set(mid, c.path, before, FILE);
        expect(deepEqual(ed.parse(out, FILE), c.doc)).toBe(true);
        // A scalar comes back in gwctl's quoting (plain when safe, else double quotes).
        if (before === null || typeof before !== 'object') expect(ed.set(out, c.path, before, FILE)).toBe(out);
      }),
      { numRuns: RUNS },
    );
  });

  it('(a) inverse over a takeover of several new slots, reverted newest first as a restore does', () => {
    const takeovers = docs.chain(({ doc, text, flow }) => fc.array(newSlot(doc), { minLength: 2, maxLength: 4 }).map((slots) => ({ doc, text, flow, slots })));
    fc.assert(
      fc.property(takeovers, ({ doc, text, flow, slots }) => {
        let cur = text;
        let data: JsonValue = doc;
        const records: { path: SlotPath; created: SlotPath }[] = [];
        for (const { path, value: v } of slots) {
          const fits = path.slice(0, -1).every((_, i) => {
            const p = getIn(data, path.slice(0, i + 1));
            return p === undefined || (typeof path[i + 1] === 'string' ? isObject(p) : Array.isArray(p));
          });
          if (!fits || getIn(data, path) !== undefined || !deepEqual(getIn(setIn(data, path, v), path), v)) continue;
          const next = attempt({ text: cur, doc: data as JsonObject, path, value: v, flow }, () => ed.set(cur, path, v, FILE));
          if (next === undefined) continue;
          records.push({ path, created: firstMissingPrefix(data, path) });
          cur = next;
          data = setIn(data, path, v);
        }
        for (const r of [...records].reverse()) {
          cur = ed.delete(cur, r.path, FILE);
          if (r.created.length < r.path.length && hollow(ed.get(cur, r.created, FILE))) cur = ed.delete(cur, r.created, FILE);
        }
        expect(cur).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });

  it('(b) idempotence: setting the same value twice changes nothing the second time', () => {
    fc.assert(
      fc.property(anyCases, (c) => {
        fc.pre(lands(c));
        const once = attempt(c, () => ed.set(c.text, c.path, c.value, FILE));
        if (once !== undefined) expect(ed.set(once, c.path, c.value, FILE)).toBe(once);
      }),
      { numRuns: RUNS },
    );
  });

  it('(c) set and delete change nothing outside the slot (checked with js-yaml)', () => {
    fc.assert(
      fc.property(anyCases, (c) => {
        const out = attempt(c, () => ed.set(c.text, c.path, c.value, FILE));
        if (out !== undefined) expect(deepEqual(independent(out), setIn(c.doc, c.path, c.value))).toBe(true);
        const del = attempt(c, () => ed.delete(c.text, c.path, FILE));
        if (del !== undefined) expect(deepEqual(independent(del), deleteIn(c.doc, c.path) ?? {})).toBe(true);
        if (del !== undefined && getIn(c.doc, c.path) === undefined) expect(del).toBe(c.text);
      }),
      { numRuns: RUNS },
    );
  });

  it('(d) every output parses and keeps BOM, line endings and final newline', () => {
    fc.assert(
      fc.property(anyCases, (c) => {
        const set = attempt(c, () => ed.set(c.text, c.path, c.value, FILE));
        if (set !== undefined) checkShape(c.text, set);
        const del = attempt(c, () => ed.delete(c.text, c.path, FILE));
        if (del !== undefined) checkShape(c.text, del);
      }),
      { numRuns: RUNS },
    );
    // The flow refusals are real but rare: most slots are in block style.
    expect(refusals).toBeLessThan(RUNS * 6);
  });
});
