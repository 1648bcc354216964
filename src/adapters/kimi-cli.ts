/**
 * Legacy Kimi CLI (Python `kimi-cli`, archived): `$KIMI_SHARE_DIR/config.toml` (default `~/.kimi`).
 * Its OpenAI chat-completions provider type is `openai_legacy`. Versions before 0.66 used
 * `config.json`; 0.66+ moves it to `config.toml` on start, so we read it for status but only
 * ever write `config.toml`.
 *
 * launch (kimi-cli `src/kimi_cli/cli.py`, docs/en/configuration/overrides.md: `--config-file PATH`
 * "replacing the default ~/.kimi/config.toml", TOML or JSON; `OPENAI_BASE_URL`/`OPENAI_API_KEY`
 * override every `openai_legacy` provider; not run here, from source): a 0600 temp
 * `kimi-config.json` = the user's config (parsed) plus `providers.gwctl-launch`, its model and
 * `default_model`, passed as `--config-file`. The `OPENAI_*` overrides are removed.
 * `~/.kimi` (login, sessions) stays in use.
 */
import { join } from 'node:path';
import { kimiAdapter, launchEntries } from './kimi.ts';

export const kimiCli = kimiAdapter({
  id: 'kimi-cli',
  name: 'Kimi CLI',
  dirEnv: 'KIMI_SHARE_DIR',
  dirName: '.kimi',
  providerType: 'openai_legacy',
  legacyJson: true,
  modelOverrides: false,
  launch(target, ctx, doc) {
    const user = doc();
    const run = launchEntries(target, 'openai_legacy');
    const merged = {
      ...user,
      providers: { ...((user.providers as object | undefined) ?? {}), ...run.providers },
      models: { ...((user.models as object | undefined) ?? {}), ...run.models },
      default_model: run.default_model,
    };
    return {
      env: {},
      unset: ['OPENAI_BASE_URL', 'OPENAI_API_KEY', 'AZURE_OPENAI_API_KEY'],
      args: ['--config-file', join(ctx.tempDir, 'kimi-config.json')],
      files: [{ name: 'kimi-config.json', text: JSON.stringify(merged, null, 2) + '\n' }],
    };
  },
  envNotes(env) {
    // kimi-cli applies these to every openai_legacy provider at start, over config.toml.
    const notes: string[] = [];
    if (env.OPENAI_BASE_URL) notes.push('OPENAI_BASE_URL is set in the environment and overrides base_url for Kimi CLI');
    if (env.OPENAI_API_KEY || env.AZURE_OPENAI_API_KEY) notes.push('OPENAI_API_KEY is set in the environment and replaces the gateway key for Kimi CLI');
    return notes;
  },
});
