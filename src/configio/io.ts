/**
 * Floor: configio (beside formats), below adapters: safe reads and writes of config files. See docs/floors.md.
 *
 * The only code that touches a tool's config file.
 *
 * - Reads follow symlinks and remember the content hash (for compare-and-swap) and the mode.
 * - Writes are atomic: a temp file opened `wx` in the target's real directory, fsync, chmod,
 *   re-check that nobody changed the target since we read it, rename over the real file (so a
 *   stow/chezmoi symlink survives and its target changes), fsync the directory.
 * - Every failure is a {@link ConfigIoError} naming the file and what to do. File contents never
 *   appear in errors.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants as FS, lstatSync, promises as fsp, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BoundedReadError, MAX_READ_BYTES, readBounded } from '../shared/read.ts';

export class ConfigIoError extends Error {
  readonly file: string;
  readonly code: string;
  constructor(file: string, code: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'ConfigIoError';
    this.file = file;
    this.code = code;
  }
}

/** Another process changed the file between our read and our write. Nothing was written. */
export class ConcurrentWriteError extends ConfigIoError {
  constructor(file: string) {
    super(file, 'CONCURRENT', 'changed by another program while gwctl was editing it; nothing was written (run the command again)');
    this.name = 'ConcurrentWriteError';
  }
}

export interface ConfigFile {
  /** The path as the tool knows it (may be a symlink). */
  path: string;
  /** The file actually read and written (symlinks resolved). */
  realPath: string;
  exists: boolean;
  /** UTF-8 text ('' when missing). */
  text: string;
  /** hashText(text), or null when missing. */
  hash: string | null;
  /** Permission bits (e.g. 0o644), or null when missing. */
  mode: number | null;
  /** True when `path` is a symlink. */
  symlink: boolean;
}

export function hashText(text: string): string {
  return 'sha256:' + createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * hashText of the text these bytes decode to, for bytes that are valid UTF-8 (decoding them and
 * encoding the text again gives the same bytes, a BOM included): the file as read is hashed
 * without encoding its text again (a 5 MB config: 3 ms instead of 7-10).
 */
function hashUtf8(bytes: Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

// ignoreBOM: keep a UTF-8 BOM in the text (the default would silently drop it on the next write).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? 'EUNKNOWN';
}

/** Resolve symlinks; a dangling link is an error, a missing plain file is fine. */
function resolveTarget(path: string): { realPath: string; symlink: boolean } {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if (errCode(e) === 'ENOENT') return { realPath: path, symlink: false };
    throw fsError(path, e, 'read');
  }
  if (!st.isSymbolicLink()) return { realPath: path, symlink: false };
  try {
    return { realPath: realpathSync(path), symlink: true };
  } catch (e) {
    if (errCode(e) === 'ENOENT' || errCode(e) === 'ELOOP') {
      let target = '?';
      try {
        target = readlinkSync(path);
      } catch {
        /* keep '?' */
      }
      throw new ConfigIoError(path, 'DANGLING_SYMLINK', `is a symlink to ${target}, which does not exist; fix or remove the link and run the command again`);
    }
    throw fsError(path, e, 'read');
  }
}

function fsError(file: string, e: unknown, verb: 'read' | 'write'): ConfigIoError {
  const code = errCode(e);
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new ConfigIoError(
        file,
        code,
        verb === 'read'
          ? "permission denied while reading; check the file's owner and mode (ls -l)"
          : 'permission denied while writing; check that you own the file and its directory (ls -ld)',
      );
    case 'EISDIR':
      return new ConfigIoError(file, code, 'is a directory, but a file is expected here; move the directory away and run the command again');
    case 'ENOSPC':
      return new ConfigIoError(file, code, 'no space left on the device; nothing was written (free some space and run the command again)');
    case 'EROFS':
      return new ConfigIoError(file, code, 'is on a read-only file system; nothing was written');
    case 'ENOTDIR':
      return new ConfigIoError(file, code, 'a parent of this path is a file, not a directory; fix the path and run the command again');
    default:
      return new ConfigIoError(file, code, `could not ${verb} (${code}); nothing was written`);
  }
}

export async function readConfig(path: string): Promise<ConfigFile> {
  return readConfigSync(path);
}

/**
 * readConfig's work, done with synchronous calls on one descriptor: a tool's config is a few KiB
 * on a local disk, and six thread-pool round trips per file (lstat, stat, open, fstat, read,
 * close) made a nine-tool status take 2-7 ms instead of well under one. Opening with O_NONBLOCK
 * means a FIFO in the file's place is reported, not waited on; fstat on the open descriptor
 * means what was checked is what is read.
 */
