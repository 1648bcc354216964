/**
 * Apply a list of edits to one file's text through its format editor, then prove the result:
 * parse old and new and check the semantic difference is exactly the intended change.
 * Anything else throws (and the caller writes nothing).
 */
import { editorFor } from './index.ts';
import { pointsAt } from '../shared/address.ts';
import { deepEqual, deleteIn, formatPath, getIn, hashValue, isObject, setIn } from './path.ts';
import { ConfigFormatError, type Edit, type Format, type Guard, type JsonValue, type SlotPath } from './slot.ts';

export interface AppliedEdit {
  edit: Edit;
  /** The value found at the path before this edit (`undefined`: absent). */
  before: JsonValue | undefined;
  /**
   * The shortest prefix of the path that did not exist before this edit, when the edit created
   * parents (e.g. `['env']` when `env` was absent). A restore removes it again once it is empty.
   */
  createdParent?: SlotPath;
}

export interface ApplyResult {
  text: string;
  applied: AppliedEdit[];
}

/** Apply `edits` (all for the same file) in order. `text` '' stands for a missing file. */
export function applyEdits(text: string, format: Format, edits: readonly Edit[], file: string): ApplyResult {
  const editor = editorFor(format);
  const oldDoc = editor.parse(text, file);
  let expected: JsonValue | undefined = oldDoc;
  let out = text;
  const applied: AppliedEdit[] = [];
  for (const edit of edits) {
    refuseNonContainerParent(editor.parse(out, file), edit, file);
    const before = editor.get(out, edit.path, file);
    const createdParent = before === undefined ? firstMissingPrefix(edit.path, (p) => editor.get(out, p, file)) : undefined;
    applied.push(createdParent ? { edit, before, createdParent } : { edit, before });
    if (edit.value === undefined) {
      out = editor.delete(out, edit.path, file);
      expected = deleteIn(expected, edit.path);
    } else {
      out = editor.set(out, edit.path, edit.value, file);
      expected = setIn(expected, edit.path, edit.value);
    }
  }
  verify(editor.parse(out, file), expected ?? {}, file, edits);
  return { text: out, applied };
}

/**
 * An edit below a value that is not an object/array (e.g. `"env": "x"` when we set
 * `env.ANTHROPIC_BASE_URL`) would replace the user's value with a container, and no restore could
 * give it back: refuse instead.
 */
function refuseNonContainerParent(doc: JsonValue, edit: Edit, file: string): void {
  if (edit.value === undefined) return; // deleting below a scalar is a no-op, not a loss
  let cur: unknown = doc;
  for (let i = 0; i < edit.path.length - 1; i++) {
    cur = getIn(cur, [edit.path[i]!]);
    if (cur === undefined) return;
    const container = typeof edit.path[i + 1] === 'string' ? isObject(cur) : Array.isArray(cur);
    if (!container) {
      const what = cur === null ? 'null' : Array.isArray(cur) ? 'a list' : isObject(cur) ? 'an object' : `a ${typeof cur}`;
      throw new ConfigFormatError(file, `${formatPath(edit.path.slice(0, i + 1))} is ${what}, where gwctl needs to add ${formatPath(edit.path)}; nothing was written`, {
        fix: `make ${formatPath(edit.path.slice(0, i + 1))} ${typeof edit.path[i + 1] === 'string' ? 'an object ({})' : 'a list ([])'} or remove it, and run the command again`,
      });
    }
  }
}

function firstMissingPrefix(
  path: SlotPath,
  get: (p: SlotPath) => JsonValue | undefined,
): SlotPath | undefined {
  for (let i = 1; i < path.length; i++) {
    const prefix = path.slice(0, i);
    if (get(prefix) === undefined) return prefix;
  }
  return undefined;
}

function verify(actual: unknown, expected: unknown, file: string, edits: readonly Edit[]): void {
  let same: boolean;
  try {
    same = deepEqual(actual, expected);
  } catch (e) {
    if (e instanceof RangeError) throw new ConfigFormatError(file, 'is nested too deeply to check an edit safely, so nothing was written', { fix: 'flatten the deeply nested value by hand and run the command again' });
    throw e;
  }
  if (same) return;
  const paths = edits.map((e) => formatPath(e.path)).join(', ');
  throw new ConfigFormatError(
    file,
    `internal check failed: editing ${paths} would change more than those keys, so nothing was written`,
    { fix: 'please report this with the file\'s layout (not its secrets); the file is unchanged' },
  );
}

/** What the ledger keeps of one applied edit: enough to revert it, never the secret itself. */
export interface SlotRecord {
  file: string;
  path: SlotPath;
  /** Value before the takeover (`undefined`: absent). */
  before: JsonValue | undefined;
  /** hashValue() of what the takeover wrote (`undefined` for a deletion). */
  afterHash: string;
  guard: Guard;
  createdParent?: SlotPath;
}

export function toSlotRecords(applied: readonly AppliedEdit[]): SlotRecord[] {
  return applied.map(({ edit, before, createdParent }) => ({
    file: edit.file,
    path: edit.path,
    before,
    afterHash: hashValue(edit.value),
    guard: edit.guard ?? { kind: 'unchanged' },
    ...(createdParent ? { createdParent } : {}),
  }));
}

/** True when the value now at a slot is still ours, so a restore may revert it. */
export function stillOurs(record: SlotRecord, current: JsonValue | undefined, gatewayRoot: string): boolean {
  const { guard } = record;
  switch (guard.kind) {
    case 'unchanged':
      return hashValue(current) === record.afterHash;
    case 'address':
      return pointsAt(guard.field ? getIn(current, guard.field) : current, gatewayRoot);
    case 'field-equals':
      return current !== undefined && getIn(current, guard.field) === guard.value;
  }
}

export interface RevertResult {
  text: string;
  reverted: SlotRecord[];
  /** Slots left alone because the user changed them since the takeover. */
  kept: SlotRecord[];
}

/**
 * Revert the ledger's records for one file, newest first: a slot that is still ours gets its
 * previous value back (or is removed when it was absent); parents the takeover created are removed
 * once empty.
 */
export function revertRecords(
  text: string,
  format: Format,
  records: readonly SlotRecord[],
  gatewayRoot: string,
  file: string,
): RevertResult {
  const editor = editorFor(format);
  let out = text;
  const reverted: SlotRecord[] = [];
  const kept: SlotRecord[] = [];
  for (const record of [...records].reverse()) {
    const current = editor.get(out, record.path, file);
    if (!stillOurs(record, current, gatewayRoot)) {
      kept.push(record);
      continue;
    }
    reverted.push(record);
    if (record.before !== undefined) {
      out = applyEdits(out, format, [{ file: record.file, path: record.path, value: record.before }], file).text;
      continue;
    }
    if (current !== undefined) {
      out = applyEdits(out, format, [{ file: record.file, path: record.path, value: undefined }], file).text;
    }
    if (record.createdParent && isEmptyContainer(editor.get(out, record.createdParent, file))) {
      out = applyEdits(out, format, [{ file: record.file, path: record.createdParent, value: undefined }], file).text;
    }
  }
  return { text: out, reverted, kept };
}

/** An empty object/array, or one holding nothing but (recursively) empty containers. */
function isEmptyContainer(v: unknown): boolean {
  if (Array.isArray(v)) return v.every(isEmptyContainer);
  return isObject(v) && Object.values(v).every(isEmptyContainer);
}
