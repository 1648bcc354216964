/**
 * gwctl's settings: `<configDir>/config.json`. One schema ({@link SETTINGS_SCHEMA}) and one
 * writer ({@link SettingsStore}: `conf`, mode 0600, atomic, schema-checked; a bad value throws
 * and writes nothing). Every writer goes through it: `gwctl config set|unset`, `gwctl gateway
 * detect --save`, tests.
 *
 * Reading: {@link readSettings} parses the file as plain JSON and fills the defaults, without
 * loading conf, so `gwctl status` stays cheap; the agent reads through {@link CheckedSettings}
 * (validated against the same schema whenever the file changed, without conf and ajv: a change,
 * by `gwctl config` or by hand, takes effect at the agent's next decision).
 *
 * This floor knows no tool ids, gateway kinds or notification kinds (those live on higher
 * floors): the schema checks their shape, `gwctl config` checks the names, and the agent ignores
 * a name it does not know.
 */
import { join } from 'node:path';

import { BoundedReadError, readBounded } from '../shared/read.ts';
import { checkPrivateFile, ensurePrivateDir } from './private.ts';
import { schemaViolation } from './schema-check.ts';

// Not `import … from 'node:fs'` (see ipc/client.ts): this module is on the `gwctl status` path.
const { statSync } = process.getBuiltinModule('node:fs');

export interface GatewaySettingsFile {
  url?: string;
  kind?: string;
  providerId?: string;
  displayName?: string;
  defaultModel?: string;
  models?: string[];
  userId?: string;
}

/** `true`: every tool; a list: those tools (ids); `false`: none. */
export type ToolChoice = boolean | string[];

/** The `notify` setting: all on/off, or per kind (a kind left out follows `enabled`, default on). */
export type NotifySetting = boolean | ({ enabled?: boolean } & { [kind: string]: boolean | undefined });

export interface SettingsFile {
  /** `gwctl` starts the agent in the background when none answers. */
  autostart: boolean;
  /** When a taken-over tool drops our slot, take it over again (fresh key, old one revoked). */
  autoReapply: ToolChoice;
  /** Take over a tool that appears while the agent runs. */
  autoTakeoverNew: ToolChoice;
  /** While the gateway is down, move these tools back to their own settings (and back again after). */
  fallback: ToolChoice;
  /** Desktop notifications: all on/off, or per kind. */
  notify: NotifySetting;
  agent: {
    /** How long a tool's file events settle before its status is recomputed. */
    debounceMs: number;
    /** Loop guard: re-applies per tool within a minute before the agent stops and says so. */
    reapplyPerMinute: number;
    /** Gateway health check interval while a tool is taken over (0: only on failures). */
    gatewayCheckSeconds: number;
    /** Fallback: the gateway has not answered for this long before tools move back. */
    fallbackAfterSeconds: number;
    /** Fallback: the gateway has answered for this long, in a row, before they are taken over again. */
    fallbackReturnSeconds: number;
  };
  gateway: GatewaySettingsFile;
}

const NAME = '^[a-z0-9][a-z0-9-]*$';
const toolChoice = {
  anyOf: [{ type: 'boolean' }, { type: 'array', items: { type: 'string', pattern: NAME }, uniqueItems: true }],
  default: false,
};

/** JSON schema of config.json, with the defaults. */
export const SETTINGS_SCHEMA = {
  autostart: { type: 'boolean', default: true },
  autoReapply: toolChoice,
  autoTakeoverNew: toolChoice,
  fallback: toolChoice,
  notify: {
    anyOf: [{ type: 'boolean' }, { type: 'object', propertyNames: { pattern: NAME }, additionalProperties: { type: 'boolean' } }],
    default: true,
  },
  agent: {
    type: 'object',
    properties: {
      debounceMs: { type: 'integer', minimum: 0, maximum: 5000, default: 5 },
      reapplyPerMinute: { type: 'integer', minimum: 1, maximum: 60, default: 3 },
      gatewayCheckSeconds: { type: 'integer', minimum: 0, maximum: 86400, default: 60 },
      fallbackAfterSeconds: { type: 'integer', minimum: 1, maximum: 86400, default: 60 },
      fallbackReturnSeconds: { type: 'integer', minimum: 1, maximum: 86400, default: 30 },
    },
    default: {},
  },
  gateway: {
    type: 'object',
    properties: {
      url: { type: 'string', pattern: '^https?://[^\\s]+$' },
      kind: { type: 'string', pattern: NAME },
      providerId: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 64 },
      displayName: { type: 'string', minLength: 1, maxLength: 100 },
      defaultModel: { type: 'string', minLength: 1 },
      models: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
      userId: { type: 'string', pattern: '^[0-9]+$' },
    },
    default: {},
  },
} as const;

