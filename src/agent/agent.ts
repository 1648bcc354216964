/**
 * Floor: agent, below cli and ui: the background agent; imports doctor and below. See docs/floors.md.
 *
 * The agent: the single writer of tool configs for one user. This file is its wiring and
 * lifecycle (socket, start, stop, events out); its jobs are in their own files:
 * - tool-state.ts: what it knows of each tool, the watcher, one work queue per tool;
 * - policy.ts: what to do when a tool drifts or appears (re-apply, under a loop guard);
 * - gateway-health.ts: gateway-down / gateway-up;
 * - requests.ts: the request table, one handler per socket method;
 * - notify.ts, log.ts: desktop notifications and the log.
 */
import { chmodSync, lstatSync, mkdirSync, watch as watchDir, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { allAdapters } from '../adapters/index.ts';
import type { ToolId } from '../adapters/index.ts';
import { Engine } from '../engine/engine.ts';
import { configuredGateway } from '../gateway/index.ts';
import { gwctlPaths, SOCKET_NAME, socketLocation, type GwctlPaths, type SocketLocation } from '../home/paths.ts';
import { CheckedSettings, settingsPath, type SettingsFile } from '../home/settings.ts';
import { redact } from '../shared/redact.ts';
import { AGENT_LOCK, KernelLock } from '../home/lock.ts';
import { toolLocationEnv } from '../shared/tool-env.ts';
import { anyPendingRevocation } from '../engine/takeovers.ts';
import { probeAgent } from '../ipc/client.ts';
import { PROTOCOL_VERSION, type AgentEvent, type HelloResult, type Method, type RequestFrame } from '../ipc/schema.ts';
import { IpcServer, removeSocketFile, type Peer } from '../ipc/server.ts';
import type { AgentContext, Env, NewEvent } from './context.ts';
import { Fallback } from './fallback.ts';
import { GatewayHealth } from './gateway-health.ts';
import { openLog, type AgentLog } from './log.ts';
import { makeNotifier, notifyEvent, type Notify } from './notify.ts';
import { DriftPolicy } from './policy.ts';
import { requestTable, statusReports, type Handler, type RequestTable } from './requests.ts';
import { ToolStates } from './tool-state.ts';
import { StatusFile } from './status-file.ts';
import { MemoryKeeper } from './memory.ts';

const STOP_DRAIN_MS = 10_000;

export class AlreadyRunningError extends Error {
  readonly running: HelloResult;
  constructor(running: HelloResult) {
    super(`a gwctl agent is already running (pid ${running.pid}, socket ${running.socket}); not starting another. Stop it first with: gwctl agent stop`);
    this.name = 'AlreadyRunningError';
    this.running = running;
  }
}

/** Another agent holds the instance lock but does not answer: stopped (Ctrl-Z) or busy. */
export class AgentNotAnsweringError extends Error {
  constructor(pid: number | undefined, lock: string) {
    super(
      `another gwctl agent${pid ? ` (pid ${pid})` : ''} is running but does not answer (stopped with Ctrl-Z, or busy); not starting a second one. ` +
        `Resume it (fg, or kill -CONT ${pid ?? '<pid>'}) or stop it (kill ${pid ?? '<pid>'}); its instance lock is ${lock}`,
    );
    this.name = 'AgentNotAnsweringError';
  }
}

export interface AgentOptions {
  home: string;
  env: Env;
  version: string;
  platform?: NodeJS.Platform;
  /** Defaults to `<logDir>/agent.log`. */
  log?: AgentLog;
  notify?: Notify;
}

export class Agent implements AgentContext {
  readonly home: string;
  readonly env: Env;
  readonly paths: GwctlPaths;
  readonly socket: SocketLocation;
  readonly version: string;
  private logger: AgentLog | undefined;
  private notifier: Notify | undefined;
  private store: CheckedSettings | undefined;
  private server: IpcServer | undefined;
  private readonly opts: AgentOptions;
  private readonly tools: ToolStates;
  private readonly gateway: GatewayHealth;
  private readonly policy: DriftPolicy;
  private readonly requests: RequestTable;
  private readonly statusFile: StatusFile;
  private readonly memory = new MemoryKeeper({ debug: (msg, extra) => this.logger?.debug(msg, extra) });
  private readonly listeners: Array<(e: AgentEvent) => void> = [];
  private readonly stopListeners: Array<() => void> = [];
  private seq = 0;
  private socketWatch: FSWatcher | undefined;
  private readyResolve!: () => void;
  private readonly ready = new Promise<void>((r) => (this.readyResolve = r));
  private stopped: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  /** The instance lock, held from start to exit. */
  private life: KernelLock | undefined;
  private pendingRetry: Promise<void> | undefined;
  private startedAt = new Date();

  constructor(opts: AgentOptions) {
    this.opts = opts;
    this.home = opts.home;
    this.env = opts.env;
    this.version = opts.version;
    this.paths = gwctlPaths({ home: opts.home, env: opts.env, ...(opts.platform ? { platform: opts.platform } : {}) });
    this.socket = socketLocation({ home: opts.home, env: opts.env, create: true, ...(opts.platform ? { platform: opts.platform } : {}) });
    this.tools = new ToolStates(this);
    this.gateway = new GatewayHealth(this);
    this.gateway.fallback = new Fallback(this, this.tools);
    this.policy = new DriftPolicy(this, this.tools, this.gateway);
    this.tools.onChange = (tool, prev, now, o) => this.policy.onChange(tool, prev, now, o);
    this.statusFile = new StatusFile(
      this,
      this.socket.dir,
      () => this.tools.targets(),
      (tools) => statusReports(this, tools),
      () => this.tools.busy(),
    );
    this.tools.onRawEvent = () => this.statusFile.invalidate();
    this.tools.onChecked = () => {
      this.statusFile.schedule();
      this.memory.activity();
    };
    this.requests = requestTable({
      ctx: this,
      tools: this.tools,
      policy: this.policy,
      gateway: this.gateway,
      hello: () => this.hello(),
      shutdown: () => void this.stop('shutdown request'),
    });
  }

  // ---- what the parts share (AgentContext) --------------------------------------------------

  get log(): AgentLog {
    if (!this.logger) throw new Error('internal: the agent log is opened by start()');
    return this.logger;
  }

  settings(): SettingsFile {
    if (!this.store) throw new Error('internal: the agent settings are read by start()');
    return this.store.current();
  }

  engine(env: Env = this.env): Engine {
    const { settings, keys } = configuredGateway(this.paths.configDir, env);
    return new Engine({ home: this.home, env, stateDir: this.paths.stateDir, gateway: settings, keys });
  }

  name(tool: ToolId): string {
    return allAdapters().find((a) => a.id === tool)?.name ?? tool;
  }

  stopping(): boolean {
    return this.stopped !== undefined;
  }

  /** To subscribers, in-process listeners, the log, and (the kinds that deserve one) the desktop. */
  readonly publish = ({ notify = true, ...e }: NewEvent): void => {
    const event = { seq: ++this.seq, at: new Date().toISOString(), ...e } as AgentEvent;
    this.log.info('event', { type: event.type, tool: event.tool, status: event.status, previous: event.previous, cause: event.cause, seq: event.seq });
    this.server?.publish(event);
    for (const l of this.listeners) l(event);
    if (notify && this.notifier) notifyEvent(this.notifier, event, event.tool ? this.name(event.tool) : undefined);
  };

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
    this.logger = this.opts.log ?? openLog(this.paths.logDir);
    prepareSocketDir(this.socket);
    if (this.socket.fallbackReason) this.log.warn('socket moved to a short path', { reason: this.socket.fallbackReason, socket: this.socket.path });

    // One agent per socket, by a lock held for the agent's whole life and released by the
    // kernel when it dies: a busy or stopped agent keeps it, so it is never taken for dead.
    const life = new KernelLock(join(this.socket.dir, AGENT_LOCK));
    // An agent that is stopping lets go within moments of its socket going away (`agent stop &&
    // agent start`): a short wait for that; a stopped or busy one keeps it, and is named.
    const deadline = Date.now() + 2000;
    while (!life.tryLock()) {
      const running = await probeAgent(this.socket, 500).catch(() => null);
      if (running) throw new AlreadyRunningError(running);
      if (Date.now() > deadline) throw new AgentNotAnsweringError(life.holderPid(), life.path);
      await new Promise((r) => setTimeout(r, 100));
    }
    this.life = life;
    try {
      // Holding the instance lock, any socket file there is a dead agent's.
      if (removeSocketFile(this.socket.path)) this.log.warn('removed a stale socket (the previous agent did not stop cleanly)', { socket: this.socket.path });
      this.statusFile.invalidate(); // a killed predecessor's, if any
      this.server = await IpcServer.listen(this.socket, (req, peer) => this.handle(req, peer), this.log);
    } catch (e) {
      life.unlock();
      this.life = undefined;
      throw e;
    }
    this.watchOwnSocket();
    this.startedAt = new Date();

    try {
      // Read and checked, never written: conf (and ajv) stay with `gwctl config`, out of a
      // process that runs all day. A file that does not pass stops the start, naming the rule.
      this.store = new CheckedSettings(this.paths.configDir);
      this.store.current();
      this.notifier = this.opts.notify ?? makeNotifier(this.log, () => this.settings().notify);
      await this.reconcile();
      void this.retryPending('agent start');
      await this.tools.startWatching();
      this.readyResolve();
      this.tools.checkAllAtStartup();
      this.statusFile.schedule();
      this.gateway.start();
      this.log.info('agent started', {
        version: this.version,
        socket: this.socket.path,
        settings: this.store.path,
        watching: this.tools.watchedRoots,
      });
    } catch (e) {
      this.socketWatch?.close();
      this.server?.close();
      await this.tools.stop(0);
      this.life?.unlock();
      throw e;
    }
  }

  /**
   * A gwctl killed mid-takeover or mid-restore leaves a ledger entry that is not 'applied':
   * finish it before watching (files put back where ours, key revoked or named in the log).
   */
  private async reconcile(): Promise<void> {
    try {
      for (const r of await this.engine().reconcile()) {
        this.log.warn('finished a command a killed gwctl left half-done', { tool: r.id, status: r.status, notes: r.notes, error: r.error });
      }
    } catch (e) {
      this.log.warn('could not reconcile the ledger', { error: (e as Error).message });
    }
  }

  /**
   * Keys whose revocation failed earlier (revoke-pending): tried again at start, when the gateway
   * answers again, and on each gateway check while any are pending. One attempt at a time.
   */
  retryPending(reason: string): Promise<void> {
    this.pendingRetry ??= (async () => {
      try {
        if (!(await anyPendingRevocation(this.paths.stateDir))) return;
        const notes = await this.engine().retryPending();
        this.log.info('retried revoke-pending keys', { reason, notes });
      } catch (e) {
        this.log.warn('could not retry revoke-pending keys', { reason, error: redact((e as Error).message) });
      } finally {
        this.pendingRetry = undefined;
      }
    })();
    return this.pendingRetry;
  }

  /** Stop: finish work in flight (the ledger is written per step), close watchers and socket. */
  stop(reason: string): Promise<void> {
    this.stopped ??= (async () => {
      await this.starting?.catch(() => undefined);
      this.log.info('agent stopping', { reason });
      this.statusFile.stop();
      this.gateway.stop();
      this.socketWatch?.close();
      await this.tools.stop(STOP_DRAIN_MS);
      this.server?.close();
      this.life?.unlock(); // only after the socket is gone: a successor never sees ours
      this.log.info('agent stopped', { reason });
      this.log.flush();
      for (const l of this.stopListeners) l();
    })();
    return this.stopped;
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

  /**
   * An agent whose socket was removed (its HOME deleted, `rm` by hand) or replaced can no longer
   * be reached, and another agent may now start: it stops rather than become a second writer.
   */
  private watchOwnSocket(): void {
    const ino = lstatSync(this.socket.path, { throwIfNoEntry: false })?.ino;
    const check = () => {
      if (this.stopped) return;
      const st = lstatSync(this.socket.path, { throwIfNoEntry: false });
      if (st?.ino === ino && this.life?.stillOurs() !== false) return;
      this.log.warn('the agent socket was removed or replaced; stopping', { socket: this.socket.path });
      void this.stop('socket removed');
    };
    try {
      this.socketWatch = watchDir(this.socket.dir, { persistent: false }, (_event, name) => {
        if (!name || name === SOCKET_NAME || name === AGENT_LOCK) check();
      });
      this.socketWatch.on('error', check);
    } catch (e) {
      this.log.warn('cannot watch the socket directory', { error: (e as Error).message });
    }
    check(); // removed before the watch was in place
  }

  // ---- requests ----------------------------------------------------------------------------

  private async handle(req: RequestFrame, peer: Peer): Promise<unknown> {
    // The socket is up before the tools are read; everything but hello and shutdown waits.
    if (req.method !== 'hello' && req.method !== 'shutdown') await this.ready;
    try {
      return await (this.requests[req.method] as Handler<Method>)(req.params, peer);
    } finally {
      // A command may have written, and a status request means a caller found the file stale.
      if (req.method === 'status' || req.method === 'takeover' || req.method === 'restore' || req.method === 'rotate') this.statusFile.schedule();
    }
  }

  private hello(): HelloResult {
    const watching: Partial<Record<ToolId, string>> = {};
    for (const t of this.tools.targets()) watching[t.tool] = t.dir;
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
      toolEnv: toolLocationEnv(this.env),
      unwatched: this.tools.unwatched(),
      subscribers: this.server?.subscribers ?? 0,
    };
  }
}

/** The socket dir: created 0700, a real directory, ours; a mode opened up later is closed again. */
export function prepareSocketDir(loc: SocketLocation): void {
  mkdirSync(loc.dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(loc.dir);
  if (st.isSymbolicLink() || !st.isDirectory())
    throw new Error(`${loc.dir} (the agent socket directory) is not a plain directory; remove it and start the agent again`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid)
    throw new Error(`${loc.dir} (the agent socket directory) belongs to uid ${st.uid}, not you (uid ${uid}); remove it and start the agent again`);
  if ((st.mode & 0o077) !== 0) chmodSync(loc.dir, 0o700);
}
