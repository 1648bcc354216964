/**
 * GitHub Copilot CLI (`@github/copilot` 1.0.102): launch-only. Its model provider can be set only
 * through its environment (no config file holds a custom provider), so gwctl does not take it
 * over; `gwctl launch copilot` points one run at the gateway. Status: "Not Detected" until its
 * config dir `$COPILOT_HOME` or `~/.copilot` exists (Copilot creates it on first run), then
 * "Not Taken Over" with a detail saying it is launch-only.
 *
 * launch (the native package `@github/copilot-linux-x64` 1.0.102 unpacks its JS bundle with
 * `COPILOT_SEA_EXTRACT_ONLY=1`; `cli-main.js`, help topic "providers", "Custom Model Providers
 * (BYOK)": "Set the COPILOT_PROVIDER_BASE_URL environment variable to activate BYOK mode. GitHub
 * authentication is not required when using a custom provider"; `COPILOT_PROVIDER_TYPE`
 * "openai" (default) for OpenAI-compatible endpoints; `COPILOT_PROVIDER_API_KEY`; "A model is
 * required for BYOK. Set COPILOT_MODEL …"; `COPILOT_PROVIDER_BEARER_TOKEN` and
 * `COPILOT_PROVIDER_API_KEY_COMMAND` "take precedence over COPILOT_PROVIDER_API_KEY"; a header of
 * `COPILOT_PROVIDER_HEADERS` that collides with the derived credential wins):
 * `COPILOT_PROVIDER_BASE_URL` = the gateway's `/v1`, `COPILOT_PROVIDER_TYPE=openai`,
 * `COPILOT_PROVIDER_API_KEY` = the key, `COPILOT_MODEL` = the model. Removed: the variables that
 * would replace the key, the model or the wire format of that provider. The GitHub login in
 * `~/.copilot` is left alone (BYOK does not use it for model requests).
 */
import { join } from 'node:path';
import { envVar } from './common.ts';
import type { AdapterEnv, Inspection, LaunchPlan, LaunchTarget, ToolAdapter, ToolLocation } from './types.ts';

function locate(ctx: AdapterEnv): ToolLocation {
  return { dir: envVar(ctx, 'COPILOT_HOME') ?? join(ctx.home, '.copilot'), files: [] };
}

export const LAUNCH_ONLY_DETAIL = 'launch-only: `gwctl launch copilot` points one run at the gateway';

function inspect(): Inspection {
  return { status: 'not-taken-over', detail: LAUNCH_ONLY_DETAIL };
}

function launch(target: LaunchTarget): LaunchPlan {
  return {
    env: {
      COPILOT_PROVIDER_BASE_URL: target.baseUrl.openai,
      COPILOT_PROVIDER_TYPE: 'openai',
      COPILOT_PROVIDER_API_KEY: target.key,
      COPILOT_MODEL: target.model,
    },
    unset: [
      'COPILOT_PROVIDER_BEARER_TOKEN',
      'COPILOT_PROVIDER_API_KEY_COMMAND',
      'COPILOT_PROVIDER_HEADERS',
      'COPILOT_PROVIDER_MODEL_ID',
      'COPILOT_PROVIDER_WIRE_MODEL',
      'COPILOT_PROVIDER_WIRE_API',
      'COPILOT_PROVIDER_TRANSPORT',
      'COPILOT_PROVIDER_AZURE_API_VERSION',
      'COPILOT_PROVIDERS_CONFIG',
    ],
    args: [],
  };
}

export const copilot: ToolAdapter<'copilot'> = {
  id: 'copilot',
  name: 'Copilot CLI',
  protocol: 'openai',
  locate,
  inspect,
  plan() {
    throw new Error(`Copilot CLI is ${LAUNCH_ONLY_DETAIL}`);
  },
  requestPath: '/v1/chat/completions',
  launchOnly: true,
  bin: 'copilot',
  launch,
};
