/**
 * Floor: ipc, below service/watchers: the socket between `gwctl` and its agent. See docs/floors.md.
 *
 * The message schema between `gwctl` and its agent: the one module both ends import.
 *
 * Wire: node-ipc's frame format (`JSON.stringify({type, data}) + '\f'`) with the `assured`
 * profile: only the three envelope types below are accepted, frames are capped at
 * {@link MAX_FRAME_BYTES}. The agent reads and writes frames with node-ipc; the client with
 * {@link encodeFrame}/{@link readFrames} below, which follow the same rules. Requests carry an id; the response echoes it. After `subscribe`, the
 * agent streams `gwctl.event` frames on the same connection.
 *
 * Keep this module free of imports that cost start-up time: the `gwctl status` path loads it.
 */
import type { Status } from '../adapters/types.ts';
import type { ToolId } from '../adapters/index.ts';
import type { Command } from '../engine/commands.ts';
import type { Action, ToolRecord, ToolReport } from '../engine/engine.ts';
import type { DiffLine } from '../shared/diff.ts';

/** Bumped when a request or event changes shape; the client refuses a mismatched agent. */
export const PROTOCOL_VERSION = 3;

export const WIRE = {
  request: 'gwctl.request',
  response: 'gwctl.response',
  event: 'gwctl.event',
} as const;
/** node-ipc `assured` allow-list: the same on both ends, for frames sent and received. */
export const ALLOWED_WIRE_TYPES: readonly string[] = Object.values(WIRE);

export const FRAME_DELIMITER = '\f';
/** Largest frame either end accepts (a status of nine tools is about 4 KiB). */
export const MAX_FRAME_BYTES = 256 * 1024;
/** A slow subscriber is disconnected once this much is queued for it. */
export const MAX_PENDING_BYTES = 2 * 1024 * 1024;
/** An incomplete frame older than this closes the connection. */
export const FRAME_TIMEOUT_MS = 10_000;

/** The parser options node-ipc's `assured` profile needs; both ends build their parser from it. */
export function wireConfig() {
  return {
    parser: 'assured' as const,
    delimiter: FRAME_DELIMITER,
    allowedEvents: [...ALLOWED_WIRE_TYPES],
    maxMessageSize: MAX_FRAME_BYTES,
    maxPendingBytes: MAX_PENDING_BYTES,
    maxEventNameLength: 64,
    messageTimeout: FRAME_TIMEOUT_MS,
    allowReservedEvents: false,
  };
}

/** A frame that breaks the wire rules (too large, not JSON, a type off the allow-list). */
export class WireError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'WireError';
    this.code = code;
  }
}

const ALLOWED = new Set(ALLOWED_WIRE_TYPES);

function checkFrameSize(frame: string): void {
  // A UTF-8 byte is at most one UTF-16 unit: only a long frame needs counting.
  if (frame.length > MAX_FRAME_BYTES / 3 && Buffer.byteLength(frame) > MAX_FRAME_BYTES) {
    throw new WireError('ERR_IPC_FRAME_TOO_LARGE', 'message exceeds maxMessageSize');
  }
}

function checkType(type: unknown): void {
  if (typeof type !== 'string' || !ALLOWED.has(type)) throw new WireError('ERR_IPC_EVENT_NOT_ALLOWED', 'event type is not in allowedEvents');
}

/**
 * One frame as node-ipc's `assured` parser writes it: `JSON.stringify({type, data})` and the
 * delimiter (JSON escapes a form feed inside strings, so it never occurs inside a frame).
 *
 * The agent's server reads with node-ipc itself; the `gwctl` client uses this and
 * {@link readFrames} instead of importing node-ipc's parser, whose package resolution and two
 * modules were about 2 ms of `gwctl status`. test/ipc/wire.test.ts checks that both agree,
 * frame for frame and error for error.
 */
