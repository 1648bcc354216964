/**
 * `gwctl env NAME --write PATH` and `gwctl restore --env PATH`: the gateway variables written into
 * a project's `.env` with the dotenv editor (only those keys change; comments, order, quoting and
 * line endings stay), and taken out again. Like a takeover: a `.bak` of the original first, one
 * atomic compare-and-swap write through configio, mode 0600 (the file holds a key), and a record
 * of what was written (`<stateDir>/env-files.json`, 0600: the values replaced and hashes, never
 * the key) so that a restore puts back exactly the original bytes when nothing else changed.
 */
import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigIoError, copyBackup, readConfig, removeConfig, writeConfig, type ConfigFile } from '../configio/io.ts';
import { applyEdits, revertRecords, toSlotRecords, type SlotRecord } from '../formats/apply.ts';
import { editorFor } from '../formats/index.ts';
import { formatPath } from '../formats/path.ts';
import type { Edit } from '../formats/slot.ts';

const VERSION = 1;

interface EnvFileRecord {
  /** The named key whose variables were written (`env`), and its alias (never the key). */
  name: string;
  alias: string;
  gatewayRoot: string;
  writtenAt: string;
  existedBefore: boolean;
  originalHash: string | null;
  originalMode: number | null;
  writtenHash: string;
  backupPath: string | null;
  records: SlotRecord[];
}

interface EnvFilesState {
  version: number;
  files: Record<string, EnvFileRecord>;
}

class EnvFileStore {
  readonly path: string;
  readonly stateDir: string;
  constructor(stateDir: string) {
    this.stateDir = stateDir;
    this.path = join(stateDir, 'env-files.json');
  }

  async load(): Promise<EnvFilesState> {
    const file = await readConfig(this.path);
    return this.parse(file);
  }

  private parse(file: ConfigFile): EnvFilesState {
    if (!file.exists) return { version: VERSION, files: {} };
    let data: unknown;
    try {
      data = JSON.parse(file.text);
    } catch {
      throw new ConfigIoError(
        this.path,
        'STATE_CORRUPT',
        "gwctl's record of written .env files is not valid JSON; move it aside (restores of .env files then rely on their .bak copies)",
      );
    }
    const s = data as EnvFilesState;
    if (typeof s !== 'object' || s === null || s.version !== VERSION || typeof s.files !== 'object' || s.files === null) {
      throw new ConfigIoError(this.path, 'STATE_VERSION', "gwctl's record of written .env files has an unknown format; upgrade gwctl");
    }
    return s;
  }

  /** Read-modify-write under compare-and-swap, retried when another gwctl wrote in between. */
  async update(fn: (s: EnvFilesState) => void): Promise<void> {
    await fsp.mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    for (let attempt = 0; ; attempt++) {
      const file = await readConfig(this.path);
      const state = this.parse(file);
      fn(state);
      try {
        await writeConfig(file, JSON.stringify(state, null, 2) + '\n', { expectHash: file.hash, mode: 0o600 });
        return;
      } catch (e) {
        if (e instanceof ConfigIoError && e.code === 'CONCURRENT' && attempt < 5) continue;
        throw e;
      }
    }
  }
}

export interface WriteEnvOptions {
  stateDir: string;
  cwd: string;
  name: string;
  alias: string;
  gatewayRoot: string;
  /** Variables to set, in order; `secret` ones hold the key (only their hash is recorded). */
  vars: ReadonlyArray<readonly [string, string]>;
  secret: (name: string) => boolean;
}

