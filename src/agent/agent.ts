/**
 * Floor: agent, below cli and ui: the background agent; imports doctor and below. See docs/floors.md.
 *
 * The agent: the single writer of tool configs for one user. It watches every tool's config dir,
 * recomputes a tool's status when its files change, publishes events, re-applies a dropped
 * takeover when asked to, and answers `gwctl` over the socket with the same engine.
 *
 * Work on one tool is serialised (a queue per tool): a takeover in flight and the file events it
 * causes never interleave, and after the agent's own write the watcher's baseline is set to what
 * was written, so those events compare equal by content and are dropped.
 */
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, rmSync, statSync, watch as watchDir, writeSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { adapterFor, allAdapters } from '../adapters/index.ts';
import { STATUS_LABEL, TOOL_IDS, type Status, type ToolId } from '../adapters/types.ts';
import { ConfigIoError } from '../configio/io.ts';
import { Engine, reportFromTexts, type ToolReport } from '../engine/engine.ts';
import { LedgerStore } from '../engine/ledger.ts';
import { ConfigFormatError } from '../formats/slot.ts';
import { configuredGateway } from '../gateway/index.ts';
import { GatewayError } from '../gateway/http.ts';
import { redact } from '../shared/redact.ts';
import { probeAgent } from '../ipc/client.ts';
import { PROTOCOL_VERSION, type AgentEvent, type Cause, type CommandParams, type HelloResult, type RequestFrame, type ToolDetail, type ToolMarks } from '../ipc/schema.ts';
import { SOCKET_NAME, socketLocation, type SocketLocation } from '../home/paths.ts';
import { IpcServer, removeSocketFile, type Peer } from '../ipc/server.ts';
import { diffHunks } from '../shared/diff.ts';
import { maskLine } from '../shared/mask.ts';
import { ConfigWatcher, type ToolSnapshot, type WatchTarget } from '../watchers/index.ts';
import { runOne, type Command } from '../engine/commands.ts';
import { openLog, type AgentLog } from './log.ts';
import { makeNotifier, notifyEvent, type Notify } from './notify.ts';
import { gwctlPaths, type GwctlPaths } from '../home/paths.ts';
import { chosen, ReapplyGuard } from './policy.ts';
import { openSettings, settingsPath, type SettingsStore } from '../home/settings.ts';

/** A half-written file gets this long for the write to finish before it counts as broken. */
export const BROKEN_SETTLE_MS = 300;
const STOP_DRAIN_MS = 10_000;

export class AlreadyRunningError extends Error {
  readonly running: HelloResult;
  constructor(running: HelloResult) {
    super(`a gwctl agent is already running (pid ${running.pid}, socket ${running.socket}); not starting another. Stop it first with: gwctl agent stop`);
    this.name = 'AlreadyRunningError';
    this.running = running;
  }
}

export interface AgentOptions {
  home: string;
  env: Readonly<Record<string, string | undefined>>;
  version: string;
  platform?: NodeJS.Platform;
  /** Defaults to `<logDir>/agent.log`. */
  log?: AgentLog;
  notify?: Notify;
}

interface Known {
  status: Status | null;
  address: string | null;
  configPath: string;
  error?: string;
}

type RequestError = Error & { ipcCode?: string };

function requestError(code: 'bad-request' | 'stopping', message: string): RequestError {
  return Object.assign(new Error(message), { ipcCode: code });
}

function isContentError(e: unknown): boolean {
  return e instanceof ConfigFormatError || (e instanceof ConfigIoError && e.code === 'NOT_UTF8');
}

const label = (s: Status | null | undefined) => (s ? STATUS_LABEL[s] : 'Unreadable');

