/**
 * `gwctl config list|get|set|unset`: gwctl's settings (config.json) and secrets (secrets.json).
 * Secrets (`gateway.adminKey`, `gateway.key`) are read from stdin, never from argv, and never
 * printed back: get/list say only whether and where they are set.
 */
import { ensurePrivateDir } from '../../home/private.ts';
import { isDeepStrictEqual } from 'node:util';
import { gwctlPaths, homeFrom } from '../../home/paths.ts';
import { deleteSecret, isSecretName, readSecret, secretsPath, SECRET_NAMES, writeSecret, type SecretName } from '../../home/secrets.ts';
import { openSettings, readSettings, settingDefault, settingValue, type GatewaySettingsFile } from '../../home/settings.ts';
import { DEFAULT_GATEWAY_URL, KIND_LIST, DEFAULT_KIND, DEFAULT_PROVIDER_ID, KINDS, isKindId } from '../../gateway/index.ts';
import { withWriterLock } from '../../home/lock.ts';
import { providerIdsInUse } from '../../engine/takeovers.ts';
import type { Io } from '../../shared/io.ts';
import { JSON_OPTION, UsageError, type CliCommand } from '../command.ts';
import {
  AGENT_SETTING_KEYS,
  GATEWAY_SETTING_KEYS as SETTING_KEYS,
  isAgentSettingKey,
  isGatewaySettingKey as isSettingKey,
  parseSettingValue,
  type GatewaySettingKey as SettingKey,
} from '../settings-keys.ts';

const USAGE = `gwctl config list [--json]          every setting, its value and where it comes from
gwctl config get KEY                print one value (secrets: only whether they are set)
gwctl config set KEY VALUE          save a setting
gwctl config set gateway.adminKey   save a secret: prompts for it (not shown, never on the command
                                    line); from a script: gwctl config set gateway.adminKey < file
gwctl config unset KEY              remove a setting or secret

Settings: ${SETTING_KEYS.join(', ')}
Agent settings (a running agent follows a change at once; agent.debounceMs, agent.gatewayCheckSeconds
and the fallback thresholds from its next start):
  autoReapply, autoTakeoverNew   true (every tool), false, or tools: gwctl config set autoReapply codex,claude-code
  fallback                       the same: tools moved back to their own settings while the gateway is down
  autostart                      gwctl starts the agent when none runs (default true)
  notify, notify.KIND            desktop notifications, all or per kind (${AGENT_SETTING_KEYS.filter((k) => k.startsWith('notify.'))
    .map((k) => k.slice(7))
    .join(', ')})
  agent.debounceMs, agent.reapplyPerMinute, agent.gatewayCheckSeconds,
  agent.fallbackAfterSeconds (60), agent.fallbackReturnSeconds (30)
Secrets (read from stdin, never printed):
  gateway.adminKey   the admin credential: ${KIND_LIST.flatMap((k) => (k.keys ? [k.keys.adminCredential] : [])).join('; ')}
  gateway.key        the key every tool uses on a gateway that cannot mint keys (${KIND_LIST.filter((k) => !k.keys)
    .map((k) => k.id)
    .join(', ')})
Environment overrides (one command): GWCTL_GATEWAY_URL, GWCTL_GATEWAY_KIND, GWCTL_GATEWAY_ADMIN_KEY, GWCTL_GATEWAY_KEY`;

const ENV_OF: Partial<Record<string, string>> = {
  'gateway.url': 'GWCTL_GATEWAY_URL',
  'gateway.kind': 'GWCTL_GATEWAY_KIND',
  'gateway.adminKey': 'GWCTL_GATEWAY_ADMIN_KEY',
  'gateway.key': 'GWCTL_GATEWAY_KEY',
};

interface Row {
  key: string;
  /** Never a secret's value. */
  value: unknown;
  source: 'env' | 'settings' | 'secrets' | 'default' | 'unset';
  secret?: boolean;
}

/** The provider id tools get with these settings: gateway.providerId, else the kind's own. */
function effectiveProviderId(g: GatewaySettingsFile, env: Io['env']): string {
  const kindId = env.GWCTL_GATEWAY_KIND || g.kind || DEFAULT_KIND;
  return g.providerId || (isKindId(kindId) ? KINDS[kindId].providerId : DEFAULT_PROVIDER_ID);
}

/**
 * Tools taken over under one provider id would be left under a name gwctl no longer writes (and
 * Codex, Kimi, opencode… keep both tables): a change of the effective id while any tool is taken
 * over is refused, with the commands that move them. Runs under the writer lock.
 */
