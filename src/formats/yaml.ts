/**
 * Format-preserving editor for YAML (Continue's config.yaml).
 *
 * The `yaml` package parses the document into nodes with exact source ranges; every edit is a
 * hand-made text patch on those ranges (the document is never re-stringified), so comments, key
 * order, blank lines, quoting, anchors and flow collections outside the slot keep their bytes.
 * Each edit has an exact inverse, so a restore gives the original bytes back:
 * - insert into a block mapping/sequence: after the last member's line (its trailing comment
 *   included), as `EOL indent key: value` / `EOL indent - value`, at the column of the first
 *   member; an empty `key: []` / `key: {}` becomes a block with the one member;
 * - delete: the member's lines with the line break before them; a sole member collapses back to
 *   `[]` / `{}`;
 * - replace: the value after `key:` / `- `.
 * Safety: the file must be one document that both `yaml` and `js-yaml` (an independent parser,
 * core schema) read to the same data; anchors, aliases, tags and block scalars inside the slot,
 * and insertions into flow collections, are refused with an error naming the file. After each
 * edit the new text is parsed again and must differ from the old one exactly in the slot.
 */
import type * as JsYamlModule from 'js-yaml';
import type { Document, Node as YNode, Pair, YAMLMap, YAMLSeq } from 'yaml';
import type * as YamlModule from 'yaml';
import { lazyPackage } from './lazy.ts';

// Both parsers load on the first YAML file, not with this module: most users have no YAML config
// (Continue's is the one), and the agent would otherwise carry 70 modules for it all day.
const Y = lazyPackage<typeof YamlModule>('yaml');
const jsYaml = lazyPackage<typeof JsYamlModule>('js-yaml');
import { deepEqual, deleteIn, findIndex, formatPath, getIn, indexer, isFirstSeg, isObject, setIn } from './path.ts';
import { ConfigFormatError, type FormatEditor, type JsonObject, type JsonValue, type PathSeg, type SlotPath } from './slot.ts';

const BOM = '\uFEFF';

interface Style {
  eol: string;
  /** Indentation step of nested mappings. */
  unit: number;
  /** `key:\n  - item` (true) or `key:\n- item` (false). */
  indentSeqs: boolean;
}

interface Doc {
  bom: string;
  body: string;
  ydoc: Document.Parsed | undefined;
  root: YAMLMap | null;
  data: JsonObject;
  file: string;
  style: Style;
}

type Coll = YAMLMap | YAMLSeq;

/** Where a value node sits: as a mapping pair's value, or as a sequence item. */
type Holder = { kind: 'pair'; map: YAMLMap; pair: Pair } | { kind: 'item'; seq: YAMLSeq; index: number };

const ERROR_TEXT: Record<string, string> = {
  ALIAS_PROPS: 'an alias with an anchor or tag',
  BAD_ALIAS: 'a malformed alias',
  BAD_DIRECTIVE: 'a malformed directive',
  BAD_DQ_ESCAPE: 'an invalid escape in a double-quoted string',
  BAD_INDENT: 'wrong indentation',
  BAD_PROP_ORDER: 'an anchor or tag in the wrong place',
  BAD_SCALAR_START: 'a value that cannot start with this character',
  BLOCK_AS_IMPLICIT_KEY: 'a block value used as a key',
  BLOCK_IN_FLOW: 'a block value inside […] or {…}',
  DUPLICATE_KEY: 'a key that appears twice in the same mapping',
  IMPOSSIBLE: 'a syntax error',
  KEY_OVER_1024_CHARS: 'a key longer than 1024 characters',
  MISSING_CHAR: 'a missing character (an unclosed quote, bracket or brace)',
  MULTILINE_IMPLICIT_KEY: 'a key that spans lines',
  MULTIPLE_ANCHORS: 'two anchors on one value',
  MULTIPLE_DOCS: 'more than one document',
  MULTIPLE_TAGS: 'two tags on one value',
  TAB_AS_INDENT: 'a tab used for indentation',
  TAG_RESOLVE_FAILED: 'an unknown tag',
  UNEXPECTED_TOKEN: 'an unexpected token',
  BAD_COLLECTION_TYPE: 'a wrong collection type',
};

// ---------------------------------------------------------------- parsing

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

function refuse(doc: { body: string; file: string }, at: number | undefined, problem: string, fix: string): never {
  throw new ConfigFormatError(doc.file, problem, { ...(at !== undefined ? lineCol(doc.body, at) : {}), fix });
}

const FIX_SYNTAX = 'fix the file by hand (or restore it from its .bak copy) and run the command again';

