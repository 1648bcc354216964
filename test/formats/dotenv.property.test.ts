import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dotenvEditor as env } from '../../src/formats/dotenv.ts';
import { deepEqual, deleteIn, setIn } from '../../src/formats/path.ts';
import { ConfigFormatError, type JsonObject } from '../../src/formats/slot.ts';

const FILE = '/home/u/.gemini/.env';
const RUNS = { numRuns: 500 };

// ---------------------------------------------------------------------------------------------
// A model of .env documents: abstract lines rendered with a chosen line break. Each assignment
// knows the value dotenv must read from it.

type Style = 'bare' | 'single' | 'double-escaped' | 'double-lines' | 'backtick';
interface Assignment {
  kind: 'assign';
  indent: string;
  exportPrefix: string;
  key: string;
  sep: string;
  style: Style;
  value: string;
  /** Blanks and/or ` # comment` after the value. */
  tail: string;
}
type Line = Assignment | { kind: 'comment' | 'blank' | 'export-only'; text: string };

interface Doc {
  lines: Line[];
  eol: '\n' | '\r\n';
  bom: boolean;
  finalNewline: boolean;
}

const chars = (list: string) => fc.constantFrom(...list);
const text = (alphabet: string, maxLength = 12, minLength = 0) => fc.string({ unit: chars(alphabet), minLength, maxLength });

const LETTERS = 'abcXYZ019';
const COMMENT_CHARS = `${LETTERS} #='"\`:/é日`;

const keyArb = fc.oneof(
  fc.constantFrom('GEMINI_API_KEY', 'GOOGLE_GEMINI_BASE_URL', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_MODEL', 'GEMINI_MODEL', 'DEBUG'),
  fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/),
  fc.stringMatching(/^[a-z][a-z0-9.-]{0,6}$/),
);

/** A value and a style that can hold it, rendered the way people write them. */
const valueArb: fc.Arbitrary<{ style: Style; value: string }> = fc.oneof(
  // Bare: no `#`, no line break, no blanks at the ends, not starting with a quote.
  text(`${LETTERS} :/._-=@+é日'"\``)
    .filter((v) => v.trim() === v && !`'"\``.includes(v[0] ?? 'x'))
    .map((value) => ({ style: 'bare' as const, value })),
  text(`${LETTERS} #:/="\`\n`).map((value) => ({ style: 'single' as const, value })),
  text(`${LETTERS} #:/='\`\n`).map((value) => ({ style: 'double-escaped' as const, value })),
  text(`${LETTERS} #:/='\`\n`).map((value) => ({ style: 'double-lines' as const, value })),
  text(`${LETTERS} #:/='"\n`).map((value) => ({ style: 'backtick' as const, value })),
  fc.constantFrom('http://127.0.0.1:11580/v1', 'https://generativelanguage.googleapis.com', 'sk-abcDEF123').map((value) => ({
    style: 'bare' as const,
    value,
  })),
);

const tailArb = fc.oneof(
  fc.constant(''),
  fc.constantFrom(' ', '  ', '\t'),
  fc.tuple(fc.constantFrom(' # ', '  #', ' #', '\t# '), text(COMMENT_CHARS)).map(([a, b]) => a + b),
);

const assignmentArb: fc.Arbitrary<Assignment> = fc
  .record({
    indent: fc.constantFrom('', '', '', '  ', '\t'),
    exportPrefix: fc.constantFrom('', '', '', 'export ', 'export  ', 'export\t'),
    key: keyArb,
    sep: fc.constantFrom('=', '=', '=', ' = ', '= ', ' =', ': '),
    v: valueArb,
    tail: tailArb,
  })
  .map(({ v, ...rest }) => ({ kind: 'assign' as const, ...rest, ...v }));

const lineArb: fc.Arbitrary<Line> = fc.oneof(
  { arbitrary: assignmentArb, weight: 5 },
  { arbitrary: fc.tuple(fc.constantFrom('', '  '), text(COMMENT_CHARS)).map(([i, t]) => ({ kind: 'comment' as const, text: `${i}#${t}` })), weight: 2 },
  { arbitrary: fc.constantFrom('', '', '  ', '\t').map((t) => ({ kind: 'blank' as const, text: t })), weight: 2 },
  { arbitrary: keyArb.map((k) => ({ kind: 'export-only' as const, text: `export ${k}` })), weight: 1 },
);

