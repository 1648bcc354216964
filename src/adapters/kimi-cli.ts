/**
 * Legacy Kimi CLI (Python `kimi-cli`, archived): `$KIMI_SHARE_DIR/config.toml` (default `~/.kimi`).
 * Its OpenAI chat-completions provider type is `openai_legacy`. Versions before 0.66 used
 * `config.json`; 0.66+ moves it to `config.toml` on start, so we read it for status but only
 * ever write `config.toml`.
 */
import { kimiAdapter } from './kimi.ts';

export const kimiCli = kimiAdapter({
  id: 'kimi-cli',
  name: 'Kimi CLI',
  dirEnv: 'KIMI_SHARE_DIR',
  dirName: '.kimi',
  providerType: 'openai_legacy',
  legacyJson: true,
  modelOverrides: false,
  envNotes(env) {
    // kimi-cli applies these to every openai_legacy provider at start, over config.toml.
    const notes: string[] = [];
    if (env.OPENAI_BASE_URL) notes.push('OPENAI_BASE_URL is set in the environment and overrides base_url for Kimi CLI');
    if (env.OPENAI_API_KEY || env.AZURE_OPENAI_API_KEY) notes.push('OPENAI_API_KEY is set in the environment and replaces the gateway key for Kimi CLI');
    return notes;
  },
});
