/**
 * The one way gwctl reads a file under the user's home: opened O_NONBLOCK (a FIFO in a config's
 * place is reported, not waited on: a blocked read would hold a thread-pool worker for good),
 * checked on the open descriptor (what is checked is what is read), regular files only (no
 * device, socket or FIFO), and capped in size while reading (a file can grow between fstat and
 * read). configio builds on it; gwctl's own files (home/) use it directly.
 */
const { closeSync, constants: FS, fstatSync, openSync, readSync } = process.getBuiltinModule('node:fs');

/** Larger than any tool config or gwctl file (a 5,000-model config is ~2 MiB). */
export const MAX_READ_BYTES = 16 * 1024 * 1024;

export type ReadProblem = 'EISDIR' | 'NOT_A_FILE' | 'TOO_BIG';

export class BoundedReadError extends Error {
  readonly code: ReadProblem;
  readonly kind: string;
  constructor(path: string, code: ReadProblem, kind: string, max: number) {
    super(
      code === 'TOO_BIG'
        ? `${path}: is larger than ${max / (1024 * 1024)} MiB, far more than a config file; move it away and run the command again`
        : code === 'EISDIR'
          ? `${path}: is a directory, but a file is expected here; move the directory away and run the command again`
          : `${path}: is not a regular file (a ${kind}); move it away and run the command again`,
    );
    this.name = 'BoundedReadError';
    this.code = code;
    this.kind = kind;
  }
}

export interface BoundedRead {
  bytes: Buffer;
  /** Permission bits. */
  mode: number;
  uid: number;
}

function kindOf(st: import('node:fs').Stats): string {
  if (st.isFIFO()) return 'FIFO';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  return 'special file';
}

/**
 * The bytes of the regular file at `path`, or undefined when it does not exist. Other errno
 * failures are thrown as they come (the caller words them); never blocks on a FIFO or device.
 */
export function readBounded(path: string, { max = MAX_READ_BYTES, noFollow = false }: { max?: number; noFollow?: boolean } = {}): BoundedRead | undefined {
  let fd: number;
  try {
    fd = openSync(path, FS.O_RDONLY | FS.O_NONBLOCK | (noFollow ? FS.O_NOFOLLOW : 0));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new BoundedReadError(path, 'EISDIR', 'directory', max);
    if (!st.isFile()) throw new BoundedReadError(path, 'NOT_A_FILE', kindOf(st), max);
    if (st.size > max) throw new BoundedReadError(path, 'TOO_BIG', 'file', max);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // The size it has, plus one byte to see it grew; small reads come from Node's shared pool: a fresh
      // 64 KiB buffer per read is memory outside the heap that only a major GC returns (the agent reads
      // on every edit: 6 MiB of it under churn, issue 19).
      const buf = Buffer.allocUnsafe(Math.min(Math.max(st.size - total + 1, 1024), max + 1 - total));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > max) throw new BoundedReadError(path, 'TOO_BIG', 'file', max);
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
    }
    return { bytes: Buffer.concat(chunks, total), mode: st.mode & 0o7777, uid: st.uid };
  } finally {
    closeSync(fd);
  }
}
