/**
 * Generators shared by the format editors' property tests: random JSON-like data, slot paths into
 * it (existing and new), and the small checks every editor's inverse properties need.
 */
import fc from 'fast-check';
import { deepEqual, getIn, isObject, setIn } from '../../src/formats/path.ts';
import type { JsonObject, JsonPrimitive, JsonValue, PathSeg, SlotPath } from '../../src/formats/slot.ts';

export const KEYS = ['a', 'b', 'env', 'model', 'hooks', 'ключ', '日本語', 'emoji 😀', 'q"uote', 'back\\slash', 'tab\tkey', 'k1', 'ANTHROPIC_BASE_URL'];
export const NEW_KEYS = ['n1', 'n2', 'новый', 'nouveau é', '🆕'];
export const IDS = ['m1', 'm2', 'm3'];

export const str = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.constantFrom('', 'héllo', '日本', '😀', 'a"b', 'line\nbreak', '\u2028', 'http://127.0.0.1:11580'),
);
export const prim: fc.Arbitrary<JsonPrimitive> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1000, max: 100000 }),
  fc.constantFrom(1.5, -0.25, 1e21, 3.14159),
  str,
);

export const { value } = fc.letrec<{ value: JsonValue; obj: JsonObject; arr: JsonValue[] }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, prim, tie('obj'), tie('arr')),
  obj: fc
    .uniqueArray(fc.tuple(fc.constantFrom(...KEYS), tie('value')), { selector: (e) => e[0], maxLength: 4 })
    .map((entries) => Object.fromEntries(entries) as JsonObject),
  arr: fc.oneof(
    fc.array(prim, { maxLength: 4 }),
    fc.uniqueArray(fc.tuple(fc.constantFrom(...IDS), tie('obj')), { selector: (e) => e[0], maxLength: 3 }).map((els) => els.map(([id, o]) => ({ ...o, id }))),
  ),
}));
export const rootObj = value.filter(isObject) as fc.Arbitrary<JsonObject>;

/** Small deterministic PRNG so one seed gives one layout. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Paths to values present in `doc` (array elements via {item} or {match:{id}}). */
export function existingPaths(v: JsonValue, prefix: SlotPath = []): SlotPath[] {
  const out: SlotPath[] = [];
  if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      out.push([...prefix, k], ...existingPaths(x, [...prefix, k]));
    }
  } else if (Array.isArray(v)) {
    for (const x of v) {
      let seg: PathSeg | undefined;
      if (x === null || typeof x !== 'object') seg = { item: x };
      else if (isObject(x) && typeof x.id === 'string') seg = { match: { id: x.id } };
      if (seg) out.push([...prefix, seg], ...existingPaths(x, [...prefix, seg]));
    }
  }
  return out;
}

export function containerPaths(v: JsonValue, prefix: SlotPath = []): SlotPath[] {
  const out: SlotPath[] = isObject(v) || Array.isArray(v) ? [prefix] : [];
  return out.concat(
    existingPaths(v, prefix).filter((p) => {
      const x = getIn(v, p.slice(prefix.length));
      return isObject(x) || Array.isArray(x);
    }),
  );
}

/** A path absent from `doc` under an existing container, with a value that lands exactly there. */
export function newSlot(doc: JsonObject): fc.Arbitrary<{ path: SlotPath; value: JsonValue }> {
  const parents = containerPaths(doc);
  return fc.constantFrom(...parents).chain((parent) => {
    const at = getIn(doc, parent);
    if (Array.isArray(at)) {
      return fc.oneof(
        fc.constantFrom<JsonPrimitive>('new-item', 42, true, '日本-new').map((x) => ({ path: [...parent, { item: x }], value: x })),
        fc.tuple(fc.constantFrom('m-new', 'm9'), value).map(([id, v]) => ({
          path: [...parent, { match: { id } }],
          value: { ...(isObject(v) ? v : { v }), id },
        })),
      );
    }
    return fc
      .tuple(fc.array(fc.constantFrom(...NEW_KEYS), { minLength: 1, maxLength: 3 }), fc.option(fc.constantFrom<JsonPrimitive>('x', 7)), value)
      .map(([keys, item, v]) => (item === null ? { path: [...parent, ...keys], value: v } : { path: [...parent, ...keys, { item }], value: item }));
  });
}

export interface Case {
  text: string;
  doc: JsonObject;
  path: SlotPath;
  value: JsonValue;
}

/** The value ends up exactly at the path (not e.g. appended as a non-matching element). */
export const lands = (c: Case): boolean => deepEqual(getIn(setIn(c.doc, c.path, c.value), c.path), c.value);

export function firstMissingPrefix(doc: JsonValue, path: SlotPath): SlotPath {
  for (let i = 1; i < path.length; i++) if (getIn(doc, path.slice(0, i)) === undefined) return path.slice(0, i);
  return path;
}

/** A container holding nothing but (recursively) empty containers. */
export function hollow(v: JsonValue | undefined): boolean {
  if (Array.isArray(v)) return v.every(hollow);
  return isObject(v) && Object.values(v).every(hollow);
}
