/**
 * Fuzzing every format editor with fast-check: malformed and adversarial texts (truncated
 * fixtures, lone surrogates, huge values, deep nesting, duplicate keys, TOML inline tables and
 * dotted keys colliding with a real slot, JSONC comments/trailing commas, .env export/quotes/
 * multiline) × the real slot edits the adapters plan. Properties, per input:
 * - parse/get/set/delete and applyEdits either succeed or throw ConfigFormatError (never another
 *   exception);
 * - when applyEdits succeeds, an independent parser (JSON.parse, jsonc-parser, smol-toml,
 *   dotenv) reads the result, and it differs from the input only in the slot;
 * - revertRecords on the result gives back the input's meaning.
 */
import { readFileSync, existsSync } from 'node:fs';
import dotenv from 'dotenv';
import { CORE_SCHEMA, dump as dumpYaml, load as jsYamlLoad } from 'js-yaml';
import JSON5 from 'json5';
import fc from 'fast-check';
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';
import { adapterFor } from '../../../src/adapters/index.ts';
import type { TakeoverTarget } from '../../../src/adapters/types.ts';
import { applyEdits, revertRecords, toSlotRecords } from '../../../src/formats/apply.ts';
import { editorFor } from '../../../src/formats/index.ts';
import { deepEqual, deleteIn, getIn, isObject, setIn } from '../../../src/formats/path.ts';
import { ConfigFormatError, type Edit, type Format, type JsonValue, type SlotPath } from '../../../src/formats/slot.ts';
import { fixtureCases } from './common.ts';

export const TARGET: TakeoverTarget = {
  root: 'http://127.0.0.1:11580',
  baseUrl: { anthropic: 'http://127.0.0.1:11580', openai: 'http://127.0.0.1:11580/v1', gemini: 'http://127.0.0.1:11580' },
  providerId: 'servbay',
  displayName: 'ServBay AI Gateway',
  key: 'sk-fuzz-0000000000000000',
  models: ['gpt-4o', 'claude-sonnet-4-5', 'qwen3-coder'],
  defaultModel: 'gpt-4o',
};

export interface FuzzSeeds {
  texts: string[];
  edits: Edit[][];
}

/** Fixture texts and the edit lists the adapters really plan, per format. */
export function seedsByFormat(): Record<Format, FuzzSeeds> {
  const out = Object.fromEntries(
    (['json', 'jsonc', 'json5', 'toml', 'dotenv', 'yaml'] as const).map((f) => [f, { texts: [] as string[], edits: [] as Edit[][] }]),
  ) as Record<Format, FuzzSeeds>;
  for (const c of fixtureCases()) {
    const home = c.home;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(c.env)) env[k] = v.replaceAll('$HOME', home);
    const ctx = { home, env };
    const adapter = adapterFor(c.tool);
    const loc = adapter.locate(ctx);
    const texts: Record<string, string | null> = {};
    for (const f of loc.files) texts[f.role] = existsSync(f.path) ? readFileSync(f.path, 'utf8') : null;
    let edits: Edit[] = [];
    try {
      edits = adapter.plan(texts, TARGET, ctx);
    } catch {
      /* a case the adapter refuses: its texts still seed the fuzzer */
    }
    for (const f of loc.files) {
      const t = texts[f.role];
      if (t) out[f.format].texts.push(t);
      const mine = edits.filter((e) => e.file === f.role);
      if (mine.length) out[f.format].edits.push(mine);
    }
  }
  // jsonc also gets the JSON seeds (a superset syntax).
  out.jsonc.texts.push(...out.json.texts);
  if (!out.jsonc.edits.length) out.jsonc.edits.push(...out.json.edits);
  return out;
}

/** The independent parser each format's result must satisfy. */
export function oracle(format: Format, text: string): JsonValue {
  const t = text.replace(/^\uFEFF/, '');
  switch (format) {
    case 'json':
      return t.trim() === '' ? {} : (JSON.parse(t) as JsonValue);
    case 'jsonc': {
      const errors: ParseError[] = [];
      const v = parseJsonc(t, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true }) as JsonValue;
      if (errors.length) throw new Error('jsonc parse error');
      return v ?? {};
    }
    case 'toml':
      return parseToml(t) as unknown as JsonValue;
    case 'dotenv':
      return dotenv.parse(t) as JsonValue;
    case 'json5':
      return t.trim() === '' || /^(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*$/.test(t) ? {} : (JSON5.parse(t) as JsonValue);
    case 'yaml':
      return t.trim() === '' ? {} : ((jsYamlLoad(t, { schema: CORE_SCHEMA }) ?? {}) as JsonValue);
  }
}

