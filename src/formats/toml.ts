/**
 * Format-preserving editor for TOML (Codex `~/.codex/config.toml`, Kimi `~/.kimi/config.toml` and
 * `~/.kimi-code/config.toml`).
 *
 * smol-toml reads the document (values, errors, and the final check of every edit); it never writes
 * it, because `stringify(parse(x))` drops every comment. Edits patch the text: a scanner finds where
 * each statement sits (header, `key = value`, comment, blank line), and an edit replaces one value
 * in place, inserts `key = value` lines, appends `[table]` blocks at the end of the file, or removes
 * whole lines. Layout rules, chosen so that `delete` undoes `set` byte for byte:
 * - a new top-level key goes after the last top-level key; with none, before the first table (after
 *   the last blank line above it, followed by one blank line), or at the end when there is no table;
 * - a new key of an existing `[table]` goes after that table's last key (or right after its header);
 * - a new table goes at the end of the file after one blank line, its sub-tables after it, each
 *   after one blank line;
 * - deleting a table removes its header, its lines up to its last key, the blank line above the
 *   header, and all its sub-tables; deleting the only top-level key also removes the blank line
 *   below it when it stands alone between blank lines before the first table.
 * Slots written as inline tables or dotted keys, and arrays of tables, are refused when an edit
 * would have to reach inside them. Every result is parsed again and must mean exactly the intended
 * change, otherwise nothing is returned.
 */
import { parse as parseToml, TomlError } from 'smol-toml';
import { deepEqual, deleteIn, formatPath, getIn, isObject, setIn } from './path.ts';
import { ConfigFormatError, type FormatEditor, type JsonObject, type JsonValue, type SlotPath } from './slot.ts';

