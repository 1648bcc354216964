/**
 * Floor: shared. What a path looks like now, as one string: for a file its device, inode, size
 * and change times in nanoseconds; for a directory only that it is one (its times move with
 * every file a tool creates in it, and a status depends only on its existence); for anything
 * else why it could not be read (`error:ENOENT`). Two equal stamps mean the status computed from
 * the path then still holds now: the agent's status file records them, the CLI compares them
 * (cli/fast-status.ts). A rename-into-place (any atomic write) gives a new inode; a write in
 * place moves ctime.
 */
// Not `import … from 'node:fs'`: on the `gwctl status` path (see ipc/client.ts).
const { statSync } = process.getBuiltinModule('node:fs');

export type StampKind = 'd' | 'f';

export function pathStamp(path: string, kind: StampKind): string {
  try {
    const st = statSync(path, { bigint: true });
    if (kind === 'd') return st.isDirectory() ? 'dir' : 'not-dir';
    return `f:${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch (e) {
    return `error:${(e as NodeJS.ErrnoException).code ?? 'unknown'}`;
  }
}

export type Stamped = [path: string, kind: StampKind, stamp: string];

/** A tool's config dir and files, each with its stamp now. */
export function targetStamps(t: { dir: string; files: readonly string[] }): Stamped[] {
  return [[t.dir, 'd', pathStamp(t.dir, 'd')], ...t.files.map((f): Stamped => [f, 'f', pathStamp(f, 'f')])];
}

/**
 * Whether a file's stamp shows a change (mtime or ctime) at or after `sinceMs` (ms since the
 * epoch), or cannot say (not a file's stamp). File times come from a clock coarser than writes
 * can be (a jiffy on Linux, a second on HFS+, two on FAT): two same-size writes in place within
 * one tick leave equal stamps, so a stamp this recent does not prove the content unchanged later.
 */
export function changedSince(stamp: string, sinceMs: number): boolean {
  if (!stamp.startsWith('f:')) return !stamp.startsWith('error:');
  const parts = stamp.split(':');
  const since = BigInt(Math.floor(sinceMs)) * 1_000_000n;
  try {
    return BigInt(parts[4]!) >= since || BigInt(parts[5]!) >= since;
  } catch {
    return true;
  }
}
