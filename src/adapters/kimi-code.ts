/**
 * Kimi Code (`@moonshot-ai/kimi-code`, the Node successor of kimi-cli):
 * `$KIMI_CODE_HOME/config.toml` (default `~/.kimi-code`), provider type `openai`.
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
  envNotes(env) {
    // KIMI_MODEL_NAME (+ KIMI_MODEL_API_KEY) makes Kimi Code use a model built from the environment.
    return env.KIMI_MODEL_NAME?.trim() ? ['KIMI_MODEL_NAME is set in the environment, so Kimi Code uses that model instead of default_model'] : [];
  },
});
