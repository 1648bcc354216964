/**
 * opencode: `$XDG_CONFIG_HOME/opencode` or `~/.config/opencode`. opencode merges `config.json`
 * (legacy), `opencode.json` and `opencode.jsonc`, later files winning, and reads all of them as
 * JSONC. A takeover edits the existing `opencode.jsonc`, else the existing `opencode.json`, and
 * creates `opencode.json` only when neither exists.
 *
 * Slot: `provider.P` (an `@ai-sdk/openai-compatible` provider listing every gateway model) and
 * `model = "P/MODEL"` (see opencode-family.ts, shared with Kilo).
 *
 * launch (`opencode-ai` 1.18.33: `OPENCODE_CONFIG_CONTENT`, a JSON config merged after the
 * global and project files): `provider.gwctl-launch` (`@ai-sdk/openai-compatible`, the gateway's
 * `/v1`, the key) and `model = "gwctl-launch/MODEL"` in that variable. `~/.config/opencode` and
 * opencode's auth store stay in use.
 */
import { join } from 'node:path';
import { fileSpec, xdgConfigHome } from './common.ts';
import { opencodeFamilyAdapter } from './opencode-family.ts';
import type { AdapterEnv, ToolLocation } from './types.ts';

function locate(ctx: AdapterEnv): ToolLocation {
  const dir = join(xdgConfigHome(ctx), 'opencode');
  return {
    dir,
    files: [
      fileSpec(dir, 'opencode.jsonc', 'jsonc', 'jsonc'),
      fileSpec(dir, 'opencode.json', 'json', 'jsonc'),
      fileSpec(dir, 'config.json', 'legacy', 'jsonc', false),
    ],
  };
}

export const opencode = opencodeFamilyAdapter({
  id: 'opencode',
  name: 'opencode',
  locate,
  createRole: 'json',
  contentVar: 'OPENCODE_CONFIG_CONTENT',
  bin: 'opencode',
});