const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }), // lone surrogates ≈ invalid UTF-8 after decoding
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '"',
    "'",
    '`',
    '\\',
    '\n',
    '\r\n',
    '#',
    '//',
    '/*',
    '*/',
    '=',
    '.',
    '[',
    ']',
    '{',
    '}',
    ',',
    '\u0000',
    '\uFEFF',
    '\u2028',
    '${HOME}',
    'export ',
    '"""',
    "'''",
  ),
  fc.integer({ min: 1000, max: 120_000 }).map((n) => 'x'.repeat(n)),
);

/** Values an edit may carry: normal URLs and keys, and adversarial strings. */
const value = fc.oneof(fc.constantFrom('http://127.0.0.1:11580', 'sk-fuzz-0000000000000000', ''), nasty, fc.integer(), fc.double(), fc.boolean());

/** Texts that collide with a slot path: wrong types, dotted keys, inline tables, duplicates. */
function collisions(format: Format, path: SlotPath): string[] {
  const keys = path.filter((s): s is string => typeof s === 'string');
  if (!keys.length) return [];
  const [a, ...rest] = keys as [string, ...string[]];
  const q = (k: string) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k));
  if (format === 'toml') {
    const dotted = keys.map(q).join('.');
    const tail = rest.map(q).join('.');
    return [
      `${dotted} = "http://elsewhere"\n`,
      `${q(a)} = "scalar"\n`,
      `${q(a)} = [1, 2]\n`,
      `${q(a)} = { ${tail || 'x'} = 1 }\n`,
      rest.length ? `[${q(a)}]\n${tail} = 1\n` : `[${q(a)}]\nx = 1\n`,
      rest.length ? `[${q(a)}.${q(rest[0]!)}]\nz = 1\n[${q(a)}]\nother = 2\n` : `[[${q(a)}]]\nx = 1\n`,
      `[[${q(a)}]]\nx = 1\n`,
      `${dotted} = 1\n${dotted} = 2\n`,
      `${q(a)}.inline = { a = 1 }\n[${q(a)}.deep]\nb = 2\n`,
    ];
  }
  if (format === 'dotenv') {
    return [`export ${a}=old\n`, `${a}="multi\nline"\n`, `${a}='x' # c\n${a}=dup\n`, `${a}=\`t\`\n`, `  ${a} = spaced  \n`, `${a}:colon\n`];
  }
  if (format === 'yaml') {
    const ind = (n: number) => ' '.repeat(n * 2);
    const nested = keys.map((k, i) => `${ind(i)}${JSON.stringify(k)}:`).join('\n');
    return [
      `${q(a)}: scalar\n`,
      `${q(a)}: [1, 2]\n`,
      `${q(a)}:\n`,
      `${q(a)}: ~\n`,
      `${nested} &anchor x\nother: *anchor\n`,
      `${nested}\n${ind(keys.length)}- !!str 1\n`,
      `---\n${q(a)}: 1\n---\nb: 2\n`,
      `{${q(a)}: {x: 1}}\n`,
      `${q(a)}: |\n  text\n  more\n`,
      `base: &b {x: 1}\n${q(a)}:\n  <<: *b\n`,
      `${q(a)}: yes\n${q(a)}x: 0o17\n`,
      `# c\n${nested} x # trailing\n`,
    ];
  }
  const nest = (v: string) => [...keys].reverse().reduce((acc, k) => `{${JSON.stringify(k)}: ${acc}}`, v);
  return [
    `{${JSON.stringify(a)}: "scalar"}`,
    `{${JSON.stringify(a)}: []}`,
    `{${JSON.stringify(a)}: null}`,
    `{${JSON.stringify(a)}: 1, ${JSON.stringify(a)}: {}}`,
    nest('"x"'),
    nest('{"a": 1,}') + '\n// c',
    `// head\n${nest('[1, /* c */ 2]')}\n/* tail */`,
    `[1, 2]`,
    `"just a string"`,
  ];
}

