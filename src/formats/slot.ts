/**
 * The vocabulary shared by every format editor and every adapter.
 *
 * A tool's "slot" is the set of keys a takeover owns in its config. Adapters describe a takeover
 * as a list of {@link Edit}s (path + new value); the format editors apply them to the user's text
 * as minimal text patches, never re-serialising the document.
 */

export type JsonPrimitive = null | boolean | number | string;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * One step of a path into a document.
 * - `string`: an object/table key (for dotenv: the variable name).
 * - `{ match }`: the element of an array of objects whose fields equal `match` (e.g. `{ id: 'gpt-4o' }`).
 *   `set` on a missing element appends it (with `first: true`, inserts it first: only the YAML
 *   editor does that; the others refuse through the semantic check); `delete` removes it.
 * - `{ item }`: the element of an array of primitives equal to `item` (e.g. a model id in
 *   CodeBuddy's `availableModels`). `set` appends when missing; `delete` removes it.
 */
export type PathSeg = string | { match: Record<string, JsonPrimitive>; first?: true } | { item: JsonPrimitive };
export type SlotPath = readonly PathSeg[];

export type Format = 'json' | 'jsonc' | 'json5' | 'toml' | 'dotenv' | 'yaml';

/**
 * When a restore may revert an edit. Evaluated against the value found at the edit's path at
 * restore time.
 * - `unchanged`: only if the value is still exactly what the takeover wrote (compared by hash).
 * - `address`: only if the value (or, with `field`, the value at that sub-path) is a URL that still
 *   points at this gateway.
 * - `field-equals`: only if the value at sub-path `field` equals `value` (e.g. a Kimi model whose
 *   `provider` is ours).
 */
export type Guard = { kind: 'unchanged' } | { kind: 'address'; field?: SlotPath } | { kind: 'field-equals'; field: SlotPath; value: JsonPrimitive };

/** One change a takeover makes: put `value` at `path` in the file with role `file`. */
export interface Edit {
  /** Role of the file within the tool (see FileSpec.role), e.g. 'settings', 'env', 'config'. */
  file: string;
  path: SlotPath;
  /** The new value; `undefined` deletes the key (used to set aside e.g. Claude's `apiKeyHelper`). */
  value: JsonValue | undefined;
  /** When a restore may revert this edit. Default `{ kind: 'unchanged' }`. */
  guard?: Guard;
  /** True when the value carries the virtual key: it is never stored, only its hash. */
  secret?: boolean;
}

/** A parse/edit failure that names the file and says what to do. Never includes file contents. */
export class ConfigFormatError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(file: string, problem: string, opts: { line?: number; column?: number; fix?: string } = {}) {
    const where = opts.line !== undefined ? `${file}:${opts.line}${opts.column !== undefined ? `:${opts.column}` : ''}` : file;
    const fix = opts.fix ?? 'fix the file by hand (or restore it from its .bak copy) and run the command again';
    super(`${where}: ${problem}; ${fix}`);
    this.name = 'ConfigFormatError';
    this.file = file;
    this.line = opts.line;
    this.column = opts.column;
  }
}

/**
 * A format-preserving editor. Every function is pure (text in, text out) and throws
 * {@link ConfigFormatError} naming `file` on malformed input. Edits keep every byte outside the
 * changed slot: comments, key order, indentation, blank lines, CRLF, a BOM, quoting style.
 */
export interface FormatEditor {
  readonly format: Format;
  /** Parse to plain data (objects, arrays, strings, numbers, booleans, null). Empty text = `{}`. */
  parse(text: string, file: string): JsonObject;
  /** The value at `path`, or `undefined` when absent. */
  get(text: string, path: SlotPath, file: string): JsonValue | undefined;
  /** Put `value` at `path`, creating parents; a missing file is passed as ''. */
  set(text: string, path: SlotPath, value: JsonValue, file: string): string;
  /** Remove `path`; removing an absent path returns `text` unchanged. */
  delete(text: string, path: SlotPath, file: string): string;
  /**
   * Put several members that do not exist yet into the container at `parent` (which exists), in
   * one pass: the same text as `set` one by one. Not verified: the caller checks the result.
   */
  insertMany?(text: string, parent: SlotPath, members: ReadonlyArray<{ seg: PathSeg; value: JsonValue }>, file: string): string;
  /** Remove several existing members of the container at `parent` in one pass (caller verifies). */
  deleteMany?(text: string, parent: SlotPath, segs: readonly PathSeg[], file: string): string;
}
