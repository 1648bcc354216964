/**
 * Keeps the agent's memory flat under a stream of edits (issue 19). Each checked edit leaves a
 * few kilobytes of ArrayBuffers behind (the buffers of file reads and of fs requests, whose
 * wrappers outlive a scavenge of the agent's 1 MiB young generation and so are freed only by a
 * full collection). The JS heap stays at about 12 MiB, so V8 starts a full collection only once
 * that external memory is tens of MiB: at 10 edits/s the agent grew from 64 to 71 MiB in a minute
 * and stayed there. Here, after activity and at most every few seconds, when more than a small
 * amount is held, a full collection runs (incremental, `execution: 'async'`). It needs
 * `--expose-gc` (AGENT_NODE_FLAGS); without it (an agent run in-process by a test, an older
 * service unit) this does nothing.
 */
import type { AgentLog } from './log.ts';

/** ArrayBuffers held above this start a collection. */
export const HELD_BYTES = 1024 * 1024;
/** At most one look at memory per this long while edits come in. */
export const LOOK_EVERY_MS = 5000;

type Gc = (opts?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void | Promise<void>;

export class MemoryKeeper {
  private lastLook = 0;
  private collecting = false;
  private readonly gc: Gc | undefined;
  private readonly log: Pick<AgentLog, 'debug'>;
  private readonly now: () => number;
  /** Collections run (for `agent status` and tests). */
  collections = 0;

  constructor(log: Pick<AgentLog, 'debug'>, gc: Gc | undefined = (globalThis as { gc?: Gc }).gc, now: () => number = Date.now) {
    this.log = log;
    this.gc = gc;
    this.now = now;
  }

  /** Something was done (an edit checked, a command answered): look at memory if it is time. */
  activity(): void {
    if (!this.gc || this.collecting) return;
    const t = this.now();
    if (t - this.lastLook < LOOK_EVERY_MS) return;
    this.lastLook = t;
    const held = process.memoryUsage().arrayBuffers;
    if (held <= HELD_BYTES) return;
    this.collecting = true;
    const start = performance.now();
    void Promise.resolve()
      .then(() => this.gc!({ type: 'major', execution: 'async' }))
      .catch(() => undefined)
      .finally(() => {
        this.collecting = false;
        this.collections++;
        this.log.debug('memory collected', { heldBefore: held, heldAfter: process.memoryUsage().arrayBuffers, ms: Math.round(performance.now() - start) });
      });
  }
}