/**
 * The last few parsed documents (one edit reads the same text several times: check the parent,
 * read the old value, edit, verify). Docs are never mutated; a failed parse is not cached.
 */
const recent: Array<{ text: string; file: string; doc: Doc }> = [];

function load(text: string, file: string): Doc {
  const hit = recent.find((r) => r.file === file && r.text === text);
  if (hit) return hit.doc;
  const doc = loadNow(text, file);
  recent.unshift({ text, file, doc });
  if (recent.length > 4) recent.pop();
  return doc;
}

function loadNow(text: string, file: string): Doc {
  const bom = text.startsWith(BOM) ? BOM : '';
  const body = text.slice(bom.length);
  const where = { body, file };
  const docs = Y().parseAllDocuments(body, { prettyErrors: false, uniqueKeys: true });
  if (!Array.isArray(docs)) return { bom, body, ydoc: undefined, root: null, data: {}, file, style: detectStyle(body, null) };
  if (docs.length > 1)
    refuse(
      where,
      docs[1]!.range[0],
      'holds more than one YAML document (---)',
      'gwctl edits a single-document config: keep one document and run the command again',
    );
  const doc = docs[0];
  if (!doc) return { bom, body, ydoc: undefined, root: null, data: {}, file, style: detectStyle(body, null) };
  const err = doc.errors[0];
  // Only the error's code and position are used: the message may quote the file's text.
  if (err) refuse(where, err.pos[0], `is not valid YAML: ${ERROR_TEXT[err.code] ?? 'a syntax error'}`, FIX_SYNTAX);
  const root = doc.contents;
  const emptyRoot = root === null || (Y().isScalar(root) && root.value === null && root.range !== undefined && root.range[0] === root.range[1]);
  if (!emptyRoot && !Y().isMap(root)) {
    const what = Y().isSeq(root) ? 'a list' : 'a single value';
    refuse(
      where,
      root?.range?.[0],
      `the top level is ${what}, not a mapping (key: value)`,
      'the file must hold one mapping of keys to values; fix it by hand and run the command again',
    );
  }
  let data: unknown;
  let independent: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (e) {
    if (e instanceof RangeError) throw e;
    refuse(where, undefined, 'uses aliases (*name) too many times to read safely', 'expand the aliases by hand and run the command again');
  }
  try {
    independent = body.trim() === '' ? {} : (jsYaml().load(body, { schema: jsYaml().CORE_SCHEMA }) ?? {});
  } catch (e) {
    if (e instanceof RangeError) throw e;
    const mark = (e as { mark?: { position?: number } }).mark;
    refuse(where, mark?.position, 'cannot be read the same way by two YAML parsers (js-yaml rejects it)', FIX_SYNTAX);
  }
  if (!isObject(data as JsonValue) || !deepEqual(data, independent)) {
    refuse(
      where,
      undefined,
      'is read differently by two YAML parsers (yaml and js-yaml), so gwctl cannot edit it safely',
      'simplify the unusual part (merge keys <<, tags, YAML 1.1 values like yes/no written as booleans) and run the command again',
    );
  }
  const map = Y().isMap(root) ? root : null;
  return { bom, body, ydoc: doc, root: map, data: data as JsonObject, file, style: detectStyle(body, map) };
}

// ---------------------------------------------------------------- text helpers

const isEol = (c: string | undefined): boolean => c === '\n' || c === '\r';
const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

function lineStart(body: string, pos: number): number {
  let p = pos;
  while (p > 0 && !isEol(body[p - 1])) p--;
  return p;
}

function column(body: string, pos: number): number {
  return pos - lineStart(body, pos);
}

/** Position of the line break ending the line of `pos` (or the end of the text). */
function lineEnd(body: string, pos: number): number {
  let p = pos;
  while (p < body.length && !isEol(body[p])) p++;
  return p;
}

/** Just after the line break at `p` (CRLF counts as one). */
function afterEol(body: string, p: number): number {
  if (body[p] === '\r' && body[p + 1] === '\n') return p + 2;
  return isEol(body[p]) ? p + 1 : p;
}

/** Start of the line break just before the line starting at `ls` (`ls` > 0). */
function eolBefore(body: string, ls: number): number {
  return body[ls - 1] === '\n' && body[ls - 2] === '\r' ? ls - 2 : ls - 1;
}

function range(n: YNode): [number, number] {
  const r = n.range;
  if (!r) throw new Error('yaml node without a range');
  return [r[0], r[1]];
}

