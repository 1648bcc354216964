/**
 * The agent's settings: `<configDir>/config.json`, managed with `conf` (mode 0600, atomic
 * writes, a JSON schema that fills defaults and rejects bad values). Written by `gwctl config
 * set` (and the agent's `config.set` request); `gwctl status` reads only `autostart`, as plain
 * JSON (see cli/agent-client.ts). conf re-reads the file on every access, so a change, by
 * `gwctl config` or by hand, takes effect at the agent's next decision.
 */
import Conf from 'conf';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { TOOL_IDS, type ToolId } from '../adapters/types.ts';
import { NOTIFY_KINDS, NOTIFY_SETTING_SCHEMA, type NotifyKind, type NotifySetting } from './notify.ts';
import { SETTINGS_SCHEMA as GATEWAY_SETTINGS_SCHEMA, type GatewaySettingsFile } from './settings.ts';

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
  // Gateway settings: the one schema of settings.ts (a writer through the agent gets the same checks).
  gateway: { ...GATEWAY_SETTINGS_SCHEMA.gateway, default: {} },
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

  /**
   * One of {@link AGENT_SETTING_KEYS}, validated against the schema; a bad value throws and
   * writes nothing. `notify.<kind>` keeps the other kinds as they were (`notify: false` stays off
   * for them).
   */
  setSetting(key: string, value: unknown): void {
    if (!key.startsWith('notify.')) {
      this.set(key, value);
      return;
    }
    const n = this.current().notify;
    this.set('notify', { ...(typeof n === 'boolean' ? { enabled: n } : n), [key.slice('notify.'.length)]: value });
  }

  /** Back to the default (conf keeps defaults in the file). True when the value was another. */
  unsetSetting(key: string): boolean {
    const before = agentSettingValue(this.current(), key);
    if (key.startsWith('notify.')) {
      const n = this.current().notify;
      if (typeof n === 'object') {
        const { [key.slice('notify.'.length) as NotifyKind]: _, ...rest } = n;
        this.set('notify', rest);
      }
    } else {
      this.set(key, agentSettingDefault(key));
    }
    return !isDeepStrictEqual(before, agentSettingValue(this.current(), key));
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

/** The agent settings `gwctl config` lists and sets (the gateway's are in settings.ts). */
export const AGENT_SETTING_KEYS: readonly string[] = [
  'autoReapply',
  'autoTakeoverNew',
  'autostart',
  'notify',
  ...NOTIFY_KINDS.map((k) => `notify.${k}`),
  'agent.debounceMs',
  'agent.reapplyPerMinute',
  'agent.gatewayCheckSeconds',
];

export function isAgentSettingKey(s: string): boolean {
  return AGENT_SETTING_KEYS.includes(s);
}

const TRUE = ['true', 'on', 'yes', '1'];
const FALSE = ['false', 'off', 'no', '0'];

function parseBool(key: string, v: string): boolean {
  if (TRUE.includes(v.toLowerCase())) return true;
  if (FALSE.includes(v.toLowerCase())) return false;
  throw new Error(`${key} is true or false`);
}

/** A value typed on the command line, checked; throws a message saying what is expected. */
export function parseAgentSettingValue(key: string, raw: string): boolean | number | ToolId[] {
  const v = raw.trim();
  if (key === 'autoReapply' || key === 'autoTakeoverNew') {
    if (v === 'all' || TRUE.includes(v.toLowerCase())) return true;
    if (v === 'none' || FALSE.includes(v.toLowerCase())) return false;
    const list = [...new Set(v.split(',').map((t) => t.trim()).filter(Boolean))];
    const unknown = list.filter((t) => !(TOOL_IDS as readonly string[]).includes(t));
    if (!list.length || unknown.length) {
      throw new Error(`${key} is true (every tool), false, or a comma-separated list of tools${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}; tools: ${TOOL_IDS.join(', ')}`);
    }
    return list as ToolId[];
  }
  if (key.startsWith('agent.')) {
    if (!/^[0-9]+$/.test(v)) throw new Error(`${key} is a whole number`);
    return Number(v);
  }
  return parseBool(key, v);
}

/**
 * Settings read as plain JSON, with every default filled in. For showing them without conf
 * (which writes its defaults into the file); values are not checked here, the agent's conf is.
 */
export function withDefaults(raw: unknown): AgentSettingsFile {
  const r = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Partial<AgentSettingsFile>;
  const agentDefaults = Object.fromEntries(Object.entries(SETTINGS_SCHEMA.agent.properties).map(([k, v]) => [k, v.default])) as AgentSettingsFile['agent'];
  return {
    autostart: r.autostart ?? SETTINGS_SCHEMA.autostart.default,
    autoReapply: r.autoReapply ?? SETTINGS_SCHEMA.autoReapply.default,
    autoTakeoverNew: r.autoTakeoverNew ?? SETTINGS_SCHEMA.autoTakeoverNew.default,
    notify: r.notify ?? SETTINGS_SCHEMA.notify.default,
    agent: { ...agentDefaults, ...(typeof r.agent === 'object' && r.agent !== null ? r.agent : {}) },
    gateway: r.gateway ?? {},
  };
}

/** What a key is when nobody set it (the schema's default). */
export function agentSettingDefault(key: string): unknown {
  if (key.startsWith('notify.')) return true;
  if (key.startsWith('agent.')) return SETTINGS_SCHEMA.agent.properties[key.slice('agent.'.length) as keyof AgentSettingsFile['agent']].default;
  return SETTINGS_SCHEMA[key as 'autostart' | 'autoReapply' | 'autoTakeoverNew' | 'notify'].default;
}

/** The value in effect (defaults filled in); `notify.<kind>` resolves the per-kind rule. */
export function agentSettingValue(s: AgentSettingsFile, key: string): unknown {
  if (key.startsWith('notify.')) {
    const n = s.notify;
    if (typeof n === 'boolean') return n;
    return n[key.slice('notify.'.length) as NotifyKind] ?? n.enabled ?? true;
  }
  if (key.startsWith('agent.')) return s.agent[key.slice('agent.'.length) as keyof AgentSettingsFile['agent']];
  return s[key as keyof AgentSettingsFile];
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
