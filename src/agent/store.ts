/**
 * The agent's settings: `<configDir>/config.json`, managed with `conf` (mode 0600, atomic
 * writes, a JSON schema that fills defaults and rejects bad values). The agent is its only
 * writer; `gwctl` only reads it (see settings.ts, and `autostartEnabled` in cli/agent-client.ts).
 * conf re-reads the file on every access, so an edit by hand takes effect at the next decision.
 */
import Conf from 'conf';
import { join } from 'node:path';
import { TOOL_IDS, type ToolId } from '../adapters/types.ts';
import { NOTIFY_SETTING_SCHEMA, type NotifySetting } from './notify.ts';
import type { GatewaySettingsFile } from './settings.ts';

/** `true`: every tool; a list: those tools; `false`: none. */
export type ToolChoice = boolean | ToolId[];

export interface AgentSettingsFile {
  /** `gwctl` starts the agent in the background when none answers. */
  autostart: boolean;
  /** When a taken-over tool drops our slot, take it over again (fresh key, old one revoked). */
  autoReapply: ToolChoice;
  /** Take over a tool that appears while the agent runs. */
  autoTakeoverNew: ToolChoice;
  /** Desktop notifications: all on/off, or per kind (see notify.ts). */
  notify: NotifySetting;
  agent: {
    /** How long a tool's file events settle before its status is recomputed. */
    debounceMs: number;
    /** Loop guard: re-applies per tool within a minute before the agent stops and says so. */
    reapplyPerMinute: number;
    /** Gateway health check interval while a tool is taken over (0: only on failures). */
    gatewayCheckSeconds: number;
  };
  gateway: GatewaySettingsFile;
}

const toolChoice = {
  anyOf: [{ type: 'boolean' }, { type: 'array', items: { enum: [...TOOL_IDS] }, uniqueItems: true }],
  default: false,
};

export const SETTINGS_SCHEMA = {
  autostart: { type: 'boolean', default: true },
  autoReapply: toolChoice,
  autoTakeoverNew: toolChoice,
  notify: NOTIFY_SETTING_SCHEMA,
  agent: {
    type: 'object',
    properties: {
      debounceMs: { type: 'integer', minimum: 0, maximum: 5000, default: 20 },
      reapplyPerMinute: { type: 'integer', minimum: 1, maximum: 60, default: 3 },
      gatewayCheckSeconds: { type: 'integer', minimum: 0, maximum: 86400, default: 60 },
    },
    default: {},
  },
  // Gateway settings belong to the gateway module; the agent only keeps them intact.
  gateway: { type: 'object', default: {} },
} as const;

export class SettingsStore {
  private readonly conf: Conf<AgentSettingsFile>;

  constructor(configDir: string) {
    try {
      this.conf = new Conf<AgentSettingsFile>({
        cwd: configDir,
        configName: 'config',
        projectSuffix: '',
        configFileMode: 0o600,
        clearInvalidConfig: false,
        schema: SETTINGS_SCHEMA as never,
      });
    } catch (e) {
      throw settingsError(join(configDir, 'config.json'), e);
    }
  }

  get path(): string {
    return this.conf.path;
  }

  /** The settings as on disk now, with defaults filled in. */
  current(): AgentSettingsFile {
    try {
      return structuredClone({ ...this.conf.store }) as AgentSettingsFile;
    } catch (e) {
      throw settingsError(this.conf.path, e);
    }
  }

  get(key?: string): unknown {
    if (!key) return this.current();
    return this.conf.get(key as keyof AgentSettingsFile);
  }

  /** Validated against the schema; a bad value throws and writes nothing. */
  set(key: string, value: unknown): unknown {
    try {
      this.conf.set(key as keyof AgentSettingsFile, value as never);
    } catch (e) {
      throw settingsError(this.conf.path, e);
    }
    return this.conf.get(key as keyof AgentSettingsFile);
  }
}

export function chosen(choice: ToolChoice, tool: ToolId): boolean {
  return choice === true || (Array.isArray(choice) && choice.includes(tool));
}

function settingsError(where: string, e: unknown): Error {
  const msg = (e as Error).message ?? String(e);
  if (/not valid JSON/.test(msg)) return new Error(`${where}: gwctl's settings are not valid JSON; fix the file or delete it to start from defaults`);
  // conf's schema messages name the key and the rule, never the value.
  return new Error(`${where}: ${msg.replace(/^Config schema violation: /, 'invalid setting: ')}`);
}
