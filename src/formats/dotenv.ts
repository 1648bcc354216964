/**
 * Format-preserving editor for `.env` files (Gemini CLI `~/.gemini/.env`, Qwen Code `~/.qwen/.env`).
 *
 * Reading is dotenv's own `parse` (what the clients use). Editing works on the text: we locate
 * every assignment with the same pattern dotenv's parser uses, then replace one value in place
 * (keeping `export `, spacing, quote style and a trailing `# comment`), append a new last line, or
 * drop an assignment's lines. Every result is parsed again and must mean exactly the intended
 * change, otherwise the edit is refused.
 */
import dotenv from 'dotenv';
import { deepEqual, deleteIn, formatPath, getIn, setIn } from './path.ts';
import { ConfigFormatError, type FormatEditor, type JsonObject, type JsonValue, type SlotPath } from './slot.ts';

/**
 * dotenv 18's line pattern (`LINE` in its default `parse`), copied to find where each assignment
 * sits in the text. Only positions come from it; values always come from dotenv itself.
 */
const ASSIGNMENT_SOURCE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/.source;
const VALID_NAME = /^[\w.-]+$/;
const BOM = '\uFEFF';

/** How a value is written: bare, or in one of the three quote kinds dotenv knows. */
type Style = 'bare' | 'double' | 'double-multiline' | 'single' | 'backtick';
const NEW_VALUE_STYLES: readonly Style[] = ['bare', 'double', 'single', 'backtick', 'double-multiline'];
/** After a quoted value's own style, other quotes come before bare. */
const QUOTED_STYLES: readonly Style[] = ['double', 'single', 'backtick', 'double-multiline', 'bare'];

/** One `KEY=value` assignment, in offsets of the normalised text (line breaks as `\n`). */
interface Assignment {
  key: string;
  firstLine: number;
  lastLine: number;
  /** The value as written, quotes included, without surrounding blanks. */
  valueStart: number;
  valueEnd: number;
}

interface Document {
  bom: string;
  /** The text after the BOM, as stored. */
  body: string;
  /** `body` with `\r\n` and lone `\r` turned into `\n`: what dotenv reads. */
  norm: string;
  /** `norm` offset → `body` offset (one more entry than `norm` has characters). */
  toBody: number[];
  /** Offset in `norm` where each line starts. */
  lineStarts: number[];
  eol: string;
  assignments: Assignment[];
}

function normalise(body: string): { norm: string; toBody: number[] } {
  let norm = '';
  const toBody: number[] = [];
  for (let i = 0; i < body.length; i++) {
    toBody.push(i);
    if (body[i] === '\r') {
      norm += '\n';
      if (body[i + 1] === '\n') i++;
    } else {
      norm += body[i];
    }
  }
  toBody.push(body.length);
  return { norm, toBody };
}

