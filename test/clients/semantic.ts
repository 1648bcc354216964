/**
 * For a config file both gwctl and the client itself rewrote (Claude re-sorts settings.json and
 * migrates old keys, Gemini migrates deprecated settings, Codex may append [tui]…): what restore
 * must give back is the original document plus the client's own changes, without our slot.
 *   expected = before-takeover ⊕ (after-client − after-takeover)
 * compared as parsed data (key order and formatting are the client's business).
 */
import { parse as parseDotenv } from 'dotenv';
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';

type Data = unknown;
type Change = { path: string[]; value: Data } | { path: string[]; deleted: true };

export function parseConfig(file: string, text: string | undefined): Data {
  if (text === undefined) return undefined;
  const name = file.split('/').pop() ?? file;
  if (/\.jsonc?$/.test(name)) {
    const errors: ParseError[] = [];
    const v = parseJsonc(text, errors, { allowTrailingComma: true });
    if (errors.length) throw new Error(`${file}: not valid JSON(C) after restore`);
    return v;
  }
  if (name.endsWith('.toml')) return structuredClone(parseToml(text));
  if (name === '.env' || name.endsWith('.env')) return { ...parseDotenv(text) };
  throw new Error(`${file}: no parser for this kind of file`);
}

const isObj = (v: Data): v is Record<string, Data> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

function equal(a: Data, b: Data): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: Data): Data {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObj(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

/** Leaf changes from a to b (objects recursed, arrays and scalars compared whole). */
export function diff(a: Data, b: Data, path: string[] = []): Change[] {
  if (isObj(a) && isObj(b)) {
    const out: Change[] = [];
    for (const k of Object.keys(a)) if (!(k in b)) out.push({ path: [...path, k], deleted: true });
    for (const k of Object.keys(b)) out.push(...diff(k in a ? a[k] : undefined, b[k], [...path, k]));
    return out;
  }
  return equal(a, b) ? [] : [{ path, value: b }];
}

export function apply(doc: Data, changes: Change[]): Data {
  let root: Data = structuredClone(doc) ?? {};
  for (const c of changes) {
    if (c.path.length === 0) {
      root = 'deleted' in c ? undefined : structuredClone(c.value);
      continue;
    }
    let node = root;
    for (const seg of c.path.slice(0, -1)) {
      if (!isObj(node)) break;
      if (!isObj(node[seg])) {
        if ('deleted' in c) { node = undefined; break; }
        node[seg] = {};
      }
      node = node[seg];
    }
    const last = c.path[c.path.length - 1] as string;
    if (!isObj(node)) continue;
    if ('deleted' in c) delete node[last];
    else node[last] = structuredClone(c.value);
  }
  return root;
}

/**
 * Checks a file the client rewrote after the takeover. Returns what went wrong, or null.
 * texts: before takeover, after takeover, after the client ran, after restore.
 */
export function restoredAroundClient(file: string, t0: string | undefined, t1: string, t2: string, t3: string | undefined): string | null {
  const [d0, d1, d2, d3] = [t0, t1, t2, t3].map((t) => parseConfig(file, t));
  const clientChanges = diff(d1, d2);
  const expected = apply(d0, clientChanges);
  if (equal(d3, expected)) return null;
  const wrong = diff(expected, d3).map((c) => c.path.join('.') || '(root)');
  return `${file}: after restore differs from "original + the client's own changes" at ${wrong.join(', ')}`;
}
