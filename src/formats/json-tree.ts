/**
 * jsonc-parser's syntax tree (the same Node objects: type, offset, length, value, colonOffset,
 * parent, children) for a text the platform's JSON.parse has already accepted, built without
 * jsonc-parser's character-by-character scanner: string contents are skipped with indexOf and
 * read with JSON.parse, both native. A 5 MB settings.json (a long permissions list) takes about a
 * tenth of parseTree's time in the agent's lite mode, where every JavaScript loop is interpreted
 * (issue 19). Only for valid JSON: anything else (comments, trailing commas, errors) still goes
 * through parseTree, which says where the problem is. test/formats/json-tree.test.ts checks the
 * trees are identical to parseTree's on generated documents.
 */
import type { Node } from 'jsonc-parser';

type Mutable = { -readonly [K in keyof Node]: Node[K] };

const SPACE = 32;
const TAB = 9;
const LF = 10;
const CR = 13;
const QUOTE = 34;
const BACKSLASH = 92;

class Reader {
  private readonly b: string;
  i = 0;
  constructor(body: string) {
    this.b = body;
  }

  private ws(): void {
    const b = this.b;
    let i = this.i;
    for (;;) {
      const c = b.charCodeAt(i);
      if (c === SPACE || c === LF || c === CR || c === TAB) i++;
      else break;
    }
    this.i = i;
  }

  /** The offset just after the string that starts (with its quote) at `q`. */
  private stringEnd(q: number): number {
    const b = this.b;
    let from = q + 1;
    for (;;) {
      const e = b.indexOf('"', from);
      if (e < 0) throw new SyntaxError('unterminated string'); // JSON.parse accepted it: not reached
      let k = e - 1;
      while (b.charCodeAt(k) === BACKSLASH) k--;
      if ((e - 1 - k) % 2 === 0) return e + 1;
      from = e + 1;
    }
  }

  private string(parent: Node | undefined): Node {
    const s = this.i;
    const e = this.stringEnd(s);
    this.i = e;
    const raw = this.b.slice(s, e);
    const value = raw.indexOf('\\') < 0 ? raw.slice(1, -1) : (JSON.parse(raw) as string);
    return parent ? { type: 'string', offset: s, length: e - s, value, parent } : { type: 'string', offset: s, length: e - s, value };
  }

  value(parent: Node | undefined): Node {
    this.ws();
    const b = this.b;
    const s = this.i;
    const c = b.charCodeAt(s);
    if (c === QUOTE) return this.string(parent);
    if (c === 123) return this.object(parent);
    if (c === 91) return this.array(parent);
    let node: Mutable;
    if (c === 116) {
      node = { type: 'boolean', offset: s, length: 4, value: true };
      this.i = s + 4;
    } else if (c === 102) {
      node = { type: 'boolean', offset: s, length: 5, value: false };
      this.i = s + 5;
    } else if (c === 110) {
      node = { type: 'null', offset: s, length: 4, value: null };
      this.i = s + 4;
    } else {
      let e = s + 1;
      for (;;) {
        const d = b.charCodeAt(e);
        // digits, '.', 'e', 'E', '+', '-'
        if ((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) e++;
        else break;
      }
      node = { type: 'number', offset: s, length: e - s, value: Number(b.slice(s, e)) };
      this.i = e;
    }
    if (parent) node.parent = parent;
    return node;
  }

  private object(parent: Node | undefined): Node {
    const b = this.b;
    const node: Mutable = { type: 'object', offset: this.i, length: 0, children: [] };
    if (parent) node.parent = parent;
    const kids = node.children as Node[];
    this.i++;
    this.ws();
    if (b.charCodeAt(this.i) !== 125) {
      for (;;) {
        this.ws();
        const prop: Mutable = { type: 'property', offset: this.i, length: 0, parent: node, children: [] };
        const key = this.string(prop);
        this.ws();
        prop.colonOffset = this.i; // ':'
        this.i++;
        const value = this.value(prop);
        (prop.children as Node[]).push(key, value);
        prop.length = value.offset + value.length - prop.offset;
        kids.push(prop);
        this.ws();
        if (b.charCodeAt(this.i) === 44) this.i++;
        else break;
      }
    }
    this.i++; // '}'
    node.length = this.i - node.offset;
    return node;
  }

  private array(parent: Node | undefined): Node {
    const b = this.b;
    const node: Mutable = { type: 'array', offset: this.i, length: 0, children: [] };
    if (parent) node.parent = parent;
    const kids = node.children as Node[];
    this.i++;
    this.ws();
    if (b.charCodeAt(this.i) !== 93) {
      for (;;) {
        kids.push(this.value(node));
        this.ws();
        if (b.charCodeAt(this.i) === 44) this.i++;
        else break;
      }
    }
    this.i++; // ']'
    node.length = this.i - node.offset;
    return node;
  }
}

/** parseTree(body)'s root for a `body` JSON.parse accepts (undefined never: valid JSON has a value). */
export function plainJsonTree(body: string): Node {
  return new Reader(body).value(undefined);
}