function structural(format: Format): fc.Arbitrary<string> {
  const obj = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
  if (format === 'dotenv') {
    return fc
      .array(
        fc.tuple(
          fc.constantFrom('', 'export ', '  '),
          fc.stringMatching(/^[A-Za-z_][\w.-]{0,8}$/),
          fc.constantFrom('=', ' = ', ': '),
          fc.oneof(
            nasty,
            fc.string({ maxLength: 10 }).map((s) => JSON.stringify(s)),
            fc.string({ maxLength: 10 }).map((s) => `'${s}'`),
          ),
        ),
        { maxLength: 8 },
      )
      .map((ls) => ls.map(([e, k, eq, v]) => `${e}${k}${eq}${v}`).join(fc.sample(fc.constantFrom('\n', '\r\n'), 1)[0]));
  }
  if (format === 'toml') {
    return fc
      .array(
        fc.tuple(
          fc.stringMatching(/^[a-z_][a-z0-9_.-]{0,8}$/),
          fc.oneof(
            fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
            fc.integer().map(String),
            fc.constant('{ a = 1, b = { c = [1, 2] } }'),
            fc.constant('"""\nmulti\n"""'),
          ),
        ),
        { maxLength: 8 },
      )
      .chain((kvs) => fc.constantFrom('', '[t]\n', '[[arr]]\n', '[a.b]\n').map((hdr) => hdr + kvs.map(([k, v]) => `${k} = ${v}`).join('\n') + '\n'));
  }
  if (format === 'yaml') {
    return fc.tuple(obj, fc.constantFrom(2, 4), fc.boolean(), fc.boolean()).map(([o, indent, flowLevel, crlf]) => {
      const s = dumpYaml(o, { indent, flowLevel: flowLevel ? 2 : -1, schema: CORE_SCHEMA });
      return crlf ? s.replace(/\n/g, '\r\n') : s;
    });
  }
  return fc.tuple(obj, fc.constantFrom(0, 2, '\t'), fc.boolean()).map(([o, ind, crlf]) => {
    const s = JSON.stringify(o, null, ind);
    return crlf ? s.replace(/\n/g, '\r\n') : s;
  });
}

function deep(format: Format): fc.Arbitrary<string> {
  return fc.integer({ min: 50, max: 5000 }).map((n) => {
    if (format === 'toml') return `a = ${'['.repeat(n)}${']'.repeat(n)}\n`;
    if (format === 'dotenv') return `A=${'"'.repeat(n)}\n`;
    if (format === 'yaml')
      return n % 2 ? `a: ${'['.repeat(n)}${']'.repeat(n)}\n` : Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' 1\n';
    return `{"a": ${'['.repeat(n)}${']'.repeat(n)}}`;
  });
}

function mutate(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(base, fc.nat(), fc.nat(), fc.constantFrom('none', 'truncate', 'insert', 'delete', 'dup', 'bom', 'crlf'), nasty).map(([t, i, j, op, ins]) => {
    const at = t.length ? i % (t.length + 1) : 0;
    switch (op) {
      case 'truncate':
        return t.slice(0, at);
      case 'insert':
        return t.slice(0, at) + ins + t.slice(at);
      case 'delete':
        return t.slice(0, at) + t.slice(Math.min(t.length, at + 1 + (j % 20)));
      case 'dup': {
        const lines = t.split('\n');
        const k = j % Math.max(1, lines.length);
        lines.splice(k, 0, lines[k] ?? '');
        return lines.join('\n');
      }
      case 'bom':
        return '\uFEFF' + t;
      case 'crlf':
        return t.replace(/\r?\n/g, '\r\n');
      default:
        return t;
    }
  });
}

export interface FuzzStats {
  format: Format;
  runs: number;
  /** Inputs the editor refused with a ConfigFormatError. */
  refused: number;
  /** Inputs edited; each result was checked with the independent parser. */
  edited: number;
  reverted: number;
  /** Inputs the independent parser rejects but the editor accepted (before any edit). */
  lenient: number;
  failures: string[];
  /** Known bugs (each pinned by an it.fails test in test/reliability-short/fuzz.test.ts). */
  knownBugs: { deepNestingRangeError: number; nonObjectParentLost: number };
  ms: number;
}

