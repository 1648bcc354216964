/**
 * The drift policy: what the agent does when a tool's status changes by itself. A taken-over tool
 * that dropped gwctl's slot is re-applied (autoReapply) or reported (drift); one pointed at another
 * address is left alone and reported; a tool that appears is taken over (autoTakeoverNew).
 *
 * The loop guard: a tool that keeps dropping gwctl's slot (another program rewriting its config, a
 * sync tool fighting us) is re-applied at most `agent.reapplyPerMinute` times within a minute; the
 * next drift pauses re-applies for that tool until the user takes it over or restores it again.
 */
import { adapterFor, type ToolId } from '../adapters/index.ts';
import { takeoverOf } from '../engine/takeovers.ts';
import { GatewayError } from '../gateway/http.ts';
import type { ToolChoice } from '../home/settings.ts';
import { redact } from '../shared/redact.ts';
import type { AgentContext, Known } from './context.ts';
import type { GatewayHealth } from './gateway-health.ts';
import type { ToolStates } from './tool-state.ts';

export type GuardVerdict = 'allowed' | 'tripped' | 'paused';

export const GUARD_WINDOW_MS = 60_000;

export class ReapplyGuard {
  private readonly attempts = new Map<ToolId, number[]>();
  private readonly paused = new Set<ToolId>();
  private readonly limit: () => number;

  constructor(limit: () => number) {
    this.limit = limit;
  }

  /** Ask before a re-apply: 'tripped' the first time the limit is hit, 'paused' after that. */
  attempt(tool: ToolId, now: number): GuardVerdict {
    if (this.paused.has(tool)) return 'paused';
    const recent = (this.attempts.get(tool) ?? []).filter((t) => now - t < GUARD_WINDOW_MS);
    if (recent.length >= this.limit()) {
      this.paused.add(tool);
      this.attempts.set(tool, recent);
      return 'tripped';
    }
    recent.push(now);
    this.attempts.set(tool, recent);
    return 'allowed';
  }

  /** Re-applies for `tool` stopped until the user acts on it (shown by the UI). */
  isPaused(tool: ToolId): boolean {
    return this.paused.has(tool);
  }

  /** The user acted on the tool (takeover, restore): start counting afresh. */
  reset(tool: ToolId): void {
    this.paused.delete(tool);
    this.attempts.delete(tool);
  }
}

/** Does an `autoReapply` / `autoTakeoverNew` setting cover `tool`? */
export function chosen(choice: ToolChoice, tool: ToolId): boolean {
  return choice === true || (Array.isArray(choice) && choice.includes(tool));
}

export class DriftPolicy {
  private readonly ctx: AgentContext;
  private readonly tools: ToolStates;
  private readonly gateway: GatewayHealth;
  readonly guard: ReapplyGuard;

  constructor(ctx: AgentContext, tools: ToolStates, gateway: GatewayHealth) {
    this.ctx = ctx;
    this.tools = tools;
    this.gateway = gateway;
    this.guard = new ReapplyGuard(() => ctx.settings().agent.reapplyPerMinute);
  }

  /** A tool's status changed by itself (`startup`: as found when the agent started). */
  async onChange(tool: ToolId, prev: Known | undefined, now: Known, { startup }: { startup: boolean }): Promise<void> {
    const name = this.ctx.name(tool);
    const takeover = await takeoverOf(this.ctx.paths.stateDir, tool);
    const settings = this.ctx.settings();
    const changed = !prev || prev.status !== now.status || prev.address !== now.address;
    if (takeover?.state === 'applied' && (now.status === 'not-taken-over' || now.status === 'other-address')) {
      if (changed || startup) {
        const elsewhere = now.status === 'other-address';
        const reapply = !elsewhere && chosen(settings.autoReapply, tool);
        this.ctx.publish({
          notify: !reapply,
          type: 'drift',
          tool,
          status: now.status,
          previous: prev?.status ?? null,
          address: now.address,
          configPath: now.configPath,
          message: elsewhere
            ? `${name} now points at ${now.address ?? 'another address'} (${now.configPath}); gwctl leaves it alone. Run gwctl takeover ${tool} --force to point it back`
            : `${name} no longer points at the gateway (${now.configPath})${reapply ? '; re-applying' : '; run gwctl takeover ' + tool + ' (or set autoReapply) to point it back'}`,
        });
        if (reapply) await this.reapply(tool, 'reapply');
      }
      return;
    }
    if (
      !takeover &&
      prev?.status === 'not-detected' &&
      now.status === 'not-taken-over' &&
      !adapterFor(tool).launchOnly &&
      chosen(settings.autoTakeoverNew, tool)
    ) {
      await this.reapply(tool, 'auto-takeover');
    }
  }

  /** Take a tool over again (fresh key; the engine revokes the old one), under the loop guard. */
  private async reapply(tool: ToolId, cause: 'reapply' | 'auto-takeover'): Promise<void> {
    const name = this.ctx.name(tool);
    const verdict = this.guard.attempt(tool, Date.now());
    if (verdict !== 'allowed') {
      if (verdict === 'tripped') {
        const limit = this.ctx.settings().agent.reapplyPerMinute;
        const message = `${name} dropped gwctl's settings ${limit} times within a minute; re-applying stopped (something keeps rewriting ${this.tools.get(tool)?.configPath ?? 'its config'}). Fix that, then run gwctl takeover ${tool}`;
        this.ctx.publish({
          type: 'reapply-failed',
          tool,
          status: this.tools.get(tool)?.status ?? null,
          cause,
          message,
          error: 'loop guard: too many re-applies',
        });
      }
      return;
    }
    const before = this.tools.get(tool);
    try {
      const r = await this.ctx.engine().takeover(tool, { force: false });
      const { prev, now } = await this.tools.wrote(tool, r);
      if (r.action === 'taken-over' || r.action === 'already-taken-over') {
        this.gateway.set(true);
        this.ctx.publish({
          type: 'reapplied',
          tool,
          status: r.status,
          address: r.address,
          configPath: r.configPath,
          cause,
          message: `${name}: ${cause === 'auto-takeover' ? 'taken over (new tool)' : 're-applied'}; it points at ${r.address ?? 'the gateway'} again with a fresh key`,
        });
        if (now) this.tools.announce(tool, prev, now, cause);
      } else {
        this.ctx.publish({
          type: 'reapply-failed',
          tool,
          status: r.status,
          cause,
          message: `${name}: re-apply ${r.action ?? 'failed'}: ${r.error ?? ''}`.trim(),
          ...(r.error ? { error: r.error } : {}),
        });
      }
    } catch (e) {
      await this.tools.wrote(tool).catch(() => undefined);
      const error = redact((e as Error).message);
      this.ctx.publish({ type: 'reapply-failed', tool, status: before?.status ?? null, cause, message: `${name}: re-apply failed: ${error}`, error });
      if (e instanceof GatewayError) await this.gateway.check();
    }
  }
}