const docArb: fc.Arbitrary<Doc> = fc.record({
  lines: fc.array(lineArb, { maxLength: 10 }),
  eol: fc.constantFrom('\n' as const, '\r\n' as const),
  bom: fc.boolean(),
  finalNewline: fc.boolean(),
});

function renderValue(a: Assignment, eol: string): string {
  switch (a.style) {
    case 'bare':
      return a.value;
    case 'single':
      return `'${a.value.replace(/\n/g, eol)}'`;
    case 'backtick':
      return `\`${a.value.replace(/\n/g, eol)}\``;
    case 'double-escaped':
      return `"${a.value.replace(/\n/g, '\\n')}"`;
    case 'double-lines':
      return `"${a.value.replace(/\n/g, eol)}"`;
  }
}

function renderLine(line: Line, eol: string): string {
  if (line.kind !== 'assign') return line.text;
  return `${line.indent}${line.exportPrefix}${line.key}${line.sep}${renderValue(line, eol)}${line.tail}`;
}

function render(doc: Doc): string {
  const body = doc.lines.map((l) => renderLine(l, doc.eol)).join(doc.eol);
  return (doc.bom ? '\uFEFF' : '') + body + (doc.finalNewline && doc.lines.length > 0 ? doc.eol : '');
}

/** What dotenv must read: the last assignment of each name wins. */
function model(doc: Doc): JsonObject {
  const out: JsonObject = {};
  for (const l of doc.lines) if (l.kind === 'assign') out[l.key] = l.value;
  return out;
}

// Values to write. `plainValueArb` fits every quote style; `representableValueArb` fits at least
// one (never all three quote kinds, no backslash, no carriage return); `anyValueArb` may not.
const plainValueArb = fc.oneof(
  fc.constantFrom('http://127.0.0.1:11580', 'http://127.0.0.1:11580/v1', 'gpt-4o', 'qwen3-coder'),
  fc.stringMatching(/^sk-[A-Za-z0-9_-]{4,24}$/),
  text(`${LETTERS}:/._-`, 16, 1),
);
const representableValueArb = fc.oneof(plainValueArb, text(`${LETTERS} #=:/'"\n`), text(`${LETTERS} #=:/'\`\n`), text(`${LETTERS} #=:/"\`\n`));
const anyValueArb = fc.oneof(representableValueArb, text(`ab #'"\`\\\n\rn=é\t`));

/** No backslash, no carriage return, and at least one quote kind left free. */
function representable(v: string): boolean {
  return !/[\\\r]/.test(v) && !(v.includes("'") && v.includes('"') && v.includes('`'));
}

function attempt<T>(f: () => T): T | ConfigFormatError {
  try {
    return f();
  } catch (err) {
    if (err instanceof ConfigFormatError) return err;
    throw err;
  }
}