function lineOf(lineStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Reads the layout of `text`; throws when a line is clearly not part of a .env file. */
function scan(text: string, file: string): Document {
  const bom = text.startsWith(BOM) ? BOM : '';
  const body = text.slice(bom.length);
  const { norm, toBody } = normalise(body);
  const lineStarts = [0];
  for (let i = norm.indexOf('\n'); i !== -1; i = norm.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const eol = /\r\n|\r|\n/.exec(body)?.[0] ?? '\n';

  const assignments: Assignment[] = [];
  const pattern = new RegExp(ASSIGNMENT_SOURCE, 'dgm');
  for (let m = pattern.exec(norm); m !== null; m = pattern.exec(norm)) {
    const [keyStart, keyEnd] = m.indices?.[1] ?? [m.index, m.index];
    const raw = m.indices?.[2];
    let valueStart: number;
    let valueEnd: number;
    let end: number;
    if (raw) {
      const [rawStart, rawEnd] = raw;
      const rawText = norm.slice(rawStart, rawEnd);
      const lead = rawText.length - rawText.trimStart().length;
      valueStart = lead === rawText.length ? rawStart : rawStart + lead;
      valueEnd = valueStart + rawText.trim().length;
      end = rawEnd;
    } else {
      // `KEY=` with no value: the (empty) value sits right after the separator.
      let i = keyEnd;
      while (/\s/.test(norm[i] ?? '')) i++;
      valueStart = valueEnd = end = norm[i] === '=' ? i + 1 : i + 2;
    }
    assignments.push({
      key: m[1] ?? '',
      firstLine: lineOf(lineStarts, keyStart),
      lastLine: lineOf(lineStarts, Math.max(keyEnd, end - 1)),
      valueStart,
      valueEnd,
    });
  }

  const covered = new Array<boolean>(lineStarts.length).fill(false);
  for (const a of assignments) covered.fill(true, a.firstLine, a.lastLine + 1);
  for (let line = 0; line < lineStarts.length; line++) {
    if (covered[line]) continue;
    const content = norm.slice(lineStarts[line], (lineStarts[line + 1] ?? norm.length + 1) - 1).trim();
    // dotenv skips these silently; flag only lines that cannot be meant as a setting at all.
    if (content === '' || content.startsWith('#') || content.includes('=') || /^export(\s|$)/.test(content)) continue;
    throw new ConfigFormatError(file, `line ${line + 1} is neither a NAME=value setting nor a # comment, so .env readers skip it`, {
      line: line + 1,
      fix: 'fix the line (or put # in front of it) and run the command again',
    });
  }
  return { bom, body, norm, toBody, lineStarts, eol, assignments };
}

function read(doc: Document): JsonObject {
  return dotenv.parse(doc.body) as JsonObject;
}

function variableName(path: SlotPath, file: string): string {
  const [name] = path;
  if (path.length !== 1 || typeof name !== 'string') {
    throw new ConfigFormatError(file, `the setting path ${formatPath(path) || '(empty)'} is not supported for .env files`, {
      fix: 'use a single variable name as the path (this is a bug in gwctl; please report it)',
    });
  }
  return name;
}

function styleOf(written: string): Style {
  const first = written[0];
  if (written.length < 2 || written.at(-1) !== first) return 'bare';
  if (first === "'") return 'single';
  if (first === '`') return 'backtick';
  // Double quotes: keep line breaks escaped as `\n` if the file already does, else write them as
  // real line breaks (dotenv's documented multiline form, e.g. a PEM key).
  if (first === '"') return /\\[nr]/.test(written) && !written.includes('\n') ? 'double' : 'double-multiline';
  return 'bare';
}

/**
 * The text for `value` in `style`, or `undefined` when the style cannot hold it plainly. dotenv
 * reads `'it's'` as `it's` through a fallback; we never write such forms (other readers, and
 * people, get them wrong). The caller checks that dotenv reads the text back exactly.
 */
function encode(value: string, style: Style, eol: string): string | undefined {
  switch (style) {
    case 'bare':
      return /^['"`]/.test(value) ? undefined : value;
    case 'double':
      // dotenv turns `\n` and `\r` into line breaks inside double quotes (and nothing else).
      return value.includes('"') ? undefined : `"${value.replace(/\r/g, '\\r').replace(/\n/g, '\\n')}"`;
    case 'double-multiline':
      return value.includes('"') ? undefined : `"${value.replace(/\r/g, '\\r').replace(/\n/g, eol)}"`;
    case 'single':
      return value.includes("'") ? undefined : `'${value.replace(/\n/g, eol)}'`;
    case 'backtick':
      return value.includes('`') ? undefined : `\`${value.replace(/\n/g, eol)}\``;
  }
}

/** True when `text` is a well-formed .env file whose data is exactly `expected`. */
function means(text: string, expected: JsonValue | undefined, file: string): boolean {
  try {
    return deepEqual(read(scan(text, file)), expected ?? {});
  } catch (err) {
    if (err instanceof ConfigFormatError) return false;
    throw err;
  }
}

function setVariable(text: string, path: SlotPath, value: JsonValue, file: string): string {
  const name = variableName(path, file);
  if (!VALID_NAME.test(name) || name === '__proto__') {
    throw new ConfigFormatError(file, `${JSON.stringify(name)} is not a valid .env variable name`, {
      fix: 'use letters, digits, "_", "." or "-" only (this is a bug in gwctl; please report it)',
    });
  }
  if (typeof value !== 'string') {
    throw new ConfigFormatError(file, `${name} can only be set to a string in a .env file`, {
      fix: 'this is a bug in gwctl; please report it',
    });
  }
  const doc = scan(text, file);
  const expected = setIn(read(doc), [name], value);
  const current = doc.assignments.findLast((a) => a.key === name);

  const candidates: string[] = [];
  if (current) {
    const before = doc.bom + doc.body.slice(0, doc.toBody[current.valueStart]);
    const after = doc.body.slice(doc.toBody[current.valueEnd]);
    const kept = styleOf(doc.norm.slice(current.valueStart, current.valueEnd));
    for (const style of new Set([kept, ...(kept === 'bare' ? NEW_VALUE_STYLES : QUOTED_STYLES)])) {
      const written = encode(value, style, doc.eol);
      if (written !== undefined) candidates.push(before + written + after);
    }
  } else {
    const endsWithLineBreak = /[\r\n]$/.test(doc.body);
    for (const style of NEW_VALUE_STYLES) {
      const written = encode(value, style, doc.eol);
      if (written === undefined) continue;
      const line = `${name}=${written}`;
      if (doc.body === '') candidates.push(doc.bom + line + doc.eol);
      else if (endsWithLineBreak) candidates.push(text + line + doc.eol);
      else candidates.push(text + doc.eol + line);
    }
  }
  const result = candidates.find((candidate) => means(candidate, expected, file));
  if (result === undefined) {
    throw new ConfigFormatError(file, `the new value of ${name} cannot be written so that .env readers read it back exactly`, {
      fix: 'set this variable by hand (for example in your shell profile) and run the command again',
    });
  }
  return result;
}

function deleteVariable(text: string, path: SlotPath, file: string): string {
  const name = variableName(path, file);
  const doc = scan(text, file);
  const data = read(doc);
  if (!Object.prototype.hasOwnProperty.call(data, name)) return text;

  const drop = new Set<number>();
  for (const a of doc.assignments) {
    if (a.key !== name) continue;
    for (let line = a.firstLine; line <= a.lastLine; line++) drop.add(line);
  }
  const lines = doc.lineStarts.map((start, i) => {
    const next = doc.lineStarts[i + 1];
    return doc.body.slice(doc.toBody[start], next === undefined ? doc.body.length : doc.toBody[next]);
  });
  const kept = lines.filter((_, i) => !drop.has(i));
  // The last line had no line break and is gone: the new last line loses its break, so that
  // deleting an appended `NAME=value` gives back a file without a final newline.
  const lastIndex = kept.length - 1;
  if (drop.has(lines.length - 1) && lastIndex >= 0) kept[lastIndex] = (kept[lastIndex] ?? '').replace(/(\r\n|\r|\n)$/, '');
  const result = doc.bom + kept.join('');
  if (!means(result, deleteIn(data, [name]), file)) {
    throw new ConfigFormatError(file, `${name} cannot be removed without changing how the lines around it are read`, {
      fix: `remove the ${name}= line by hand and run the command again`,
    });
  }
  return result;
}

export const dotenvEditor: FormatEditor = {
  format: 'dotenv',
  parse: (text, file) => read(scan(text, file)),
  get: (text, path, file) => {
    variableName(path, file);
    return getIn(read(scan(text, file)), path);
  },
  set: setVariable,
  delete: deleteVariable,
};
