/**
 * JSON5 (OpenClaw's openclaw.json): `@humanwhocodes/momoa` in JSON5 mode gives the syntax tree
 * with exact ranges, turned here into the node shape the JSON/JSONC editor patches (json.ts), so
 * JSON5 gets the same minimal, invertible text edits. Primitive values are read with the `json5`
 * package (the reference implementation) from each value's own source text, and the whole file is
 * checked with it too: what the editor sees is what JSON5 readers see.
 */
import type { AnyNode } from '@humanwhocodes/momoa';
import type * as MomoaModule from '@humanwhocodes/momoa';
import type JSON5Module from 'json5';
import type { Node } from 'jsonc-parser';
import { lazyPackage } from './lazy.ts';

// Loaded on the first JSON5 file (OpenClaw's), not with this module.
const json5 = lazyPackage<typeof JSON5Module>('json5');
const momoa = lazyPackage<typeof MomoaModule>('@humanwhocodes/momoa');

export interface Json5Tree {
  root: Node | undefined;
  /** The first syntax error, as an offset into the text. */
  error?: { offset: number; problem: string };
}

type Range = { range?: [number, number] };
/** jsonc-parser's Node, writable while the tree is built. */
type Mutable = { -readonly [K in keyof Node]: Node[K] };

function convert(n: AnyNode, body: string, parent: Node | undefined): Node {
  const [start, end] = (n as Range).range ?? [0, 0];
  const node: Mutable = { type: 'null', offset: start, length: end - start, ...(parent ? { parent } : {}) };
  switch (n.type) {
    case 'Object':
      node.type = 'object';
      node.children = n.members.map((m) => {
        const [ms, me] = (m as Range).range ?? [0, 0];
        const prop: Mutable = { type: 'property', offset: ms, length: me - ms, parent: node };
        const [ks, ke] = (m.name as Range).range ?? [0, 0];
        const key: Node = { type: 'string', offset: ks, length: ke - ks, parent: prop, value: m.name.type === 'Identifier' ? m.name.name : m.name.value };
        prop.children = [key, convert(m.value, body, prop)];
        return prop;
      });
      return node;
    case 'Array':
      node.type = 'array';
      node.children = n.elements.map((e) => convert(e.value, body, node));
      return node;
    default: {
      const value: unknown = json5().parse(body.slice(start, end));
      node.type = value === null ? 'null' : typeof value === 'string' ? 'string' : typeof value === 'number' ? 'number' : 'boolean';
      node.value = value;
      return node;
    }
  }
}

/** The offset of JSON5's 1-based line/column in `body`. */
function offsetOf(body: string, { lineNumber, columnNumber = 1 }: { lineNumber: number; columnNumber?: number }): number {
  let at = 0;
  for (let l = 1; l < lineNumber; l++) {
    const nl = body.indexOf('\n', at);
    if (nl < 0) return body.length;
    at = nl + 1;
  }
  return Math.min(body.length, at + columnNumber - 1);
}

export function parseJson5Tree(body: string): Json5Tree {
  if (body.trim() === '' || /^(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*$/.test(body)) return { root: undefined };
  try {
    // The reference reader first: it must agree that the whole file is JSON5, and only text it
    // accepts reaches momoa, whose tokenizer never returns on a string cut short after a
    // backslash at the end of the file (`{"a\\`: found by the fuzzer, momoa 3.x).
    json5().parse(body);
  } catch (e) {
    if (e instanceof RangeError) throw e;
    const at =
      (e as { columnNumber?: number; lineNumber?: number }).lineNumber !== undefined ? offsetOf(body, e as { lineNumber: number; columnNumber?: number }) : 0;
    return { root: undefined, error: { offset: at, problem: 'not valid JSON5' } };
  }
  let doc;
  try {
    doc = momoa().parse(body, { mode: 'json5', ranges: true, allowTrailingCommas: true });
  } catch (e) {
    if (e instanceof RangeError) throw e;
    const at = (e as { index?: number; offset?: number }).index ?? (e as { offset?: number }).offset ?? 0;
    return { root: undefined, error: { offset: at, problem: 'a JSON5 syntax error' } };
  }
  return { root: convert(doc.body, body, undefined) };
}

/** A key written without quotes in JSON5 (an ECMAScript identifier name, ASCII only here). */
export function bareKeyOk(k: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k);
}