export function encodeFrame(type: string, data: unknown): string {
  checkType(type);
  const frame = JSON.stringify({ type, data });
  checkFrameSize(frame);
  return frame + FRAME_DELIMITER;
}

/**
 * Split `buffer + chunk` into frames and hand each to `receive`; returns the incomplete rest
 * to pass back as `buffer` next time. The same checks as node-ipc's AssuredParser.read: size
 * of every frame and of the rest, JSON, an object with an allowed `type`. Throws WireError.
 */
export function readFrames(buffer: string, chunk: string, receive: (message: { type: string; data: unknown }) => void): string {
  const combined = buffer ? buffer + chunk : chunk;
  let start = 0;
  let end = combined.indexOf(FRAME_DELIMITER);
  while (end !== -1) {
    const frame = combined.slice(start, end);
    checkFrameSize(frame);
    let message: unknown;
    try {
      message = JSON.parse(frame);
    } catch {
      throw new WireError('ERR_IPC_INVALID_JSON', 'received message is not valid JSON');
    }
    if (!message || typeof message !== 'object' || Array.isArray(message)) {
      throw new WireError('ERR_IPC_INVALID_MESSAGE', 'received message must be a JSON object');
    }
    checkType((message as { type?: unknown }).type);
    receive(message as { type: string; data: unknown });
    start = end + FRAME_DELIMITER.length;
    end = combined.indexOf(FRAME_DELIMITER, start);
  }
  const rest = start === 0 ? combined : combined.slice(start);
  checkFrameSize(rest);
  return rest;
}

// ---- requests ------------------------------------------------------------------------------

// The four tool commands (`Command`) are the engine's: engine/commands.ts.

/** What a command did to a tool, in words (the RESULT column of `gwctl takeover`, the UI's status line). */
export const ACTION_LABEL: Record<Action, string> = {
  'taken-over': 'taken over',
  'already-taken-over': 'already taken over',
  rotated: 'key rotated',
  restored: 'restored',
  'nothing-to-restore': 'nothing to restore',
  refused: 'refused',
  failed: 'failed',
};

export interface CommandParams {
  tools: ToolId[];
  force?: boolean;
  all?: boolean;
  /** The caller's GWCTL_GATEWAY_* variables, so a request through the agent means what it would in-process. */
  env?: Record<string, string>;
}

export interface HelloResult {
  protocol: number;
  version: string;
  pid: number;
  startedAt: string;
  home: string;
  socket: string;
  logFile: string;
  settingsFile: string;
  /** Tool id → config dir being watched. */
  watching: Partial<Record<ToolId, string>>;
  /** The tool-location variables (CLAUDE_CONFIG_DIR, CODEX_HOME, …) the agent runs with (shared/tool-env.ts). */
  toolEnv?: Record<string, string>;
  /** Directories the OS would not watch (inotify watches used up…): polled instead, with why. */
  unwatched?: Array<{ dir: string; tools: ToolId[]; code: string; reason: string; pollSeconds: number }>;
  subscribers: number;
}

/**
 * One tool's result as it travels: the wire's own shape (the engine's ToolReport must fit it, or
 * the agent does not compile). Changing it means bumping PROTOCOL_VERSION.
 */
export interface WireReport {
  id: ToolId;
  name: string;
  /** null: the config could not be read (see `error`). */
  status: Status | null;
  configPath: string;
  address: string | null;
  detail?: string;
  action?: 'taken-over' | 'already-taken-over' | 'rotated' | 'restored' | 'nothing-to-restore' | 'refused' | 'failed';
  notes?: string[];
  /** What a takeover wrote, slot by slot; values masked (never a key). */
  changes?: WireChange[];
  /** The fallback moved the tool back to its own settings while the gateway is down (since, ISO). */
  suspendedSince?: string;
  error?: string;
}

