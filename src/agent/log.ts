/**
 * The agent's log: pino, to `<logDir>/agent.log` (0600), JSON lines. Keys never reach it: pino
 * redacts the fields that can hold one, and every message string goes through the same
 * token redaction the CLI uses.
 */
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { AGENT_LOG } from '../home/paths.ts';
import { redact } from '../shared/redact.ts';
import { checkPrivate, ensurePrivateDir } from '../home/private.ts';

export const REDACT_PATHS = [
  'key',
  'apiKey',
  'token',
  'authorization',
  '*.key',
  '*.apiKey',
  '*.api_key',
  '*.token',
  '*.adminKey',
  '*.authorization',
  'headers.authorization',
  'env.GWCTL_GATEWAY_KEY',
  'env.GWCTL_GATEWAY_ADMIN_KEY',
  'params.env.GWCTL_GATEWAY_KEY',
  'params.env.GWCTL_GATEWAY_ADMIN_KEY',
];

export interface AgentLog {
  file: string;
  info(msg: string, extra?: Record<string, unknown>): void;
  warn(msg: string, extra?: Record<string, unknown>): void;
  error(msg: string, extra?: Record<string, unknown>): void;
  debug(msg: string, extra?: Record<string, unknown>): void;
  /** Reopen the file (after an external rotation, on SIGHUP). */
  reopen(): void;
  /** Write out everything buffered (before exit). */
  flush(): void;
}

export function openLog(logDir: string, level = process.env.GWCTL_LOG_LEVEL || 'info'): AgentLog {
  const file = join(logDir, AGENT_LOG);
  // Created here, owner-only whatever the umask (pino's own mkdir would make it 0777 under umask 0).
  ensurePrivateDir(logDir, "gwctl's log directory");
  checkPrivate(file, "gwctl's agent log");
  const dest = pino.destination({ dest: file, mkdir: false, sync: false, mode: 0o600 });
  const logger: Logger = pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    dest,
  );
  const at = (lvl: 'info' | 'warn' | 'error' | 'debug') => (msg: string, extra?: Record<string, unknown>) => {
    const clean = extra ? scrub(extra) : undefined;
    if (clean) logger[lvl](clean, redact(msg));
    else logger[lvl](redact(msg));
  };
  return {
    file,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    debug: at('debug'),
    reopen: () => dest.reopen(),
    flush: () => {
      try {
        dest.flushSync();
      } catch {
        // Not ready yet (nothing written): nothing to flush.
      }
    },
  };
}

/** Strings inside log fields get the token redaction too (error messages can quote a key). */
function scrub(v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = typeof x === 'string' ? redact(x) : x;
  return out;
}
