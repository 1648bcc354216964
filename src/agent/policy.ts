/**
 * The re-apply loop guard: a tool that keeps dropping gwctl's slot (another program rewriting
 * its config, a sync tool fighting us) is re-applied at most `limit` times within a minute; the
 * next drift pauses re-applies for that tool until the user takes it over or restores it again.
 */
import type { ToolId } from '../adapters/types.ts';
import type { ToolChoice } from '../home/settings.ts';

export type GuardVerdict = 'allowed' | 'tripped' | 'paused';

export const GUARD_WINDOW_MS = 60_000;

export class ReapplyGuard {
  private readonly attempts = new Map<ToolId, number[]>();
  private readonly pausedTools = new Set<ToolId>();
  private readonly limit: () => number;

  constructor(limit: () => number) {
    this.limit = limit;
  }

  /** Ask before a re-apply: 'tripped' the first time the limit is hit, 'paused' after that. */
  attempt(tool: ToolId, now: number): GuardVerdict {
    if (this.pausedTools.has(tool)) return 'paused';
    const recent = (this.attempts.get(tool) ?? []).filter((t) => now - t < GUARD_WINDOW_MS);
    if (recent.length >= this.limit()) {
      this.pausedTools.add(tool);
      this.attempts.set(tool, recent);
      return 'tripped';
    }
    recent.push(now);
    this.attempts.set(tool, recent);
    return 'allowed';
  }

  isPaused(tool: ToolId): boolean {
    return this.pausedTools.has(tool);
  }

  /** The user acted on the tool (takeover, restore): start counting afresh. */
  reset(tool: ToolId): void {
    this.pausedTools.delete(tool);
    this.attempts.delete(tool);
  }
}

/** Does an `autoReapply` / `autoTakeoverNew` setting cover `tool`? */
export function chosen(choice: ToolChoice, tool: ToolId): boolean {
  return choice === true || (Array.isArray(choice) && choice.includes(tool));
}
