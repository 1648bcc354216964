/**
 * formats/json-tree.ts: for every text JSON.parse accepts, the same syntax tree as jsonc-parser's
 * parseTree (types, offsets, lengths, values, colon offsets, parents), on generated documents in
 * every layout (indent, CRLF, spaces around colons and commas, escapes, unicode, numbers).
 */
import fc from 'fast-check';
import { parseTree, type Node } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import { jsonEditor, jsoncEditor } from '../../src/formats/json.ts';
import { plainJsonTree } from '../../src/formats/json-tree.ts';
import { ConfigFormatError } from '../../src/formats/slot.ts';

const RUNS = Math.max(1000, Number(process.env.GWCTL_PROP_RUNS ?? 0));

/** A node as plain data: what the editors read of it, the parent by its type and offset. */
function shape(n: Node): unknown {
  return {
    type: n.type,
    offset: n.offset,
    length: n.length,
    value: n.value,
    colonOffset: n.colonOffset,
    parent: n.parent ? `${n.parent.type}@${n.parent.offset}` : 'none',
    children: n.children?.map(shape),
  };
}

/** JSON text with random whitespace between tokens (what JSON.parse allows: space, tab, CR, LF). */
function render(v: unknown, ws: () => string): string {
  if (Array.isArray(v)) return `[${ws()}${v.map((x) => render(x, ws)).join(`${ws()},${ws()}`)}${ws()}]`;
  if (typeof v === 'object' && v !== null)
    return `{${ws()}${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}${ws()}:${ws()}${render(x, ws)}`)
      .join(`${ws()},${ws()}`)}${ws()}}`;
  return JSON.stringify(v);
}

const WS = ['', ' ', '\n', '\r\n', '\t', '  ', '\n    '];
const strings = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('a\\', '\\"', '"\\\\"', '\u2028', 'é\u0000\u001f', '\\\\\\"x'));
const json = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    strings,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 5 }),
    fc.dictionary(strings, tie('v'), { maxKeys: 5 }),
  ),
})).v;

describe('plainJsonTree', () => {
  it('is parseTree for any valid JSON text, in any layout', () => {
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom('', ' ', '\n', '\r\n\t'), (v, seed, around) => {
        let s = seed;
        const ws = () => WS[(s = (s * 1103515245 + 12345) & 0x7fffffff) % WS.length]!;
        const text = around + render(v, ws) + around;
        JSON.parse(text); // valid
        const errors: unknown[] = [];
        const expected = parseTree(text, errors as never);
        expect(errors).toEqual([]);
        expect(shape(plainJsonTree(text))).toEqual(shape(expected!));
      }),
      { numRuns: RUNS },
    );
  });

  it('the cases that matter for a scanner that skips strings: escaped quotes and backslashes before a closing quote', () => {
    for (const text of ['{"a\\\\":"b\\\\\\"c","d":["\\\\","\\"",""]}', '"x"', '  -0.5e+10 ', '[true,false,null,{}]', '{"__proto__":{"a":1},"a":2,"a":3}']) {
      expect(shape(plainJsonTree(text)), text).toEqual(shape(parseTree(text)!));
    }
  });

  it("valid JSON nested thousands deep (JSON.parse reads it) is refused with the file named, by parse and get alike, never a RangeError: gwctl's own walks recurse", () => {
    for (const depth of [3_000, 10_000, 100_000]) {
      const text = `{"a": ${'['.repeat(depth)}${']'.repeat(depth)}, "env": {"X": "1"}}`;
      expect(() => JSON.parse(text)).not.toThrow();
      for (const editor of [jsonEditor, jsoncEditor]) {
        for (const read of [() => editor.parse(text, '/h/settings.json'), () => editor.get(text, ['env', 'X'], '/h/settings.json')]) {
          let err: unknown;
          try {
            read();
          } catch (e) {
            err = e;
          }
          // Deep enough to overflow a recursive walk: refused by name, never a RangeError.
          if (depth >= 10_000 || err !== undefined) {
            expect(err, `${depth}`).toBeInstanceOf(ConfigFormatError);
            expect((err as Error).message).toMatch(/settings\.json: is nested too deeply/);
          }
        }
      }
    }
    // 500 levels and less: read natively, the same data as the tree's.
    const ok = `{"a": ${'['.repeat(400)}1${']'.repeat(400)}}`;
    expect(jsonEditor.parse(ok, 'x')).toEqual(JSON.parse(ok));
  });
});