/** A report as `--json` prints it (the CLI, and the agent's status file). */
export function reportJson(r: WireReport) {
  return {
    id: r.id,
    status: r.status ?? null,
    configPath: r.configPath,
    address: r.address,
    ...(r.action ? { action: r.action } : {}),
    ...(r.detail ? { detail: r.detail } : {}),
    ...(r.notes?.length ? { notes: r.notes } : {}),
    ...(r.changes?.length ? { changes: r.changes } : {}),
    ...(r.suspendedSince !== undefined ? { suspended: true, suspendedSince: r.suspendedSince } : {}),
    ...(r.error ? { error: r.error } : {}),
  };
}

/** A command on these tools failed for one of them (its exit code is 1). */
export function anyFailed(reports: readonly WireReport[]): boolean {
  return reports.some((r) => r.error !== undefined || r.action === 'failed' || r.action === 'refused');
}

/** `gwctl status --json`'s output for these reports, and its exit code. */
export function statusJsonOutput(reports: WireReport[]): { text: string; code: number } {
  return { text: JSON.stringify({ tools: reports.map(reportJson) }, null, 2), code: anyFailed(reports) ? 1 : 0 };
}

/**
 * The agent's status file (`status.json` beside its socket, 0600): `gwctl status --json` as a
 * caller without gateway overrides would get it, with what it was computed from, so the CLI can
 * print it without a round trip when nothing it depends on has changed (cli/fast-status.ts).
 */
export const STATUS_FILE = 'status.json';
/** In gwctl's state dir: what the last `gwctl status --json --no-agent` computed (cli/status-cache.ts), the same shape without a pid. */
export const STATUS_CACHE_FILE = 'status-cache.json';
export interface StatusFileData {
  format: 1;
  version: string;
  protocol: number;
  /** The agent that keeps the file (absent in the CLI's cache: nothing keeps it, the stamps alone decide). */
  pid?: number;
  home: string;
  /** The agent's tool-location variables (CODEX_HOME, …): a caller with others reads other files. */
  toolEnv: Record<string, string>;
  /** Every path the status was computed from: path, kind, and its stamp then (shared/stamp.ts). */
  stamps: Array<[string, 'd' | 'f', string]>;
  /** The exact `--json` text, and the exit code. */
  output: string;
  code: number;
}

/** One change a takeover made: a file created, or a slot added, changed or set aside. */
export interface WireChange {
  file: string;
  path?: string;
  before?: string;
  after?: string;
  action: 'created' | 'added' | 'changed' | 'set aside';
  /** Many members added to one container: how many (`path` is the container). */
  count?: number;
}

export interface Methods {
  hello: { params: Record<string, never>; result: HelloResult };
  status: { params: CommandParams; result: { tools: WireReport[] } };
  takeover: { params: CommandParams; result: { tools: WireReport[] } };
  restore: { params: CommandParams; result: { tools: WireReport[] } };
  rotate: { params: CommandParams; result: { tools: WireReport[] } };
  subscribe: { params: Record<string, never>; result: { subscribed: true } };
  shutdown: { params: Record<string, never>; result: { stopping: true } };
  /** What the agent knows of each tool beyond its status (for `gwctl ui`'s row markers). */
  marks: { params: Record<string, never>; result: { tools: Partial<Record<ToolId, ToolMarks>> } };
  /** One tool in depth (for `gwctl ui`'s detail pane). */
  detail: { params: { tool: ToolId; env?: Record<string, string> }; result: ToolDetail };
}

export interface ToolMarks {
  /** The ledger's state for the tool (null: gwctl has not taken it over). */
  ledger: 'minting' | 'applying' | 'applied' | 'revoking' | 'suspended' | null;
  /** Re-applies stopped by the loop guard until the user takes it over or restores it. */
  suspended: boolean;
  /** autoReapply covers this tool. */
  autoReapply: boolean;
}

