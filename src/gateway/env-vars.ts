/**
 * The variables that point a program or an SDK at the gateway (`gwctl env`, `gwctl exec`): each
 * protocol's base URL as the official SDKs read it, and the named key (`env` by default) as the
 * key each of them reads.
 */
import type { GatewaySettings } from './types.ts';
import { configuredGateway, type ResolvedGateway } from './index.ts';
import { namedKey } from './named-keys.ts';

export const ENV_VAR_NAMES = [
  'OPENAI_BASE_URL',
  'OPENAI_API_KEY',
  'ANTHROPIC_BASE_URL',
  'ANTHROPIC_AUTH_TOKEN',
  'ANTHROPIC_API_KEY',
  'GOOGLE_GEMINI_BASE_URL',
  'GEMINI_API_KEY',
  'GWCTL_GATEWAY_URL',
] as const;
export type EnvVarName = (typeof ENV_VAR_NAMES)[number];

/** Names whose value is the key. */
export const KEY_VARS: ReadonlySet<EnvVarName> = new Set(['OPENAI_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY']);

export function gatewayEnv(gw: GatewaySettings, key: string): Array<[EnvVarName, string]> {
  const values: Record<EnvVarName, string> = {
    OPENAI_BASE_URL: gw.baseUrl.openai,
    OPENAI_API_KEY: key,
    ANTHROPIC_BASE_URL: gw.baseUrl.anthropic,
    ANTHROPIC_AUTH_TOKEN: key,
    ANTHROPIC_API_KEY: key,
    GOOGLE_GEMINI_BASE_URL: gw.baseUrl.gemini,
    GEMINI_API_KEY: key,
    GWCTL_GATEWAY_URL: gw.root,
  };
  return ENV_VAR_NAMES.map((n) => [n, values[n]]);
}

export interface GatewayEnv {
  vars: Array<[EnvVarName, string]>;
  /** The key's alias (or `gateway.key`): what may be shown. */
  alias: string;
  minted: boolean;
  warning?: string;
  gateway: ResolvedGateway;
  key: string;
}

/** The configured gateway and the named key `name` (minted on first use), as variables. */
export async function envFor(configDir: string, env: Readonly<Record<string, string | undefined>>, name: string): Promise<GatewayEnv> {
  const gateway = configuredGateway(configDir, env);
  const { key, alias, minted, warning } = await namedKey(gateway, configDir, name);
  return { vars: gatewayEnv(gateway.settings, key), alias, minted, gateway, key, ...(warning ? { warning } : {}) };
}