/** Edits of a real slot with adversarial values, or deletions. */
function editsArb(seeds: FuzzSeeds): fc.Arbitrary<Edit[]> {
  return fc.tuple(fc.constantFrom(...seeds.edits), fc.array(fc.tuple(fc.nat(), value), { maxLength: 2 }), fc.boolean()).map(([list, tweaks, del]) => {
    const out = list.map((e) => ({ ...e }));
    // Only values a restore recognises as ours by hash (guard 'unchanged') may be changed: an
    // 'address' slot holding a non-gateway value is rightly kept by a restore.
    // An `{item}` element's value is the item itself, so it is never tweaked.
    const byHash = (e: Edit) => (e.guard ?? { kind: 'unchanged' }).kind === 'unchanged' && typeof e.path[e.path.length - 1] === 'string';
    for (const [i, v] of tweaks) {
      const e = out[i % out.length]!;
      if (byHash(e) && (e.value === undefined || typeof e.value !== 'object')) e.value = v;
    }
    if (del && out.length && byHash(out[0]!)) out[0] = { ...out[0]!, value: undefined };
    return out;
  });
}

/** String values (not keys) of 8+ non-blank characters in a text: what an error message must never quote. */
export function valuesIn(text: string): string[] {
  const out: string[] = [];
  // Secrets have no blanks; this also keeps words like " a string" (in the error text) out.
  for (const m of text.matchAll(/(["'])([^\s\\"']{8,})\1(?!\s*[:=])/g)) out.push(m[2]!);
  for (const m of text.matchAll(/[=:]\s*([^\s#'"`{}\[\],]{8,})/g)) out.push(m[1]!);
  return out;
}

/** An edit goes through a parent that exists but is not a container of the right kind. */
export function replacesParent(doc: JsonValue, edits: Edit[]): boolean {
  return edits.some((e) =>
    e.path.some((seg, i) => {
      if (i === 0) return false;
      const parent = getIn(doc, e.path.slice(0, i));
      if (parent === undefined) return false;
      return typeof seg === 'string' ? !isObject(parent) : !Array.isArray(parent);
    }),
  );
}

function describe(edits: Edit[]): string {
  return edits
    .map(
      (e) =>
        `${JSON.stringify(e.path)}=${e.value === undefined ? 'DELETE' : typeof e.value === 'string' ? JSON.stringify(e.value.slice(0, 30)) : typeof e.value}`,
    )
    .join(', ');
}

/** Where two parsed documents first differ, as a path. */
export function firstDiff(a: unknown, b: unknown, at = '$'): string {
  if (deepEqual(a as JsonValue, b as JsonValue)) return '(equal)';
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b))
    return `${at} (${JSON.stringify(a)?.slice(0, 60)} vs ${JSON.stringify(b)?.slice(0, 60)})`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const x = (a as Record<string, unknown>)[k];
    const y = (b as Record<string, unknown>)[k];
    if (!deepEqual(x as JsonValue, y as JsonValue)) return firstDiff(x, y, `${at}.${k}`);
  }
  return at;
}

export function fuzzFormat(format: Format, runs: number, seed?: number): FuzzStats {
  const t0 = performance.now();
  const all = seedsByFormat();
  const seeds = all[format];
  const editor = editorFor(format);
  const file = `/fuzz/config.${format}`;
  const paths = seeds.edits.flat().map((e) => e.path);
  const collide = [...new Set(paths.flatMap((p) => collisions(format, p)))];
  const texts = fc.oneof(
    { weight: 4, arbitrary: mutate(fc.constantFrom(...seeds.texts)) },
    { weight: 3, arbitrary: mutate(fc.constantFrom(...(collide.length ? collide : ['']))) },
    { weight: 2, arbitrary: mutate(structural(format)) },
    { weight: 1, arbitrary: deep(format) },
    { weight: 1, arbitrary: nasty },
  );
  const s: FuzzStats = {
    format,
    runs: 0,
    refused: 0,
    edited: 0,
    reverted: 0,
    lenient: 0,
    failures: [],
    knownBugs: { deepNestingRangeError: 0, nonObjectParentLost: 0 },
    ms: 0,
  };
  const fail = (what: string, text: string, e?: unknown) => {
    if (s.failures.length < 20)
      s.failures.push(
        `${what} (input ${JSON.stringify(text.slice(0, 160))}${text.length > 160 ? '…' : ''})${
          e
            ? ': ' +
              String((e as Error).stack ?? e)
                .split('\n')
                .slice(0, 3)
                .join(' | ')
            : ''
        }`,
      );
  };
  const expectFormatError = (text: string, what: string, fn: () => void): boolean => {
    try {
      fn();
      return true;
    } catch (e) {
      if (e instanceof RangeError && /call stack/.test(e.message)) {
        s.knownBugs.deepNestingRangeError++;
        return false;
      }
      if (e instanceof ConfigFormatError) {
        const leaked = valuesIn(text).find((v) => e.message.includes(v));
        if (leaked) fail(`${what}: error message quotes a value from the file`, text);
        return false;
      }
      fail(`${what}: threw ${(e as Error)?.name ?? typeof e} instead of ConfigFormatError`, text, e);
      return false;
    }
  };
  fc.assert(
    fc.property(texts, editsArb(seeds), (text, edits) => {
      s.runs++;
      try {
        check(text, edits);
      } catch (e) {
        // The same recursion (path.ts deepEqual/setIn) overflowing in the checks themselves.
        if (e instanceof RangeError && /call stack/.test(e.message)) s.knownBugs.deepNestingRangeError++;
        else throw e;
      }
      return true;
    }),
    { numRuns: runs, ...(seed !== undefined ? { seed } : {}) },
  );
  s.ms = Math.round(performance.now() - t0);
  return s;

  function check(text: string, edits: Edit[]): boolean {
    let parsed: JsonValue | undefined;
    if (!expectFormatError(text, 'parse', () => (parsed = editor.parse(text, file)))) {
      s.refused++;
      // get/set/delete on a text that does not parse must refuse the same way.
      const p = edits[0]!.path;
      expectFormatError(text, 'get', () => editor.get(text, p, file));
      expectFormatError(text, 'set', () => editor.set(text, p, 'v', file));
      expectFormatError(text, 'delete', () => editor.delete(text, p, file));
      return true;
    }
    let before: JsonValue;
    try {
      before = oracle(format, text);
    } catch (e) {
      if (e instanceof RangeError) throw e;
      s.lenient++;
      before = parsed!;
    }
    let res: ReturnType<typeof applyEdits> | undefined;
    if (!expectFormatError(text, 'applyEdits', () => (res = applyEdits(text, format, edits, file)))) {
      s.refused++;
      return true;
    }
    s.edited++;
    let after: JsonValue;
    try {
      after = oracle(format, res!.text);
    } catch (e) {
      if (e instanceof RangeError) throw e;
      fail('applyEdits wrote text the independent parser rejects', text, e);
      return true;
    }
    let expected: JsonValue | undefined = before;
    for (const e of edits) expected = e.value === undefined ? deleteIn(expected, e.path) : setIn(expected, e.path, e.value);
    if (!deepEqual(after, expected ?? {})) fail('applyEdits changed something outside the slot (independent parser)', text);
    // Restore: every record is still ours, so the meaning must come back.
    let back: string | undefined;
    if (!expectFormatError(text, 'revertRecords', () => (back = revertRecords(res!.text, format, toSlotRecords(res!.applied), TARGET.root, file).text)))
      return true;
    s.reverted++;
    try {
      const got = oracle(format, back!);
      if (!deepEqual(got, before) && replacesParent(before, edits)) s.knownBugs.nonObjectParentLost++;
      else if (!deepEqual(got, before))
        fail(`revertRecords did not give back the original meaning at ${firstDiff(before, got)} after edits ${describe(edits)}`, text);
    } catch (e) {
      if (e instanceof RangeError) throw e;
      fail('revertRecords wrote text the independent parser rejects', text, e);
    }
    return true;
  }
}