export function settingsPath(configDir: string): string {
  return join(configDir, 'config.json');
}

function notJson(path: string): Error {
  return new Error(`${path}: gwctl's settings are not valid JSON; fix the file or delete it to start from defaults`);
}

/** config.json as plain JSON (`{}` when missing); throws naming the file when it is not JSON. */
export function readSettingsFile(configDir: string): Record<string, unknown> {
  const path = settingsPath(configDir);
  checkPrivateFile(path, "gwctl's settings");
  let text: string;
  try {
    const read = readBounded(path, { noFollow: true });
    if (!read) return {};
    text = read.bytes.toString('utf8');
  } catch (e) {
    if (e instanceof BoundedReadError) throw new Error(e.message);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`${path}: cannot read gwctl's settings (${(e as NodeJS.ErrnoException).code}); check its owner and mode`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw notJson(path);
  }
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

/** The settings with every default filled in, read as plain JSON (no conf, nothing written). */
export function readSettings(configDir: string): SettingsFile {
  return withDefaults(readSettingsFile(configDir));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The agent's reader of config.json: the file checked against {@link SETTINGS_SCHEMA} (the checks
 * conf's ajv makes, see schema-check.ts) each time it changed, defaults filled in. Nothing is
 * written. A file that does not pass throws naming the file, the key and the rule.
 */
export class CheckedSettings {
  readonly path: string;
  private readonly configDir: string;
  private cache: { stamp: string; value: SettingsFile } | undefined;

  constructor(configDir: string) {
    this.configDir = configDir;
    this.path = settingsPath(configDir);
    ensurePrivateDir(configDir, "gwctl's settings directory");
  }

  current(): SettingsFile {
    let stamp = 'missing';
    try {
      const st = statSync(this.path, { bigint: true });
      stamp = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    } catch {
      // Missing or unreadable: readSettingsFile says which.
    }
    if (this.cache?.stamp !== stamp) {
      const raw = readSettingsFile(this.configDir);
      const bad = schemaViolation({ type: 'object', properties: SETTINGS_SCHEMA }, raw);
      if (bad) throw new Error(`${this.path}: gwctl's settings do not pass the schema (${bad}); fix the file or delete it to start from defaults`);
      this.cache = { stamp, value: withDefaults(raw) };
    }
    return structuredClone(this.cache.value);
  }
}

/** `raw` with every default filled in (values are not checked here; the writer checks them). */
export function withDefaults(raw: unknown): SettingsFile {
  const r = (isObject(raw) ? raw : {}) as Partial<SettingsFile>;
  const agentDefaults = Object.fromEntries(Object.entries(SETTINGS_SCHEMA.agent.properties).map(([k, v]) => [k, v.default])) as SettingsFile['agent'];
  return {
    autostart: r.autostart ?? SETTINGS_SCHEMA.autostart.default,
    autoReapply: r.autoReapply ?? SETTINGS_SCHEMA.autoReapply.default,
    autoTakeoverNew: r.autoTakeoverNew ?? SETTINGS_SCHEMA.autoTakeoverNew.default,
    fallback: r.fallback ?? SETTINGS_SCHEMA.fallback.default,
    notify: r.notify ?? SETTINGS_SCHEMA.notify.default,
    agent: { ...agentDefaults, ...(isObject(r.agent) ? r.agent : {}) },
    gateway: isObject(r.gateway) ? (r.gateway as GatewaySettingsFile) : {},
  };
}

/** What a key is when nobody set it (the schema's default); `notify.<kind>` defaults on. */
export function settingDefault(key: string): unknown {
  if (key.startsWith('notify.')) return true;
  if (key.startsWith('agent.')) return SETTINGS_SCHEMA.agent.properties[key.slice('agent.'.length) as keyof SettingsFile['agent']]?.default;
  if (key.startsWith('gateway.')) return undefined;
  return (SETTINGS_SCHEMA as Record<string, { default?: unknown }>)[key]?.default;
}

/** The value in effect (defaults filled in); `notify.<kind>` resolves the per-kind rule. */
export function settingValue(s: SettingsFile, key: string): unknown {
  if (key.startsWith('notify.')) {
    const n = s.notify;
    if (typeof n === 'boolean') return n;
    return n[key.slice('notify.'.length)] ?? n.enabled ?? true;
  }
  const [head, tail] = splitKey(key);
  const v = (s as unknown as Record<string, unknown>)[head];
  return tail === undefined ? v : isObject(v) ? v[tail] : undefined;
}

function splitKey(key: string): [string, string | undefined] {
  const i = key.indexOf('.');
  return i < 0 ? [key, undefined] : [key.slice(0, i), key.slice(i + 1)];
}

/** The schema without its defaults: what the writer validates with, so it writes only what it is told. */
function withoutDefaults(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutDefaults);
  if (!isObject(schema)) return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([k]) => k !== 'default')
      .map(([k, v]) => [k, withoutDefaults(v)]),
  );
}

