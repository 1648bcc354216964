/**
 * The gateway's health as the agent sees it: checked every `agent.gatewayCheckSeconds` while a
 * tool is taken over (otherwise nobody depends on it), and after a failure that may be its
 * fault; `gateway-down` once when it stops answering, `gateway-up` once when it is back.
 */
import { anyPendingRevocation, anyTakenOver } from '../engine/takeovers.ts';
import { configuredGateway } from '../gateway/index.ts';
import { redact } from '../shared/redact.ts';
import type { AgentContext } from './context.ts';
import type { Fallback } from './fallback.ts';

/** A wall-clock jump this much larger than the timer's period means the machine slept. */
const JUMP_MS = 10_000;

export class GatewayHealth {
  private readonly ctx: AgentContext;
  private up: boolean | undefined;
  private timer: NodeJS.Timeout | undefined;
  private clock: NodeJS.Timeout | undefined;
  /** Told of every check's result (the fallback's thresholds count them). */
  fallback: Fallback | undefined;

  constructor(ctx: AgentContext) {
    this.ctx = ctx;
  }

  start(): void {
    const a = this.ctx.settings().agent;
    // With a fallback configured, checks come often enough to see its thresholds pass.
    const fallbackOn = this.ctx.settings().fallback !== false;
    const secs =
      fallbackOn && a.gatewayCheckSeconds > 0
        ? Math.max(1, Math.min(a.gatewayCheckSeconds, Math.floor(a.fallbackAfterSeconds / 2), Math.floor(a.fallbackReturnSeconds / 2)))
        : a.gatewayCheckSeconds;
    void this.checkIfNeeded();
    if (secs > 0) {
      this.timer = setInterval(() => void this.checkIfNeeded(), secs * 1000);
      this.timer.unref();
    }
    // Resume from sleep: the wall clock jumped past the monotonic one; check now, not on the timer.
    let wall = Date.now();
    let mono = performance.now();
    this.clock = setInterval(() => {
      const [w, m] = [Date.now(), performance.now()];
      if (w - wall - (m - mono) > JUMP_MS || m - mono > JUMP_MS + 5000) {
        this.ctx.log.info('wall-clock jump (resume from sleep?): checking the gateway now', { jumpMs: Math.round(w - wall - (m - mono)) });
        void this.checkIfNeeded();
      }
      [wall, mono] = [w, m];
    }, 5000);
    this.clock.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.clock);
  }

  /** Only while something is taken over, or waits for the gateway to come back (fallback). */
  private async checkIfNeeded(): Promise<void> {
    if (await anyPendingRevocation(this.ctx.paths.stateDir)) void this.ctx.retryPending('gateway check');
    if ((await anyTakenOver(this.ctx.paths.stateDir)) || (await this.fallback?.waiting())) await this.check();
  }

  async check(): Promise<void> {
    let up: boolean;
    try {
      const { keys } = configuredGateway(this.ctx.paths.configDir, this.ctx.env);
      await keys.health();
      this.set(true);
      up = true;
    } catch (e) {
      this.set(false, redact((e as Error).message));
      up = false;
    }
    await this.fallback?.observe(up);
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
