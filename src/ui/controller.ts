/**
 * `gwctl ui`'s state and behaviour, without the terminal: the rows (one per tool, from the
 * agent's `status` and then its events), the markers (`marks`), the gateway's health, the
 * selection, the detail pane, confirmations and the status line. Keys arrive as names
 * ({@link KeyName}); every request goes to the agent over its socket, and every failure ends in
 * the status line, never as a stack trace. The Ink view (app.tsx) renders `state` on `change`.
 */
import { STATUS_LABEL, type Status } from '../adapters/types.ts';
import { TOOL_IDS, type ToolId } from '../adapters/index.ts';
import type { ToolReport } from '../engine/engine.ts';
import type { GatewayStatus } from '../gateway/status.ts';
import type { AgentConnection } from '../ipc/client.ts';
import type { Command } from '../engine/commands.ts';
import { openSettings } from '../home/settings.ts';
import { ACTION_LABEL, type AgentEvent, type HelloResult, type ToolDetail, type ToolMarks } from '../ipc/schema.ts';
import type { Finding } from '../doctor/index.ts';

/** How long a row keeps its "changed" marker after an event. */
export const RECENT_MS = 5000;

export interface Row {
  id: ToolId;
  name: string;
  status: Status | null;
  address: string | null;
  configPath: string;
  error?: string;
  /** When the agent last said something about this tool (ms). */
  changedAt?: number;
}

export type Tone = 'info' | 'ok' | 'warn' | 'error' | 'busy';

export interface DetailState {
  tool: ToolId;
  data?: ToolDetail;
  findings?: Finding[];
  findingsError?: string;
  error?: string;
}

export interface State {
  rows: Row[];
  selected: number;
  marks: Partial<Record<ToolId, ToolMarks>>;
  gateway: GatewayStatus | 'checking' | { error: string };
  agent: HelloResult;
  connected: boolean;
  message: { text: string; tone: Tone } | null;
  confirm: { text: string; yes: () => Promise<void> } | null;
  view: 'list' | 'detail' | 'help';
  detail: DetailState | null;
  /** First line shown in the detail pane or help. */
  scroll: number;
  busy: boolean;
}

export type KeyName = 'up' | 'down' | 'pageup' | 'pagedown' | 'home' | 'end' | 'enter' | 'escape' | 'ctrl-c' | string;

export interface UiDeps {
  /** An open connection to an agent that said hello (same protocol and HOME). */
  conn: AgentConnection;
  hello: HelloResult;
  /** GWCTL_GATEWAY_* of the caller, sent with each command (as `gwctl takeover` does). */
  requestEnv: Record<string, string>;
  /** gwctl's settings directory (`w` writes autoReapply there, as `gwctl config set` does). */
  configDir: string;
  /** Runs a settings write under the per-HOME writer lock, as every other writer does. */
  writeLocked?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** A new connection after the agent went away (null: none answers yet). */
  reconnect: () => Promise<{ conn: AgentConnection; hello: HelloResult } | null>;
  /** The gateway's kind, URL, health and latency (gwctl gateway status). */
  gatewayStatus: () => Promise<GatewayStatus>;
  /** `gwctl doctor`'s findings for one tool, from the caller's shell and directory. */
  doctor: (tool: ToolId) => Promise<Finding[]>;
  now?: () => number;
}

export function errorText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0]!.slice(0, 400);
}

export class Controller {
  state: State;
  private conn: AgentConnection;
  private readonly deps: UiDeps;
  private readonly listeners = new Set<() => void>();
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private quitResolve!: () => void;
  /** Resolves when the user quits. */
  readonly quitting = new Promise<void>((r) => (this.quitResolve = r));