const BOM = '\uFEFF';
const BARE_KEY = /^[A-Za-z0-9_-]+$/;
const BARE_KEY_CHAR = /[A-Za-z0-9_-]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A layout the editor will not touch: becomes a ConfigFormatError naming the file. */
class Refusal extends Error {
  readonly fix: string | undefined;
  readonly line: number | undefined;
  constructor(problem: string, fix?: string, line?: number) {
    super(problem);
    this.fix = fix;
    this.line = line;
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

/** smol-toml's tables have no prototype; hand out plain objects (dates stay TomlDate). */
function toPlain(v: unknown): JsonValue {
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof Date || typeof v !== 'object' || v === null) return v as JsonValue;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    Object.defineProperty(out, k, { value: toPlain(x), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function parseBody(body: string, file: string): JsonObject {
  try {
    return toPlain(parseToml(body)) as JsonObject;
  } catch (e) {
    if (e instanceof TomlError) {
      // The first line of smol-toml's message is a fixed description; the rest quotes the file.
      const reason = (e.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
      throw new ConfigFormatError(file, `is not valid TOML (${reason})`, { line: e.line, column: e.column });
    }
    throw new ConfigFormatError(file, 'could not be read as TOML');
  }
}

function splitBom(text: string): { bom: string; body: string } {
  return text.startsWith(BOM) ? { bom: BOM, body: text.slice(1) } : { bom: '', body: text };
}

// ---------------------------------------------------------------------------------------------
// Layout scanner (runs only on text smol-toml accepted)

interface Line {
  start: number;
  /** End of the line's content (before `\r\n` / `\n`). */
  end: number;
  /** Start of the next line; equals `end` for a last line without a line break. */
  next: number;
}

interface Stmt {
  kind: 'blank' | 'comment' | 'header' | 'kv';
  /** First and last line (indices, inclusive). */
  first: number;
  last: number;
  indent: string;
}

interface Header extends Stmt {
  kind: 'header';
  path: string[];
  array: boolean;
}

interface Kv extends Stmt {
  kind: 'kv';
  key: string[];
  /** Table path of the section + key: where the value lives (unless inside an array of tables). */
  full: string[];
  valueStart: number;
  valueEnd: number;
  section: Section;
}

interface Section {
  path: string[];
  header: Header | undefined;
  kvs: Kv[];
  /** Under an array of tables (`[[x]]`, or `[x.y]` after `[[x]]`): not reachable by key paths. */
  inArray: boolean;
}

interface Doc {
  body: string;
  eol: string;
  lines: Line[];
  /** Lines that are blank statements (not blank lines inside a multi-line value). */
  blank: boolean[];
  sections: Section[];
  data: JsonObject;
}

class ScanError extends Error {}

function splitLines(s: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', start)) {
    lines.push({ start, end: i > start && s[i - 1] === '\r' ? i - 1 : i, next: i + 1 });
    start = i + 1;
  }
  if (start < s.length) lines.push({ start, end: s.length, next: s.length });
  return lines;
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t';
const atEol = (s: string, i: number): boolean => i >= s.length || s[i] === '\n' || (s[i] === '\r' && s[i + 1] === '\n');

function skipSpace(s: string, i: number): number {
  while (isSpace(s[i])) i++;
  return i;
}

/** Skip blanks, line breaks and comments (inside arrays and inline tables). */
function skipNoise(s: string, i: number): number {
  for (;;) {
    i = skipSpace(s, i);
    if (s[i] === '#') while (!atEol(s, i)) i++;
    else if (s[i] === '\n') i++;
    else if (s[i] === '\r' && s[i + 1] === '\n') i += 2;
    else return i;
  }
}

/** Skip blanks and an optional comment; must then be at the end of a line. */
function endOfStatement(s: string, i: number): number {
  i = skipSpace(s, i);
  if (s[i] === '#') while (!atEol(s, i)) i++;
  if (!atEol(s, i)) throw new ScanError('expected end of line');
  return i;
}

function hexAt(s: string, i: number, n: number): number {
  const h = s.slice(i, i + n);
  if (!/^[0-9A-Fa-f]+$/.test(h) || h.length !== n) throw new ScanError('bad escape');
  return parseInt(h, 16);
}

const SIMPLE_ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', e: '\x1b', '"': '"', '\\': '\\' };

/** A one-line basic string starting at `i` (the quote): its value and the index after it. */
function scanBasic(s: string, i: number): { value: string; end: number } {
  let value = '';
  for (let j = i + 1; j < s.length;) {
    const c = s[j]!;
    if (c === '"') return { value, end: j + 1 };
    if (c === '\\') {
      const e = s[j + 1] ?? '';
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        value += simple;
        j += 2;
      } else {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
        if (!n) throw new ScanError('bad escape');
        value += String.fromCodePoint(hexAt(s, j + 2, n));
        j += 2 + n;
      }
      continue;
    }
    value += c;
    j++;
  }
  throw new ScanError('unterminated string');
}

function scanLiteral(s: string, i: number): { value: string; end: number } {
  const j = s.indexOf("'", i + 1);
  if (j < 0) throw new ScanError('unterminated string');
  return { value: s.slice(i + 1, j), end: j + 1 };
}

/** A (dotted) key starting at `i`; `end` is right after its last part. */
function scanKey(s: string, i: number): { segs: string[]; end: number } {
  const segs: string[] = [];
  for (;;) {
    i = skipSpace(s, i);
    const c = s[i];
    if (c === '"' || c === "'") {
      const r = c === '"' ? scanBasic(s, i) : scanLiteral(s, i);
      segs.push(r.value);
      i = r.end;
    } else {
      const start = i;
      while (i < s.length && BARE_KEY_CHAR.test(s[i]!)) i++;
      if (i === start) throw new ScanError('expected a key');
      segs.push(s.slice(start, i));
    }
    const j = skipSpace(s, i);
    if (s[j] !== '.') return { segs, end: i };
    i = j + 1;
  }
}

/** End of a multi-line string whose body starts at `i` (after the opening delimiter). */
function scanMultiline(s: string, i: number, quote: string, escapes: boolean): number {
  const delim = quote.repeat(3);
  while (i < s.length) {
    if (escapes && s[i] === '\\') i += 2;
    else if (s.startsWith(delim, i)) {
      let j = i + 3;
      while (s[j] === quote && j < i + 5) j++;
      return j;
    } else i++;
  }
  throw new ScanError('unterminated string');
}

/** Index right after the value starting at `i`. */
function scanValue(s: string, i: number): number {
  if (s.startsWith('"""', i)) return scanMultiline(s, i + 3, '"', true);
  if (s.startsWith("'''", i)) return scanMultiline(s, i + 3, "'", false);
  const c = s[i];
  if (c === '"') return scanBasic(s, i).end;
  if (c === "'") return scanLiteral(s, i).end;
  if (c === '[' || c === '{') {
    const close = c === '[' ? ']' : '}';
    let j = i + 1;
    for (;;) {
      j = skipNoise(s, j);
      if (s[j] === close) return j + 1;
      if (j >= s.length) throw new ScanError('unterminated structure');
      if (c === '{') {
        j = skipSpace(s, scanKey(s, j).end);
        if (s[j] !== '=') throw new ScanError('expected =');
        j = skipSpace(s, j + 1);
      }
      j = skipNoise(s, scanValue(s, j));
      if (s[j] === ',') j++;
      else if (s[j] !== close) throw new ScanError('expected , or end of structure');
    }
  }
  let j = i;
  while (j < s.length && !',]}#\n'.includes(s[j]!) && !(s[j] === '\r' && s[j + 1] === '\n')) j++;
  while (j > i && isSpace(s[j - 1])) j--;
  if (j === i) throw new ScanError('expected a value');
  return j;
}

function lineAt(lines: readonly Line[], offset: number): number {
  let lo = 0;
  let hi = lines.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lines[mid]!.start <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function scan(s: string, lines: readonly Line[]): { sections: Section[]; blank: boolean[] } {
  const root: Section = { path: [], header: undefined, kvs: [], inArray: false };
  const sections: Section[] = [root];
  const blank = lines.map(() => false);
  let section = root;
  for (let li = 0; li < lines.length;) {
    const line = lines[li]!;
    const q = skipSpace(s, line.start);
    const indent = s.slice(line.start, q);
    if (atEol(s, q) || s[q] === '#') {
      blank[li] = atEol(s, q);
      li++;
    } else if (s[q] === '[') {
      const array = s[q + 1] === '[';
      const key = scanKey(s, q + (array ? 2 : 1));
      let j = skipSpace(s, key.end);
      if (s[j] !== ']' || (array && s[j + 1] !== ']')) throw new ScanError('expected ]');
      endOfStatement(s, j + (array ? 2 : 1));
      const header: Header = { kind: 'header', first: li, last: li, indent, path: key.segs, array };
      section = { path: key.segs, header, kvs: [], inArray: false };
      sections.push(section);
      li++;
    } else {
      const key = scanKey(s, q);
      let j = skipSpace(s, key.end);
      if (s[j] !== '=') throw new ScanError('expected =');
      const valueStart = skipSpace(s, j + 1);
      const valueEnd = scanValue(s, valueStart);
      const last = lineAt(lines, endOfStatement(s, valueEnd));
      section.kvs.push({
        kind: 'kv',
        first: li,
        last,
        indent,
        key: key.segs,
        full: [...section.path, ...key.segs],
        valueStart,
        valueEnd,
        section,
      });
      li = last + 1;
    }
  }
  const arrays = sections.filter((x) => x.header?.array).map((x) => x.path);
  for (const x of sections) x.inArray = arrays.some((a) => isPrefix(a, x.path));
  return { sections, blank };
}

function analyze(body: string, file: string): Doc {
  const data = parseBody(body, file);
  const lines = splitLines(body);
  const nl = body.indexOf('\n');
  const eol = nl > 0 && body[nl - 1] === '\r' ? '\r\n' : '\n';
  try {
    return { body, eol, lines, data, ...scan(body, lines) };
  } catch (e) {
    if (!(e instanceof ScanError)) throw e;
    throw new ConfigFormatError(file, 'uses a TOML layout gwctl cannot edit safely', {
      fix: 'simplify the file by hand (one key = value per line, [table] sections) and run the command again',
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Lookups

function isPrefix(a: readonly string[], b: readonly string[]): boolean {
  return a.length <= b.length && a.every((x, i) => x === b[i]);
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && isPrefix(a, b);
}

function allKvs(doc: Doc): Kv[] {
  return doc.sections.filter((x) => !x.inArray).flatMap((x) => x.kvs);
}

/** The `key = value` statement whose value is exactly at `path`. */
function kvAt(doc: Doc, path: readonly string[]): Kv | undefined {
  return allKvs(doc).find((kv) => samePath(kv.full, path));
}

/** A `key = value` statement whose (inline) value contains `path`. */
function kvAbove(doc: Doc, path: readonly string[]): Kv | undefined {
  return allKvs(doc).find((kv) => kv.full.length < path.length && isPrefix(kv.full, path));
}

/** A dotted `key = value` statement that creates table `path` (e.g. `path.x = 1` in its parent). */
function dottedDefining(doc: Doc, path: readonly string[]): Kv | undefined {
  return allKvs(doc).find((kv) => kv.section.path.length < path.length && path.length < kv.full.length && isPrefix(path, kv.full));
}

function headerSection(doc: Doc, path: readonly string[]): Section | undefined {
  return doc.sections.find((x) => x.header && !x.inArray && !x.header.array && samePath(x.path, path));
}

function isTable(v: unknown): v is JsonObject {
  return isObject(v) && !(v instanceof Date);
}

// ---------------------------------------------------------------------------------------------
// Rendering

function renderKey(key: string): string {
  return BARE_KEY.test(key) ? key : basicString(key);
}

function renderPath(path: readonly string[]): string {
  return path.map(renderKey).join('.');
}

const BASIC_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };

function basicString(s: string): string {
  if (LONE_SURROGATE.test(s)) throw new Refusal('a value is not valid Unicode text', 'this is a bug in gwctl; please report it');
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    out += BASIC_ESCAPES[ch] ?? (code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0')}` : ch);
  }
  return out + '"';
}

function canBeLiteral(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !LONE_SURROGATE.test(s) && !/['\x00-\x08\x0a-\x1f\x7f]/.test(s);
}

function renderNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (Number.isSafeInteger(n)) return String(n);
  // Beyond 2^53 a TOML integer would not read back as this number: write a float.
  return Number.isInteger(n) ? n.toExponential() : String(n);
}

type Quote = 'basic' | 'literal';

function renderValue(v: unknown, quote: Quote = 'basic'): string {
  if (typeof v === 'string') return quote === 'literal' && canBeLiteral(v) ? `'${v}'` : basicString(v);
  if (typeof v === 'number') return renderNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return `[${v.map((x) => renderValue(x)).join(', ')}]`;
  if (isTable(v)) {
    const parts = Object.entries(v).map(([k, x]) => `${renderKey(k)} = ${renderValue(x)}`);
    return parts.length ? `{ ${parts.join(', ')} }` : '{}';
  }
  throw new Refusal(`${v === null ? 'null' : typeof v} has no TOML form`, 'this is a bug in gwctl; please report it');
}

/** `[path]` with the table's plain keys, then each sub-table after one blank line. */
function tableBlock(path: readonly string[], table: JsonObject): string[] {
  const lines = [`[${renderPath(path)}]`];
  const subTables: [string, JsonObject][] = [];
  for (const [k, x] of Object.entries(table)) {
    if (isTable(x)) subTables.push([k, x]);
    else lines.push(`${renderKey(k)} = ${renderValue(x)}`);
  }
  for (const [k, x] of subTables) lines.push('', ...tableBlock([...path, k], x));
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Text patches

function insertAfterLine(doc: Doc, li: number, newLines: readonly string[]): string {
  const line = doc.lines[li]!;
  if (line.next > line.end) {
    return doc.body.slice(0, line.next) + newLines.map((l) => l + doc.eol).join('') + doc.body.slice(line.next);
  }
  return doc.body + newLines.map((l) => doc.eol + l).join('');
}

function insertBeforeLine(doc: Doc, li: number, newLines: readonly string[]): string {
  const at = doc.lines[li]!.start;
  return doc.body.slice(0, at) + newLines.map((l) => l + doc.eol).join('') + doc.body.slice(at);
}

function appendLines(doc: Doc, newLines: readonly string[], gap: boolean): string {
  const text = newLines.join(doc.eol);
  if (doc.body === '') return text + doc.eol;
  const sep = gap ? doc.eol : '';
  if (doc.body.endsWith('\n')) return doc.body + sep + text + doc.eol;
  return doc.body + doc.eol + sep + text;
}

/** Lines `first`..`last` become the single line `text` (keeping the line break after `last`). */
interface Replacement {
  first: number;
  last: number;
  text: string;
}

/** Remove whole lines; when the last line (without a line break) goes, so does the break before it. */
function removeLines(doc: Doc, dropped: ReadonlySet<number>, rep?: Replacement): string {
  const { lines, body } = doc;
  const n = lines.length;
  const drop = new Set([...dropped].filter((i) => !rep || i < rep.first || i > rep.last));
  let cutBreakOf = -1;
  if (drop.has(n - 1) && lines[n - 1]!.next === lines[n - 1]!.end) {
    let k = n - 1;
    while (k > 0 && drop.has(k - 1)) k--;
    cutBreakOf = k - 1;
  }
  let out = '';
  for (let i = 0; i < n; i++) {
    const line = lines[i]!;
    if (rep && i === rep.first) {
      const last = lines[rep.last]!;
      out += rep.text + (cutBreakOf === rep.last ? '' : body.slice(last.end, last.next));
      i = rep.last;
    } else if (!drop.has(i)) {
      out += body.slice(line.start, i === cutBreakOf ? line.end : line.next);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Edits

function inlineRefusal(kv: Kv): Refusal {
  const name = renderPath(kv.full);
  return new Refusal(`[${name}] is defined as an inline table`, `move it to a [${name}] section and retry`, kv.first + 1);
}

function dottedRefusal(table: readonly string[], kv: Kv): Refusal {
  const name = renderPath(table);
  return new Refusal(`[${name}] is defined with dotted keys`, `move its keys to a [${name}] section and retry`, kv.first + 1);
}

/** Every existing proper prefix of `path` must be a table (not a value, not an array of tables). */
function checkParents(doc: Doc, path: readonly string[]): void {
  for (let i = 1; i < path.length; i++) {
    const prefix = path.slice(0, i);
    const v = getIn(doc.data, prefix);
    if (v === undefined) return;
    if (isTable(v)) continue;
    const name = renderPath(prefix);
    if (doc.sections.some((x) => x.header?.array && samePath(x.path, prefix))) {
      throw new Refusal(`[[${name}]] is an array of tables`, 'gwctl does not edit arrays of tables; change it by hand');
    }
    const kv = kvAt(doc, prefix);
    throw new Refusal(`${name} holds a value, not a table`, `remove or rename ${name} and retry`, kv && kv.first + 1);
  }
}

function setBody(body: string, path: readonly string[], value: unknown, file: string): string {
  const doc = analyze(body, file);
  const cur = getIn(doc.data, path);
  if (cur !== undefined && deepEqual(cur, value)) return body;
  checkParents(doc, path);
  const above = kvAbove(doc, path);
  if (above) throw inlineRefusal(above);
  if (cur === undefined) return create(doc, path, value);
  if (doc.sections.some((x) => x.header?.array && samePath(x.path, path))) {
    const name = renderPath(path);
    throw new Refusal(`[[${name}]] is an array of tables`, 'gwctl does not edit arrays of tables; change it by hand');
  }
  const kv = kvAt(doc, path);
  if (kv) {
    if (!isTable(value)) {
      const quote: Quote = body[kv.valueStart] === "'" ? 'literal' : 'basic';
      return body.slice(0, kv.valueStart) + renderValue(value, quote) + body.slice(kv.valueEnd);
    }
    if (body[kv.valueStart] === '{') return body.slice(0, kv.valueStart) + renderValue(value) + body.slice(kv.valueEnd);
    return setBody(deleteBody(body, path, file), path, value, file);
  }
  if (!isTable(value)) return setBody(deleteBody(body, path, file), path, value, file);
  // An existing table: keep its keys in place, drop the ones the new value lacks, append new ones.
  let out = body;
  for (const k of Object.keys(cur as JsonObject)) {
    if (!Object.prototype.hasOwnProperty.call(value, k)) out = deleteBody(out, [...path, k], file);
  }
  for (const [k, x] of Object.entries(value)) out = setBody(out, [...path, k], x, file);
  if (getIn(parseBody(out, file), path) === undefined) out = setBody(out, path, {}, file);
  return out;
}

function create(doc: Doc, path: readonly string[], value: unknown): string {
  let depth = 0;
  while (depth < path.length - 1 && isTable(getIn(doc.data, path.slice(0, depth + 1)))) depth++;
  const parent = path.slice(0, depth);
  const key = path[depth]!;
  const asKv = depth === path.length - 1 && !isTable(value);
  if (depth === 0) {
    if (asKv) return insertTopLevel(doc, key, value);
  } else {
    const inline = kvAt(doc, parent);
    if (inline) throw inlineRefusal(inline);
    const dotted = dottedDefining(doc, parent);
    if (dotted) throw dottedRefusal(parent, dotted);
    const section = headerSection(doc, parent);
    if (asKv && section) return insertInTable(doc, section, key, value);
  }
  const table = isTable(value) ? path : path.slice(0, -1);
  const content: JsonObject = isTable(value) ? value : { [path[path.length - 1]!]: value as JsonValue };
  return appendLines(doc, tableBlock(table, content), true);
}

function insertInTable(doc: Doc, section: Section, key: string, value: unknown): string {
  const last = section.kvs[section.kvs.length - 1];
  const anchor = last ?? section.header!;
  return insertAfterLine(doc, anchor.last, [`${anchor.indent}${renderKey(key)} = ${renderValue(value)}`]);
}

function insertTopLevel(doc: Doc, key: string, value: unknown): string {
  const root = doc.sections[0]!;
  const line = `${renderKey(key)} = ${renderValue(value)}`;
  const last = root.kvs[root.kvs.length - 1];
  if (last) return insertAfterLine(doc, last.last, [last.indent + line]);
  const firstHeader = doc.sections[1]?.header;
  if (!firstHeader) return appendLines(doc, [line], false);
  let at = firstHeader.first;
  while (at > 0 && !doc.blank[at - 1]) at--;
  return insertBeforeLine(doc, at, [line, '']);
}

function deleteBody(body: string, path: readonly string[], file: string): string {
  const doc = analyze(body, file);
  if (getIn(doc.data, path) === undefined) return body;
  const above = kvAbove(doc, path);
  if (above) throw inlineRefusal(above);
  const drop = new Set<number>();
  const dropRange = (a: number, b: number): void => {
    for (let i = a; i <= b; i++) drop.add(i);
  };
  /** The first removed statement: it stands in for the parent if the parent would vanish. */
  let firstGone: Header | Kv | undefined;
  const gone = (s: Header | Kv): void => {
    if (!firstGone || s.first < firstGone.first) firstGone = s;
  };
  const root = doc.sections[0]!;
  for (const section of doc.sections) {
    const header = section.header;
    if (header && isPrefix(path, section.path)) {
      dropRange(header.first, section.kvs[section.kvs.length - 1]?.last ?? header.last);
      if (doc.blank[header.first - 1]) drop.add(header.first - 1);
      gone(header);
    } else if (!section.inArray) {
      for (const kv of section.kvs) {
        if (!isPrefix(path, kv.full)) continue;
        dropRange(kv.first, kv.last);
        const alone = section === root && root.kvs.length === 1 && doc.sections.length > 1;
        if (alone && doc.blank[kv.last + 1] && (kv.first === 0 || doc.blank[kv.first - 1])) drop.add(kv.last + 1);
        gone(kv);
      }
    }
  }
  const out = removeLines(doc, drop);
  const parent = path.slice(0, -1);
  if (!parent.length || !firstGone || getIn(parseBody(out, file), parent) !== undefined) return out;
  // The parent existed only through what was removed: keep it as an empty table, written where the
  // removed statement was (`[parent]`, or `parent = {}` for a dotted key), so deleting the parent next
  // gives the original text back.
  const s = firstGone;
  if (s.kind === 'header') {
    drop.delete(s.first - 1);
    return removeLines(doc, drop, { first: s.first, last: s.last, text: `${s.indent}[${renderPath(parent)}]` });
  }
  const own = parent.slice(s.section.path.length);
  if (!own.length) return out;
  return removeLines(doc, drop, { first: s.first, last: s.last, text: `${s.indent}${renderPath(own)} = {}` });
}

// ---------------------------------------------------------------------------------------------
// Batches: one pass for many sibling tables (Kimi's one `[models."P/M"]` per model), so a
// takeover is linear in the number of models. Anything the fast path does not cover goes through
// the one-at-a-time editor, which gives the same text.

/**
 * Append tables `parent.<key>` that do not exist yet: the first through `set` (which creates the
 * parent or refuses a layout it cannot edit), the rest appended in one go exactly as `set`
 * would append them one by one (each `[table]` block after a blank line at the end).
 */
function insertManyBody(body: string, parent: readonly string[], members: ReadonlyArray<{ key: string; value: JsonValue }>, file: string): string {
  if (members.length === 0) return body;
  const [first, ...rest] = members;
  let out = setBody(body, [...parent, first!.key], first!.value, file);
  if (rest.length === 0) return out;
  const doc = analyze(out, file);
  const container = getIn(doc.data, parent);
  const fast =
    isTable(container) &&
    !kvAt(doc, parent) &&
    !dottedDefining(doc, parent) &&
    rest.every((m) => isTable(m.value) && !Object.prototype.hasOwnProperty.call(container, m.key));
  if (!fast) {
    for (const m of rest) out = setBody(out, [...parent, m.key], m.value, file);
    return out;
  }
  const lines: string[] = [];
  rest.forEach((m, i) => {
    if (i > 0) lines.push('');
    lines.push(...tableBlock([...parent, m.key], m.value as JsonObject));
  });
  return appendLines(doc, lines, true);
}

/**
 * Remove tables `parent.<key>`: every one defined by its own `[header]` section is dropped in one
 * pass; the last key (which may leave the parent empty) and any other layout go through `delete`.
 */
function deleteManyBody(body: string, parent: readonly string[], keys: readonly string[], file: string): string {
  if (keys.length === 0) return body;
  const doc = analyze(body, file);
  const last = keys[keys.length - 1]!;
  const byPath = new Map<string, Section>();
  for (const x of doc.sections) if (x.header && !x.header.array && !x.inArray) byPath.set(JSON.stringify(x.path), x);
  const container = getIn(doc.data, parent);
  const batch = new Set<string>();
  // dottedNear, with the dotted keys found once (usually none).
  const dotted = allKvs(doc).filter((kv) => kv.key.length > 1);
  const nearDotted = (path: readonly string[]) => dotted.some((kv) => isPrefix([...kv.section.path, kv.key[0]!], path));
  if (isTable(container) && !kvAbove(doc, [...parent, last]) && !kvAt(doc, parent)) {
    for (const k of keys.slice(0, -1)) {
      const path = [...parent, k];
      if (byPath.has(JSON.stringify(path)) && !nearDotted(path)) batch.add(JSON.stringify(path));
    }
  }
  const drop = new Set<number>();
  for (const x of doc.sections) {
    if (!x.header) continue;
    // The section itself, or a sub-table of it ([models."P/M".extra]).
    let hit = false;
    for (let n = parent.length + 1; n <= x.path.length && !hit; n++) hit = batch.has(JSON.stringify(x.path.slice(0, n)));
    if (!hit) continue;
    const h = x.header;
    for (let i = h.first; i <= (x.kvs[x.kvs.length - 1]?.last ?? h.last); i++) drop.add(i);
    if (doc.blank[h.first - 1]) drop.add(h.first - 1);
  }
  let out = drop.size ? removeLines(doc, drop) : body;
  for (const k of keys.slice(0, -1)) if (!batch.has(JSON.stringify([...parent, k]))) out = deleteBody(out, [...parent, k], file);
  return deleteBody(out, [...parent, last], file);
}

// ---------------------------------------------------------------------------------------------
// The editor

function keyPath(path: SlotPath, file: string): string[] {
  if (path.length === 0)
    throw new ConfigFormatError(file, 'an edit must name a key, not the whole document', { fix: 'this is a bug in gwctl; please report it' });
  return path.map((seg) => {
    if (typeof seg === 'string') return seg;
    throw new ConfigFormatError(file, `array element paths (${formatPath(path)}) are not supported for TOML`, {
      fix: 'this is a bug in gwctl; please report it',
    });
  });
}

/** A dotted key near `path` (whose removal can drop a table the dotted key created). */
function dottedNear(doc: Doc, path: readonly string[]): Kv | undefined {
  return allKvs(doc).find((kv) => kv.key.length > 1 && isPrefix([...kv.section.path, kv.key[0]!], path));
}

function edit(
  text: string,
  path: SlotPath,
  file: string,
  change: (body: string, p: string[]) => string,
  expect: (doc: JsonObject, p: string[]) => JsonValue | undefined,
): string {
  const p = keyPath(path, file);
  const { bom, body } = splitBom(text);
  const before = analyze(body, file);
  let out: string;
  try {
    out = change(body, p);
  } catch (e) {
    if (e instanceof Refusal)
      throw new ConfigFormatError(file, e.message, { ...(e.line !== undefined ? { line: e.line } : {}), ...(e.fix !== undefined ? { fix: e.fix } : {}) });
    throw e;
  }
  if (out === body) return text;
  let after: JsonObject | undefined;
  try {
    after = parseBody(out, file);
  } catch {
    after = undefined;
  }
  if (after === undefined || !deepEqual(after, expect(before.data, p) ?? {})) {
    const dotted = dottedNear(before, p);
    if (dotted) {
      const table = [...dotted.section.path, ...dotted.key.slice(0, -1)];
      const refusal = dottedRefusal(table, dotted);
      throw new ConfigFormatError(file, refusal.message, { line: dotted.first + 1, fix: refusal.fix! });
    }
    throw new ConfigFormatError(file, `internal check failed: editing ${formatPath(path)} would change more than that key, so nothing was written`, {
      fix: "please report this with the file's layout (not its secrets); the file is unchanged",
    });
  }
  return bom + out;
}

export const tomlEditor: FormatEditor = {
  format: 'toml',
  parse(text, file) {
    return parseBody(splitBom(text).body, file);
  },
  get(text, path, file) {
    return getIn(parseBody(splitBom(text).body, file), path);
  },
  set(text, path, value, file) {
    return edit(
      text,
      path,
      file,
      (body, p) => setBody(body, p, value, file),
      (doc, p) => setIn(doc, p, value),
    );
  },
  delete(text, path, file) {
    return edit(
      text,
      path,
      file,
      (body, p) => deleteBody(body, p, file),
      (doc, p) => deleteIn(doc, p),
    );
  },
  // The caller (formats/apply.ts) verifies the whole batch once.
  insertMany(text, parent, members, file) {
    const p = keyPath([...parent, 'x'], file).slice(0, -1);
    const keyed = members.map((m) => ({ key: keyPath([m.seg], file)[0]!, value: m.value }));
    const { bom, body } = splitBom(text);
    return bom + refusing(file, () => insertManyBody(body, p, keyed, file));
  },
  deleteMany(text, parent, segs, file) {
    const p = keyPath([...parent, 'x'], file).slice(0, -1);
    const keys = segs.map((seg) => keyPath([seg], file)[0]!);
    const { bom, body } = splitBom(text);
    return bom + refusing(file, () => deleteManyBody(body, p, keys, file));
  },
};

function refusing(file: string, fn: () => string): string {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Refusal)
      throw new ConfigFormatError(file, e.message, { ...(e.line !== undefined ? { line: e.line } : {}), ...(e.fix !== undefined ? { fix: e.fix } : {}) });
    throw e;
  }
}
