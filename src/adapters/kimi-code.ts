/**
 * Kimi Code (`@moonshot-ai/kimi-code`, the Node successor of kimi-cli):
 * `$KIMI_CODE_HOME/config.toml` (default `~/.kimi-code`), provider type `openai`.
 *
 * launch (`@moonshot-ai/kimi-code` 2.1.0, `dist/main.mjs` `applyEnvModelConfig`: with
 * `KIMI_MODEL_NAME` and `KIMI_MODEL_API_KEY` set it adds provider `__kimi_env__` (type from
 * `KIMI_MODEL_PROVIDER_TYPE`, one of kimi/anthropic/openai; `KIMI_MODEL_BASE_URL`) and makes its
 * model the default; `stripEnv` keeps it out of a saved config): those four variables, type
 * `openai`, the gateway's `/v1`. `~/.kimi-code` (login, sessions) stays in use.
 */
import { kimiAdapter } from './kimi.ts';

export const kimiCode = kimiAdapter({
  id: 'kimi-code',
  name: 'Kimi Code',
  dirEnv: 'KIMI_CODE_HOME',
  dirName: '.kimi-code',
  providerType: 'openai',
  legacyJson: false,
  modelOverrides: true,
  launch: (target) => ({
    env: { KIMI_MODEL_NAME: target.model, KIMI_MODEL_API_KEY: target.key, KIMI_MODEL_PROVIDER_TYPE: 'openai', KIMI_MODEL_BASE_URL: target.baseUrl.openai },
    unset: [],
    args: [],
  }),
  envNotes(env) {
    // KIMI_MODEL_NAME (+ KIMI_MODEL_API_KEY) makes Kimi Code use a model built from the environment.
    return env.KIMI_MODEL_NAME?.trim() ? ['KIMI_MODEL_NAME is set in the environment, so Kimi Code uses that model instead of default_model'] : [];
  },
});
