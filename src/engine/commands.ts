/**
 * `status`, `takeover`, `restore`, `rotate` for one tool, with the CLI's semantics (a failure becomes a
 * report with `error`; `--all` skips tools that are not installed). The agent runs requests
 * through this; `gwctl --no-agent` runs the same function in-process (the CLI).
 */
import type { ToolId } from '../adapters/index.ts';
import type { Engine, ToolReport } from './engine.ts';
import { LockBusyError } from '../home/lock.ts';
import { redact } from '../shared/redact.ts';

/** What `gwctl` asks of one tool: the same four verbs in-process and through the agent. */
export type Command = 'status' | 'takeover' | 'restore' | 'rotate';

export async function runOne(
  engine: Engine,
  command: Command,
  id: ToolId,
  { force = false, all = false }: { force?: boolean; all?: boolean },
): Promise<ToolReport> {
  try {
    if (command === 'takeover') {
      const r = await engine.takeover(id, { force });
      // --all: tools that are not installed, or launch-only, are listed without an action.
      if (all && (r.status === 'not-detected' || engine.launchOnly(id))) return { ...r, action: undefined, error: undefined } as ToolReport;
      return r;
    }
    if (command === 'restore') return await engine.restore(id);
    if (command === 'rotate') {
      if (all && (await engine.status(id)).status !== 'taken-over') return await engine.status(id);
      return await engine.rotate(id);
    }
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

/**
 * A whole command in-process: a write holds the per-HOME writer lock for the command (one wait,
 * whatever the number of tools) and runs the tools side by side inside it (their gateway calls
 * overlap; the ledger takes their updates one at a time). When the lock cannot be had, every
 * tool says so and nothing is written. status takes no lock.
 */
export async function runMany(engine: Engine, command: Command, ids: readonly ToolId[], params: { force?: boolean; all?: boolean }): Promise<ToolReport[]> {
  const all = () => Promise.all(ids.map((id) => runOne(engine, command, id, params)));
  if (command === 'status') return all();
  try {
    return await engine.writeLocked(all);
  } catch (e) {
    // Only the lock itself throws here (runOne turns every tool's failure into its report): busy,
    // or its directory cannot be written. Each tool says so; nothing was written.
    const message = e instanceof LockBusyError ? e.message : redact((e as Error).message ?? String(e));
    return Promise.all(
      ids.map(async (id) => {
        let base: ToolReport;
        try {
          base = await engine.status(id);
        } catch {
          base = engine.unreadable(id);
        }
        return { ...base, action: 'failed' as const, error: message };
      }),
    );
  }
}
