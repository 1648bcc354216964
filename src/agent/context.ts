/** What the agent's parts (tool state, drift policy, gateway health, requests) share. */
import type { Status } from '../adapters/types.ts';
import type { ToolId } from '../adapters/index.ts';
import type { Engine } from '../engine/engine.ts';
import type { GwctlPaths } from '../home/paths.ts';
import type { SettingsFile } from '../home/settings.ts';
import type { AgentEvent } from '../ipc/schema.ts';
import type { AgentLog } from './log.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** An event to publish: the agent adds `seq` and `at`; `notify: false` keeps it off the desktop. */
export type NewEvent = Omit<AgentEvent, 'seq' | 'at'> & { notify?: boolean };

export interface AgentContext {
  readonly home: string;
  /** gwctl's version (the status file and hello carry it). */
  readonly version: string;
  readonly env: Env;
  readonly paths: GwctlPaths;
  readonly log: AgentLog;
  /** The settings as on disk now (checked, defaults filled in). */
  settings(): SettingsFile;
  /** An engine on the configured gateway; `env` carries a caller's GWCTL_GATEWAY_* too. */
  engine(env?: Env): Engine;
  publish(e: NewEvent): void;
  /** The tool's name for people ("Claude Code"). */
  name(tool: ToolId): string;
  stopping(): boolean;
  /** Try again to revoke keys whose revocation failed earlier (revoke-pending); one try at a time. */
  retryPending(reason: string): Promise<void>;
}

/** What the agent last saw of a tool. */
export interface Known {
  status: Status | null;
  address: string | null;
  configPath: string;
  error?: string;
}