export function readConfigSync(path: string): ConfigFile {
  const { realPath, symlink } = resolveTarget(path);
  let read;
  try {
    read = readBounded(realPath);
  } catch (e) {
    if (e instanceof BoundedReadError) {
      if (e.code === 'EISDIR') throw fsError(path, Object.assign(new Error(), { code: 'EISDIR' }), 'read');
      throw new ConfigIoError(
        path,
        e.code,
        e.code === 'TOO_BIG'
          ? `is larger than ${MAX_READ_BYTES / (1024 * 1024)} MiB, far more than a config file; move it away and run the command again`
          : `is not a regular file (a ${e.kind}); move it away and run the command again`,
      );
    }
    throw fsError(path, e, 'read');
  }
  if (!read) return { path, realPath, exists: false, text: '', hash: null, mode: null, symlink };
  const { bytes, mode } = read;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ConfigIoError(path, 'NOT_UTF8', 'is not valid UTF-8 text; fix its encoding (or restore it from its .bak copy) and run the command again');
  }
  return { path, realPath, exists: true, text, hash: hashUtf8(bytes), mode, symlink };
}

export interface WriteOptions {
  /** Hash of the content we read (null: the file must still not exist). */
  expectHash: string | null;
  /** Permission bits for the written file. */
  mode: number;
}

/**
 * Atomically replace `file` (as read by readConfig) with `text`. Throws ConcurrentWriteError if
 * the file changed since it was read; in every failure case the original file is untouched.
 */
