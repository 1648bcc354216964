/**
 * The fallback (setting `fallback`, issue 11): while the gateway has not answered for
 * `agent.fallbackAfterSeconds`, the tools it covers are moved back to their own settings (the
 * engine's exact restore, key kept, ledger 'suspended'); once it has answered for
 * `agent.fallbackReturnSeconds` in a row they are taken over again (same key if the gateway
 * still accepts it). Hysteresis: a gateway that answers every other check never completes either
 * threshold, so nothing flaps. One notification per outage and one per return.
 */
import type { ToolId } from '../adapters/index.ts';
import { appliedTools, suspendedTools } from '../engine/takeovers.ts';
import { redact } from '../shared/redact.ts';
import type { AgentContext } from './context.ts';
import type { ToolStates } from './tool-state.ts';

export class Fallback {
  private readonly ctx: AgentContext;
  private readonly tools: ToolStates;
  /** Since when (ms) the gateway has been down / up without a break; undefined: not so. */
  private downSince: number | undefined;
  private upSince: number | undefined;
  private busy: Promise<void> | undefined;

  constructor(ctx: AgentContext, tools: ToolStates) {
    this.ctx = ctx;
    this.tools = tools;
  }

  private covers(tool: ToolId): boolean {
    const f = this.ctx.settings().fallback;
    return f === true || (Array.isArray(f) && f.includes(tool));
  }

  /** Is a check needed even with nothing taken over (tools waiting to come back)? */
  async waiting(): Promise<boolean> {
    return (await suspendedTools(this.ctx.paths.stateDir)).length > 0;
  }

  /** What a health check found. One action at a time; a check arriving meanwhile is only counted. */
  observe(up: boolean, now = Date.now()): Promise<void> {
    if (up) {
      this.downSince = undefined;
      this.upSince ??= now;
    } else {
      this.upSince = undefined;
      this.downSince ??= now;
    }
    if (this.busy) return this.busy;
    const a = this.ctx.settings().agent;
    let work: (() => Promise<void>) | undefined;
    if (!up && now - this.downSince! >= a.fallbackAfterSeconds * 1000) work = () => this.suspendAll();
    if (up && now - this.upSince! >= a.fallbackReturnSeconds * 1000) work = () => this.resumeAll();
    if (!work) return Promise.resolve();
    this.busy = work()
      .catch((e: Error) => this.ctx.log.error('fallback failed', { error: redact(e.message) }))
      .finally(() => (this.busy = undefined));
    return this.busy;
  }

  private async suspendAll(): Promise<void> {
    const tools = (await appliedTools(this.ctx.paths.stateDir)).filter((t) => this.covers(t));
    if (!tools.length) return;
    const moved: string[] = [];
    await Promise.all(
      tools.map((tool) =>
        this.tools.enqueue(tool, async () => {
          const r = await this.ctx.engine().suspend(tool);
          const { prev, now } = await this.tools.wrote(tool, r);
          if (r.action === 'restored') {
            moved.push(this.ctx.name(tool));
            if (now) this.tools.announce(tool, prev, now, 'restore');
          } else this.ctx.log.warn('fallback: not suspended', { tool, error: r.error });
        }),
      ),
    );
    if (moved.length) {
      const since = new Date(this.downSince ?? Date.now()).toTimeString().slice(0, 5);
      this.ctx.publish({
        type: 'fallback',
        message: `gateway down since ${since}: ${moved.length} tool${moved.length > 1 ? 's' : ''} moved back to their own settings (${moved.join(', ')}); they are taken over again when it is back`,
      });
    }
  }

  private async resumeAll(): Promise<void> {
    const tools = await suspendedTools(this.ctx.paths.stateDir);
    if (!tools.length) return;
    const back: string[] = [];
    const kept: string[] = [];
    await Promise.all(
      tools.map((tool) =>
        this.tools.enqueue(tool, async () => {
          const r = await this.ctx.engine().resume(tool);
          const { prev, now } = await this.tools.wrote(tool, r);
          if (r.action === 'taken-over') {
            back.push(this.ctx.name(tool));
            if (now) this.tools.announce(tool, prev, now, 'takeover');
          } else kept.push(`${this.ctx.name(tool)}: ${r.error ?? r.action ?? 'not taken over'}`);
        }),
      ),
    );
    if (back.length || kept.length) {
      this.ctx.publish({
        type: 'fallback-return',
        message: [
          back.length ? `gateway back: ${back.length} tool${back.length > 1 ? 's' : ''} taken over again (${back.join(', ')})` : 'gateway back',
          ...kept,
        ].join('; '),
      });
    }
  }
}
