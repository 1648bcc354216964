/**
 * The per-HOME writer lock, and the agent's life lock: locks the kernel releases when their
 * holder dies, by any means (SIGKILL, a crash, power loss of the process).
 *
 * Node has no flock(2). The lock is SQLite's: `node:sqlite` (built into Node ≥ 22.13, no native
 * dependency to compile) takes an exclusive POSIX record lock (fcntl F_SETLK) on the lock file
 * for `BEGIN EXCLUSIVE` and drops it at `COMMIT`/close. The kernel owns that lock: a holder
 * killed with SIGKILL releases it at once (no stale-lock timeout, no PID-reuse guessing), a
 * stopped holder (Ctrl-Z) or one whose event loop is blocked keeps it (no "looks dead, steal
 * it"). Inside one process SQLite tracks locks per inode, so two connections contend as two
 * processes would; an in-process queue in front keeps waiters fair and lets a holder re-enter.
 *
 * The lock file holds nothing: it is never read or written by gwctl (closing any descriptor of a
 * file drops the process's POSIX locks on it, so nothing else may open it). The holder's pid is
 * written beside it (`<lock>.pid`) only to name it in "another gwctl is writing (pid N)".
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';

/** How long a writer waits for another by default (GWCTL_LOCK_TIMEOUT_MS overrides). */
export const DEFAULT_LOCK_TIMEOUT_MS = 20_000;
const POLL_MS = 25;

export const WRITER_LOCK = 'writer.lock';
/** In the socket directory: held by the agent for its whole life (the old `agent.lock` was a start-up lock file). */
export const AGENT_LOCK = 'agent.instance.lock';

/** Another gwctl holds the lock and did not let go in time. Nothing was written. */
export class LockBusyError extends Error {
  readonly code = 'LOCKED';
  readonly pid: number | undefined;
  readonly lockPath: string;
  constructor(lockPath: string, pid: number | undefined, message?: string) {
    super(message ?? `another gwctl is writing (pid ${pid ?? 'unknown'}); run the command again`);
    this.name = 'LockBusyError';
    this.lockPath = lockPath;
    this.pid = pid;
  }
}

let sqlite: typeof import('node:sqlite') | undefined;
/** node:sqlite, loaded on first use (never on `gwctl status`); Node 22 flags it experimental. */
function loadSqlite(): typeof import('node:sqlite') {
  if (sqlite) return sqlite;
  const emit = process.emitWarning;
  process.emitWarning = ((w: string | Error, ...rest: unknown[]) => {
    if (/SQLite/i.test(typeof w === 'string' ? w : w.message)) return;
    return (emit as (...a: unknown[]) => void).call(process, w, ...rest);
  }) as typeof process.emitWarning;
  try {
    sqlite = process.getBuiltinModule('node:sqlite') as typeof import('node:sqlite');
  } finally {
    process.emitWarning = emit;
  }
  return sqlite;
}

/** The lock file: created 0600 in a 0700 directory, never a symlink or anything but a file. */
function prepare(path: string): void {
  const fail = (e: unknown): never => {
    const code = (e as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
    throw new Error(
      `${path}: gwctl cannot create its lock (${code}): ${dirname(path)} is not writable (check HOME, XDG_STATE_HOME, XDG_RUNTIME_DIR and the disk, read-only or full?); nothing was written`,
    );
  };
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (e) {
    fail(e);
  }
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) {
    try {
      closeSync(openSync(path, 'wx', 0o600));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') fail(e);
    }
    return;
  }
  if (!st.isFile()) throw new Error(`${path} (gwctl's lock) is not a plain file; remove it and run the command again`);
}