type ConfInstance = {
  path: string;
  store: Record<string, unknown>;
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  has(key: string): boolean;
  delete(key: string): void;
};
type ConfClass = new (opts: Record<string, unknown>) => ConfInstance;

/**
 * The one way to write config.json (and a validated reader for `gwctl ui`). `conf` is passed in by
 * {@link openSettings}, which loads it only when needed, so readers of the plain file never
 * pay for it.
 */
export class SettingsStore {
  private readonly conf: ConfInstance;
  readonly path: string;

  constructor(configDir: string, Conf: ConfClass) {
    this.path = settingsPath(configDir);
    ensurePrivateDir(configDir, "gwctl's settings directory");
    checkPrivateFile(settingsPath(configDir), "gwctl's settings");
    try {
      this.conf = new Conf({
        projectName: 'gwctl',
        projectSuffix: '',
        cwd: configDir,
        configName: 'config',
        configFileMode: 0o600,
        clearInvalidConfig: false,
        schema: withoutDefaults(SETTINGS_SCHEMA),
      });
    } catch (e) {
      throw settingsError(this.path, e);
    }
  }

  /** The settings as on disk now, checked against the schema, with defaults filled in. */
  current(): SettingsFile {
    try {
      return withDefaults(structuredClone({ ...this.conf.store }));
    } catch (e) {
      throw settingsError(this.path, e);
    }
  }

  /**
   * Set `key` (dotted: `gateway.url`, `agent.debounceMs`, `notify.drift`), validated against the
   * schema; a bad value throws and writes nothing. `notify.<kind>` keeps the other kinds as they
   * were (`notify: false` stays off for them).
   */
  set(key: string, value: unknown): void {
    if (key.startsWith('notify.')) {
      const n = this.current().notify;
      this.write('notify', { ...(typeof n === 'boolean' ? { enabled: n } : n), [key.slice('notify.'.length)]: value });
      return;
    }
    this.write(key, value);
  }

  /** Remove `key` (back to its default). True when the file held a value for it. */
  unset(key: string): boolean {
    if (key.startsWith('notify.')) {
      const n = this.current().notify;
      const kind = key.slice('notify.'.length);
      if (typeof n !== 'object' || !(kind in n)) return false;
      const { [kind]: _, ...rest } = n;
      this.write('notify', rest);
      return true;
    }
    if (!this.conf.has(key)) return false;
    try {
      this.conf.delete(key);
    } catch (e) {
      throw settingsError(this.path, e);
    }
    return true;
  }

  private write(key: string, value: unknown): void {
    try {
      this.conf.set(key, value);
    } catch (e) {
      throw settingsError(this.path, e, key);
    }
  }
}

/** A {@link SettingsStore} for `configDir` (loads conf on first use). */
export async function openSettings(configDir: string): Promise<SettingsStore> {
  const { default: Conf } = await import('conf');
  return new SettingsStore(configDir, Conf as unknown as ConfClass);
}

function settingsError(where: string, e: unknown, key?: string): Error {
  const msg = (e as Error).message ?? String(e);
  if (!/^Config schema violation/.test(msg)) return /JSON/.test(msg) ? notJson(where) : new Error(`${where}: ${msg}`);
  // conf's schema messages name the key and the rule, never the value.
  const rule = msg.replace(/^Config schema violation: /, '');
  if (key) return new Error(`${where}: invalid setting: ${key}: ${rule}`);
  return new Error(`${where}: gwctl's settings do not pass the schema (${rule}); fix the file or delete it to start from defaults`);
}