describe('dotenvEditor properties', () => {
  it('parses generated documents to the value of the last assignment of each name', () => {
    fc.assert(
      fc.property(docArb, (doc) => {
        const text = render(doc);
        const parsed = env.parse(text, FILE);
        expect(parsed).toEqual(model(doc));
        for (const key of Object.keys(parsed)) expect(env.get(text, [key], FILE)).toBe(parsed[key]);
      }),
      RUNS,
    );
  });

  it('deleting a newly set variable gives back the same bytes', () => {
    fc.assert(
      fc.property(docArb, keyArb, anyValueArb, (doc, key, value) => {
        fc.pre(!(key in model(doc)));
        const text = render(doc);
        const added = attempt(() => env.set(text, [key], value, FILE));
        if (added instanceof ConfigFormatError) {
          expect(representable(value)).toBe(false);
          return;
        }
        expect(env.delete(added, [key], FILE)).toBe(text);
        expect(env.delete(text, [key], FILE)).toBe(text);
      }),
      RUNS,
    );
  });

  it('representable values are always written, new or replacing', () => {
    fc.assert(
      fc.property(docArb, keyArb, representableValueArb, (doc, newKey, value) => {
        const text = render(doc);
        const keys = [newKey, ...Object.keys(model(doc))];
        for (const key of keys) {
          const out = env.set(text, [key], value, FILE);
          expect(env.get(out, [key], FILE)).toBe(value);
        }
      }),
      RUNS,
    );
  });

  it('writing a variable back to its old value restores the original bytes', () => {
    fc.assert(
      fc.property(docArb, plainValueArb, fc.nat(), (doc, value, pick) => {
        const before = model(doc);
        const keys = Object.keys(before);
        fc.pre(keys.length > 0);
        const key = keys[pick % keys.length] as string;
        const old = before[key] as string;
        const text = render(doc);
        const changed = env.set(text, [key], value, FILE);
        const restored = env.set(changed, [key], old, FILE);
        const last = doc.lines.findLast((l): l is Assignment => l.kind === 'assign' && l.key === key);
        const escapedBreaks = last?.style === 'double-escaped' && old.includes('\n');
        const crlfLost = doc.eol === '\r\n' && old.includes('\n') && !/[\r\n]/.test(changed);
        if (escapedBreaks || crlfLost) {
          // `"a\nb"` after `"sk-…"`: the file no longer shows whether line breaks were escaped,
          // nor, without any line break left, whether they were CRLF.
          expect(env.parse(restored, FILE)).toEqual(before);
        } else {
          expect(restored).toBe(text);
        }
      }),
      RUNS,
    );
  });

  it('setting the same value twice changes nothing the second time', () => {
    fc.assert(
      fc.property(docArb, keyArb, anyValueArb, fc.boolean(), fc.nat(), (doc, newKey, value, existing, pick) => {
        const keys = Object.keys(model(doc));
        const key = existing && keys.length > 0 ? (keys[pick % keys.length] as string) : newKey;
        const text = render(doc);
        const once = attempt(() => env.set(text, [key], value, FILE));
        if (once instanceof ConfigFormatError) return;
        expect(env.set(once, [key], value, FILE)).toBe(once);
      }),
      RUNS,
    );
  });

  it('set and delete change only the edited variable', () => {
    fc.assert(
      fc.property(docArb, keyArb, anyValueArb, fc.boolean(), fc.nat(), (doc, newKey, value, existing, pick) => {
        const before = model(doc);
        const keys = Object.keys(before);
        const key = existing && keys.length > 0 ? (keys[pick % keys.length] as string) : newKey;
        const text = render(doc);

        const removed = env.delete(text, [key], FILE);
        expect(deepEqual(env.parse(removed, FILE), deleteIn(before, [key]))).toBe(true);
        expect(env.get(removed, [key], FILE)).toBeUndefined();

        const out = attempt(() => env.set(text, [key], value, FILE));
        if (out instanceof ConfigFormatError) {
          expect(out.message).toContain(FILE);
          if (value.length > 4) expect(out.message).not.toContain(value);
          return;
        }
        expect(deepEqual(env.parse(out, FILE), setIn(before, [key], value))).toBe(true);
        // Every other byte is kept: without the variable, both texts are the same.
        expect(env.delete(out, [key], FILE)).toBe(removed);
        expect(out.startsWith('\uFEFF')).toBe(text.startsWith('\uFEFF'));
      }),
      RUNS,
    );
  });

  it('reports a line that is not a setting with its line number', () => {
    const junkArb = fc
      .tuple(fc.stringMatching(/^[a-z]{1,6}$/), fc.array(fc.stringMatching(/^[a-z]{1,6}$/), { maxLength: 3 }))
      .map(([first, rest]) => ['zq' + first, ...rest].join(' '));
    fc.assert(
      fc.property(docArb, junkArb, fc.nat(), (doc, junk, pick) => {
        const at = pick % (doc.lines.length + 1);
        const lines: Line[] = [...doc.lines];
        lines.splice(at, 0, { kind: 'comment', text: junk });
        const bad = render({ ...doc, lines });
        const prefix = lines
          .slice(0, at)
          .map((l) => renderLine(l, doc.eol) + doc.eol)
          .join('');
        const line = 1 + (prefix.match(/\r\n|\r|\n/g)?.length ?? 0);
        const err = attempt(() => env.parse(bad, FILE));
        expect(err).toBeInstanceOf(ConfigFormatError);
        expect((err as ConfigFormatError).line).toBe(line);
        expect((err as ConfigFormatError).message).toContain(`${FILE}:${line}`);
        expect((err as ConfigFormatError).message).not.toContain(junk);
        expect(() => env.set(bad, ['OPENAI_API_KEY'], 'sk-1', FILE)).toThrow(ConfigFormatError);
      }),
      RUNS,
    );
  });
});