/** Write the variables into `path`; returns what was done, one line each (never a value). */
export async function writeEnvFile(path: string, o: WriteEnvOptions): Promise<string[]> {
  const abs = resolve(o.cwd, path);
  const store = new EnvFileStore(o.stateDir);
  const previous = (await store.load()).files[abs];
  const file = await readConfig(abs);
  const edits: Edit[] = o.vars.map(([name, value]) => ({ file: 'env', path: [name], value, secret: o.secret(name) }));
  const { text, applied } = applyEdits(file.text, 'dotenv', edits, abs);
  const notes: string[] = [];
  const fresh = toSlotRecords(applied);
  // A second write keeps what the first one replaced: that is what a restore must put back.
  const records = previous
    ? fresh.map((r) =>
        previous.records.find((p) => formatPath(p.path) === formatPath(r.path))
          ? { ...r, before: previous.records.find((p) => formatPath(p.path) === formatPath(r.path))!.before }
          : r,
      )
    : fresh;
  let backupPath = previous?.backupPath ?? null;
  if (!previous && file.exists) {
    backupPath = `${abs}.bak`;
    const existing = await readConfig(backupPath);
    if (existing.exists && existing.hash !== file.hash) {
      let n = 1;
      while (
        await fsp.lstat(`${backupPath}.${n}`).then(
          () => true,
          () => false,
        )
      )
        n++;
      await fsp.rename(existing.symlink ? existing.path : existing.realPath, `${backupPath}.${n}`);
      notes.push(`${backupPath} existed and was not gwctl's: kept it as ${backupPath}.${n}`);
    }
    if (!existing.exists || existing.hash !== file.hash) await copyBackup(file, backupPath);
    notes.push(`backed up ${abs} to ${backupPath}`);
  }
  if (text !== file.text || file.mode !== 0o600) {
    await writeConfig(file, text, { expectHash: file.hash, mode: 0o600 });
  }
  const written = await readConfig(abs);
  try {
    await store.update((s) => {
      s.files[abs] = {
        name: o.name,
        alias: o.alias,
        gatewayRoot: o.gatewayRoot,
        writtenAt: new Date().toISOString(),
        existedBefore: previous ? previous.existedBefore : file.exists,
        originalHash: previous ? previous.originalHash : file.hash,
        originalMode: previous ? previous.originalMode : file.mode,
        writtenHash: written.hash!,
        backupPath,
        records,
      };
    });
  } catch (e) {
    // Without a record a restore could not take the key out again: undo the write.
    if (file.exists) await writeConfig(written, file.text, { expectHash: written.hash, mode: file.mode! }).catch(() => {});
    else await removeConfig(written, written.hash!).catch(() => {});
    throw e;
  }
  if (file.mode !== null && file.mode !== 0o600) notes.push(`${abs}: mode 0${file.mode.toString(8)} → 0600 (it holds a key); a restore puts it back`);
  notes.push(`${abs}: set ${o.vars.map(([n]) => n).join(', ')} (key '${o.alias}')`);
  return notes;
}

/** Take the variables out of `path` again; byte-identical to before when nothing else changed. */
export async function restoreEnvFile(path: string, o: { stateDir: string; cwd: string }): Promise<string[]> {
  const abs = resolve(o.cwd, path);
  const store = new EnvFileStore(o.stateDir);
  const rec = (await store.load()).files[abs];
  if (!rec) throw new Error(`${abs}: gwctl has no record of writing the gateway variables into it (\`gwctl env NAME --write ${path}\`); nothing was changed`);
  const notes: string[] = [];
  const current = await readConfig(abs);
  if (!current.exists) {
    notes.push(`${abs} is gone; nothing to put back${rec.backupPath ? ` (the original is in ${rec.backupPath})` : ''}`);
  } else {
    const res = revertRecords(current.text, 'dotenv', rec.records, rec.gatewayRoot, abs);
    let text = res.text;
    const editor = editorFor('dotenv');
    const kept = res.kept.filter((k) => editor.get(text, k.path, abs) !== undefined);
    for (const k of kept) notes.push(`${abs}: kept ${formatPath(k.path)} as it is (changed since gwctl wrote it)`);
    if (current.hash === rec.writtenHash && rec.backupPath) {
      const bak = await readConfig(rec.backupPath).catch(() => undefined);
      if (bak?.exists && bak.hash === rec.originalHash) text = bak.text;
    }
    const keptSecret = kept.some((k) => rec.records.find((r) => r === k));
    const mode = rec.originalMode !== null && !keptSecret ? rec.originalMode : current.mode!;
    if (!rec.existedBefore && text.replace(/^\uFEFF/, '').trim() === '') {
      await removeConfig(current, current.hash!);
      notes.push(`${abs}: removed (gwctl had created it)`);
    } else if (text !== current.text || mode !== current.mode) {
      await writeConfig(current, text, { expectHash: current.hash, mode });
      notes.push(
        `${abs}: removed ${res.reverted.map((r) => formatPath(r.path)).join(', ') || 'nothing'}${rec.backupPath ? ` (${rec.backupPath} stays as your manual fallback)` : ''}`,
      );
    } else {
      notes.push(`${abs}: nothing of gwctl's left to remove`);
    }
  }
  await store.update((s) => {
    delete s.files[abs];
  });
  return notes;
}

/** Every `.env` file gwctl wrote the gateway variables into and still has a record of (absolute paths). */
export async function envFilesWritten(stateDir: string): Promise<string[]> {
  return Object.keys((await new EnvFileStore(stateDir).load()).files);
}