async function refuseProviderIdChange(configDir: string, stateDir: string, env: Io['env'], key: string, value: unknown, command: string): Promise<void> {
  if (key !== 'gateway.providerId' && key !== 'gateway.kind') return;
  const g = readSettings(configDir).gateway;
  const next: GatewaySettingsFile = { ...g, [key.slice('gateway.'.length)]: value };
  if (value === undefined) delete (next as Record<string, unknown>)[key.slice('gateway.'.length)];
  const after = effectiveProviderId(next, env);
  if (after === effectiveProviderId(g, env)) return;
  const inUse = (await providerIdsInUse(stateDir)).filter((t) => t.providerId !== after);
  if (!inUse.length) return;
  const ids = [...new Set(inUse.map((t) => t.providerId))].map((p) => `'${p}'`).join(', ');
  const tools = inUse.map((t) => t.tool).join(' ');
  throw new Error(
    `${command} would change the provider id tools are written with from ${ids} to '${after}', but ${inUse.length} tool${inUse.length > 1 ? 's are' : ' is'} taken over under it (${tools}); nothing was saved. To move them: gwctl restore ${tools}, then ${command}, then gwctl takeover ${tools}`,
  );
}

function fileValue(g: GatewaySettingsFile, key: SettingKey): string | string[] | undefined {
  const v = (g as Record<string, unknown>)[key.slice('gateway.'.length)];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

function defaultOf(key: SettingKey, g: GatewaySettingsFile, env: Io['env']): string | undefined {
  const kindId = env.GWCTL_GATEWAY_KIND || g.kind || DEFAULT_KIND;
  const kind = isKindId(kindId) ? KINDS[kindId] : undefined;
  if (key === 'gateway.kind') return DEFAULT_KIND;
  if (key === 'gateway.url') return kind ? (kind.defaultRoot ?? undefined) : DEFAULT_GATEWAY_URL;
  if (key === 'gateway.providerId') return kind?.providerId ?? DEFAULT_PROVIDER_ID;
  if (key === 'gateway.displayName') return kind?.displayName;
  return undefined;
}

function rows(configDir: string, env: Io['env']): Row[] {
  const settings = readSettings(configDir);
  const g = settings.gateway;
  const out: Row[] = [];
  for (const key of SETTING_KEYS) {
    const envName = ENV_OF[key];
    const fromEnv = envName ? env[envName] : undefined;
    const fromFile = fileValue(g, key);
    const dflt = defaultOf(key, g, env);
    if (fromEnv) out.push({ key, value: fromEnv, source: 'env' });
    else if (fromFile !== undefined) out.push({ key, value: fromFile, source: 'settings' });
    else if (dflt !== undefined) out.push({ key, value: dflt, source: 'default' });
    else out.push({ key, value: null, source: 'unset' });
  }
  for (const key of SECRET_NAMES) {
    const envName = ENV_OF[key]!;
    const source = env[envName]?.trim() ? 'env' : readSecret(configDir, key) ? 'secrets' : 'unset';
    out.push({ key, value: null, source, secret: true });
  }
  for (const key of AGENT_SETTING_KEYS) {
    const value = settingValue(settings, key);
    out.push({ key, value, source: isDeepStrictEqual(value, settingDefault(key)) ? 'default' : 'settings' });
  }
  return out;
}

/** A value as typed on the command line: lists comma-separated, objects as JSON. */
function show(v: unknown): string {
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

function describe(r: Row, configDir: string): string {
  if (r.secret) {
    if (r.source === 'env') return `set (${ENV_OF[r.key]}; hidden)`;
    if (r.source === 'secrets') return `set (${secretsPath(configDir)}; hidden)`;
    return 'not set';
  }
  if (r.value === null) return '—';
  const v = show(r.value);
  if (r.source === 'env') return `${v}  (${ENV_OF[r.key]})`;
  if (r.source === 'default') return `${v}  (default)`;
  return v;
}

/** Read all of process.stdin; on a terminal, read one line without echoing it. */
export async function processStdin(): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    process.stderr.write('Paste the value and press Enter (it is not shown): ');
    return new Promise((resolve, reject) => {
      let buf = '';
      stdin.setRawMode(true);
      stdin.resume();
      stdin.setEncoding('utf8');
      const done = (err?: Error) => {
        stdin.setRawMode(false);
        stdin.pause();
        stdin.off('data', onData);
        process.stderr.write('\n');
        if (err) reject(err);
        else resolve(buf);
      };
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
          if (ch === '\u0003') return done(new Error('cancelled; nothing was saved'));
          if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
          else buf += ch;
        }
      };
      stdin.on('data', onData);
    });
  }
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export const command: CliCommand = {
  name: 'config',
  summary: 'settings; secrets (gateway.adminKey, gateway.key) are read from stdin, never from the command line',
  usage: USAGE,
  options: { json: JSON_OPTION },
  run: ({ values, positionals }, { io }) => config(positionals, values.json === true, io),
};

