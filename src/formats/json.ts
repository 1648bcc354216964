/**
 * Format-preserving editors for JSON (strict: Claude's settings.json…) and JSONC (comments and
 * trailing commas: opencode.jsonc…).
 *
 * jsonc-parser gives the syntax tree; the edits themselves are hand-made text patches so that
 * every edit has an exact inverse: deleting a member removes precisely what inserting it added
 * (its comma, its line, an `{}` that was expanded for it), so a restore gives back the original
 * bytes. Rules, for a container member `m`:
 * - insert: appended after the last member (after the comments on that member's line), on its
 *   own line in multi-line containers (`,` after the previous value, EOL + indent + `m`), inline
 *   in one-line containers; an empty `{}` is expanded to `{EOL indent m EOL indent}`.
 * - delete: `m` with its leading line break (own line) or leading blanks (inline), plus its own
 *   comma, or the previous member's comma when `m` is last; a sole member laid out as
 *   `{EOL indent m EOL indent-of-brace-line}` collapses back to `{}`.
 */
import { parseTree, type Node, type ParseError } from 'jsonc-parser';
import { plainJsonTree } from './json-tree.ts';
import { bareKeyOk, parseJson5Tree } from './json5.ts';
import { deepEqual, findIndex, getIn, indexer, setIn } from './path.ts';
import { ConfigFormatError, type Format, type FormatEditor, type JsonObject, type JsonValue, type SlotPath } from './slot.ts';

const BOM = '\uFEFF';

interface Style {
  eol: string;
  unit: string;
  /** Between a key and its value, e.g. `: `. */
  keySep: string;
  /** After a comma inside a one-line container, e.g. ` `. */
  itemSep: string;
  /** JSON5 only: keys written bare (`models:`) and strings in single quotes, as the file does. */
  bareKeys: boolean;
  singleQuotes: boolean;
  json5: boolean;
}

interface Doc {
  bom: string;
  body: string;
  root: Node | undefined;
  strict: boolean;
  file: string;
}

interface Patch {
  at: number;
  end: number;
  text: string;
}

// ---------------------------------------------------------------- parsing

/**
 * The last few parsed documents: one edit asks for the same text several times (check the
 * parent, read the old value, edit, verify), and a 2,000-model config is ~300 KiB to parse.
 * Trees are never mutated by the editors, so a cached one is as good as a fresh one; a failed
 * parse is not cached (it throws again, with the caller's file name).
 */
const RECENT = 4;
const recent: Array<{ text: string; file: string; format: Format; doc: Doc }> = [];

function load(text: string, file: string, format: Format): Doc {
  const hit = recent.find((r) => r.format === format && r.file === file && r.text === text);
  if (hit) return hit.doc;
  const doc = loadNow(text, file, format);
  recent.unshift({ text, file, format, doc });
  if (recent.length > RECENT) recent.pop();
  return doc;
}

function loadNow(text: string, file: string, format: Format): Doc {
  const strict = format === 'json';
  const bom = text.startsWith(BOM) ? BOM : '';
  const body = text.slice(bom.length);
  if (format === 'json5') {
    const tree = parseJson5Tree(body);
    if (tree.error)
      throw new ConfigFormatError(file, `is not valid JSON5 (${tree.error.problem})`, { ...lineCol(body, tree.error.offset), fix: fixFor(false) });
    if (tree.root && tree.root.type !== 'object') {
      throw new ConfigFormatError(file, `the top level is ${article(tree.root.type)}, not an object`, {
        ...lineCol(body, tree.root.offset),
        fix: 'the file must hold one object ({ … }); fix it by hand and run the command again',
      });
    }
    return { bom, body, root: tree.root, strict: false, file };
  }
  // Valid JSON (most files, strict or not): the same tree built natively (json-tree.ts), ten
  // times faster than parseTree in the agent's lite mode. Anything else, or nested deeper than
  // gwctl's recursive walks are meant for: parseTree, for its errors and its depth refusal.
  const plain = plainData(text, format) !== undefined;
  const errors: ParseError[] = [];
  const root = plain ? plainJsonTree(body) : parseTree(body, errors, { disallowComments: strict, allowTrailingComma: !strict, allowEmptyContent: true });
  const first = errors[0];
  if (first) {
    const { line, column } = lineCol(body, first.offset);
    throw new ConfigFormatError(file, describeError(body, first), { line, column, fix: fixFor(strict) });
  }
  if (root && root.type !== 'object') {
    const { line, column } = lineCol(body, root.offset);
    throw new ConfigFormatError(file, `the top level is ${article(root.type)}, not a JSON object`, {
      line,
      column,
      fix: 'the file must hold one JSON object ({ … }); fix it by hand and run the command again',
    });
  }
  if (strict && root && !plain) {
    // Safety net: strict JSON must also satisfy the platform parser (the tools read it with it).
    try {
      JSON.parse(body);
    } catch (e) {
      // Only the position is taken from the message: it may quote the file's text.
      const at = /position (\d+)/.exec(String(e));
      throw new ConfigFormatError(file, 'the file is not valid JSON', { ...(at ? lineCol(body, Number(at[1])) : {}), fix: fixFor(strict) });
    }
  }
  return { bom, body, root, strict, file };
}

