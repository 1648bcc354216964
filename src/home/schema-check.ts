/**
 * Floor: home. The JSON-schema keywords gwctl's settings schema uses, checked the way ajv (conf's
 * validator) checks them, so the agent can validate config.json on every read without loading
 * conf and ajv (about 12 MiB of resident memory in a process that runs all day; issue 19).
 * conf stays the writer: `gwctl config set` validates with ajv before it writes.
 *
 * Supported: type (boolean, integer, number, string, array, object), anyOf, properties,
 * additionalProperties (a schema), propertyNames, items, uniqueItems, minimum, maximum,
 * minLength, maxLength (code points, as ajv counts), pattern (Unicode, as ajv compiles it).
 * Any other keyword is refused when the schema is first used, so a schema change cannot be
 * silently half-checked. test/home/schema-check.test.ts compares the verdicts with conf's.
 */

import { deepEqual } from '../shared/equal.ts';

export type Schema = Record<string, unknown>;

const KNOWN = new Set([
  'type',
  'anyOf',
  'properties',
  'additionalProperties',
  'propertyNames',
  'items',
  'uniqueItems',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'default',
]);

const patterns = new Map<string, RegExp>();
function regex(p: string): RegExp {
  let r = patterns.get(p);
  if (!r) patterns.set(p, (r = new RegExp(p, 'u')));
  return r;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'string':
      return typeof v === 'string';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isObject(v);
    default:
      throw new Error(`internal: schema type '${type}' is not supported by schema-check`);
  }
}

/**
 * The first violation of `schema` by `value`, as `where: rule` (`/agent/debounceMs: must be <=
 * 5000`), or undefined when it passes. Values are never quoted in the message.
 */
export function schemaViolation(schema: Schema, value: unknown, where = ''): string | undefined {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`internal: schema keyword '${k}' is not supported by schema-check`);
  const at = where || '/';
  if (typeof schema.type === 'string' && !typeOk(schema.type, value)) return `${at}: must be ${schema.type}`;
  if (Array.isArray(schema.anyOf)) {
    const passes = (schema.anyOf as Schema[]).some((s) => schemaViolation(s, value, where) === undefined);
    if (!passes) return `${at}: must match a schema in anyOf`;
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) return `${at}: must be >= ${schema.minimum}`;
    if (typeof schema.maximum === 'number' && value > schema.maximum) return `${at}: must be <= ${schema.maximum}`;
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof schema.minLength === 'number' && length < schema.minLength) return `${at}: must NOT have fewer than ${schema.minLength} characters`;
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) return `${at}: must NOT have more than ${schema.maxLength} characters`;
    if (typeof schema.pattern === 'string' && !regex(schema.pattern).test(value)) return `${at}: must match pattern "${schema.pattern}"`;
  }
  if (Array.isArray(value)) {
    if (isObject(schema.items)) {
      for (let i = 0; i < value.length; i++) {
        const v = schemaViolation(schema.items, value[i], `${where}/${i}`);
        if (v) return v;
      }
    }
    if (schema.uniqueItems === true) {
      for (let i = 0; i < value.length; i++)
        for (let j = 0; j < i; j++) if (deepEqual(value[i], value[j])) return `${at}: must NOT have duplicate items (items ## ${j} and ${i} are identical)`;
    }
  }
  if (isObject(value)) {
    const props = isObject(schema.properties) ? (schema.properties as Record<string, Schema>) : {};
    for (const [k, v] of Object.entries(value)) {
      const sub = Object.hasOwn(props, k) ? props[k] : undefined;
      if (isObject(schema.propertyNames)) {
        const bad = schemaViolation(schema.propertyNames, k, where);
        if (bad) return `${at}: property name must be valid`;
      }
      if (sub) {
        const bad = schemaViolation(sub, v, `${where}/${k}`);
        if (bad) return bad;
      } else if (isObject(schema.additionalProperties)) {
        const bad = schemaViolation(schema.additionalProperties, v, `${where}/${k}`);
        if (bad) return bad;
      }
    }
  }
  return undefined;
}