/**
 * End of a node's content: its value end, without trailing blanks and line breaks; for a block
 * collection, the end of its last member's value (a block collection's own range also covers the
 * comment after its last value).
 */
function contentEnd(body: string, n: YNode): number {
  if ((Y().isMap(n) || Y().isSeq(n)) && !n.flow && n.items.length > 0) {
    const last = n.items[n.items.length - 1] as YNode | Pair | null;
    if (Y().isPair(last)) {
      const v = last.value as YNode | null;
      if (v && isNodeWithRange(v) && range(v)[1] > range(v)[0]) return contentEnd(body, v);
      if (isNodeWithRange(last.key)) return body.indexOf(':', range(last.key as YNode)[1]) + 1;
    } else if (last && isNodeWithRange(last)) return contentEnd(body, last);
  }
  const [s, e] = range(n);
  let p = e;
  while (p > s && isBlank(body[p - 1])) p--;
  return p;
}

function detectStyle(body: string, root: YAMLMap | null): Style {
  const m = /\r\n|\n|\r/.exec(body);
  const style: Style = { eol: m ? m[0] : '\n', unit: 0, indentSeqs: true };
  let seqSeen = false;
  const visitColl = (c: Coll): void => {
    if (c.flow) return;
    if (Y().isMap(c)) {
      for (const p of c.items) {
        const k = p.key as YNode | null;
        const v = p.value as YNode | null;
        if (!k || !v || !isNodeWithRange(k) || !isNodeWithRange(v)) continue;
        const kc = column(body, range(k)[0]);
        if (Y().isMap(v) && !v.flow && v.items.length && !style.unit) {
          const first = v.items[0]!.key as YNode | null;
          if (first && isNodeWithRange(first) && lineStart(body, range(first)[0]) !== lineStart(body, range(k)[0])) {
            const d = column(body, range(first)[0]) - kc;
            if (d > 0) style.unit = d;
          }
        }
        if (Y().isSeq(v) && !v.flow && v.items.length && !seqSeen) {
          const dash = dashOf(body, v, 0);
          if (dash !== undefined) {
            seqSeen = true;
            style.indentSeqs = column(body, dash) > kc;
          }
        }
        if (Y().isMap(v) || Y().isSeq(v)) visitColl(v);
      }
    } else {
      for (const it of c.items) if (Y().isMap(it) || Y().isSeq(it)) visitColl(it);
    }
  };
  if (root) visitColl(root);
  if (!style.unit) style.unit = 2;
  return style;
}

function isNodeWithRange(n: unknown): n is YNode {
  return typeof n === 'object' && n !== null && Array.isArray((n as YNode).range);
}

/** Position of the `-` introducing item `i` of a block sequence, when it is there. */
function dashOf(body: string, seq: YAMLSeq, i: number): number | undefined {
  const it = seq.items[i] as YNode | null;
  if (!it || !isNodeWithRange(it)) return undefined;
  let p = range(it)[0] - 1;
  while (p >= 0 && (body[p] === ' ' || body[p] === '\t')) p--;
  return body[p] === '-' ? p : undefined;
}

// ---------------------------------------------------------------- rendering

const RESERVED = /^(?:true|false|null|yes|no|on|off|y|n|~)$/i;
/** Strings safe to write unquoted, in block and in flow context, for YAML 1.1 and 1.2 readers. */
function plainOk(s: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_.\/@+-]*(?::[A-Za-z0-9_.\/@+-]+)*$/.test(s) && !RESERVED.test(s);
}

function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
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

function scalar(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan';
    if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
    return Object.is(v, -0) ? '-0.0' : String(v);
  }
  if (typeof v === 'string') return plainOk(v) ? v : quote(v);
  return Array.isArray(v) ? '[]' : '{}';
}

const keyText = (k: string): string => (plainOk(k) ? k : quote(k));

const isEmptyColl = (v: JsonValue): boolean => typeof v === 'object' && v !== null && (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);
const isBlockColl = (v: JsonValue): boolean => typeof v === 'object' && v !== null && !isEmptyColl(v);

