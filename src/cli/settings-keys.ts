/**
 * The settings `gwctl config` lists, gets and sets, and how a value typed on the command line
 * is read and checked (names of tools, gateway kinds and notification kinds included: the
 * settings file's schema, in home/settings.ts, checks only their shape).
 */
import { TOOL_IDS } from '../adapters/index.ts';
import { NOTIFY_KINDS } from '../ipc/schema.ts';
import { GATEWAY_KINDS } from '../gateway/index.ts';
import { gatewayRootProblem, trimRoot } from '../shared/address.ts';
import { checkNames } from '../shared/validate.ts';

/** The gateway's settings (secrets live in home/secrets.ts, not here). */
export const GATEWAY_SETTING_KEYS = [
  'gateway.url',
  'gateway.kind',
  'gateway.providerId',
  'gateway.displayName',
  'gateway.defaultModel',
  'gateway.models',
  'gateway.userId',
] as const;
export type GatewaySettingKey = (typeof GATEWAY_SETTING_KEYS)[number];

export function isGatewaySettingKey(s: string): s is GatewaySettingKey {
  return (GATEWAY_SETTING_KEYS as readonly string[]).includes(s);
}

/** The agent's settings. */
export const AGENT_SETTING_KEYS: readonly string[] = [
  'autoReapply',
  'autoTakeoverNew',
  'fallback',
  'autostart',
  'notify',
  ...NOTIFY_KINDS.map((k) => `notify.${k}`),
  'agent.debounceMs',
  'agent.reapplyPerMinute',
  'agent.gatewayCheckSeconds',
  'agent.fallbackAfterSeconds',
  'agent.fallbackReturnSeconds',
];

export function isAgentSettingKey(s: string): boolean {
  return AGENT_SETTING_KEYS.includes(s);
}

const KINDS: readonly string[] = GATEWAY_KINDS;
const TRUE = ['true', 'on', 'yes', '1'];
const FALSE = ['false', 'off', 'no', '0'];

/** A value typed on the command line, checked; throws a message saying what is expected. */
export function parseSettingValue(key: string, raw: string): string | string[] | boolean | number {
  const v = raw.trim();
  if (key.startsWith('gateway.')) return parseGatewayValue(key as GatewaySettingKey, v);
  if (key === 'autoReapply' || key === 'autoTakeoverNew' || key === 'fallback') {
    if (v === 'all' || TRUE.includes(v.toLowerCase())) return true;
    if (v === 'none' || FALSE.includes(v.toLowerCase())) return false;
    const list = [
      ...new Set(
        v
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      ),
    ];
    const unknown = list.filter((t) => !(TOOL_IDS as readonly string[]).includes(t));
    if (!list.length || unknown.length) {
      throw new Error(
        `${key} is true (every tool), false, or a comma-separated list of tools${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}; tools: ${TOOL_IDS.join(', ')}`,
      );
    }
    return list;
  }
  if (key.startsWith('agent.')) {
    if (!/^[0-9]+$/.test(v)) throw new Error(`${key} is a whole number`);
    return Number(v);
  }
  if (TRUE.includes(v.toLowerCase())) return true;
  if (FALSE.includes(v.toLowerCase())) return false;
  throw new Error(`${key} is true or false`);
}

function parseGatewayValue(key: GatewaySettingKey, v: string): string | string[] {
  switch (key) {
    case 'gateway.url': {
      const problem = gatewayRootProblem(v);
      if (problem) throw new Error(`gateway.url '${v}' cannot be used: ${problem}`);
      return trimRoot(v);
    }
    case 'gateway.kind':
      if (!KINDS.includes(v)) throw new Error(`gateway.kind must be one of ${KINDS.join(', ')}`);
      return v;
    case 'gateway.providerId':
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v) || v.length > 64)
        throw new Error('gateway.providerId must be letters, digits, "-", "_" or "." (e.g. servbay)');
      return v;
    case 'gateway.models': {
      const list = [
        ...new Set(
          v
            .split(',')
            .map((m) => m.trim())
            .filter(Boolean),
        ),
      ];
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
