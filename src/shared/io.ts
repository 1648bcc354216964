/** Where a command writes and what it reads: stdout, stderr, the environment, stdin. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  /** All of stdin (secrets are read from it, never from argv). Default: process.stdin. */
  stdin?: () => Promise<string>;
}
