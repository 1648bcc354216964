/** Path semantics on plain parsed data, shared by the verifier and the editors' tests. */
import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue, PathSeg, SlotPath } from './slot.ts';

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function matches(el: unknown, seg: Exclude<PathSeg, string>): boolean {
  if ('item' in seg) return el === seg.item;
  if (!isObject(el)) return false;
  return Object.entries(seg.match).every(([k, v]) => el[k] === v);
}

/** Index of the array element a non-string segment designates, or -1. */
export function findIndex(arr: readonly unknown[], seg: Exclude<PathSeg, string>): number {
  return arr.findIndex((el) => matches(el, seg));
}

export function getIn(doc: unknown, path: SlotPath): JsonValue | undefined {
  let cur: unknown = doc;
  for (const seg of path) {
    if (typeof seg === 'string') {
      if (!isObject(cur) || !Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
      cur = cur[seg];
    } else {
      if (!Array.isArray(cur)) return undefined;
      const i = findIndex(cur, seg);
      if (i < 0) return undefined;
      cur = cur[i];
    }
  }
  return cur as JsonValue;
}

/** Returns a new document with `value` at `path` (parents created as objects / arrays). */
export function setIn(doc: JsonValue | undefined, path: SlotPath, value: JsonValue): JsonValue {
  if (path.length === 0) return value;
  const [seg, ...rest] = path as [PathSeg, ...PathSeg[]];
  if (typeof seg === 'string') {
    const obj: JsonObject = isObject(doc) ? { ...doc } : {};
    obj[seg] = setIn(obj[seg], rest, value);
    return obj;
  }
  const arr: JsonValue[] = Array.isArray(doc) ? [...doc] : [];
  const i = findIndex(arr, seg);
  if (i < 0 && 'match' in seg && seg.first) arr.unshift(setIn(undefined, rest, value));
  else if (i < 0) arr.push(setIn(undefined, rest, value));
  else arr[i] = setIn(arr[i], rest, value);
  return arr;
}

/** Returns a new document without `path`; parents are kept even when they become empty. */
export function deleteIn(doc: JsonValue | undefined, path: SlotPath): JsonValue | undefined {
  if (path.length === 0) return undefined;
  const [seg, ...rest] = path as [PathSeg, ...PathSeg[]];
  if (typeof seg === 'string') {
    if (!isObject(doc) || !Object.prototype.hasOwnProperty.call(doc, seg)) return doc;
    const obj: JsonObject = { ...doc };
    if (rest.length === 0) delete obj[seg];
    else obj[seg] = deleteIn(obj[seg], rest) as JsonValue;
    return obj;
  }
  if (!Array.isArray(doc)) return doc;
  const i = findIndex(doc, seg);
  if (i < 0) return doc;
  const arr = [...doc];
  if (rest.length === 0) arr.splice(i, 1);
  else arr[i] = deleteIn(arr[i], rest) as JsonValue;
  return arr;
}

export { deepEqual } from '../shared/equal.ts';

/** Canonical JSON (sorted keys) of a value; `undefined` → the literal 'undefined'. */
export function canonical(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  if (typeof v === 'object' && v !== null) return JSON.stringify(String(v));
  return JSON.stringify(v);
}

export function hashValue(v: unknown): string {
  return 'sha256:' + createHash('sha256').update(canonical(v)).digest('hex');
}

export function formatPath(path: SlotPath): string {
  return path
    .map((seg) =>
      typeof seg === 'string'
        ? seg
        : 'item' in seg
          ? `[=${JSON.stringify(seg.item)}]`
          : `[${Object.entries(seg.match)
              .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
              .join(',')}]`,
    )
    .join('.');
}
