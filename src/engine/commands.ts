/**
 * `status`, `takeover`, `restore`, `rotate` for one tool, with the CLI's semantics (a failure becomes a
 * report with `error`; `--all` skips tools that are not installed). The agent runs requests
 * through this; `gwctl --no-agent` runs the same function in-process (the CLI).
 */
import type { ToolId } from '../adapters/index.ts';
import type { Engine, ToolReport } from './engine.ts';
import { redact } from '../shared/redact.ts';

/** What `gwctl` asks of one tool: the same four verbs in-process and through the agent. */
export type Command = 'status' | 'takeover' | 'restore' | 'rotate';

export async function runOne(engine: Engine, command: Command, id: ToolId, { force = false, all = false }: { force?: boolean; all?: boolean }): Promise<ToolReport> {
  try {
    if (command === 'takeover') {
      const r = await engine.takeover(id, { force });
      // --all: tools that are not installed, or launch-only, are listed without an action.
      if (all && (r.status === 'not-detected' || engine.launchOnly(id))) return { ...r, action: undefined, error: undefined } as ToolReport;
      return r;
    }
    if (command === 'restore') return await engine.restore(id);
    if (command === 'rotate') return await engine.rotate(id);
    return await engine.status(id);
  } catch (e) {
    const message = redact((e as Error).message ?? String(e));
    let base: ToolReport;
    try {
      base = await engine.status(id);
    } catch {
      base = engine.unreadable(id);
    }
    return { ...base, ...(command === 'status' ? {} : { action: 'failed' as const }), error: message };
  }
}
