/**
 * The environment variables that move a tool's config (or gwctl's own settings): an agent
 * started with other values than a CLI's watches and writes other files. Every variable an
 * adapter's locate() reads is here (test/agent/tool-env.test.ts checks it).
 */
export const TOOL_LOCATION_VARS = [
  'CLAUDE_CONFIG_DIR',
  'CODEX_HOME',
  'GEMINI_CLI_HOME',
  'QWEN_HOME',
  'KIMI_SHARE_DIR',
  'KIMI_CODE_HOME',
  'CODEBUDDY_CONFIG_DIR',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'CRUSH_GLOBAL_CONFIG',
  'CRUSH_GLOBAL_DATA',
  'CLINE_DIR',
  'CLINE_DATA_DIR',
  'CLINE_PROVIDER_SETTINGS_PATH',
  'FACTORY_HOME_OVERRIDE',
  'GROK_HOME',
  'KILO_CONFIG_DIR',
  'PI_CODING_AGENT_DIR',
  'COPILOT_HOME',
  'CONTINUE_GLOBAL_DIR',
  'OPENCLAW_CONFIG_PATH',
  'OPENCLAW_HOME',
  'OPENCLAW_STATE_DIR',
] as const;

type Env = Readonly<Record<string, string | undefined>>;

/** The tool-location variables set (non-empty) in `env`. */
export function toolLocationEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of TOOL_LOCATION_VARS) {
    const v = env[k];
    if (v) out[k] = v;
  }
  return out;
}

/** "CODEX_HOME=/a (agent) vs unset (here)", or undefined when both environments agree. */
export function toolEnvDifference(agent: Record<string, string>, here: Record<string, string>): string | undefined {
  const diffs: string[] = [];
  for (const k of TOOL_LOCATION_VARS) {
    if ((agent[k] ?? '') === (here[k] ?? '')) continue;
    diffs.push(`${k} is ${agent[k] ? JSON.stringify(agent[k]) : 'unset'} for the agent but ${here[k] ? JSON.stringify(here[k]) : 'unset'} here`);
  }
  return diffs.length ? diffs.join('; ') : undefined;
}

/** `env` without the one-off gateway overrides (GWCTL_GATEWAY_*): what an autostarted agent inherits. */
export function withoutGatewayOverrides(env: Env): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) if (!k.startsWith('GWCTL_GATEWAY_')) out[k] = v;
  return out;
}
