import type { AgentLog } from '../../src/agent/log.ts';

export interface RecordingLog extends AgentLog {
  lines: Array<{ level: string; msg: string; extra?: Record<string, unknown> }>;
}

export function recordingLog(): RecordingLog {
  const lines: RecordingLog['lines'] = [];
  const at = (level: string) => (msg: string, extra?: Record<string, unknown>) => void lines.push({ level, msg, ...(extra ? { extra } : {}) });
  return {
    file: '/dev/null',
    lines,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    debug: at('debug'),
    reopen: () => undefined,
    flush: () => undefined,
  };
}

export async function until<T>(fn: () => T | undefined, timeoutMs = 8000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
