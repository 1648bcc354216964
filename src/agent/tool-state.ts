/**
 * Each tool's state in the agent: what it last saw (status, address, file), the watcher over the
 * tools' config dirs, and one work queue per tool. A change the watcher reports is recomputed
 * from exactly the bytes it hashed and announced (status-changed, tool-detected, tool-removed);
 * what to do about it is the drift policy's (`onChange`).
 *
 * Work on one tool is serialised: a takeover in flight and the file events it causes never
 * interleave, and after the agent's own write the watcher's baseline is set to what was written,
 * so those events compare equal by content and are dropped.
 */
import { adapterFor, locateAll } from '../adapters/index.ts';
import { STATUS_LABEL, type Status } from '../adapters/types.ts';
import type { ToolId } from '../adapters/index.ts';
import { ConfigIoError } from '../configio/io.ts';
import { reportFromTexts, type ToolReport } from '../engine/engine.ts';
import { recordedProviderId, takeoverOf } from '../engine/takeovers.ts';
import { ConfigFormatError } from '../formats/slot.ts';
import { configuredGateway } from '../gateway/index.ts';
import type { Cause } from '../ipc/schema.ts';
import { redact } from '../shared/redact.ts';
import { ConfigWatcher, type ToolSnapshot, type WatchTarget } from '../watchers/index.ts';
import type { AgentContext, Known, NewEvent } from './context.ts';

/** A half-written file gets this long for the write to finish before it counts as broken. */
export const BROKEN_SETTLE_MS = 300;

export type OnChange = (tool: ToolId, prev: Known | undefined, now: Known, opts: { startup: boolean }) => Promise<void>;

function isContentError(e: unknown): boolean {
  return e instanceof ConfigFormatError || (e instanceof ConfigIoError && e.code === 'NOT_UTF8');
}

const label = (s: Status | null | undefined) => (s ? STATUS_LABEL[s] : 'Unreadable');

export class ToolStates {
  private readonly ctx: AgentContext;
  private readonly known = new Map<ToolId, Known>();
  private readonly queues = new Map<ToolId, Promise<unknown>>();
  private readonly brokenTimers = new Map<ToolId, NodeJS.Timeout>();
  private watcher: ConfigWatcher | undefined;
  /** Set by the agent: the drift policy. */
  onChange: OnChange = async () => undefined;
  /** A raw file event for some tool, at once (the status file is invalidated). */
  onRawEvent: (() => void) | undefined;
  /** A tool's files were read after an event (the status file may be written again). */
  onChecked: (() => void) | undefined;

  constructor(ctx: AgentContext) {
    this.ctx = ctx;
  }

  get(tool: ToolId): Known | undefined {
    return this.known.get(tool);
  }

  /** Every tool's config dir and files. */
  targets(): WatchTarget[] {
    // The agent's HOME and environment are fixed for its life: located once.
    this.located ??= locateAll({ home: this.ctx.home, env: this.ctx.env });
    return this.located;
  }
  private located: WatchTarget[] | undefined;

  /** Directories the OS refused to watch (polled instead). */
  unwatched(): ReturnType<ConfigWatcher['unwatched']> {
    return this.watcher?.unwatched() ?? [];
  }

  get watchedRoots(): number {
    return this.watcher?.watchedRoots.length ?? 0;
  }

  /** Read every tool, start watching, then look once more at each (drift from before, races). */
  async startWatching(): Promise<void> {
    const targets = this.targets();
    const pollMs = Number(this.ctx.env.GWCTL_UNWATCHED_POLL_MS);
    this.watcher = new ConfigWatcher(targets, {
      debounceMs: this.ctx.settings().agent.debounceMs,
      // Directories the OS will not watch are checked this often (tests shorten it).
      ...(Number.isFinite(pollMs) && pollMs >= 100 ? { pollMs } : {}),
      onUnwatched: (u) =>
        this.ctx.log.warn(`not watching ${u.dir}: ${u.reason}; checking it every ${u.pollSeconds} s instead`, { tools: u.tools.join(','), code: u.code }),
      onSettled: (tool) => this.background(tool, () => this.onFilesChanged(tool)),
      onRaw: () => this.onRawEvent?.(),
      onError: (err) => this.ctx.log.warn('watcher error', { error: err.message }),
    });
    for (const t of targets) {
      const snap = await this.watcher.snapshot(t.tool);
      this.watcher.setBaseline(t.tool, snap);
      this.known.set(t.tool, this.knownFrom(t.tool, snap));
    }
    await this.watcher.start();
  }

