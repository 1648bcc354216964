/**
 * Floor: shared. Structural equality of parsed config values (JSON, and the scalars TOML parsers
 * produce): the format editors' checks and the agent's settings check (home/schema-check.ts).
 */

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structural equality; object key order does not matter, array order does. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  // Dates and other scalars produced by TOML parsers: compare their string form.
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    return Object.getPrototypeOf(a) === Object.getPrototypeOf(b) && String(a) === String(b);
  }
  return false;
}