function article(type: string): string {
  return type === 'array' ? 'an array' : `a ${type}`;
}

function fixFor(strict: boolean): string {
  return strict
    ? 'this file must be strict JSON (no comments, no trailing commas): fix it by hand (or restore it from its .bak copy) and run the command again'
    : 'fix the file by hand (or restore it from its .bak copy) and run the command again';
}

const ERROR_TEXT: Record<number, string> = {
  1: 'unexpected character',
  2: 'invalid number',
  3: 'expected a property name in double quotes',
  4: 'expected a value',
  5: 'expected a colon after the property name',
  6: 'expected a comma',
  7: 'expected a closing brace',
  8: 'expected a closing bracket',
  9: 'unexpected text after the end of the document',
  10: 'comments are not allowed in strict JSON',
  11: 'unterminated comment',
  12: 'unterminated string',
  13: 'unterminated number',
  14: 'invalid unicode escape',
  15: 'invalid escape character',
  16: 'invalid character in a string',
};

function describeError(body: string, err: ParseError): string {
  const at = body[err.offset];
  if ((at === '}' || at === ']') && (err.error === 3 || err.error === 4)) {
    let p = err.offset - 1;
    while (p >= 0 && /\s/.test(body[p] ?? '')) p--;
    if (body[p] === ',') return 'trailing commas are not allowed in strict JSON';
  }
  return ERROR_TEXT[err.error] ?? 'syntax error';
}

