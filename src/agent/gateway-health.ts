/**
 * The gateway's health as the agent sees it: checked every `agent.gatewayCheckSeconds` while a
 * tool is taken over (otherwise nobody depends on it), and after a failure that may be its
 * fault; `gateway-down` once when it stops answering, `gateway-up` once when it is back.
 */
import { anyPendingRevocation, anyTakenOver } from '../engine/takeovers.ts';
import { configuredGateway } from '../gateway/index.ts';
import { redact } from '../shared/redact.ts';
import type { AgentContext } from './context.ts';

export class GatewayHealth {
  private readonly ctx: AgentContext;
  private up: boolean | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(ctx: AgentContext) {
    this.ctx = ctx;
  }

  start(): void {
    const secs = this.ctx.settings().agent.gatewayCheckSeconds;
    void this.checkIfNeeded();
    if (secs > 0) {
      this.timer = setInterval(() => void this.checkIfNeeded(), secs * 1000);
      this.timer.unref();
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Only while something is taken over. */
  private async checkIfNeeded(): Promise<void> {
    if (await anyPendingRevocation(this.ctx.paths.stateDir)) void this.ctx.retryPending('gateway check');
    if (await anyTakenOver(this.ctx.paths.stateDir)) await this.check();
  }

  async check(): Promise<void> {
    try {
      const { keys } = configuredGateway(this.ctx.paths.configDir, this.ctx.env);
      await keys.health();
      this.set(true);
    } catch (e) {
      this.set(false, redact((e as Error).message));
    }
  }

  /** What a check, or a takeover that reached the gateway, found. */
  set(up: boolean, error?: string): void {
    const was = this.up;
    if (was === up) return;
    this.up = up;
    if (!up) {
      this.ctx.publish({
        type: 'gateway-down',
        message: `the gateway is not answering: ${error ?? 'no answer'}; taken-over tools cannot reach their models until it is back`,
        ...(error ? { error } : {}),
      });
    } else if (was === false) {
      this.ctx.publish({ type: 'gateway-up', message: 'the gateway answers again' });
      void this.ctx.retryPending('gateway up');
    }
  }
}