export async function writeConfig(file: Pick<ConfigFile, 'path' | 'realPath'>, text: string, opts: WriteOptions): Promise<void> {
  const target = file.realPath;
  const dir = dirname(target);
  await assertWritable(file.path, target, opts.expectHash !== null);
  await removeStaleTemps(dir, basename(target));
  const tmp = join(dir, `.${basename(target)}.gwctl-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(tmp, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL, opts.mode);
    await handle.writeFile(text, 'utf8');
    await handle.chmod(opts.mode);
    await handle.sync();
    await handle.close();
    handle = undefined;
    testCrashPoint('before-rename');
    await compareAndSwap(file.path, target, opts.expectHash, tmp);
    testCrashPoint('after-rename');
    await syncDir(dir);
  } catch (e) {
    if (handle) await handle.close().catch(() => {});
    await fsp.rm(tmp, { force: true }).catch(() => {});
    if (e instanceof ConfigIoError) throw e;
    throw fsError(file.path, e, 'write');
  }
}

/**
 * Temp files of a gwctl that was killed between writing and renaming (`.<file>.gwctl-<pid>-….tmp`)
 * are removed on the next write to that file, once their process is gone. They may hold a key.
 */
async function removeStaleTemps(dir: string, base: string): Promise<void> {
  const prefix = `.${base}.gwctl-`;
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || processAlive(pid)) continue;
    await fsp.rm(join(dir, name), { force: true }).catch(() => {});
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errCode(e) === 'EPERM';
  }
}

/**
 * TEST HOOK for the reliability suite (test/reliability*): with GWCTL_TEST_CRASH_AT=<point>[:<n>]
 * the process kills itself with SIGKILL the n-th time (default 1st) a write reaches <point>:
 * 'before-rename' (temp file written and synced, target untouched) or 'after-rename' (target
 * replaced, directory not yet synced). Does nothing when the variable is unset.
 */
let testCrashHits = 0;
function testCrashPoint(point: 'before-rename' | 'after-rename'): void {
  const spec = process.env.GWCTL_TEST_CRASH_AT;
  if (!spec) return;
  const [at, nth] = spec.split(':');
  if (at === point && ++testCrashHits >= Number(nth ?? 1)) process.kill(process.pid, 'SIGKILL');
}

async function compareAndSwap(path: string, target: string, expectHash: string | null, tmp: string): Promise<void> {
  if (expectHash === null) {
    if (
      await fsp.lstat(target).then(
        () => true,
        () => false,
      )
    )
      throw new ConcurrentWriteError(path);
    // Nothing may appear at the target between the check and the rename: link() fails if it exists.
    try {
      await fsp.link(tmp, target);
    } catch (e) {
      if (errCode(e) === 'EEXIST') throw new ConcurrentWriteError(path);
      throw e;
    }
    await fsp.rm(tmp, { force: true });
    return;
  }
  let old: fsp.FileHandle;
  try {
    old = await fsp.open(target, 'r');
  } catch (e) {
    if (errCode(e) === 'ENOENT') throw new ConcurrentWriteError(path);
    throw e;
  }
  try {
    const before = await old.stat();
    // Bytes that are not UTF-8 cannot hash to the expected text's encoding: no decode needed.
    const current = hashUtf8(await readAt(old, before.size));
    if (current !== expectHash) throw new ConcurrentWriteError(path);
    await fsp.rename(tmp, target);
    // A program that writes its config in place (open, truncate, write) may have written into
    // the old file between the check and the rename: its write would be lost. The old file is
    // still open here, so look, and put that write back rather than lose it.
    const after = await old.stat();
    // (Not ctime: the rename itself changes the old file's ctime when it unlinks it.)
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      const theirs = await readAt(old, after.size);
      const back = `${tmp}.theirs`;
      await fsp.writeFile(back, theirs, { mode: after.mode & 0o7777, flag: 'wx' });
      await fsp.rename(back, target);
      throw new ConcurrentWriteError(path);
    }
  } finally {
    await old.close().catch(() => {});
  }
}

async function readAt(h: fsp.FileHandle, size: number): Promise<Buffer> {
  const buf = Buffer.alloc(size);
  let off = 0;
  while (off < size) {
    const { bytesRead } = await h.read(buf, off, size - off, off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return buf.subarray(0, off);
}

/** Throws the error a write would, before anything is changed (read-only file, unwritable dir). */
export async function checkWritable(file: Pick<ConfigFile, 'path' | 'realPath' | 'exists'>): Promise<void> {
  await assertWritable(file.path, file.realPath, file.exists);
}

async function assertWritable(path: string, target: string, exists: boolean): Promise<void> {
  if (exists) {
    const st = await fsp.stat(target).catch(() => null);
    const me = process.getuid?.();
    const foreign = st !== null && me !== undefined && st.uid !== me;
    const readOnly = foreign
      ? new ConfigIoError(
          path,
          'READ_ONLY',
          `is not writable for you: it belongs to another user (uid ${st.uid}; you are uid ${me}), and gwctl will not write it: run gwctl as that user, or give the file back to yourself (sudo chown $(id -u) ${path})`,
        )
      : new ConfigIoError(path, 'READ_ONLY', 'is read-only; gwctl will not override that. Make it writable (chmod u+w) and run the command again');
    // The owner's write bit is the user's intent, even for root (who could write anyway).
    if (st && (st.mode & 0o200) === 0) throw readOnly;
    try {
      await fsp.access(target, FS.W_OK);
    } catch (e) {
      if (errCode(e) === 'EACCES' || errCode(e) === 'EPERM') throw readOnly;
      if (errCode(e) !== 'ENOENT') throw fsError(path, e, 'write');
    }
  }
  try {
    await fsp.access(dirname(target), FS.W_OK | FS.X_OK);
  } catch (e) {
    throw new ConfigIoError(path, 'DIR_NOT_WRITABLE', `its directory ${dirname(target)} is not writable (${errCode(e)}); check its owner and mode (ls -ld)`);
  }
}

async function syncDir(dir: string): Promise<void> {
  let h: fsp.FileHandle | undefined;
  try {
    h = await fsp.open(dir, 'r');
    await h.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await h?.close().catch(() => {});
  }
}

/** Delete a file the takeover created, only if it still holds what we expect. */
export async function removeConfig(file: Pick<ConfigFile, 'path' | 'realPath'>, expectHash: string): Promise<void> {
  const current = await readConfig(file.path);
  if (!current.exists) return;
  if (current.hash !== expectHash) throw new ConcurrentWriteError(file.path);
  try {
    await fsp.unlink(current.symlink ? current.path : current.realPath);
  } catch (e) {
    throw fsError(file.path, e, 'write');
  }
}

/** What is at `dest` now, read like any config (a FIFO or device there is refused, not waited on). */
function readBackupText(dest: string): string {
  const r = readBounded(dest, { noFollow: true });
  return r ? r.bytes.toString('utf8') : '';
}

/** Copy `src` (real path) to `dest` keeping its mode; never follows or replaces a symlink at dest. */
export async function copyBackup(src: ConfigFile, dest: string): Promise<void> {
  try {
    const st = await fsp.lstat(dest).catch(() => null);
    if (st?.isSymbolicLink())
      throw new ConfigIoError(dest, 'BAK_SYMLINK', 'is a symlink; gwctl will not write a backup through it. Remove it and run the command again');
    await writeConfig({ path: dest, realPath: dest }, src.text, {
      expectHash: st ? hashText(readBackupText(dest)) : null,
      mode: src.mode ?? 0o600,
    });
  } catch (e) {
    if (e instanceof ConfigIoError) throw e;
    throw fsError(dest, e, 'write');
  }
}

export async function dirExists(path: string): Promise<boolean> {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * What a path holds, for change detection when it cannot be read as a config (not UTF-8, a
 * directory, a FIFO, too big): a hash of its bytes, or a marker naming what is there. Never
 * blocks and never reads more than the reader's cap.
 */
export function fingerprint(path: string): string {
  try {
    const r = readBounded(path);
    return r ? 'bytes:' + createHash('sha256').update(r.bytes).digest('hex') : 'missing';
  } catch (e) {
    if (e instanceof BoundedReadError) return `unreadable:${e.code}:${e.kind}`;
    return `unreadable:${errCode(e)}`;
  }
}