function lineCol(body: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < body.length; i++) {
    const c = body[i];
    if (c === '\n' || (c === '\r' && body[i + 1] !== '\n')) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/** Plain value of a node, duplicate keys last-wins (as JSON.parse). */
function valueOf(node: Node): JsonValue {
  if (node.type === 'object') {
    const obj: JsonObject = {};
    for (const prop of node.children ?? []) {
      const [k, v] = prop.children ?? [];
      if (k && v) Object.defineProperty(obj, k.value as string, { value: valueOf(v), enumerable: true, writable: true, configurable: true });
    }
    return obj;
  }
  if (node.type === 'array') return (node.children ?? []).map(valueOf);
  return node.value as JsonValue;
}

// ---------------------------------------------------------------- text helpers

const isHws = (c: string | undefined): boolean => c === ' ' || c === '\t';
const isEol = (c: string | undefined): boolean => c === '\n' || c === '\r';
const end = (n: Node): number => n.offset + n.length;

function lineStart(body: string, pos: number): number {
  let p = pos;
  while (p > 0 && !isEol(body[p - 1])) p--;
  return p;
}

function lineIndent(body: string, pos: number): string {
  const s = lineStart(body, pos);
  let p = s;
  while (isHws(body[p])) p++;
  return body.slice(s, p);
}

function hwsBefore(body: string, pos: number): number {
  let p = pos;
  while (p > 0 && isHws(body[p - 1])) p--;
  return p;
}

function hwsAfter(body: string, pos: number): number {
  let p = pos;
  while (isHws(body[p])) p++;
  return p;
}

/** Only blanks between the start of the line and `pos`. */
function ownLine(body: string, pos: number): boolean {
  const p = hwsBefore(body, pos);
  return p > 0 && isEol(body[p - 1]);
}

/** Start of the line break just before an own-line position. */
function eolStartBefore(body: string, pos: number): number {
  const p = hwsBefore(body, pos) - 1;
  return body[p] === '\n' && body[p - 1] === '\r' ? p - 1 : p;
}

/** End of the comment starting at `p`, or -1 when none starts there. */
function commentEnd(body: string, p: number): number {
  if (body[p] !== '/') return -1;
  if (body[p + 1] === '/') {
    let q = p + 2;
    while (q < body.length && !isEol(body[q])) q++;
    return q;
  }
  if (body[p + 1] === '*') {
    const q = body.indexOf('*/', p + 2);
    return q < 0 ? body.length : q + 2;
  }
  return -1;
}

/** Position of the next token after `pos`, skipping blanks, line breaks and comments. */
function nextToken(body: string, pos: number): number {
  let p = pos;
  for (;;) {
    while (isHws(body[p]) || isEol(body[p])) p++;
    const c = commentEnd(body, p);
    if (c < 0) return p;
    p = c;
  }
}

/** After the blanks and comments that follow `pos` on its line (not past the line break). */
function lineContentEnd(body: string, pos: number): number {
  let last = pos;
  for (;;) {
    const p = hwsAfter(body, last);
    const c = commentEnd(body, p);
    if (c < 0) return last;
    last = c;
  }
}

/** True when a `//` comment in the trivia between `from` and `to` runs up to `to`. */
function lineCommentEndsAt(body: string, from: number, to: number): boolean {
  let p = from;
  while (p < to) {
    const c = body[p];
    if (isHws(c) || isEol(c) || c === ',') {
      p++;
      continue;
    }
    const e = commentEnd(body, p);
    if (e < 0) return false;
    if (e === to && body[p + 1] === '/') return true;
    p = e;
  }
  return false;
}

function commaAfter(body: string, pos: number): number {
  const p = nextToken(body, pos);
  return body[p] === ',' ? p : -1;
}

function detectStyle(body: string, root: Node | undefined, json5 = false): Style {
  const m = /\r\n|\n|\r/.exec(body);
  const style: Style = { eol: m ? m[0] : '\n', unit: '', keySep: '', itemSep: '', bareKeys: false, singleQuotes: false, json5 };
  if (json5) {
    const firstKey = root?.children?.[0]?.children?.[0];
    style.bareKeys = firstKey !== undefined && body[firstKey.offset] !== '"' && body[firstKey.offset] !== "'";
    const q = firstString(body, root);
    style.singleQuotes = q !== undefined && body[q] === "'";
  }
  const visit = (n: Node): void => {
    if (n.type !== 'object' && n.type !== 'array') return;
    const base = lineIndent(body, n.offset);
    const kids = n.children ?? [];
    kids.forEach((k, i) => {
      if (!style.unit && ownLine(body, k.offset)) {
        const ind = lineIndent(body, k.offset);
        if (ind.startsWith(base) && ind.length > base.length) style.unit = ind.slice(base.length);
      }
      if (!style.keySep && k.type === 'property') {
        const [key, val] = k.children ?? [];
        if (key && val) {
          const sep = body.slice(end(key), val.offset);
          if (/^[ \t]*:[ \t]*$/.test(sep)) style.keySep = sep;
        }
      }
      const next = kids[i + 1];
      if (!style.itemSep && next) {
        const c = commaAfter(body, end(k));
        const gap = body.slice(c + 1, next.offset);
        if (c >= 0 && /^[ \t]*$/.test(gap)) style.itemSep = gap;
      }
    });
    for (const k of kids) visit(k.type === 'property' ? (k.children?.[1] ?? k) : k);
  };
  if (root) visit(root);
  if (!style.unit) style.unit = '  ';
  if (!style.keySep) style.keySep = ': ';
  if (!style.itemSep) style.itemSep = style.keySep.endsWith(' ') ? ' ' : '';
  return style;
}

/** Offset of the first quoted string in the tree, key or value (its quote shows the file's style). */
function firstString(body: string, n: Node | undefined): number | undefined {
  if (!n) return undefined;
  if (n.type === 'string' && (body[n.offset] === '"' || body[n.offset] === "'")) return n.offset;
  for (const c of n.children ?? []) {
    const found = firstString(body, c);
    if (found !== undefined) return found;
  }
  return undefined;
}

// ---------------------------------------------------------------- rendering

/** A string literal: JSON's double quotes, or JSON5 single quotes when the file uses them. */
function str(v: string, s: Style): string {
  const json = JSON.stringify(v);
  if (!s.singleQuotes) return json;
  return "'" + json.slice(1, -1).replace(/\\(.)|'/g, (m: string, c: string | undefined) => (c === '"' ? '"' : m === "'" ? "\\'" : m)) + "'";
}

function primitive(v: JsonValue, s: Style): string {
  if (typeof v === 'string') return str(v, s);
  if (typeof v === 'number' && !Number.isFinite(v) && s.json5) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  return JSON.stringify(v);
}

function render(v: JsonValue, base: string, compact: boolean, s: Style): string {
  if (v === null || typeof v !== 'object') return primitive(v, s);
  const entries: [string | undefined, JsonValue][] = Array.isArray(v) ? v.map((x) => [undefined, x]) : Object.entries(v);
  const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return open + close;
  const inner = base + s.unit;
  const items = entries.map(([k, x]) => member(k, x, compact ? '' : inner, compact, s));
  if (compact) return open + items.join(',' + s.itemSep) + close;
  return open + s.eol + items.map((t) => inner + t).join(',' + s.eol) + s.eol + base + close;
}

function member(key: string | undefined, v: JsonValue, base: string, compact: boolean, s: Style): string {
  const k = key === undefined ? '' : (s.bareKeys && bareKeyOk(key) ? key : str(key, s)) + s.keySep;
  return k + render(v, base, compact, s);
}

// ---------------------------------------------------------------- editing

function containerOf(n: Node): Node | undefined {
  const p = n.parent;
  if (!p) return undefined;
  return p.type === 'property' ? p.parent : p;
}

function singleLine(body: string, c: Node): boolean {
  return !/[\r\n]/.test(body.slice(c.offset, end(c)));
}

function applyPatches(doc: Doc, patches: Patch[]): string {
  let out = doc.body;
  for (const p of [...patches].sort((a, b) => b.at - a.at)) out = out.slice(0, p.at) + p.text + out.slice(p.end);
  return doc.bom + out;
}

/** Replace the value node `n` in place. */
function replaceValue(doc: Doc, s: Style, n: Node, v: JsonValue): string {
  const parent = containerOf(n);
  const compact = parent ? singleLine(doc.body, parent) : false;
  const text = render(v, lineIndent(doc.body, n.offset), compact, s);
  return applyPatches(doc, [{ at: n.offset, end: end(n), text }]);
}

/** Append a member (a property when `key` is given, else an array element) to container `c`. */
function insertMember(doc: Doc, s: Style, c: Node, key: string | undefined, v: JsonValue): string {
  const { body } = doc;
  const kids = c.children ?? [];
  const open = c.offset;
  const close = end(c) - 1;
  const inner = body.slice(open + 1, close);
  const braceIndent = lineIndent(body, open);
  const last = kids[kids.length - 1];

  let compact: boolean;
  if (last) compact = singleLine(body, c);
  else if (inner === '') {
    const parent = containerOf(c);
    compact = parent ? singleLine(body, parent) : false;
  } else compact = !/[\r\n]/.test(inner);

  if (compact) {
    const comma = last ? commaAfter(body, end(last)) : -1;
    const anchor = comma >= 0 ? comma + 1 : last ? end(last) : open + 1;
    const at = lineContentEnd(body, anchor);
    const lead = !last && inner === '' ? '' : s.itemSep;
    const text = lead + member(key, v, '', true, s) + (comma >= 0 ? ',' : '');
    const patches: Patch[] = [{ at, end: at, text }];
    if (last && comma < 0) patches.push({ at: end(last), end: end(last), text: ',' });
    return applyPatches(doc, mergeInserts(patches));
  }

  if (last) {
    const comma = commaAfter(body, end(last));
    const at = lineContentEnd(body, comma >= 0 ? comma + 1 : end(last));
    const ownKid = [...kids].reverse().find((k) => ownLine(body, k.offset));
    const indent = ownKid ? lineIndent(body, ownKid.offset) : braceIndent + s.unit;
    const text = s.eol + indent + member(key, v, indent, false, s) + (comma >= 0 ? ',' : '');
    const patches: Patch[] = [{ at, end: at, text }];
    if (comma < 0) patches.push({ at: end(last), end: end(last), text: ',' });
    return applyPatches(doc, mergeInserts(patches));
  }

  const indent = braceIndent + s.unit;
  if (inner === '') {
    const text = s.eol + indent + member(key, v, indent, false, s) + s.eol + braceIndent;
    return applyPatches(doc, [{ at: open + 1, end: open + 1, text }]);
  }
  if (/^(\r\n|\n|\r)$/.test(inner.slice(0, inner.length - braceIndent.length)) && inner.endsWith(braceIndent)) {
    // `{⏎}`: the canonical layout would collapse back to `{}` on delete, so keep the member on
    // the brace's line: deleting it then gives back exactly this text.
    const text = ' ' + member(key, v, braceIndent, false, s);
    return applyPatches(doc, [{ at: open + 1, end: open + 1, text }]);
  }
  const at = lineContentEnd(body, open + 1);
  const text = s.eol + indent + member(key, v, indent, false, s);
  return applyPatches(doc, [{ at, end: at, text }]);
}

/**
 * Append further members after `last`, the member just inserted into `c` by insertMember: the
 * same text insertMember gives one at a time (each on its own line at `last`'s indent, or inline
 * in a one-line container), in one patch.
 */
function appendAfter(doc: Doc, s: Style, c: Node, last: Node, items: ReadonlyArray<[string | undefined, JsonValue]>): string {
  const { body } = doc;
  const compact = singleLine(body, c);
  const indent = compact ? '' : lineIndent(body, last.offset);
  const sep = compact ? s.itemSep : s.eol + indent;
  const comma = commaAfter(body, end(last));
  const texts = items.map(([k, v]) => member(k, v, indent, compact, s));
  if (comma >= 0) {
    const at = lineContentEnd(body, comma + 1);
    return applyPatches(doc, [{ at, end: at, text: texts.map((t) => sep + t + ',').join('') }]);
  }
  return applyPatches(doc, [{ at: end(last), end: end(last), text: texts.map((t) => ',' + sep + t).join('') }]);
}

/**
 * Remove members `first`..`lastIdx` of `c` (contiguous) as removeMember removes one: they are
 * treated as one member spanning from the first's start to the last's end.
 */
function removeRun(doc: Doc, c: Node, first: number, lastIdx: number): string {
  const kids = c.children ?? [];
  const a = kids[first]!;
  const b = kids[lastIdx]!;
  const merged = { ...a, length: end(b) - a.offset } as Node;
  const children = [...kids.slice(0, first), merged, ...kids.slice(lastIdx + 1)];
  return removeMember(doc, { ...c, children } as Node, first);
}

/** Two inserts at the same offset become one (the comma first). */
function mergeInserts(patches: Patch[]): Patch[] {
  const [a, b] = patches;
  if (a && b && a.at === b.at) return [{ at: a.at, end: a.at, text: b.text + a.text }];
  return patches;
}

/** Remove member `k` of container `c` (the exact inverse of insertMember). */
function removeMember(doc: Doc, c: Node, k: number): string {
  const { body } = doc;
  const kids = c.children ?? [];
  const m = kids[k];
  if (!m) return doc.bom + body;
  const open = c.offset;
  const close = end(c) - 1;
  const mEnd = end(m);
  const comma = commaAfter(body, mEnd);
  const own = ownLine(body, m.offset);
  const prevKid = kids[k - 1];
  // Where the removal starts when it ends at `to`: with the line break before `m` (own line) or
  // its leading blanks; but never join what follows onto a line that ends in a `//` comment.
  const leadFor = (to: number): number => {
    if (!own) return hwsBefore(body, m.offset);
    const eolAt = eolStartBefore(body, m.offset);
    const rest = hwsAfter(body, to);
    const joinsComment = rest < body.length && !isEol(body[rest]) && lineCommentEndsAt(body, prevKid ? end(prevKid) : open + 1, eolAt);
    return joinsComment ? m.offset : eolAt;
  };

  if (kids.length === 1) {
    const prefix = body.slice(open + 1, m.offset);
    const suffix = body.slice(comma >= 0 ? comma + 1 : mEnd, close);
    const eolIndent = /^(?:\r\n|\n|\r)([ \t]*)$/;
    if (eolIndent.test(prefix) && eolIndent.exec(suffix)?.[1] === lineIndent(body, open)) {
      return applyPatches(doc, [{ at: open + 1, end: close, text: '' }]);
    }
  }
  if (comma >= 0) {
    const after = hwsAfter(body, comma + 1);
    if (after >= body.length || isEol(body[after]) || after === close) {
      return applyPatches(doc, [{ at: leadFor(comma + 1), end: comma + 1, text: '' }]);
    }
    return applyPatches(doc, [{ at: m.offset, end: after, text: '' }]);
  }
  const patches: Patch[] = [];
  if (prevKid) {
    const pc = commaAfter(body, end(prevKid));
    if (pc >= 0) patches.push({ at: pc, end: pc + 1, text: '' });
  }
  const after = hwsAfter(body, mEnd);
  if (own && commentEnd(body, after) >= 0) patches.push({ at: m.offset, end: after, text: '' });
  else patches.push({ at: leadFor(mEnd), end: mEnd, text: '' });
  return applyPatches(doc, patches);
}

/** Properties of object `c` named `key`, in document order. */
function propsNamed(c: Node, key: string): Node[] {
  return (c.children ?? []).filter((p) => p.children?.[0]?.value === key);
}

/** The node a path segment selects inside `cur`, or undefined. */
function child(cur: Node, seg: SlotPath[number]): Node | undefined {
  if (typeof seg === 'string') {
    if (cur.type !== 'object') return undefined;
    return propsNamed(cur, seg).at(-1)?.children?.[1];
  }
  if (cur.type !== 'array') return undefined;
  const i = findIndex(valueOf(cur) as JsonValue[], seg);
  return i < 0 ? undefined : cur.children?.[i];
}

function requirePath(path: SlotPath, file: string): void {
  if (path.length === 0) throw new ConfigFormatError(file, 'an edit needs a non-empty path', { fix: 'this is a bug in gwctl: please report it' });
}

/**
 * A document nested thousands of levels deep overflows the stack of a recursive walk: report it
 * as a format error naming the file (no real config comes near; nothing is written).
 */
function guardDepth(editor: FormatEditor): FormatEditor {
  const guard =
    <A extends unknown[], R>(fn: (...a: A) => R, fileArg: (a: A) => string) =>
    (...a: A): R => {
      try {
        return fn(...a);
      } catch (e) {
        if (e instanceof RangeError)
          throw new ConfigFormatError(fileArg(a), 'is nested too deeply to read safely', {
            fix: 'flatten the deeply nested value by hand and run the command again',
          });
        throw e;
      }
    };
  return {
    format: editor.format,
    parse: guard(editor.parse, (a) => a[1]),
    get: guard(editor.get, (a) => a[2]),
    set: guard(editor.set, (a) => a[3]),
    delete: guard(editor.delete, (a) => a[2]),
    insertMany: guard(editor.insertMany!, (a) => a[3]),
    deleteMany: guard(editor.deleteMany!, (a) => a[3]),
  };
}

function makeEditor(format: Format): FormatEditor {
  return guardDepth(makeRawEditor(format));
}

/**
 * Reading without editing: a JSON or JSONC text that is plain JSON (no comments, no trailing
 * commas: most are) gives the same data to the platform's parser as to the tree's valueOf (own
 * properties, the last of a duplicate key, `__proto__` a plain key), natively: a 5 MB settings.json
 * reads in about 20 ms instead of the tree's 150-400 ms in the agent's lite mode, and builds no
 * tree. Anything else (JSON5, comments, an error, a top level that is not an object, empty
 * content) returns undefined and goes the tree's way, which reports errors with their line.
 */
function plainData(text: string, format: Format): JsonObject | undefined {
  if (format === 'json5') return undefined;
  const body = text.startsWith(BOM) ? text.slice(BOM.length) : text;
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  // The platform parser reads any depth; gwctl's own walks (equality, hashing) recurse. A deeply
  // nested file goes the tree's way, which refuses it by name when it is too deep (guardDepth).
  return deeperThan(data, MAX_PLAIN_DEPTH) ? undefined : (data as JsonObject);
}

/** Deeper than this, data is read through the syntax tree (fuzzing found RangeErrors past ~3,000). */
const MAX_PLAIN_DEPTH = 500;

/** Whether any value in `v` is nested more than `limit` containers deep (iterative: no recursion). */
function deeperThan(v: unknown, limit: number): boolean {
  const stack: Array<{ v: unknown; d: number }> = [{ v, d: 1 }];
  for (let top = stack.pop(); top; top = stack.pop()) {
    if (top.d > limit) return true;
    const x = top.v;
    const kids = Array.isArray(x) ? x : Object.values(x as object);
    for (const k of kids) if (typeof k === 'object' && k !== null) stack.push({ v: k, d: top.d + 1 });
  }
  return false;
}

/**
 * The last text read by `get` as plain data (a restore asks for several slots of one text); held
 * weakly, so a large config's data does not stay in memory after the command.
 */
let lastData: WeakRef<{ text: string; format: Format; data: JsonObject | undefined }> | undefined;

function makeRawEditor(format: Format): FormatEditor {
  const raw: FormatEditor = {
    format,
    parse(text, file) {
      const data = plainData(text, format);
      if (data) return data;
      const { root } = load(text, file, format);
      return root ? (valueOf(root) as JsonObject) : {};
    },
    get(text, path, file) {
      let read = lastData?.deref();
      if (read?.text !== text || read.format !== format) {
        read = { text, format, data: plainData(text, format) };
        lastData = new WeakRef(read);
      }
      if (read.data) {
        const v = getIn(read.data, path);
        return typeof v === 'object' && v !== null ? structuredClone(v) : v; // the cached data stays unshared
      }
      const { root } = load(text, file, format);
      if (!root) return getIn({}, path);
      let cur: Node | undefined = root;
      for (const seg of path) {
        cur = child(cur, seg);
        if (!cur) return undefined;
      }
      return valueOf(cur);
    },
    set(text, path, value, file) {
      requirePath(path, file);
      const doc = load(text, file, format);
      const s = detectStyle(doc.body, doc.root, format === 'json5');
      if (!doc.root) {
        const obj = render(setIn({}, path, value), '', false, s);
        const lead = doc.body.trim() === '' ? '' : doc.body + (isEol(doc.body.at(-1)) ? '' : s.eol);
        return doc.bom + lead + obj + s.eol;
      }
      let cur: Node = doc.root;
      for (let i = 0; i < path.length; i++) {
        const seg = path[i] as SlotPath[number];
        const wantObject = typeof seg === 'string';
        if (cur.type !== (wantObject ? 'object' : 'array')) return replaceValue(doc, s, cur, setIn(undefined, path.slice(i), value));
        const next = child(cur, seg);
        if (!next) return insertMember(doc, s, cur, wantObject ? seg : undefined, setIn(undefined, path.slice(i + 1), value));
        cur = next;
      }
      if (deepEqual(valueOf(cur), value)) return text;
      return replaceValue(doc, s, cur, value);
    },
    delete(text, path, file) {
      requirePath(path, file);
      const doc = load(text, file, format);
      if (!doc.root) return text;
      let cur: Node = doc.root;
      for (const seg of path.slice(0, -1)) {
        const next = child(cur, seg);
        if (!next) return text;
        cur = next;
      }
      const seg = path[path.length - 1] as SlotPath[number];
      if (typeof seg === 'string') {
        if (cur.type !== 'object') return text;
        const props = propsNamed(cur, seg);
        const target = props.at(-1);
        if (!target) return text;
        if (props.length > 1) {
          const { line, column } = lineCol(doc.body, target.offset);
          throw new ConfigFormatError(file, 'a key gwctl must remove appears more than once in the same object', {
            line,
            column,
            fix: 'remove the duplicate key by hand (JSON keeps only the last one) and run the command again',
          });
        }
        return removeMember(doc, cur, (cur.children ?? []).indexOf(target));
      }
      if (cur.type !== 'array') return text;
      const i = findIndex(valueOf(cur) as JsonValue[], seg);
      return i < 0 ? text : removeMember(doc, cur, i);
    },
    insertMany(text, parent, members, file) {
      const [first, ...rest] = members;
      if (!first) return text;
      let out = raw.set(text, [...parent, first.seg], first.value, file);
      if (rest.length === 0) return out;
      const doc = load(out, file, format);
      let c: Node | undefined = doc.root;
      for (const seg of parent) c = c && child(c, seg);
      const last = c?.children?.at(-1);
      const lastValue = last?.type === 'property' ? last.children?.[1] : last;
      const wantObject = typeof first.seg === 'string';
      if (!c || !last || !lastValue || c.type !== (wantObject ? 'object' : 'array') || !deepEqual(valueOf(lastValue), first.value)) {
        for (const m of rest) out = raw.set(out, [...parent, m.seg], m.value, file);
        return out;
      }
      return appendAfter(
        doc,
        detectStyle(doc.body, doc.root, format === 'json5'),
        c,
        last,
        rest.map((m) => [typeof m.seg === 'string' ? m.seg : undefined, m.value]),
      );
    },
    deleteMany(text, parent, segs, file) {
      const doc = load(text, file, format);
      let c: Node | undefined = doc.root;
      for (const seg of parent) c = c && child(c, seg);
      if (!c || (c.type !== 'object' && c.type !== 'array')) return text;
      const kids = c.children ?? [];
      // Index of each member to remove (last property of a name, as `delete` picks).
      const byName = new Map<string, number>();
      let values: JsonValue[] | undefined;
      if (c.type === 'object') kids.forEach((p, i) => byName.set(p.children?.[0]?.value as string, i));
      else values = valueOf(c) as JsonValue[];
      const picked = new Set<number>();
      const lookup = values ? indexer(values) : undefined;
      for (const seg of segs) {
        const i = typeof seg === 'string' ? (c.type === 'object' ? (byName.get(seg) ?? -1) : -1) : lookup ? lookup(seg) : -1;
        if (i >= 0) picked.add(i);
      }
      const named = new Map<unknown, number>();
      if (c.type === 'object') for (const p of kids) named.set(p.children?.[0]?.value, (named.get(p.children?.[0]?.value) ?? 0) + 1);
      if (c.type === 'object' && segs.some((seg) => typeof seg === 'string' && (named.get(seg) ?? 0) > 1)) {
        let out = text;
        for (const seg of segs) out = raw.delete(out, [...parent, seg], file);
        return out;
      }
      const idx = [...picked].sort((a, b) => a - b);
      // Contiguous runs, removed last first: what is before a run keeps its offsets.
      const runs: Array<[number, number]> = [];
      for (const i of idx) {
        const r = runs.at(-1);
        if (r && r[1] === i - 1) r[1] = i;
        else runs.push([i, i]);
      }
      let body = doc.body;
      let removed = 0;
      let kidsLeft = [...kids];
      for (const [a, b] of runs.reverse()) {
        const cur: Node = { ...c, length: c.length - removed, children: kidsLeft } as Node;
        const next = removeRun({ ...doc, bom: '', body }, cur, a, b);
        removed += body.length - next.length;
        body = next;
        kidsLeft = [...kidsLeft.slice(0, a), ...kidsLeft.slice(b + 1)];
      }
      return doc.bom + body;
    },
  };
  return raw;
}

export const jsonEditor: FormatEditor = makeEditor('json');
export const jsoncEditor: FormatEditor = makeEditor('jsonc');
export const json5Editor: FormatEditor = makeEditor('json5');