async function config(words: readonly string[], json: boolean, io: Io): Promise<number> {
  const [sub, key, ...values] = words;
  try {
    if (!sub) throw new UsageError('config needs a command: list, get, set or unset');
    const { configDir, stateDir } = gwctlPaths({ home: homeFrom(io.env), env: io.env });
    // Writes of gwctl's settings and secrets take the per-HOME writer lock, like every writer.
    const locked = <T>(fn: () => T | Promise<T>): Promise<T> => withWriterLock(stateDir, io.env, async () => fn());

    if (sub === 'list') {
      if (key) throw new UsageError('config list takes no arguments');
      const all = rows(configDir, io.env);
      if (json) {
        io.out(
          JSON.stringify(
            {
              settings: all.map((r) =>
                r.secret ? { key: r.key, set: r.source !== 'unset', source: r.source } : { key: r.key, value: r.value, source: r.source },
              ),
            },
            null,
            2,
          ),
        );
      } else {
        const width = Math.max(...all.map((r) => r.key.length));
        for (const r of all) io.out(`${r.key.padEnd(width)}  ${describe(r, configDir)}`);
      }
      return 0;
    }

    if (!key) throw new UsageError(`config ${sub} needs a KEY`);
    if (!isSettingKey(key) && !isSecretName(key) && !isAgentSettingKey(key))
      throw new UsageError(`unknown setting '${key}' (settings: ${[...SETTING_KEYS, ...SECRET_NAMES, ...AGENT_SETTING_KEYS].join(', ')})`);

    if (sub === 'get') {
      if (values.length) throw new UsageError('config get takes one KEY');
      const r = rows(configDir, io.env).find((x) => x.key === key)!;
      if (json) {
        io.out(JSON.stringify(r.secret ? { key, set: r.source !== 'unset', source: r.source } : { key, value: r.value, source: r.source }));
        return r.source === 'unset' ? 1 : 0;
      }
      if (r.secret) {
        io.out(describe(r, configDir));
        return r.source === 'unset' ? 1 : 0;
      }
      if (r.value === null) return 1;
      io.out(show(r.value));
      return 0;
    }

    if (sub === 'set') {
      if (isSecretName(key)) {
        if (values.length) {
          // The value is not echoed: it may already be in the shell history; say so.
          throw new UsageError(
            `${key} is never taken from the command line (it would stay in shell history and be visible to other users in \`ps\`); run \`gwctl config set ${key}\` and paste it at the prompt (or redirect it from a file: < file). If you just typed it, remove it from your shell history and consider rotating it.`,
          );
        }
        const raw = await (io.stdin ?? processStdin)();
        const value = raw.replace(/\r?\n$/, '').trim();
        if (!value)
          throw new Error(
            `nothing arrived on stdin; nothing was saved (run \`gwctl config set ${key}\` in a terminal and paste it at the prompt, or redirect it from a file)`,
          );
        if (/[\r\n]/.test(value)) throw new Error(`${key} must be one line; nothing was saved`);
        await locked(() => writeSecret(configDir, key as SecretName, value));
        io.out(`${key} saved in ${secretsPath(configDir)} (mode 0600)`);
        if (io.env[ENV_OF[key]!]) io.err(`gwctl: note: ${ENV_OF[key]} is set in this environment and takes precedence`);
        return 0;
      }
      if (values.length !== 1) throw new UsageError(`config set ${key} needs exactly one VALUE${key === 'gateway.models' ? ' (comma-separated)' : ''}`);
      const value = parseSettingValue(key, values[0]!);
      const where = await locked(async () => {
        await refuseProviderIdChange(configDir, stateDir, io.env, key, value, `gwctl config set ${key} ${values[0]}`);
        const store = await openSettings(configDir);
        store.set(key, value);
        return store.path;
      });
      io.out(`${key} = ${show(value)}  (${where})`);
      if (key === 'agent.debounceMs' || key === 'agent.gatewayCheckSeconds' || key === 'agent.fallbackAfterSeconds' || key === 'agent.fallbackReturnSeconds')
        io.err('gwctl: note: a running agent uses the new value from its next start (gwctl agent stop && gwctl agent start)');
      const envName = ENV_OF[key];
      if (envName && io.env[envName]) io.err(`gwctl: note: ${envName} is set in this environment and overrides ${key}`);
      return 0;
    }

    if (sub === 'unset') {
      if (values.length) throw new UsageError('config unset takes one KEY');
      const had = await locked(async () => {
        if (isSecretName(key)) return deleteSecret(configDir, key);
        await refuseProviderIdChange(configDir, stateDir, io.env, key, undefined, `gwctl config unset ${key}`);
        return (await openSettings(configDir)).unset(key);
      });
      io.out(had ? `${key} removed` : `${key} was not set`);
      return 0;
    }
    throw new UsageError(`unknown config command '${sub}'`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    io.err(`gwctl: ${(e as Error).message}`);
    return 1;
  }
}