  constructor(deps: UiDeps) {
    this.deps = deps;
    this.conn = deps.conn;
    this.state = initialState(deps.hello);
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(patch: Partial<State>): void {
    if (this.stopped) return;
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  private say(text: string, tone: Tone = 'info'): void {
    this.set({ message: { text, tone } });
  }

  /** Subscribe, read every tool's status and markers, check the gateway; then refresh on a timer. */
  async start(): Promise<void> {
    try {
      await this.attach(this.conn);
    } catch (e) {
      this.say(`could not read the tools from the agent: ${errorText(e)}`, 'error');
    }
    void this.refreshGateway();
    // Expire "changed" markers and keep the agent's uptime current; 30 s for the gateway.
    this.timers.push(setInterval(() => this.set({}), 1000));
    this.timers.push(setInterval(() => void this.refreshGateway(), 30_000));
  }

  private async attach(conn: AgentConnection): Promise<void> {
    this.conn = conn;
    conn.onEvent((e) => this.onEvent(e));
    conn.onClose(() => {
      if (this.stopped || this.conn !== conn) return;
      this.set({ connected: false, busy: false, confirm: null });
      this.say('the agent went away (stopped or restarted); reconnecting…', 'error');
      void this.reconnectLoop();
    });
    await conn.request('subscribe', {}, { timeoutMs: 5000 });
    const { tools } = await conn.request('status', { tools: [], env: this.deps.requestEnv }, { timeoutMs: 30_000 });
    const prev = new Map(this.state.rows.map((r) => [r.id, r]));
    this.set({ rows: tools.map((t) => rowFrom(t, prev.get(t.id)?.changedAt)) });
    await this.refreshMarks();
  }

  private async reconnectLoop(): Promise<void> {
    while (!this.stopped && !this.state.connected) {
      await new Promise((r) => this.timers.push(setTimeout(r, 1000)));
      if (this.stopped) return;
      try {
        const again = await this.deps.reconnect();
        if (!again) continue;
        this.set({ agent: again.hello, connected: true });
        await this.attach(again.conn);
        this.say(`reconnected to the agent (pid ${again.hello.pid})`, 'ok');
      } catch (e) {
        this.say(`the agent went away; reconnecting… (${errorText(e)})`, 'error');
      }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.conn.close();
  }

  private async refreshMarks(): Promise<void> {
    try {
      const { tools } = await this.conn.request('marks', {}, { timeoutMs: 10_000 });
      this.set({ marks: tools });
    } catch (e) {
      this.say(`markers unavailable: ${errorText(e)} (an older agent? gwctl agent stop && gwctl agent start)`, 'warn');
    }
  }

  private async refreshGateway(): Promise<void> {
    try {
      this.set({ gateway: await this.deps.gatewayStatus() });
    } catch (e) {
      this.set({ gateway: { error: errorText(e) } });
    }
  }

  private onEvent(e: AgentEvent): void {
    if (e.type === 'gateway-down' || e.type === 'gateway-up') {
      this.say(e.message, e.type === 'gateway-down' ? 'error' : 'ok');
      void this.refreshGateway();
      return;
    }
    if (!e.tool) return;
    const rows = this.state.rows.map((r) => {
      if (r.id !== e.tool) return r;
      const next: Row = { ...r, changedAt: this.now() };
      if (e.status !== undefined) {
        next.status = e.status;
        if (e.status === null) next.error = e.error ?? 'its config cannot be read';
        else delete next.error;
      }
      if (e.address !== undefined) next.address = e.address;
      if (e.configPath) next.configPath = e.configPath;
      return next;
    });
    this.set({ rows });
    if (e.type === 'drift' || e.type === 'reapply-failed') this.say(e.message, 'warn');
    else if (!this.state.busy) this.say(e.message, 'info');
    void this.refreshMarks();
    if (this.state.view === 'detail' && this.state.detail?.tool === e.tool) void this.loadDetail(e.tool);
  }

  get selectedRow(): Row | undefined {
    return this.state.rows[this.state.selected];
  }

  // ---- keys --------------------------------------------------------------------------------

  key(k: KeyName): void {
    if (k === 'ctrl-c') return this.quit();
    const s = this.state;
    if (s.confirm) {
      const c = s.confirm;
      this.set({ confirm: null });
      if (k === 'y' || k === 'Y') void this.run(c.yes);
      else this.say('cancelled', 'info');
      return;
    }
    if (s.view !== 'list') {
      if (k === 'q') return this.quit();
      if (k === 'escape' || (s.view === 'detail' && (k === 'd' || k === 'enter')) || (s.view === 'help' && k === '?'))
        return this.set({ view: 'list', detail: null, scroll: 0 });
      if (k === 'up' || k === 'k') return this.set({ scroll: Math.max(0, s.scroll - 1) });
      if (k === 'down' || k === 'j') return this.set({ scroll: s.scroll + 1 });
      if (k === 'pageup') return this.set({ scroll: Math.max(0, s.scroll - 10) });
      if (k === 'pagedown' || k === ' ') return this.set({ scroll: s.scroll + 10 });
      if (k === 'home') return this.set({ scroll: 0 });
      return;
    }
    switch (k) {
      case 'q':
      case 'escape':
        return this.quit();
      case 'up':
      case 'k':
        return this.set({ selected: Math.max(0, s.selected - 1) });
      case 'down':
      case 'j':
        return this.set({ selected: Math.min(s.rows.length - 1, s.selected + 1) });
      case 'home':
        return this.set({ selected: 0 });
      case 'end':
        return this.set({ selected: s.rows.length - 1 });
      case '?':
        return this.set({ view: 'help', scroll: 0 });
    }
    if (!s.connected) return this.say('not connected to the agent; reconnecting…', 'error');
    if (s.busy) return this.say('busy: wait for the current action to finish', 'warn');
    const row = this.selectedRow;
    switch (k) {
      case 't':
        if (!row) return;
        if (row.status === 'other-address') {
          return this.set({
            confirm: {
              text: `${row.name} points at ${row.address ?? 'another address'}. Take it over anyway (--force; restore puts that address back)? y/n`,
              yes: () => this.command('takeover', [row.id], { force: true }),
            },
          });
        }
        return void this.run(() => this.command('takeover', [row.id]));
      case 'r':
        if (row) void this.run(() => this.command('restore', [row.id]));
        return;
      case 'o':
        if (row) void this.run(() => this.command('rotate', [row.id]));
        return;
      case 'T':
        return this.set({
          confirm: {
            text: 'Take over every installed tool (those on another address are skipped)? y/n',
            yes: () => this.command('takeover', [], { all: true }),
          },
        });
      case 'R':
        return this.set({ confirm: { text: 'Restore every tool gwctl took over? y/n', yes: () => this.command('restore', [], { all: true }) } });
      case 'w':
        if (row) void this.run(() => this.toggleAutoReapply(row));
        return;
      case 'd':
      case 'enter':
        if (!row) return;
        this.set({ view: 'detail', detail: { tool: row.id }, scroll: 0 });
        void this.loadDetail(row.id);
        return;
    }
  }

  /** The view says how far its pane can scroll at the terminal's size. */
  clampScroll(max: number): void {
    if (this.state.scroll > max) this.set({ scroll: max });
  }

  quit(): void {
    this.quitResolve();
  }

  /** One action at a time; its failure goes to the status line. */
  private async run(work: () => Promise<void>): Promise<void> {
    this.set({ busy: true });
    try {
      await work();
    } catch (e) {
      this.say(errorText(e), 'error');
    } finally {
      this.set({ busy: false });
    }
  }

  private async command(command: Command, tools: ToolId[], { force = false, all = false } = {}): Promise<void> {
    const names = tools.map((t) => this.state.rows.find((r) => r.id === t)?.name ?? t);
    const verb = { takeover: 'Taking over', restore: 'Restoring', rotate: 'Rotating the key of', status: 'Reading' }[command];
    this.say(`${verb} ${all ? 'every tool' : names.join(', ')}…`, 'busy');
    const { tools: reports } = await this.conn.request(command, { tools, force, all, env: this.deps.requestEnv });
    const byId = new Map(reports.map((r) => [r.id, r]));
    this.set({ rows: this.state.rows.map((r) => (byId.has(r.id) ? rowFrom(byId.get(r.id)!, this.now()) : r)) });
    const failed = reports.filter((r) => r.error);
    const done = reports.filter((r) => r.action && !r.error);
    if (failed.length) {
      this.say(failed.map((r) => `${r.name}: ${r.error}`).join('; '), 'error');
    } else if (done.length) {
      const first = done[0]!;
      const note = done.length === 1 ? first.notes?.find((n) => /^revoked|could not/.test(n)) : undefined;
      this.say(done.map((r) => `${r.name}: ${ACTION_LABEL[r.action!]}`).join(', ') + (note ? ` (${note})` : ''), 'ok');
    } else {
      this.say('nothing to do', 'info');
    }
    await this.refreshMarks();
    if (command === 'takeover' || command === 'rotate') void this.refreshGateway();
  }

  /**
   * autoReapply for the selected tool, with the settings writer `gwctl config set` uses; the
   * agent reads the file at its next decision.
   */
  private async toggleAutoReapply(row: Row): Promise<void> {
    const locked = this.deps.writeLocked ?? (<T>(fn: () => Promise<T>) => fn());
    const { store, on, stored } = await locked(async () => {
      const store = await openSettings(this.deps.configDir);
      const value = store.current().autoReapply;
      const current = value === true ? [...TOOL_IDS] : Array.isArray(value) ? (value as ToolId[]) : [];
      const on = current.includes(row.id);
      const next = on ? current.filter((t) => t !== row.id) : [...current, row.id];
      const stored = next.length === 0 ? false : next.length === TOOL_IDS.length ? true : TOOL_IDS.filter((t) => next.includes(t));
      store.set('autoReapply', stored);
      return { store, on, stored };
    });
    await this.refreshMarks();
    this.say(
      `${row.name}: auto re-apply ${on ? 'off' : 'on'} (autoReapply = ${stored === true ? 'true' : stored === false ? 'false' : stored.join(',')}, ${store.path})`,
      'ok',
    );
  }

  private async loadDetail(tool: ToolId): Promise<void> {
    const [data, findings] = await Promise.allSettled([
      this.conn.request('detail', { tool, env: this.deps.requestEnv }, { timeoutMs: 30_000 }),
      this.deps.doctor(tool),
    ]);
    if (this.state.detail?.tool !== tool) return;
    const d: DetailState = { tool };
    if (data.status === 'fulfilled') d.data = data.value;
    else d.error = errorText(data.reason);
    if (findings.status === 'fulfilled') d.findings = findings.value;
    else d.findingsError = errorText(findings.reason);
    this.set({ detail: d });
  }
}

/** Before the agent has answered: no rows, the gateway being checked. */
export function initialState(agent: HelloResult): State {
  return {
    rows: [],
    selected: 0,
    marks: {},
    gateway: 'checking',
    agent,
    connected: true,
    message: null,
    confirm: null,
    view: 'list',
    detail: null,
    scroll: 0,
    busy: false,
  };
}

export function rowFrom(r: ToolReport, changedAt?: number): Row {
  return {
    id: r.id,
    name: r.name,
    status: r.status ?? null,
    address: r.address,
    configPath: r.configPath,
    ...(r.status == null ? { error: r.error ?? 'its config cannot be read' } : {}),
    ...(changedAt !== undefined ? { changedAt } : {}),
  };
}

export function statusLabel(s: Status | null): string {
  return s ? STATUS_LABEL[s] : 'Unknown (error)';
}
