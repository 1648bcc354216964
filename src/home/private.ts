/**
 * gwctl's own files (ledger, settings, secrets, logs, socket dir) are trusted only when they are
 * private: a real file or directory (not a symlink), owned by the user, writable by nobody else.
 * Another local user who could swap in a forged ledger would have gwctl write their values
 * (an `apiKeyHelper` is a command Claude Code runs) into the user's tools.
 */
import { dirname, relative, sep } from 'node:path';

// Not an ES import of node:fs: the CLI's status path must not load fs.promises and streams.
const { chmodSync, lstatSync, mkdirSync, statSync } = process.getBuiltinModule('node:fs');

export class PrivateFileError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'PrivateFileError';
    this.path = path;
  }
}

const uid = (): number | undefined => process.getuid?.();

/**
 * Throws unless `path` (when it exists) is private: not a symlink, owned by the user, not
 * writable by group or others. `what` names it ("gwctl's ledger").
 */
export function checkPrivate(path: string, what: string, { followLinks = false } = {}): void {
  let st;
  try {
    st = followLinks ? statSync(path) : lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const me = uid();
  if (st.isSymbolicLink()) {
    throw new PrivateFileError(
      path,
      `${what} is a symlink, and gwctl does not follow links for its own state (another user could point it anywhere); replace the link with the real ${st.isDirectory() ? 'directory' : 'file'} (or remove it) and run the command again`,
    );
  }
  if (me !== undefined && st.uid !== me) {
    throw new PrivateFileError(
      path,
      `${what} belongs to uid ${st.uid}, not to you (uid ${me}): another user may have put it there; move it aside, check who can write to ${dirname(path)}, and run the command again`,
    );
  }
  if ((st.mode & 0o022) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
    throw new PrivateFileError(
      path,
      `${what} is writable by other users (mode 0${mode}), so its contents cannot be trusted; check nobody changed it, then \`chmod ${st.isDirectory() ? '700' : '600'} ${path}\` and run the command again`,
    );
  }
}

/**
 * checkPrivate for a file and the directory holding it (which could otherwise swap it). The
 * directory may be a symlink (dotfile managers link ~/.config/gwctl); where it leads is checked.
 */
export function checkPrivateFile(path: string, what: string): void {
  checkPrivate(dirname(path), `the directory of ${what}`, { followLinks: true });
  checkPrivate(path, what);
}

/**
 * Create `dir` (and missing parents) owner-only, whatever the umask, and check it. Parents that
 * already exist are left as they are; `dir` itself must end up private.
 */
export function ensurePrivateDir(dir: string, what = "gwctl's directory"): void {
  const first = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (first !== undefined) {
    // Every directory from `first` down to `dir` is new: the umask may have narrowed (or, set
    // to 0, not narrowed) their mode, so it is set explicitly.
    const parts = relative(first, dir).split(sep).filter(Boolean);
    let cur = first;
    chmodSync(cur, 0o700);
    for (const p of parts) chmodSync((cur = `${cur}${sep}${p}`), 0o700);
  }
  checkPrivate(dir, what, { followLinks: true });
}
