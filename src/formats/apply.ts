/**
 * Apply a list of edits to one file's text through its format editor, then prove the result:
 * parse old and new and check the semantic difference is exactly the intended change.
 * Anything else throws (and the caller writes nothing).
 */
import { editorFor } from './index.ts';
import { pointsAt } from '../shared/address.ts';
import { deepEqual, deleteIn, formatPath, getIn, hashValue, indexer, isFirstSeg, isObject, setIn } from './path.ts';
import { ConfigFormatError, type Edit, type Format, type Guard, type JsonObject, type JsonValue, type PathSeg, type SlotPath } from './slot.ts';

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
  const one = (edit: Edit) => {
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
  };
  for (let i = 0; i < edits.length;) {
    // Many siblings under one container (a model each): the new ones in one pass, not one parse
    // each. (`first` members in one pass: only the YAML editor places them; elsewhere one at a time.)
    const run = editor.insertMany ? siblingRun(edits, i, (e) => e.value !== undefined && (format === 'yaml' || !isFirstSeg(e.path[e.path.length - 1]!))) : 0;
    if (run) {
      let group = edits.slice(i, i + run);
      const parent = group[0]!.path.slice(0, -1);
      const fresh = newMembers(
        getIn(editor.parse(out, file), parent),
        group.map((e) => e.path[e.path.length - 1]!),
      );
      if (fresh) {
        // Up to the first repeat of a member (a gateway listing a model twice): the repeat
        // starts the next run, where it is a member already there.
        group = group.slice(0, fresh.length);
        // Members already there are changed in place, one at a time (a change does not move a
        // member, so the new ones land where they would have anyway); one of them in a list of
        // 2,000 used to send the whole run the one-at-a-time way: minutes of parsing.
        for (const [k, edit] of group.entries()) if (!fresh[k]) one(edit);
        const added = group.filter((_, k) => fresh[k]);
        if (added.length) {
          const doc = editor.parse(out, file);
          const container = getIn(doc, parent);
          refuseNonContainerParent(doc, added[0]!, file);
          const createdParent = container === undefined ? firstMissingPrefix(added[0]!.path, (p) => getIn(doc, p)) : undefined;
          out = editor.insertMany!(
            out,
            parent,
            added.map((e) => ({ seg: e.path[e.path.length - 1]!, value: e.value! })),
            file,
          );
          expected = appendMembers(expected, parent, added);
          added.forEach((edit, k) => applied.push(k === 0 && createdParent ? { edit, before: undefined, createdParent } : { edit, before: undefined }));
        }
        i += group.length;
        continue;
      }
    }
    one(edits[i++]!);
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
      throw new ConfigFormatError(
        file,
        `${formatPath(edit.path.slice(0, i + 1))} is ${what}, where gwctl needs to add ${formatPath(edit.path)}; nothing was written`,
        {
          fix: `make ${formatPath(edit.path.slice(0, i + 1))} ${typeof edit.path[i + 1] === 'string' ? 'an object ({})' : 'a list ([])'} or remove it, and run the command again`,
        },
      );
    }
  }
}

/** Fewest sibling edits worth a batch. */
const BATCH_MIN = 3;

/**
 * How many edits from `i` on share one parent path and depth (and pass `ok`): a run of at least
 * BATCH_MIN, else 0.
 */
function siblingRun<T extends { path: SlotPath }>(items: readonly T[], i: number, ok: (x: T) => boolean): number {
  const first = items[i];
  if (!first || first.path.length === 0 || !ok(first)) return 0;
  const key = JSON.stringify(first.path.slice(0, -1));
  const kind = segKind(first.path[first.path.length - 1]!);
  let j = i + 1;
  while (j < items.length) {
    const x = items[j]!;
    if (!ok(x) || x.path.length !== first.path.length || segKind(x.path[x.path.length - 1]!) !== kind || JSON.stringify(x.path.slice(0, -1)) !== key) break;
    j++;
  }
  return j - i >= BATCH_MIN ? j - i : 0;
}

/** 'key', 'item', or 'match:<fields>' (segments of one kind can share one lookup table). */
function segKind(seg: PathSeg): string {
  if (typeof seg === 'string') return 'key';
  if ('item' in seg) return 'item';
  return 'match:' + JSON.stringify(Object.keys(seg.match));
}

/** A lookup of a container's members by segment, in `findIndex`/last-key-wins order. */
function memberIndex(container: JsonValue | undefined, kind: string): (seg: PathSeg) => JsonValue | undefined {
  if (kind === 'key') {
    return (seg) => (isObject(container) && Object.prototype.hasOwnProperty.call(container, seg as string) ? container[seg as string] : undefined);
  }
  if (!Array.isArray(container)) return () => undefined;
  const at = indexer(container);
  return (seg) => {
    if (typeof seg === 'string') return undefined;
    const i = at(seg);
    return i < 0 ? undefined : container[i];
  };
}

