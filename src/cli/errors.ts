/** How every verb reports a usage error (exit 2) and a failure (exit 1), keys redacted. */
import { redact } from '../shared/redact.ts';
import type { Io } from '../shared/io.ts';

export function usageError(io: Io, verb: string, msg: string): number {
  io.err(`gwctl ${verb}: ${msg}\nRun 'gwctl ${verb} --help' for usage.`);
  return 2;
}

export function failure(io: Io, verb: string, e: unknown): number {
  io.err(`gwctl ${verb}: ${redact((e as Error).message)}`);
  return 1;
}