/** Flow rendering (inside `[…]` / `{…}`). */
function flow(v: JsonValue): string {
  if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
  if (isObject(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${keyText(k)}: ${flow(x)}`)
      .join(', ')}}`;
  return scalar(v);
}

/**
 * Block rendering of a non-empty collection: the first line carries no indentation (the caller
 * places it), every later line starts with `indent` or deeper.
 */
function block(v: JsonValue, indent: string, s: Style): string {
  if (Array.isArray(v)) return v.map((x) => '-' + itemSuffix(x, indent, s)).join(s.eol + indent);
  return Object.entries(v as JsonObject)
    .map(([k, x]) => keyText(k) + ':' + valueSuffix(x, indent, s))
    .join(s.eol + indent);
}

/** What follows `key:` for a member at column `indent`. */
function valueSuffix(v: JsonValue, indent: string, s: Style): string {
  if (!isBlockColl(v)) return ' ' + scalar(v);
  const inner = Array.isArray(v) ? (s.indentSeqs ? indent + ' '.repeat(s.unit) : indent) : indent + ' '.repeat(s.unit);
  return s.eol + inner + block(v, inner, s);
}

/** What follows `-` for an item whose dash is at column `indent`. */
function itemSuffix(v: JsonValue, indent: string, s: Style): string {
  if (!isBlockColl(v)) return ' ' + scalar(v);
  return ' ' + block(v, indent + '  ', s);
}

// ---------------------------------------------------------------- navigation

function keyOf(p: Pair): string | undefined {
  const k = p.key;
  if (Y().isScalar(k)) return k.value === null ? '' : String(k.value);
  return undefined;
}

function jsOf(n: unknown, doc: Document.Parsed | undefined): JsonValue {
  if (n === null || n === undefined) return null;
  return (n as YNode).toJS(doc as Document.Parsed) as JsonValue;
}

interface Step {
  node: YNode | null;
  holder: Holder;
}

/** The value a path segment selects inside collection `c`, with where it sits. */
function stepInto(c: Coll, seg: PathSeg, docNode: Document.Parsed | undefined): Step | undefined {
  if (typeof seg === 'string') {
    if (!Y().isMap(c)) return undefined;
    const pairs = c.items.filter((p) => keyOf(p) === seg);
    const pair = pairs[pairs.length - 1];
    return pair ? { node: pair.value as YNode | null, holder: { kind: 'pair', map: c, pair } } : undefined;
  }
  if (!Y().isSeq(c)) return undefined;
  const values = c.items.map((it) => jsOf(it, docNode));
  const i = findIndex(values, seg);
  return i < 0 ? undefined : { node: c.items[i] as YNode | null, holder: { kind: 'item', seq: c, index: i } };
}

/** Refuse a node we would have to write through or replace: aliases, anchors, tags, block scalars. */
function checkEditable(d: Doc, n: YNode | null, path: SlotPath, whole: boolean): void {
  if (!n) return;
  const problem = (m: YNode): string | undefined => {
    if (Y().isAlias(m)) return 'an alias (*name)';
    if (m.anchor) return 'an anchor (&name)';
    if (m.tag) return 'a tag (!name)';
    if (Y().isScalar(m) && (m.type === 'BLOCK_LITERAL' || m.type === 'BLOCK_FOLDED') && whole) return 'a block scalar (| or >)';
    return undefined;
  };
  let found: { what: string; at: number | undefined } | undefined;
  const look = (m: YNode) => {
    const what = problem(m);
    if (what && !found) found = { what, at: m.range?.[0] };
  };
  look(n);
  if (whole && !found && (Y().isMap(n) || Y().isSeq(n))) {
    Y().visit(n, (_k, m) => {
      if (Y().isPair(m)) return undefined;
      if (m && typeof m === 'object' && 'range' in m) look(m as YNode);
      return found ? Y().visit.BREAK : undefined;
    });
  }
  if (found) {
    refuse(
      d,
      found.at,
      `${formatPath(path)} uses ${found.what}, which gwctl cannot edit without changing other values`,
      `write ${formatPath(path)} out plainly (no anchors, aliases, tags or block scalars) and run the command again`,
    );
  }
}

// ---------------------------------------------------------------- editing

interface Patch {
  at: number;
  end: number;
  text: string;
}

function patch(d: Doc, p: Patch): string {
  return d.bom + d.body.slice(0, p.at) + p.text + d.body.slice(p.end);
}

function flowOf(h: Holder): boolean {
  return h.kind === 'pair' ? !!h.map.flow : !!h.seq.flow;
}

/** The range a holder's value occupies, and the text to put there for value `v`. */
function replacement(d: Doc, h: Holder, node: YNode | null, v: JsonValue): Patch {
  const { body, style } = d;
  if (flowOf(h)) {
    if (!node) refuse(d, undefined, 'has an empty value inside […] or {…} where gwctl needs to write', 'write the value out and run the command again');
    const [s, e] = range(node);
    return { at: s, end: e, text: flow(v) };
  }
  if (h.kind === 'pair') {
    const key = h.pair.key as YNode;
    const keyEnd = range(key)[1];
    const colon = body.indexOf(':', keyEnd);
    const at = colon + 1;
    const end = node && isNodeWithRange(node) && range(node)[1] > range(node)[0] ? contentEnd(body, node) : at;
    const indent = ' '.repeat(column(body, range(key)[0]));
    return { at, end: Math.max(at, end), text: valueSuffix(v, indent, style) };
  }
  const dash = dashOf(body, h.seq, h.index);
  if (dash === undefined || !node)
    refuse(
      d,
      node?.range?.[0],
      'has a list item gwctl cannot locate exactly',
      'write each list item on its own line starting with "- " and run the command again',
    );
  const indent = ' '.repeat(column(body, dash));
  return { at: dash + 1, end: contentEnd(body, node), text: itemSuffix(v, indent, style) };
}

function replaceValue(d: Doc, h: Holder, node: YNode | null, v: JsonValue, path: SlotPath): string {
  checkEditable(d, node, path, true);
  return patch(d, replacement(d, h, node, v));
}

/** The holder of a collection inside its parent (to turn it back into `[]`/`{}` or expand it). */
interface CollCtx {
  coll: Coll | null;
  holder: Holder | null;
  node: YNode | null;
}

/** Append a member (`key` given: a mapping pair, else a sequence item) to the collection at `ctx`. */
function insertMember(d: Doc, ctx: CollCtx, key: string | undefined, v: JsonValue, path: SlotPath, first = false): string {
  const { body, style } = d;
  const c = ctx.coll;
  const member = key === undefined ? [v] : { [key]: v };
  if (c === null || c.items.length === 0) {
    if (c === null || ctx.holder === null) {
      // The top level is empty (no text, comments only, or `---` alone).
      if (/(^|[\r\n])\.\.\.[ \t]*(#.*)?[\r\n]*$/.test(body))
        refuse(d, undefined, 'ends with a document end marker (...) and holds nothing gwctl can add to', 'remove the "..." line and run the command again');
      if (body.trim() === '') return d.bom + block(member, '', style) + style.eol;
      // After the comments; a file without a final line break keeps going without one.
      const final = isEol(body.at(-1));
      return d.bom + body + (final ? '' : style.eol) + block(member, '', style) + (final ? style.eol : '');
    }
    if (flowOf(ctx.holder))
      refuse(
        d,
        ctx.node?.range?.[0],
        `${formatPath(path.slice(0, -1))} is written inside […] or {…}, which gwctl does not add to`,
        `write it in block style (one entry per line) and run the command again`,
      );
    return patch(d, replacement(d, ctx.holder, ctx.node, member));
  }
  if (c.flow)
    refuse(
      d,
      c.range?.[0],
      `${formatPath(path.slice(0, -1)) || 'the top level'} is written in flow style ([…] or {…}), which gwctl does not add to`,
      'write it in block style (one entry per line) and run the command again',
    );
  const at = lineEnd(body, contentEnd(body, c));
  if (key !== undefined) {
    const first = (c as YAMLMap).items[0]!.key as YNode;
    const indent = ' '.repeat(column(body, range(first)[0]));
    return patch(d, { at, end: at, text: style.eol + indent + block(member, indent, style) });
  }
  const dash = dashOf(body, c as YAMLSeq, 0);
  if (dash === undefined || /\S/.test(body.slice(lineStart(body, dash), dash)))
    refuse(d, c.range?.[0], 'has a list gwctl cannot locate exactly', 'write each list item on its own line starting with "- " and run the command again');
  const indent = ' '.repeat(column(body, dash));
  if (first) {
    // Before the first item's line; deleting it (its line and one line break) gives these bytes back.
    const ls = lineStart(body, dash);
    return patch(d, { at: ls, end: ls, text: indent + block(member, indent, style) + style.eol });
  }
  return patch(d, { at, end: at, text: style.eol + indent + block(member, indent, style) });
}

/** Start of member `i` of block collection `c` (a pair's key, or an item's dash). */
function memberStart(d: Doc, c: Coll, i: number): number {
  if (Y().isMap(c)) {
    const k = c.items[i]!.key as YNode;
    if (!isNodeWithRange(k)) refuse(d, undefined, 'has a mapping key gwctl cannot locate', FIX_SYNTAX);
    return range(k)[0];
  }
  const dash = dashOf(d.body, c, i);
  if (dash === undefined)
    refuse(d, c.range?.[0], 'has a list item gwctl cannot locate exactly', 'write each list item on its own line starting with "- " and run the command again');
  return dash;
}

function memberEnd(d: Doc, c: Coll, i: number): number {
  const m = c.items[i] as YNode | Pair;
  if (Y().isPair(m)) {
    const v = m.value as YNode | null;
    if (v && isNodeWithRange(v) && range(v)[1] > range(v)[0]) return contentEnd(d.body, v);
    const k = m.key as YNode;
    return d.body.indexOf(':', range(k)[1]) + 1;
  }
  return contentEnd(d.body, m);
}

/** Remove member `i` of the collection at `ctx` (the exact inverse of insertMember). */
function removeMember(d: Doc, ctx: CollCtx, i: number, path: SlotPath): string {
  return patch(d, removal(d, ctx, i, path));
}

/** The text range that removing member `i` of a block collection takes out (see removeMember). */
function removal(d: Doc, ctx: CollCtx, i: number, path: SlotPath): Patch {
  const { body } = d;
  const c = ctx.coll!;
  const m = c.items[i] as YNode | Pair;
  checkEditable(d, Y().isPair(m) ? (m.value as YNode | null) : m, path, true);
  if (Y().isPair(m)) checkEditable(d, m.key as YNode, path, false);
  if (c.flow)
    refuse(
      d,
      c.range?.[0],
      `${formatPath(path.slice(0, -1)) || 'the top level'} is written in flow style ([…] or {…}), which gwctl does not remove from`,
      'write it in block style (one entry per line) and run the command again',
    );
  if (c.items.length === 1 && ctx.holder) {
    return replacement(d, ctx.holder, ctx.node, Y().isMap(c) ? {} : []);
  }
  const s = memberStart(d, c, i);
  const e = lineEnd(body, memberEnd(d, c, i));
  const ls = lineStart(body, s);
  if (/\S/.test(body.slice(ls, s))) {
    // Shares its line with what comes before (the first pair of a `- key: value` item).
    if (i + 1 < c.items.length) return { at: s, end: memberStart(d, c, i + 1), text: '' };
    refuse(d, s, `${formatPath(path)} shares its line with other values`, 'put it on its own line and run the command again');
  }
  if (ls === 0) return { at: 0, end: afterEol(body, e), text: '' };
  if (e === body.length) {
    // The last line of a file without a final line break: blank lines before it go too, so the
    // file still ends without one.
    let at = eolBefore(body, ls);
    while (at > 0 && isBlank(body[at - 1])) at--;
    return { at, end: e, text: '' };
  }
  return { at: eolBefore(body, ls), end: e, text: '' };
}

function requirePath(path: SlotPath, file: string): void {
  if (path.length === 0) throw new ConfigFormatError(file, 'an edit needs a non-empty path', { fix: 'this is a bug in gwctl: please report it' });
}

/**
 * Walk `path[0..upTo)` as far as it exists. `i` segments were found; `node` is the value they lead
 * to (the top-level mapping when `i` is 0) and `holder` where it sits.
 */
function walk(d: Doc, path: SlotPath, upTo: number): { i: number; node: YNode | null; holder: Holder | null } {
  let node: YNode | null = d.root;
  let holder: Holder | null = null;
  for (let i = 0; i < upTo; i++) {
    if (!(Y().isMap(node) || Y().isSeq(node))) return { i, node, holder };
    const step = stepInto(node, path[i]!, d.ydoc);
    if (!step) return { i, node, holder };
    checkEditable(d, step.node, path.slice(0, i + 1), false);
    node = step.node;
    holder = step.holder;
  }
  return { i: upTo, node, holder };
}

function ctxOf(node: YNode | null, holder: Holder | null): CollCtx {
  return { coll: Y().isMap(node) || Y().isSeq(node) ? node : null, holder, node };
}

/** The edit must change exactly the slot: parse the result and compare. */
function checked(d: Doc, out: string, expected: JsonValue | undefined, path: SlotPath): string {
  let got: JsonObject;
  try {
    got = load(out, d.file).data;
  } catch (e) {
    if (!(e instanceof ConfigFormatError)) throw e;
    got = { '\u0000unreadable': true };
  }
  if (!deepEqual(got, expected ?? {})) {
    refuse(
      d,
      undefined,
      `gwctl cannot edit ${formatPath(path)} here without changing other values (the layout around it is unusual), so nothing was written`,
      `edit ${formatPath(path)} by hand, or simplify the layout around it, and run the command again`,
    );
  }
  return out;
}

function guardDepth<A extends unknown[], R>(fn: (...a: A) => R, fileArg: (a: A) => string): (...a: A) => R {
  return (...a: A): R => {
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
}

function set(text: string, path: SlotPath, value: JsonValue, file: string): string {
  requirePath(path, file);
  const d = load(text, file);
  const expected = setIn(d.data, path, value);
  const { i, node, holder } = walk(d, path, path.length);
  if (i === path.length) {
    if (deepEqual(getIn(d.data, path), value)) return text;
    return checked(d, replaceValue(d, holder!, node, value, path), expected, path);
  }
  const seg = path[i]!;
  const wantMap = typeof seg === 'string';
  const rest = setIn(undefined, path.slice(i + 1), value);
  if (i === 0 || (wantMap ? Y().isMap(node) : Y().isSeq(node))) {
    const first = isFirstSeg(seg);
    return checked(d, insertMember(d, ctxOf(node, holder), wantMap ? seg : undefined, rest, path, first), expected, path);
  }
  // The value in the way is not a container of the right kind (or `key:` with nothing): replace it.
  return checked(d, replaceValue(d, holder!, node, setIn(undefined, path.slice(i), value), path), expected, path);
}

/**
 * Many new members of one container (a model each): the first through set(), the rest as ONE
 * text insertion and one check, instead of a parse, an edit and two verifying parses each (a
 * 2,000-model Continue takeover took 144 s that way). Anything but a plain block collection
 * with the same placement for every member takes the one-at-a-time way.
 */
function insertMany(text: string, parent: SlotPath, members: ReadonlyArray<{ seg: PathSeg; value: JsonValue }>, file: string): string {
  const [head, ...rest] = members;
  if (!head) return text;
  let out = set(text, [...parent, head.seg], head.value, file);
  if (rest.length === 0) return out;
  const one = () => {
    for (const m of rest) out = set(out, [...parent, m.seg], m.value, file);
    return out;
  };
  const wantMap = typeof head.seg === 'string';
  const first = isFirstSeg(head.seg);
  if (rest.some((m) => (typeof m.seg === 'string') !== wantMap || isFirstSeg(m.seg) !== first)) return one();
  const d = load(out, file);
  const { i, node } = walk(d, [...parent, head.seg], parent.length);
  const c = i === parent.length && (wantMap ? Y().isMap(node) : Y().isSeq(node)) ? (node as Coll) : null;
  if (!c || c.flow || c.items.length === 0) return one();
  const { body, style } = d;
  const cur = getIn(d.data, parent);
  let next: JsonValue;
  let p: Patch;
  if (wantMap) {
    const k0 = (c as YAMLMap).items[0]!.key as YNode;
    if (!isNodeWithRange(k0)) return one();
    const indent = ' '.repeat(column(body, range(k0)[0]));
    const at = lineEnd(body, contentEnd(body, c));
    p = { at, end: at, text: rest.map((m) => style.eol + indent + block({ [m.seg as string]: m.value }, indent, style)).join('') };
    next = { ...(cur as JsonObject) };
    for (const m of rest) (next as JsonObject)[m.seg as string] = m.value;
  } else {
    const dash = dashOf(body, c as YAMLSeq, 0);
    if (dash === undefined || /\S/.test(body.slice(lineStart(body, dash), dash))) return one();
    const indent = ' '.repeat(column(body, dash));
    if (first) {
      // Each would go before the first item in turn: together, in reverse, before it.
      const ls = lineStart(body, dash);
      const ordered = [...rest].reverse();
      p = { at: ls, end: ls, text: ordered.map((m) => indent + block([m.value], indent, style) + style.eol).join('') };
      next = [...ordered.map((m) => m.value), ...(cur as JsonValue[])];
    } else {
      const at = lineEnd(body, contentEnd(body, c));
      p = { at, end: at, text: rest.map((m) => style.eol + indent + block([m.value], indent, style)).join('') };
      next = [...(cur as JsonValue[]), ...rest.map((m) => m.value)];
    }
  }
  return checked(d, patch(d, p), parent.length ? setIn(d.data, parent, next) : next, parent);
}

/**
 * Many members of one container removed (a model each, on restore): every removal range worked
 * out on the same parse and cut in one pass, then one check; the one-at-a-time way when the
 * collection would end up empty, for a flow collection, duplicate keys, ranges that touch, or a
 * result that does not check out.
 */
function deleteMany(text: string, parent: SlotPath, segs: readonly PathSeg[], file: string): string {
  const one = () => {
    let out = text;
    for (const seg of segs) out = del(out, [...parent, seg], file);
    return out;
  };
  if (segs.length === 0) return text;
  const d = load(text, file);
  const { i, node, holder } = walk(d, [...parent, segs[0]!], parent.length);
  if (i !== parent.length || !(Y().isMap(node) || Y().isSeq(node)) || node.flow) return one();
  const c = node as Coll;
  const picked = new Set<number>();
  const segOf = new Map<number, PathSeg>();
  if (Y().isMap(c)) {
    const byKey = new Map<string, number[]>();
    c.items.forEach((p, n) => {
      const k = keyOf(p);
      if (k !== undefined) byKey.set(k, [...(byKey.get(k) ?? []), n]);
    });
    for (const seg of segs) {
      if (typeof seg !== 'string') return one();
      const at = byKey.get(seg) ?? [];
      if (at.length > 1) return one();
      if (at.length) (picked.add(at[0]!), segOf.set(at[0]!, seg));
    }
  } else {
    const lookup = indexer(c.items.map((it) => jsOf(it, d.ydoc)));
    for (const seg of segs) {
      if (typeof seg === 'string') return one();
      const k = lookup(seg);
      if (k >= 0) (picked.add(k), segOf.set(k, seg));
    }
  }
  if (picked.size === 0) return text;
  const order = [...picked].sort((a, b) => a - b);
  // All of them: all but one in the pass, the last the one-at-a-time way (an emptied collection
  // is written `[]`/`{}` there, as a single removal leaves it).
  const last = picked.size >= c.items.length ? order.pop()! : undefined;
  if (last !== undefined) picked.delete(last);
  if (order.length === 0) return one();
  const ctx = ctxOf(node, holder);
  let cuts: Patch[];
  try {
    cuts = order.map((k) => removal(d, ctx, k, [...parent, segs[0]!]));
  } catch (e) {
    if (e instanceof ConfigFormatError) return one();
    throw e;
  }
  cuts.sort((a, b) => a.at - b.at);
  for (let k = 1; k < cuts.length; k++) if (cuts[k]!.at < cuts[k - 1]!.end) return one();
  // One pass over the text (cutting from the end one at a time copied it once per cut).
  const pieces: string[] = [];
  let from = 0;
  for (const cut of cuts) {
    pieces.push(d.body.slice(from, cut.at), cut.text);
    from = cut.end;
  }
  pieces.push(d.body.slice(from));
  const body = pieces.join('');
  const cur = getIn(d.data, parent);
  const gone = new Set([...picked].map((n) => segOf.get(n)));
  const next: JsonValue = Array.isArray(cur)
    ? cur.filter((_, n) => !picked.has(n))
    : Object.fromEntries(Object.entries(cur as JsonObject).filter(([k]) => !gone.has(k)));
  let out: string;
  try {
    out = checked(d, d.bom + body, parent.length ? setIn(d.data, parent, next) : next, parent);
  } catch (e) {
    if (e instanceof ConfigFormatError) return one();
    throw e;
  }
  return last === undefined ? out : del(out, [...parent, segOf.get(last)!], file);
}

function del(text: string, path: SlotPath, file: string): string {
  requirePath(path, file);
  const d = load(text, file);
  if (getIn(d.data, path) === undefined) return text;
  const { i, node, holder } = walk(d, path, path.length - 1);
  if (i !== path.length - 1 || !(Y().isMap(node) || Y().isSeq(node))) return text;
  const seg = path[path.length - 1]!;
  let k: number;
  if (typeof seg === 'string') {
    if (!Y().isMap(node)) return text;
    const idx = node.items.map((p, n) => (keyOf(p) === seg ? n : -1)).filter((n) => n >= 0);
    if (idx.length > 1)
      refuse(
        d,
        range(node.items[idx[1]!]!.key as YNode)[0],
        'a key gwctl must remove appears more than once in the same mapping',
        'remove the duplicate key by hand and run the command again',
      );
    k = idx[0] ?? -1;
  } else {
    if (!Y().isSeq(node)) return text;
    k = findIndex(
      node.items.map((it) => jsOf(it, d.ydoc)),
      seg,
    );
  }
  if (k < 0) return text;
  return checked(d, removeMember(d, ctxOf(node, holder), k, path), deleteIn(d.data, path), path);
}

export const yamlEditor: FormatEditor = {
  format: 'yaml',
  parse: guardDepth(
    (text: string, file: string) => load(text, file).data,
    (a) => a[1],
  ),
  get: guardDepth(
    (text: string, path: SlotPath, file: string) => getIn(load(text, file).data, path),
    (a) => a[2],
  ),
  set: guardDepth(set, (a) => a[3]),
  insertMany: guardDepth(insertMany, (a) => a[3]),
  deleteMany: guardDepth(deleteMany, (a) => a[3]),
  delete: guardDepth(del, (a) => a[2]),
};