function readPid(path: string): number | undefined {
  try {
    const n = Number(readFileSync(`${path}.pid`, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function isBusy(e: unknown): boolean {
  const err = e as { errcode?: number; message?: string };
  // SQLITE_BUSY (5) / SQLITE_LOCKED (6), with or without the extended bits.
  return ((err.errcode ?? 0) & 0xff) === 5 || ((err.errcode ?? 0) & 0xff) === 6 || /database is locked|busy/i.test(err.message ?? '');
}

/**
 * One kernel lock on one file, held or not. Not re-entrant: see {@link withLock}. Keep the object
 * reachable while it is held: a collected connection is closed, which releases the lock.
 */
export class KernelLock {
  readonly path: string;
  private db: DatabaseSync | undefined;
  private ino: number | undefined;

  constructor(path: string) {
    this.path = path;
  }

  get held(): boolean {
    return this.db !== undefined;
  }

  /** Take the lock if free; false when another process (or connection) holds it. Never waits. */
  tryLock(): boolean {
    if (this.db) return true;
    prepare(this.path);
    const before = statSync(this.path).ino;
    const { DatabaseSync } = loadSqlite();
    const db = new DatabaseSync(this.path, { timeout: 0 });
    try {
      db.exec('PRAGMA journal_mode = MEMORY');
      db.exec('BEGIN EXCLUSIVE');
    } catch (e) {
      db.close();
      if (isBusy(e)) return false;
      throw new Error(`${this.path}: gwctl cannot take its lock (${(e as Error).message}); check that the state directory is writable`);
    }
    // The file was replaced between our stat and the lock (removed by hand): lock the new one.
    if (statSync(this.path, { throwIfNoEntry: false })?.ino !== before) {
      db.close();
      return this.tryLock();
    }
    this.db = db;
    this.ino = before;
    try {
      writeFileSync(`${this.path}.pid`, `${process.pid}\n`, { mode: 0o600 });
    } catch {
      // Only used to name the holder in a message.
    }
    return true;
  }

  /** True while the lock file on disk is still the one locked (not removed or replaced). */
  stillOurs(): boolean {
    return this.db !== undefined && statSync(this.path, { throwIfNoEntry: false })?.ino === this.ino;
  }

  unlock(): void {
    const db = this.db;
    if (!db) return;
    this.db = undefined;
    try {
      db.exec('COMMIT');
    } catch {
      // close() releases the lock either way
    }
    db.close();
  }

  /** The pid the last holder wrote (may be stale when the lock is free). */
  holderPid(): number | undefined {
    return readPid(this.path);
  }
}

interface Slot {
  lock: KernelLock;
  tail: Promise<void>;
}

const slots = new Map<string, Slot>();
const heldHere = new AsyncLocalStorage<ReadonlySet<string>>();

export interface LockOptions {
  /** How long to wait for another holder (default {@link DEFAULT_LOCK_TIMEOUT_MS}). */
  timeoutMs?: number;
}

/**
 * Run `fn` holding the lock at `path`: waits for other processes and for other callers in this
 * process (in order), at most `timeoutMs`, then throws {@link LockBusyError} without running `fn`.
 * Re-entrant within one async call chain (a holder calling a function that also locks).
 */
export async function withLock<T>(path: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const held = heldHere.getStore();
  if (held?.has(path)) return fn();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let slot = slots.get(path);
  if (!slot) {
    slot = { lock: new KernelLock(path), tail: Promise.resolve() };
    slots.set(path, slot);
  }
  const s = slot;
  // In-process queue: our turn comes when every earlier caller here has let go.
  let release!: () => void;
  const prev = s.tail;
  s.tail = new Promise<void>((r) => (release = r));
  let timer: NodeJS.Timeout | undefined;
  const turn = await Promise.race([prev.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
  clearTimeout(timer);
  if (!turn) {
    // Our place in the queue is handed on only once the caller before us is done.
    void prev.then(release);
    // The caller before us may itself be waiting for another process: name that one.
    const holder = s.lock.holderPid();
    if (holder !== undefined && holder !== process.pid) throw new LockBusyError(path, holder);
    throw new LockBusyError(path, process.pid, `another gwctl command in this process (pid ${process.pid}) is writing; run the command again`);
  }
  try {
    while (!s.lock.tryLock()) {
      if (Date.now() >= deadline) throw new LockBusyError(path, s.lock.holderPid());
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } catch (e) {
    release();
    throw e;
  }
  try {
    return await heldHere.run(new Set([...(held ?? []), path]), fn);
  } finally {
    s.lock.unlock();
    release();
  }
}

/** `<stateDir>/writer.lock`: taken by every process that writes a tool config, the ledger or gwctl's settings. */
export function writerLockPath(stateDir: string): string {
  return join(stateDir, WRITER_LOCK);
}

/** GWCTL_LOCK_TIMEOUT_MS from an environment, else the default. */
export function lockTimeoutFrom(env: Readonly<Record<string, string | undefined>>): number {
  const n = Number(env.GWCTL_LOCK_TIMEOUT_MS);
  return Number.isFinite(n) && n >= 0 && env.GWCTL_LOCK_TIMEOUT_MS !== undefined && env.GWCTL_LOCK_TIMEOUT_MS !== '' ? n : DEFAULT_LOCK_TIMEOUT_MS;
}

/** The writer lock of the HOME whose state dir is `stateDir`. */
export function withWriterLock<T>(stateDir: string, env: Readonly<Record<string, string | undefined>>, fn: () => Promise<T>): Promise<T> {
  return withLock(writerLockPath(stateDir), fn, { timeoutMs: lockTimeoutFrom(env) });
}
