/**
 * Gemini CLI: `$GEMINI_CLI_HOME/.gemini` or `~/.gemini`, with `.env` (dotenv) and `settings.json`
 * (Gemini strips comments before parsing, so JSONC).
 *
 * Slot: `.env` `GOOGLE_GEMINI_BASE_URL` (gateway root) and `GEMINI_API_KEY` (sent as
 * `x-goog-api-key`), plus `settings.json` `security.auth.selectedType = "gemini-api-key"`: without
 * it a base URL selects the "gateway" auth type and the CLI exits 41.
 *
 * launch (`@google/gemini-cli` 0.61.0): the auth type needs a settings file, because
 * `validateNonInteractiveAuth` takes the configured `security.auth.selectedType` first and
 * `getAuthTypeFromEnv()` picks "gateway" (exit 41) as soon as `GOOGLE_GEMINI_BASE_URL` is set.
 * No flag sets it, and `GEMINI_CLI_SYSTEM_SETTINGS_PATH` is no way out: `loadSystemFile` skips a
 * system file that is not root-owned or sits under a group/world-writable dir (such as /tmp).
 * So a temp dir is unavoidable: `GEMINI_CLI_HOME` = a temp dir whose `.gemini/` holds a symlink
 * to every entry of the user's `~/.gemini` (history, trusted folders, OAuth creds, extensions
 * stay the user's) except `settings.json`, a copy of the user's with `selectedType =
 * "gemini-api-key"`. Environment: `GOOGLE_GEMINI_BASE_URL`, `GEMINI_API_KEY` (exported variables
 * win over `.env`), `GEMINI_MODEL` only with `--model`. Removed: `GOOGLE_API_KEY`,
 * `GOOGLE_GENAI_USE_VERTEXAI`, `GOOGLE_GENAI_USE_GCA`. A setting changed during the run lands in
 * the copy and is dropped with it.
 */
import { join } from 'node:path';
import type { Edit } from '../formats/slot.ts';
import { baseName, envVar, fileSpec, obj, parseAll, statusOf, text, warn } from './common.ts';
import type { AdapterEnv, FileTexts, GatewayIdentity, Inspection, LaunchContext, LaunchPlan, LaunchTarget, TakeoverTarget, ToolAdapter, ToolLocation } from './types.ts';

const API_KEY_AUTH = 'gemini-api-key';

function locate(ctx: AdapterEnv): ToolLocation {
  const dir = join(envVar(ctx, 'GEMINI_CLI_HOME') ?? ctx.home, '.gemini');
  return {
    dir,
    files: [fileSpec(dir, '.env', 'env', 'dotenv'), fileSpec(dir, 'settings.json', 'settings', 'jsonc')],
  };
}

function inspect(files: FileTexts, gw: GatewayIdentity, ctx: AdapterEnv): Inspection {
  const { env, settings } = parseAll(locate(ctx), files);
  const ins = statusOf(text(env?.GOOGLE_GEMINI_BASE_URL), gw, gw.baseUrl.gemini, '.env GOOGLE_GEMINI_BASE_URL');
  if (ins.status !== 'taken-over') return ins;
  const selected = obj(obj(settings?.security)?.auth)?.selectedType;
  if (selected === API_KEY_AUTH) return ins;
  return warn(
    ins,
    `${baseName(locate(ctx).files[1]!.path)} security.auth.selectedType is ${selected === undefined ? 'not set' : JSON.stringify(selected)}, not "${API_KEY_AUTH}": Gemini CLI will not start with a base URL (run takeover again)`,
  );
}

function plan(_files: FileTexts, target: TakeoverTarget): Edit[] {
  return [
    { file: 'env', path: ['GOOGLE_GEMINI_BASE_URL'], value: target.baseUrl.gemini, guard: { kind: 'address' } },
    { file: 'env', path: ['GEMINI_API_KEY'], value: target.key, secret: true },
    { file: 'settings', path: ['security', 'auth', 'selectedType'], value: API_KEY_AUTH },
  ];
}

function launch(target: LaunchTarget, ctx: LaunchContext, files: FileTexts): LaunchPlan {
  const loc = locate(ctx);
  const { settings } = parseAll(loc, files);
  const security = obj(settings?.security) ?? {};
  const copy = { ...(settings ?? {}), security: { ...security, auth: { ...(obj(security.auth) ?? {}), selectedType: API_KEY_AUTH } } };
  return {
    env: {
      GEMINI_CLI_HOME: join(ctx.tempDir, 'gemini-home'),
      GOOGLE_GEMINI_BASE_URL: target.baseUrl.gemini,
      GEMINI_API_KEY: target.key,
      ...(target.modelGiven ? { GEMINI_MODEL: target.model } : {}),
    },
    unset: ['GOOGLE_API_KEY', 'GOOGLE_GENAI_USE_VERTEXAI', 'GOOGLE_GENAI_USE_GCA'],
    args: [],
    files: [{ name: 'gemini-home/.gemini/settings.json', text: JSON.stringify(copy, null, 2) + '\n' }],
    mirror: [{ from: loc.dir, to: 'gemini-home/.gemini', except: ['settings.json'] }],
  };
}

export const geminiCli: ToolAdapter = {
  id: 'gemini-cli',
  name: 'Gemini CLI',
  protocol: 'gemini',
  locate,
  inspect,
  plan,
  requestPath: '/v1beta/models/',
  bin: 'gemini',
  launch,
};
