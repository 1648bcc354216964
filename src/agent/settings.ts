/**
 * gwctl's settings: `<configDir>/config.json` (the file `conf` manages for the agent). The CLI
 * only reads it here, with plain JSON, so `gwctl status` stays cheap.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GATEWAY_KINDS } from '../gateway/kinds/types.ts';
import { checkPrivateFile, ensurePrivateDir } from '../home/private.ts';
import { checkNames } from '../shared/validate.ts';

export interface GatewaySettingsFile {
  url?: string;
  kind?: string;
  providerId?: string;
  displayName?: string;
  defaultModel?: string;
  models?: string[];
  userId?: string;
}

export interface Settings {
  gateway: GatewaySettingsFile;
}

export function settingsPath(configDir: string): string {
  return join(configDir, 'config.json');
}

export function readSettings(configDir: string): Settings {
  const path = settingsPath(configDir);
  checkPrivateFile(path, "gwctl's settings");
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { gateway: {} };
    throw new Error(`${path}: cannot read gwctl's settings (${(e as NodeJS.ErrnoException).code}); check its owner and mode`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new Error(`${path}: gwctl's settings are not valid JSON; fix the file or delete it to start from defaults`);
  }
  const gateway = (data as { gateway?: unknown })?.gateway;
  return { gateway: typeof gateway === 'object' && gateway !== null ? (gateway as GatewaySettingsFile) : {} };
}

/**
 * Settings `gwctl config` may set (secrets live in secrets.ts, not here). Writing goes through
 * `conf` (schema-checked, mode 0600), imported only when writing so reads stay cheap.
 */
export const SETTING_KEYS = ['gateway.url', 'gateway.kind', 'gateway.providerId', 'gateway.displayName', 'gateway.defaultModel', 'gateway.models', 'gateway.userId'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

export function isSettingKey(s: string): s is SettingKey {
  return (SETTING_KEYS as readonly string[]).includes(s);
}

const KINDS: readonly string[] = GATEWAY_KINDS;

/** JSON schema of the settings file (conf validates every read and write against it). */
export const SETTINGS_SCHEMA = {
  gateway: {
    type: 'object',
    properties: {
      url: { type: 'string', pattern: '^https?://[^\\s]+$' },
      kind: { type: 'string', enum: KINDS },
      providerId: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 64 },
      displayName: { type: 'string', minLength: 1, maxLength: 100 },
      defaultModel: { type: 'string', minLength: 1 },
      models: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
      userId: { type: 'string', pattern: '^[0-9]+$' },
    },
  },
} as const;

/** Parse and check a value typed on the command line; throws a message saying what is expected. */
export function parseSettingValue(key: SettingKey, raw: string): string | string[] {
  const v = raw.trim();
  switch (key) {
    case 'gateway.url': {
      let u: URL;
      try {
        u = new URL(v);
      } catch {
        throw new Error(`gateway.url must be a URL such as http://127.0.0.1:11580`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('gateway.url must start with http:// or https://');
      if (u.search || u.hash) throw new Error('gateway.url is the gateway root: no query string or #fragment');
      return v.replace(/\/+$/, '');
    }
    case 'gateway.kind':
      if (!KINDS.includes(v)) throw new Error(`gateway.kind must be one of ${KINDS.join(', ')}`);
      return v;
    case 'gateway.providerId':
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v) || v.length > 64) throw new Error('gateway.providerId must be letters, digits, "-", "_" or "." (e.g. servbay)');
      return v;
    case 'gateway.models': {
      const list = [...new Set(v.split(',').map((m) => m.trim()).filter(Boolean))];
      if (list.length === 0) throw new Error('gateway.models is a comma-separated list, e.g. gpt-4o,claude-sonnet-4-5');
      return checkNames(list, 'model id', 'gateway.models');
    }
    case 'gateway.displayName':
    case 'gateway.defaultModel':
      // Written into the tools' configs: the same check as anything a gateway sends.
      return checkNames([v], key === 'gateway.displayName' ? 'display name' : 'model id', key)[0]!;
    case 'gateway.userId':
      if (!/^[0-9]+$/.test(v)) throw new Error("gateway.userId is new-api's numeric user id (shown in its Personal Settings)");
      return v;
    default:
      if (!v) throw new Error(`${key} cannot be empty (use \`gwctl config unset ${key}\`)`);
      return v;
  }
}

async function store(configDir: string) {
  ensurePrivateDir(configDir, "gwctl's settings directory");
  checkPrivateFile(settingsPath(configDir), "gwctl's settings");
  const { default: Conf } = await import('conf');
  try {
    return new Conf<Record<string, unknown>>({
      projectName: 'gwctl',
      projectSuffix: '',
      cwd: configDir,
      configName: 'config',
      configFileMode: 0o600,
      schema: SETTINGS_SCHEMA as never,
    });
  } catch (e) {
    throw new Error(`${settingsPath(configDir)}: gwctl's settings do not pass the schema (${(e as Error).message.replace(/^Config schema violation: /, '')}); fix the file or delete it to start from defaults`);
  }
}

export async function writeSetting(configDir: string, key: SettingKey, value: string | string[]): Promise<void> {
  const conf = await store(configDir);
  try {
    conf.set(key, value);
  } catch (e) {
    throw new Error(`${key}: ${(e as Error).message.replace(/^Config schema violation: /, '')}`);
  }
}

/** True when the key was set. */
export async function deleteSetting(configDir: string, key: SettingKey): Promise<boolean> {
  const conf = await store(configDir);
  if (!conf.has(key)) return false;
  conf.delete(key);
  return true;
}
