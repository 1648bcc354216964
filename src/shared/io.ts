/** Where a command writes and what it reads: stdout, stderr, the environment, stdin. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  /** All of stdin (secrets are read from it, never from argv). Default: process.stdin. */
  stdin?: () => Promise<string>;
  /** stdin and stdout are a terminal (bare `gwctl` opens the UI; in a pipe it prints the usage). */
  isTTY?: boolean;
  /**
   * stdout for the one output whose purpose is a key (`gwctl env`): the output edge still escapes
   * control characters but does not mask the secrets gwctl handles, as `out` does.
   */
  secretOut?: (s: string) => void;
}

/**
 * The reader of stdout went away (`gwctl doctor | head -1`): from then on output is dropped, not
 * an "Unhandled 'error' event … EPIPE" stack trace. A command that writes files finishes its work
 * quietly; one that only streams (`gwctl watch`) stops through `onOutputClosed`.
 */
let outputIsClosed = false;
const closedListeners = new Set<() => void>();

export function outputClosed(): boolean {
  return outputIsClosed;
}

export function onOutputClosed(listener: () => void): () => void {
  if (outputIsClosed) {
    queueMicrotask(listener);
    return () => {};
  }
  closedListeners.add(listener);
  return () => closedListeners.delete(listener);
}

/** Installs the EPIPE handling on the process's own stdout and stderr (once). */
export function guardClosedOutput(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    if ((stream as { gwctlGuarded?: boolean }).gwctlGuarded) continue;
    (stream as { gwctlGuarded?: boolean }).gwctlGuarded = true;
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      stream.write = (() => true) as typeof stream.write;
      if (stream === process.stdout && !outputIsClosed) {
        outputIsClosed = true;
        for (const l of closedListeners) l();
        closedListeners.clear();
      }
    });
  }
}
