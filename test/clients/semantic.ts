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
type Seg = string | number;
type Change = { path: Seg[]; value: Data } | { path: Seg[]; deleted: true };

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
  if (isObj(v))
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys(v[k])]),
    );
  return v;
}

/**
 * Leaf changes from a to b: objects recursed by key, arrays by index (elements past the shorter
 * one are added or deleted one by one), scalars compared whole.
 */
export function diff(a: Data, b: Data, path: Seg[] = []): Change[] {
  if (isObj(a) && isObj(b)) {
    const out: Change[] = [];
    for (const k of Object.keys(a)) if (!(k in b)) out.push({ path: [...path, k], deleted: true });
    for (const k of Object.keys(b)) out.push(...diff(k in a ? a[k] : undefined, b[k], [...path, k]));
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: Change[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= b.length) out.push({ path: [...path, i], deleted: true });
      else out.push(...diff(i < a.length ? a[i] : undefined, b[i], [...path, i]));
    }
    return out;
  }
  return equal(a, b) ? [] : [{ path, value: b }];
}

export function apply(doc: Data, changes: Change[]): Data {
  let root: Data = structuredClone(doc) ?? {};
  const isContainer = (v: Data): v is Record<Seg, Data> => isObj(v) || Array.isArray(v);
  // Array deletions last and from the end, so earlier indexes stay valid.
  const ordered = [
    ...changes.filter((c) => !('deleted' in c && typeof c.path.at(-1) === 'number')),
    ...changes.filter((c) => 'deleted' in c && typeof c.path.at(-1) === 'number').sort((x, y) => (y.path.at(-1) as number) - (x.path.at(-1) as number)),
  ];
  for (const c of ordered) {
    if (c.path.length === 0) {
      root = 'deleted' in c ? undefined : structuredClone(c.value);
      continue;
    }
    let node = root;
    for (const [i, seg] of c.path.slice(0, -1).entries()) {
      if (!isContainer(node)) break;
      if (!isContainer(node[seg])) {
        if ('deleted' in c) {
          node = undefined;
          break;
        }
        node[seg] = typeof c.path[i + 1] === 'number' ? [] : {};
      }
      node = node[seg];
    }
    const last = c.path[c.path.length - 1] as Seg;
    if (!isContainer(node)) continue;
    if ('deleted' in c) {
      if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
      else delete node[last];
    } else node[last] = structuredClone(c.value);
  }
  return root;
}

/**
 * Checks a file the client rewrote after the takeover. Returns what went wrong, or null.
 * texts: before takeover, after takeover, after the client ran, after restore.
 */
export function restoredAroundClient(file: string, t0: string | undefined, t1: string, t2: string, t3: string | undefined): string | null {
  const [d0, d1, d2, d3] = [t0, t1, t2, t3].map((t) => parseConfig(file, t));
  // What the client changed inside the takeover's slot goes with the slot at restore (Cline
  // stamps updatedAt on our provider, Droid normalises our customModels entries).
  const slot = diff(d0 ?? {}, d1).map((c) => c.path);
  const inSlot = (p: Seg[]) => slot.some((s) => s.length <= p.length && s.every((seg, i) => seg === p[i]));
  const clientChanges = diff(d1, d2).filter((c) => !inSlot(c.path));
  const expected = apply(d0, clientChanges);
  if (equal(d3, expected)) return null;
  const wrong = diff(expected, d3).map((c) => c.path.join('.') || '(root)');
  return `${file}: after restore differs from "original + the client's own changes" at ${wrong.join(', ')}`;
}