/** `detail`: the tool's report, the ledger's edits (credentials masked), `.bak`s, a dry run. */
export interface ToolDetail extends ToolRecord {
  report: ToolReport;
  marks: ToolMarks;
  /**
   * For a tool not taken over: what a takeover would write (a placeholder for the key), as a
   * line diff per file; null when there is nothing to plan.
   */
  plan: null | { files: Array<{ path: string; created: boolean; diff: DiffLine[] }>; notes: string[]; refused?: string; error?: string };
}
export type Method = keyof Methods;
export const METHODS: readonly Method[] = ['hello', 'status', 'takeover', 'restore', 'rotate', 'subscribe', 'shutdown', 'marks', 'detail'];

export interface RequestFrame<M extends Method = Method> {
  id: number;
  method: M;
  params: Methods[M]['params'];
}

export type ErrorCode = 'bad-request' | 'unknown-method' | 'failed' | 'stopping';

export type ResponseFrame = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: { code: ErrorCode; message: string } };

/** Validate an incoming request's envelope (the method handlers validate their params). */
export function parseRequest(data: unknown): RequestFrame | { id: number | null; error: string } {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { id: null, error: 'a request must be an object' };
  const { id, method, params } = data as Record<string, unknown>;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) return { id: null, error: 'a request needs a numeric id' };
  if (typeof method !== 'string' || !(METHODS as readonly string[]).includes(method)) return { id, error: `unknown method '${String(method).slice(0, 40)}'` };
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) return { id, error: 'params must be an object' };
  return { id, method: method as Method, params: (params ?? {}) as RequestFrame['params'] };
}

// ---- events --------------------------------------------------------------------------------

export const EVENT_TYPES = [
  'status-changed',
  'drift',
  'tool-detected',
  'tool-removed',
  'reapplied',
  'reapply-failed',
  'gateway-down',
  'gateway-up',
  'fallback',
  'fallback-return',
] as const;
export type AgentEventType = (typeof EVENT_TYPES)[number];

/**
 * The events that deserve a desktop notification, and the notification each gets (one row per
 * kind; `notify.<kind>` in the settings turns one off). A new event that should notify: a row here.
 */
export const NOTIFICATIONS = {
  drift: (e: AgentEvent, tool: string) => ({ title: `gwctl: ${tool} left the gateway`, message: e.message }),
  'tool-detected': (e: AgentEvent, tool: string) =>
    e.tool ? { title: `gwctl: ${tool} detected`, message: `${e.message}. To point it at the gateway: gwctl takeover ${e.tool}` } : undefined,
  'reapply-failed': (e: AgentEvent, tool: string) => ({ title: `gwctl: re-apply failed${e.tool ? ` (${tool})` : ''}`, message: e.message }),
  'gateway-down': (e: AgentEvent) => ({ title: 'gwctl: gateway down', message: e.message }),
  'gateway-up': (e: AgentEvent) => ({ title: 'gwctl: gateway up', message: e.message }),
  fallback: (e: AgentEvent) => ({ title: 'gwctl: gateway down', message: e.message }),
  'fallback-return': (e: AgentEvent) => ({ title: 'gwctl: gateway back', message: e.message }),
} satisfies Partial<Record<AgentEventType, (e: AgentEvent, tool: string) => { title: string; message: string } | undefined>>;

export type NotifyKind = keyof typeof NOTIFICATIONS;
export const NOTIFY_KINDS = Object.keys(NOTIFICATIONS) as NotifyKind[];

/** Why a status changed: a file edit the agent saw, or something the agent did. */
export type Cause = 'file-change' | 'takeover' | 'restore' | 'rotate' | 'reapply' | 'auto-takeover';

export interface AgentEvent {
  /** Increases by one per event within one agent run. */
  seq: number;
  /** ISO time the agent published it. */
  at: string;
  type: AgentEventType;
  tool?: ToolId;
  /** Current status (null: the config could not be read, see `error`). */
  status?: Status | null;
  previous?: Status | null;
  address?: string | null;
  cause?: Cause;
  /** The config file concerned. */
  configPath?: string;
  /** One line for people; never a key. */
  message: string;
  error?: string;
}