  /** Anything that changed between the first read and the watcher being ready, and drift that happened while no agent ran. */
  checkAllAtStartup(): void {
    for (const t of this.targets()) this.background(t.tool, () => this.onFilesChanged(t.tool, { startup: true }));
  }

  /** True while work for some tool is queued or running. */
  busy(): boolean {
    return this.queues.size > 0;
  }

  /** Stop watching and let queued work finish (at most `drainMs`). */
  async stop(drainMs: number): Promise<void> {
    for (const t of this.brokenTimers.values()) clearTimeout(t);
    this.brokenTimers.clear();
    await this.watcher?.close();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.queues.values()]), new Promise((r) => (timer = setTimeout(r, drainMs)))]);
    clearTimeout(timer);
  }

  /** Work on one tool, one thing at a time. */
  enqueue<T>(tool: ToolId, work: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(tool) ?? Promise.resolve();
    const next = prev.then(work, work);
    const settled = next.catch((e: Error) => {
      this.ctx.log.error('tool work failed', { tool, error: e.message });
    });
    this.queues.set(tool, settled);
    void settled.then(() => {
      if (this.queues.get(tool) === settled) this.queues.delete(tool);
    });
    return next;
  }

  /** Queue work whose failure is only logged (enqueue logs it). */
  background(tool: ToolId, work: () => Promise<unknown>): void {
    this.enqueue(tool, work).catch(() => undefined);
  }

  /**
   * The agent wrote this tool's files (a command or a re-apply): what is there now is known, so
   * its events are dropped; `report` (when it has a status) becomes what the agent last saw.
   * Returns what was known before.
   */
  async wrote(tool: ToolId, report?: Pick<ToolReport, 'status' | 'address' | 'configPath'>): Promise<{ prev: Known | undefined; now: Known | undefined }> {
    const prev = this.known.get(tool);
    await this.rebaseline(tool);
    if (!report || report.status === null) return { prev, now: undefined };
    const now: Known = { status: report.status, address: report.address, configPath: report.configPath };
    this.known.set(tool, now);
    return { prev, now };
  }

  private knownFrom(tool: ToolId, snap: ToolSnapshot): Known {
    try {
      const r = this.reportFrom(tool, snap);
      return { status: r.status, address: r.address, configPath: r.configPath };
    } catch (e) {
      return { status: null, address: null, configPath: '', error: redact((e as Error).message) };
    }
  }

  /**
   * A tool's status computed from exactly the bytes in `snap` (the watcher's baseline), as
   * Engine.status computes it from a fresh read. Reading twice (once to hash, once for the
   * engine) could describe two different versions of a file being rewritten, and a later check
   * would then take the newest version for "already seen".
   */
  private reportFrom(tool: ToolId, snap: ToolSnapshot): ToolReport {
    const adapter = adapterFor(tool);
    const ctx = { home: this.ctx.home, env: this.ctx.env };
    const loc = adapter.locate(ctx);
    const texts: Record<string, string | null> = {};
    for (const f of loc.files) texts[f.role] = snap.dir ? (snap.texts[f.path] ?? null) : null;
    if (snap.dir) {
      for (const f of loc.files) {
        const err = snap.errors[f.path];
        if (err) throw err;
      }
    }
    const { settings } = configuredGateway(this.ctx.paths.configDir, this.ctx.env);
    const recorded = recordedProviderId(this.ctx.paths.stateDir, tool);
    return reportFromTexts(adapter, ctx, recorded ? { ...settings, providerId: recorded } : settings, snap.dir, texts);
  }

  private async rebaseline(tool: ToolId): Promise<void> {
    if (!this.watcher) return;
    const snap = await this.watcher.snapshot(tool);
    // Someone else may have written between our write and this read: keep the hash we wrote, so
    // their change still counts as one.
    const takeover = await takeoverOf(this.ctx.paths.stateDir, tool).catch(() => undefined);
    for (const f of takeover?.files ?? []) if (f.path in snap.files) snap.files[f.path] = f.writtenHash;
    this.watcher.setBaseline(tool, snap);
  }

  private async onFilesChanged(tool: ToolId, { startup = false } = {}): Promise<void> {
    if (this.ctx.stopping() || !this.watcher) return;
    const { snap, changed, emptied } = await this.watcher.check(tool);
    this.ctx.log.debug('files settled', { tool, changed, startup });
    this.onChecked?.();
    // Nothing new (a second event for the same write): a pending check of a half-written or
    // emptied file still stands.
    if (!changed && !startup) return;
    this.cancelBrokenCheck(tool);
    await this.process(tool, snap, { final: false, startup, emptied });
  }

  /** Judge the tool's files again after BROKEN_SETTLE_MS unless another event comes first. */
  private scheduleBrokenCheck(tool: ToolId): void {
    this.cancelBrokenCheck(tool);
    this.brokenTimers.set(
      tool,
      setTimeout(() => {
        this.brokenTimers.delete(tool);
        this.background(tool, async () => {
          if (!this.watcher || this.ctx.stopping()) return;
          await this.process(tool, (await this.watcher.check(tool)).snap, { final: true });
        });
      }, BROKEN_SETTLE_MS),
    );
  }

  private cancelBrokenCheck(tool: ToolId): void {
    clearTimeout(this.brokenTimers.get(tool));
    this.brokenTimers.delete(tool);
  }

  /**
   * Recompute a tool's status after its files changed and act on it. A file that does not
   * parse is probably half-written: wait for the next event, and only when none comes within
   * BROKEN_SETTLE_MS report it (`final`).
   */
  private async process(
    tool: ToolId,
    snap: ToolSnapshot,
    { final, startup = false, emptied = [] }: { final: boolean; startup?: boolean; emptied?: string[] },
  ): Promise<void> {
    const prev = this.known.get(tool);
    // A tool (or editor) that rewrites its file in place truncates it first: an empty file seen
    // right after an event is most likely the moment between the truncate and the write, not the
    // user emptying it. Judged like a half-written file: the next event, or BROKEN_SETTLE_MS.
    if (!final && emptied.length) {
      this.scheduleBrokenCheck(tool);
      return;
    }
    let report: ToolReport;
    try {
      report = this.reportFrom(tool, snap);
    } catch (e) {
      if (!isContentError(e) && !(e instanceof ConfigIoError)) throw e;
      const error = redact((e as Error).message);
      if (!final) {
        this.scheduleBrokenCheck(tool);
        return;
      }
      if (prev?.error !== error) {
        this.known.set(tool, { status: null, address: null, configPath: prev?.configPath ?? '', error });
        this.ctx.publish({
          type: 'status-changed',
          tool,
          previous: prev?.status ?? null,
          status: null,
          address: null,
          cause: 'file-change',
          message: `${this.ctx.name(tool)}: its config cannot be read: ${error}`,
          error,
        });
      }
      return;
    }
    const now: Known = { status: report.status, address: report.address, configPath: report.configPath };
    this.known.set(tool, now);
    if (startup) {
      // No events for what was already so at start; only act on drift left from before.
      if (prev && (prev.status !== now.status || prev.address !== now.address)) this.announce(tool, prev, now, 'file-change');
      await this.onChange(tool, prev, now, { startup: true });
      return;
    }
    this.announce(tool, prev, now, 'file-change');
    await this.onChange(tool, prev, now, { startup: false });
  }

  /** tool-detected / tool-removed / status-changed for a transition. */
  announce(tool: ToolId, prev: Known | undefined, now: Known, cause: Cause): void {
    const name = this.ctx.name(tool);
    const publish = (e: NewEvent) => this.ctx.publish(e);
    if (prev?.status === 'not-detected' && now.status !== 'not-detected') {
      publish({ type: 'tool-detected', tool, status: now.status, configPath: now.configPath, message: `${name} appeared (${now.configPath})` });
    }
    if (prev && prev.status !== 'not-detected' && now.status === 'not-detected') {
      publish({
        type: 'tool-removed',
        tool,
        status: now.status,
        previous: prev.status,
        configPath: now.configPath,
        message: `${name} is gone (its config dir no longer exists)`,
      });
    }
    if (!prev || prev.status !== now.status || prev.address !== now.address || prev.error) {
      publish({
        type: 'status-changed',
        tool,
        previous: prev?.status ?? null,
        status: now.status,
        address: now.address,
        configPath: now.configPath,
        cause,
        message: `${name}: ${label(prev?.status)} → ${label(now.status)}${now.address ? ` (${now.address})` : ''}`,
      });
    }
  }
}