/**
 * For each of `segs` up to the first that repeats an earlier one (the second would change what
 * the first added), whether it is a new member of `container` (true) or one already there;
 * undefined for a container of another kind.
 */
function newMembers(container: JsonValue | undefined, segs: readonly PathSeg[]): boolean[] | undefined {
  if (container !== undefined && !isObject(container) && !Array.isArray(container)) return undefined;
  const kind = segKind(segs[0]!);
  if (Array.isArray(container) ? kind === 'key' : container !== undefined && kind !== 'key') return undefined;
  const lookup = memberIndex(container, kind);
  const seen = new Set<string>();
  const out: boolean[] = [];
  for (const seg of segs) {
    const id = JSON.stringify(seg);
    if (seen.has(id)) break;
    seen.add(id);
    out.push(lookup(seg) === undefined);
  }
  return out;
}

/** `doc` with each edit's value added as a new member of the container at `parent`. */
function appendMembers(doc: JsonValue | undefined, parent: SlotPath, group: readonly Edit[]): JsonValue {
  const cur = getIn(doc, parent);
  const last = (e: Edit) => e.path[e.path.length - 1]!;
  let next: JsonValue;
  if (typeof last(group[0]!) === 'string') {
    const obj: JsonObject = isObject(cur) ? { ...cur } : {};
    for (const e of group) obj[last(e) as string] = e.value!;
    next = obj;
  } else {
    const seg = last(group[0]!);
    const items = Array.isArray(cur) ? cur : [];
    // `first` members go in before the others, each in turn: the last one ends up on top.
    next = isFirstSeg(seg) ? [...group.map((e) => e.value!).reverse(), ...items] : [...items, ...group.map((e) => e.value!)];
  }
  return parent.length ? setIn(doc, parent, next) : next;
}

/** `doc` without the given members of the container at `parent`. */
function withoutMembers(doc: JsonValue, parent: SlotPath, segs: readonly PathSeg[]): JsonValue {
  const cur = getIn(doc, parent);
  let next: JsonValue;
  if (isObject(cur)) {
    const obj: JsonObject = { ...cur };
    for (const seg of segs) delete obj[seg as string];
    next = obj;
  } else if (Array.isArray(cur)) {
    const lookup = memberIndex(cur, segKind(segs[0]!));
    const gone = new Set(segs.map((seg) => lookup(seg)));
    next = cur.filter((el) => !gone.has(el));
  } else return doc;
  return parent.length ? setIn(doc, parent, next) : next;
}

function firstMissingPrefix(path: SlotPath, get: (p: SlotPath) => JsonValue | undefined): SlotPath | undefined {
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
    if (e instanceof RangeError)
      throw new ConfigFormatError(file, 'is nested too deeply to check an edit safely, so nothing was written', {
        fix: 'flatten the deeply nested value by hand and run the command again',
      });
    throw e;
  }
  if (same) return;
  const paths = edits.map((e) => formatPath(e.path)).join(', ');
  throw new ConfigFormatError(file, `internal check failed: editing ${paths} would change more than those keys, so nothing was written`, {
    fix: "please report this with the file's layout (not its secrets); the file is unchanged",
  });
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
export function revertRecords(text: string, format: Format, records: readonly SlotRecord[], gatewayRoot: string, file: string): RevertResult {
  const editor = editorFor(format);
  let out = text;
  const reverted: SlotRecord[] = [];
  const kept: SlotRecord[] = [];
  const newestFirst = [...records].reverse();
  for (let i = 0; i < newestFirst.length;) {
    // Many sibling slots that were absent before (a model each): checked and removed in one pass.
    const run = editor.deleteMany ? siblingRun(newestFirst, i, (r) => r.before === undefined) : 0;
    if (run) {
      const group = newestFirst.slice(i, i + run);
      const doc = editor.parse(out, file);
      const parent = group[0]!.path.slice(0, -1);
      const lookup = memberIndex(getIn(doc, parent), segKind(group[0]!.path[parent.length]!));
      const gone: PathSeg[] = [];
      for (const record of group) {
        const current = lookup(record.path[parent.length]!);
        if (!stillOurs(record, current, gatewayRoot)) {
          kept.push(record);
          continue;
        }
        reverted.push(record);
        if (current !== undefined) gone.push(record.path[parent.length]!);
      }
      if (gone.length) {
        const next = editor.deleteMany!(out, parent, gone, file);
        verify(
          editor.parse(next, file),
          withoutMembers(doc, parent, gone),
          file,
          gone.map((seg) => ({ file, path: [...parent, seg], value: undefined })),
        );
        out = next;
      }
      for (const record of group) {
        if (record.createdParent && reverted.includes(record) && isEmptyContainer(editor.get(out, record.createdParent, file))) {
          out = applyEdits(out, format, [{ file: record.file, path: record.createdParent, value: undefined }], file).text;
        }
      }
      i += run;
      continue;
    }
    const record = newestFirst[i++]!;
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