export class Agent {
  readonly home: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly paths: GwctlPaths;
  readonly socket: SocketLocation;
  readonly version: string;
  private log!: AgentLog;
  private notify!: Notify;
  private settings!: SettingsStore;
  private server: IpcServer | undefined;
  private watcher: ConfigWatcher | undefined;
  private readonly opts: AgentOptions;
  private readonly known = new Map<ToolId, Known>();
  private readonly queues = new Map<ToolId, Promise<unknown>>();
  private readonly brokenTimers = new Map<ToolId, NodeJS.Timeout>();
  private readonly guard: ReapplyGuard;
  private readonly listeners: Array<(e: AgentEvent) => void> = [];
  private readonly stopListeners: Array<() => void> = [];
  private seq = 0;
  private gatewayUp: boolean | undefined;
  private gatewayTimer: NodeJS.Timeout | undefined;
  private socketWatch: FSWatcher | undefined;
  private readyResolve!: () => void;
  private readonly ready = new Promise<void>((r) => (this.readyResolve = r));
  private stopping: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private startedAt = new Date();

  constructor(opts: AgentOptions) {
    this.opts = opts;
    this.home = opts.home;
    this.env = opts.env;
    this.version = opts.version;
    this.paths = gwctlPaths({ home: opts.home, env: opts.env, ...(opts.platform ? { platform: opts.platform } : {}) });
    this.socket = socketLocation({ home: opts.home, env: opts.env, create: true, ...(opts.platform ? { platform: opts.platform } : {}) });
    this.guard = new ReapplyGuard(() => this.settings.current().agent.reapplyPerMinute);
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /**
   * Refuse when another agent answers on the socket; otherwise take the socket (removing a
   * stale one left by a crash), read every tool's status, start watching, then serve requests.
   */
  start(): Promise<void> {
    this.starting ??= this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    this.log = this.opts.log ?? openLog(this.paths.logDir);
    prepareSocketDir(this.socket);
    if (this.socket.fallbackReason) this.log.warn('socket moved to a short path', { reason: this.socket.fallbackReason, socket: this.socket.path });

    await withStartLock(this.socket.dir, async () => {
      const running = await probeAgent(this.socket, 1500);
      if (running) throw new AlreadyRunningError(running);
      if (removeSocketFile(this.socket.path)) this.log.warn('removed a stale socket (the previous agent did not stop cleanly)', { socket: this.socket.path });
      this.server = await IpcServer.listen(this.socket, (req, peer) => this.handle(req, peer), this.log);
    });
    this.watchOwnSocket();
    this.startedAt = new Date();

    try {
      // Only now: a second agent that was refused above must not touch the settings file.
      this.settings = await openSettings(this.paths.configDir);
      this.notify = this.opts.notify ?? makeNotifier(this.log, () => this.settings.current().notify);
      await this.reconcile();
      const targets = this.targets();
      const s = this.settings.current();
      const pollMs = Number(this.env.GWCTL_UNWATCHED_POLL_MS);
      this.watcher = new ConfigWatcher(targets, {
        debounceMs: s.agent.debounceMs,
        // Directories the OS will not watch are checked this often (tests shorten it).
        ...(Number.isFinite(pollMs) && pollMs >= 100 ? { pollMs } : {}),
        onSettled: (tool) => {
          this.cancelBrokenCheck(tool);
          this.background(tool, () => this.onFilesChanged(tool));
        },
        onError: (err) => this.log.warn('watcher error', { error: err.message }),
        onUnwatched: (u) => this.log.warn(`not watching ${u.dir}: ${u.reason}; checking it every ${u.pollSeconds} s instead`, { tools: u.tools.join(','), code: u.code }),
      });
      for (const t of targets) {
        const snap = await this.watcher.snapshot(t.tool);
        this.watcher.setBaseline(t.tool, snap);
        this.known.set(t.tool, this.knownFrom(t.tool, snap));
      }
      await this.watcher.start();
      this.readyResolve();
      // Anything that changed between the first read and the watcher being ready, and drift
      // that happened while no agent ran.
      for (const t of targets) this.background(t.tool, () => this.onFilesChanged(t.tool, { startup: true }));
      this.startGatewayChecks();
      this.log.info('agent started', {
        version: this.version,
        socket: this.socket.path,
        settings: this.settings.path,
        watching: this.watcher.watchedRoots.length,
      });
    } catch (e) {
      this.socketWatch?.close();
      this.server?.close();
      await this.watcher?.close();
      throw e;
    }
  }

  /**
   * A gwctl killed mid-takeover or mid-restore leaves a ledger entry that is not 'applied':
   * finish it before watching (files put back where ours, key revoked or named in the log).
   */
  private async reconcile(): Promise<void> {
    try {
      for (const r of await this.engine(this.env).reconcile()) {
        this.log.warn('finished a command a killed gwctl left half-done', { tool: r.id, status: r.status, notes: r.notes, error: r.error });
      }
    } catch (e) {
      this.log.warn('could not reconcile the ledger', { error: (e as Error).message });
    }
  }

  /** Stop: finish work in flight (the ledger is written per step), close watchers and socket. */
  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      await this.starting?.catch(() => undefined);
      this.log.info('agent stopping', { reason });
      clearInterval(this.gatewayTimer);
      this.socketWatch?.close();
      for (const t of this.brokenTimers.values()) clearTimeout(t);
      this.brokenTimers.clear();
      await this.watcher?.close();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.queues.values()]),
        new Promise((r) => (timer = setTimeout(r, STOP_DRAIN_MS))),
      ]);
      clearTimeout(timer);
      this.server?.close();
      this.log.info('agent stopped', { reason });
      this.log.flush();
      for (const l of this.stopListeners) l();
    })();
    return this.stopping;
  }

  onStopped(listener: () => void): void {
    this.stopListeners.push(listener);
  }

  /** Every event as published (in-process subscribers, tests). */
  onEvent(listener: (e: AgentEvent) => void): void {
    this.listeners.push(listener);
  }

  get logFile(): string {
    return this.log.file;
  }

  reopenLog(): void {
    this.log.reopen();
  }

  // ---- tools -------------------------------------------------------------------------------

  private targets(): WatchTarget[] {
    const ctx = { home: this.home, env: this.env };
    return allAdapters().map((a) => {
      const loc = a.locate(ctx);
      return { tool: a.id, dir: loc.dir, files: loc.files.map((f) => f.path) };
    });
  }

  private engine(env: Readonly<Record<string, string | undefined>> = this.env): Engine {
    const { settings, keys } = configuredGateway(this.paths.configDir, env);
    return new Engine({ home: this.home, env, stateDir: this.paths.stateDir, gateway: settings, keys });
  }

  /** Work on one tool, one thing at a time. */
  private enqueue<T>(tool: ToolId, work: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(tool) ?? Promise.resolve();
    const next = prev.then(work, work);
    const settled = next.catch((e: Error) => {
      this.log.error('tool work failed', { tool, error: e.message });
    });
    this.queues.set(tool, settled);
    void settled.then(() => {
      if (this.queues.get(tool) === settled) this.queues.delete(tool);
    });
    return next;
  }

  /** Queue work whose failure is only logged (enqueue logs it). */
  private background(tool: ToolId, work: () => Promise<unknown>): void {
    this.enqueue(tool, work).catch(() => undefined);
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
    const ctx = { home: this.home, env: this.env };
    const loc = adapter.locate(ctx);
    const texts: Record<string, string | null> = {};
    for (const f of loc.files) texts[f.role] = snap.dir ? (snap.texts[f.path] ?? null) : null;
    if (snap.dir) {
      for (const f of loc.files) {
        const err = snap.errors[f.path];
        if (err) throw err;
      }
    }
    const { settings } = configuredGateway(this.paths.configDir, this.env);
    return reportFromTexts(adapter, ctx, settings, snap.dir, texts);
  }

  /** After the agent wrote a tool's files: what is there now is known, so its events are dropped. */
  private async rebaseline(tool: ToolId): Promise<void> {
    if (!this.watcher) return;
    const snap = await this.watcher.snapshot(tool);
    // Someone else may have written between our write and this read: keep the hash we wrote, so
    // their change still counts as one.
    const entry = (await new LedgerStore(this.paths.stateDir).load().catch(() => undefined))?.tools[tool];
    for (const f of entry?.files ?? []) if (f.path in snap.files) snap.files[f.path] = f.writtenHash;
    this.watcher.setBaseline(tool, snap);
  }

  private async onFilesChanged(tool: ToolId, { startup = false } = {}): Promise<void> {
    if (this.stopping || !this.watcher) return;
    const { snap, changed } = await this.watcher.check(tool);
    this.log.debug('files settled', { tool, changed, startup });
    if (!changed && !startup) return;
    await this.process(tool, snap, { final: false, startup });
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
  private async process(tool: ToolId, snap: ToolSnapshot, { final, startup = false }: { final: boolean; startup?: boolean }): Promise<void> {
    const prev = this.known.get(tool);
    let report: ToolReport;
    try {
      report = this.reportFrom(tool, snap);
    } catch (e) {
      if (!isContentError(e) && !(e instanceof ConfigIoError)) throw e;
      const error = redact((e as Error).message);
      if (!final) {
        this.cancelBrokenCheck(tool);
        this.brokenTimers.set(
          tool,
          setTimeout(() => {
            this.brokenTimers.delete(tool);
            this.background(tool, async () => {
              if (!this.watcher || this.stopping) return;
              await this.process(tool, (await this.watcher.check(tool)).snap, { final: true });
            });
          }, BROKEN_SETTLE_MS),
        );
        return;
      }
      if (prev?.error !== error) {
        this.known.set(tool, { status: null, address: null, configPath: prev?.configPath ?? '', error });
        this.publish({ type: 'status-changed', tool, previous: prev?.status ?? null, status: null, address: null, cause: 'file-change', message: `${this.name(tool)}: its config cannot be read: ${error}`, error });
      }
      return;
    }
    const now: Known = { status: report.status, address: report.address, configPath: report.configPath };
    this.known.set(tool, now);
    if (startup) {
      // No events for what was already so at start; only act on drift left from before.
      if (prev && (prev.status !== now.status || prev.address !== now.address)) this.announce(tool, prev, now, 'file-change');
      await this.applyPolicy(tool, prev, now, { startup: true });
      return;
    }
    this.announce(tool, prev, now, 'file-change');
    await this.applyPolicy(tool, prev, now, { startup: false });
  }

  private name(tool: ToolId): string {
    return allAdapters().find((a) => a.id === tool)?.name ?? tool;
  }

  /** tool-detected / tool-removed / status-changed for a transition. */
  private announce(tool: ToolId, prev: Known | undefined, now: Known, cause: Cause): void {
    const name = this.name(tool);
    if (prev?.status === 'not-detected' && now.status !== 'not-detected') {
      this.publish({ type: 'tool-detected', tool, status: now.status, configPath: now.configPath, message: `${name} appeared (${now.configPath})` });
    }
    if (prev && prev.status !== 'not-detected' && now.status === 'not-detected') {
      this.publish({ type: 'tool-removed', tool, status: now.status, previous: prev.status, configPath: now.configPath, message: `${name} is gone (its config dir no longer exists)` });
    }
    if (!prev || prev.status !== now.status || prev.address !== now.address || prev.error) {
      this.publish({
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

  private async applyPolicy(tool: ToolId, prev: Known | undefined, now: Known, { startup }: { startup: boolean }): Promise<void> {
    const name = this.name(tool);
    const entry = (await new LedgerStore(this.paths.stateDir).load()).tools[tool];
    const settings = this.settings.current();
    const changed = !prev || prev.status !== now.status || prev.address !== now.address;
    if (entry?.state === 'applied' && (now.status === 'not-taken-over' || now.status === 'other-address')) {
      if (changed || startup) {
        const elsewhere = now.status === 'other-address';
        const reapply = !elsewhere && chosen(settings.autoReapply, tool);
        this.publish({
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
    if (!entry && prev?.status === 'not-detected' && now.status === 'not-taken-over' && chosen(settings.autoTakeoverNew, tool)) {
      await this.reapply(tool, 'auto-takeover');
    }
  }

  /** Take a tool over again (fresh key; the engine revokes the old one), under the loop guard. */
  private async reapply(tool: ToolId, cause: 'reapply' | 'auto-takeover'): Promise<void> {
    const name = this.name(tool);
    const verdict = this.guard.attempt(tool, Date.now());
    if (verdict !== 'allowed') {
      if (verdict === 'tripped') {
        const limit = this.settings.current().agent.reapplyPerMinute;
        const message = `${name} dropped gwctl's settings ${limit} times within a minute; re-applying stopped (something keeps rewriting ${this.known.get(tool)?.configPath ?? 'its config'}). Fix that, then run gwctl takeover ${tool}`;
        this.publish({ type: 'reapply-failed', tool, status: this.known.get(tool)?.status ?? null, cause, message, error: 'loop guard: too many re-applies' });
      }
      return;
    }
    const prev = this.known.get(tool);
    try {
      const r = await this.engine().takeover(tool, { force: false });
      await this.rebaseline(tool);
      const now: Known = { status: r.status, address: r.address, configPath: r.configPath };
      this.known.set(tool, now);
      if (r.action === 'taken-over' || r.action === 'already-taken-over') {
        this.setGateway(true);
        this.publish({ type: 'reapplied', tool, status: r.status, address: r.address, configPath: r.configPath, cause, message: `${name}: ${cause === 'auto-takeover' ? 'taken over (new tool)' : 're-applied'}; it points at ${r.address ?? 'the gateway'} again with a fresh key` });
        this.announce(tool, prev, now, cause);
      } else {
        this.publish({ type: 'reapply-failed', tool, status: r.status, cause, message: `${name}: re-apply ${r.action ?? 'failed'}: ${r.error ?? ''}`.trim(), ...(r.error ? { error: r.error } : {}) });
      }
    } catch (e) {
      await this.rebaseline(tool).catch(() => undefined);
      const error = redact((e as Error).message);
      this.publish({ type: 'reapply-failed', tool, status: prev?.status ?? null, cause, message: `${name}: re-apply failed: ${error}`, error });
      if (e instanceof GatewayError) await this.checkGateway();
    }
  }

  /**
   * An agent whose socket was removed (its HOME deleted, `rm` by hand) or replaced can no longer
   * be reached, and another agent may now start: it stops rather than become a second writer.
   */
  private watchOwnSocket(): void {
    const ino = lstatSync(this.socket.path, { throwIfNoEntry: false })?.ino;
    const check = () => {
      if (this.stopping) return;
      const st = lstatSync(this.socket.path, { throwIfNoEntry: false });
      if (st?.ino === ino) return;
      this.log.warn('the agent socket was removed or replaced; stopping', { socket: this.socket.path });
      void this.stop('socket removed');
    };
    try {
      this.socketWatch = watchDir(this.socket.dir, { persistent: false }, (_event, name) => {
        if (!name || name === SOCKET_NAME) check();
      });
      this.socketWatch.on('error', check);
    } catch (e) {
      this.log.warn('cannot watch the socket directory', { error: (e as Error).message });
    }
    check(); // removed before the watch was in place
  }

  // ---- gateway -----------------------------------------------------------------------------

  private startGatewayChecks(): void {
    const secs = this.settings.current().agent.gatewayCheckSeconds;
    void this.checkGatewayIfNeeded();
    if (secs > 0) {
      this.gatewayTimer = setInterval(() => void this.checkGatewayIfNeeded(), secs * 1000);
      this.gatewayTimer.unref();
    }
  }

  /** Only while something is taken over: otherwise nobody depends on the gateway being up. */
  private async checkGatewayIfNeeded(): Promise<void> {
    const ledger = await new LedgerStore(this.paths.stateDir).load().catch(() => undefined);
    if (!ledger || !Object.values(ledger.tools).some((e) => e?.state === 'applied')) return;
    await this.checkGateway();
  }

  private async checkGateway(): Promise<void> {
    try {
      const { keys } = configuredGateway(this.paths.configDir, this.env);
      await keys.health();
      this.setGateway(true);
    } catch (e) {
      this.setGateway(false, redact((e as Error).message));
    }
  }

  private setGateway(up: boolean, error?: string): void {
    const was = this.gatewayUp;
    if (was === up) return;
    this.gatewayUp = up;
    if (!up) {
      this.publish({ type: 'gateway-down', message: `the gateway is not answering: ${error ?? 'no answer'}; taken-over tools cannot reach their models until it is back`, ...(error ? { error } : {}) });
    } else if (was === false) {
      this.publish({ type: 'gateway-up', message: 'the gateway answers again' });
    }
  }

  // ---- events ------------------------------------------------------------------------------

  /** To subscribers, in-process listeners, the log, and (the kinds that deserve one) the desktop. */
  private publish({ notify = true, ...e }: Omit<AgentEvent, 'seq' | 'at'> & { notify?: boolean }): void {
    const event = { seq: ++this.seq, at: new Date().toISOString(), ...e } as AgentEvent;
    this.log.info('event', { type: event.type, tool: event.tool, status: event.status, previous: event.previous, cause: event.cause, seq: event.seq });
    this.server?.publish(event);
    for (const l of this.listeners) l(event);
    if (notify && this.notify) notifyEvent(this.notify, event, event.tool ? this.name(event.tool) : undefined);
  }

  // ---- requests ----------------------------------------------------------------------------

  private async handle(req: RequestFrame, peer: Peer): Promise<unknown> {
    // The socket is up before the tools are read; everything but hello and shutdown waits.
    if (req.method !== 'hello' && req.method !== 'shutdown') await this.ready;
    switch (req.method) {
      case 'hello':
        return this.hello();
      case 'subscribe':
        peer.subscribed = true;
        return { subscribed: true };
      case 'status':
      case 'takeover':
      case 'restore':
      case 'rotate': {
        if (this.stopping) throw requestError('stopping', 'the agent is stopping; run the command again in a moment');
        return { tools: await this.command(req.method, commandParams(req.params)) };
      }
      case 'shutdown':
        setImmediate(() => void this.stop('shutdown request'));
        return { stopping: true };
      case 'marks':
        return { tools: await this.marks() };
      case 'detail':
        return this.detail(toolParam(req.params), gatewayEnvParam((req.params as { env?: unknown }).env));
    }
    throw requestError('bad-request', 'unknown method');
  }

  private hello(): HelloResult {
    const watching: Partial<Record<ToolId, string>> = {};
    for (const t of this.targets()) watching[t.tool] = t.dir;
    return {
      protocol: PROTOCOL_VERSION,
      version: this.version,
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      home: this.home,
      socket: this.socket.path,
      logFile: this.log.file,
      settingsFile: settingsPath(this.paths.configDir), // known before the settings are read
      watching,
      unwatched: this.watcher?.unwatched() ?? [],
      subscribers: this.server?.subscribers ?? 0,
    };
  }

  private async marks(): Promise<Partial<Record<ToolId, ToolMarks>>> {
    const ledger = await new LedgerStore(this.paths.stateDir).load();
    const { autoReapply } = this.settings.current();
    const out: Partial<Record<ToolId, ToolMarks>> = {};
    for (const id of TOOL_IDS) out[id] = { ledger: ledger.tools[id]?.state ?? null, suspended: this.guard.isPaused(id), autoReapply: chosen(autoReapply, id) };
    return out;
  }

  /** One tool for the UI's detail pane: nothing is written, no key is minted (a dry run). */
  private async detail(tool: ToolId, env: Record<string, string>): Promise<ToolDetail> {
    const engine = this.engine({ ...this.env, ...env });
    const report = await runOne(engine, 'status', tool, {});
    const record = await engine.describe(tool);
    let plan: ToolDetail['plan'] = null;
    if (report.status === 'not-taken-over' || report.status === 'other-address') {
      try {
        const p = await engine.planTakeover(tool, { force: true });
        plan = {
          files: p.files.map((f) => ({ path: f.path, created: f.before === null, diff: diffHunks(f.before ?? '', f.after).map((l) => ({ kind: l.kind, text: maskLine(l.text) })) })),
          notes: p.notes,
          ...(p.refused ? { refused: p.refused } : {}),
        };
      } catch (e) {
        plan = { files: [], notes: [], error: redact((e as Error).message) };
      }
    }
    return { report, ...record, marks: (await this.marks())[tool]!, plan };
  }

  /** A CLI request: the same engine and semantics as `gwctl --no-agent`, one tool at a time. */
  private async command(command: Command, params: CommandParams): Promise<ToolReport[]> {
    const env = { ...this.env, ...params.env };
    const engine = this.engine(env);
    const ids = params.tools.length ? params.tools : [...TOOL_IDS];
    // Tools run concurrently (each in its own queue): gateway calls overlap, one slow gateway
    // costs one round trip per command, not one per tool.
    return Promise.all(
      ids.map((id) => {
        if (command === 'status') return runOne(engine, command, id, params);
        return this.enqueue(id, async () => {
          const prev = this.known.get(id);
          const r = await runOne(engine, command, id, params);
          await this.rebaseline(id);
          this.guard.reset(id);
          if (r.status !== null && r.status !== undefined) {
            const now: Known = { status: r.status, address: r.address, configPath: r.configPath };
            this.known.set(id, now);
            this.announce(id, prev, now, command);
          }
          if (r.action === 'taken-over') this.setGateway(true);
          return r;
        });
      }),
    );
  }
}

function toolParam(p: unknown): ToolId {
  const tool = (p as { tool?: unknown } | undefined)?.tool;
  if (typeof tool !== 'string' || !(TOOL_IDS as readonly string[]).includes(tool)) throw requestError('bad-request', `tool must be one of: ${TOOL_IDS.join(', ')}`);
  return tool as ToolId;
}

function commandParams(p: unknown): CommandParams {
  const o = (p ?? {}) as Record<string, unknown>;
  const tools = o.tools ?? [];
  if (!Array.isArray(tools) || !tools.every((t) => typeof t === 'string' && (TOOL_IDS as readonly string[]).includes(t))) {
    throw requestError('bad-request', `tools must be a list of: ${TOOL_IDS.join(', ')}`);
  }
  for (const k of ['force', 'all'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') throw requestError('bad-request', `${k} must be true or false`);
  }
  return { tools: tools as ToolId[], force: o.force === true, all: o.all === true, env: gatewayEnvParam(o.env) };
}

/** The caller's GWCTL_GATEWAY_* variables (nothing else may come in this way). */
function gatewayEnvParam(e: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  if (e !== undefined) {
    if (typeof e !== 'object' || e === null) throw requestError('bad-request', 'env must be an object');
    for (const [k, v] of Object.entries(e)) {
      if (!k.startsWith('GWCTL_GATEWAY_') || typeof v !== 'string') throw requestError('bad-request', 'env may only carry GWCTL_GATEWAY_* strings');
      env[k] = v;
    }
  }
  return env;
}

/** The socket dir: created 0700, a real directory, ours; a mode opened up later is closed again. */
export function prepareSocketDir(loc: SocketLocation): void {
  mkdirSync(loc.dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(loc.dir);
  if (st.isSymbolicLink() || !st.isDirectory()) throw new Error(`${loc.dir} (the agent socket directory) is not a plain directory; remove it and start the agent again`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new Error(`${loc.dir} (the agent socket directory) belongs to uid ${st.uid}, not you (uid ${uid}); remove it and start the agent again`);
  if ((st.mode & 0o077) !== 0) chmodSync(loc.dir, 0o700);
}

/**
 * Serialise the probe-unlink-bind step between agents starting at the same moment. The lock is
 * held for milliseconds; one older than 10 s was left by a crash and is broken.
 */
async function withStartLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(dir, 'agent.lock');
  const deadline = Date.now() + 8000;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const st = statSync(lock, { throwIfNoEntry: false });
      if (st && Date.now() - st.mtimeMs > 10_000) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another gwctl agent is starting (${lock} exists); try again in a moment`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}
