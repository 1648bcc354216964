/**
 * Gemini CLI: `$GEMINI_CLI_HOME/.gemini` or `~/.gemini`, with `.env` (dotenv) and `settings.json`
 * (Gemini strips comments before parsing, so JSONC).
 *
 * Slot: `.env` `GOOGLE_GEMINI_BASE_URL` (gateway root) and `GEMINI_API_KEY` (sent as
 * `x-goog-api-key`), plus `settings.json` `security.auth.selectedType = "gemini-api-key"`: without
 * it a base URL selects the "gateway" auth type and the CLI exits 41.
 */
import { join } from 'node:path';
import type { Edit } from '../formats/slot.ts';
import { baseName, envVar, fileSpec, obj, parseAll, statusOf, text, warn } from './common.ts';
import type { AdapterEnv, FileTexts, GatewayIdentity, Inspection, TakeoverTarget, ToolAdapter, ToolLocation } from './types.ts';

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

export const geminiCli: ToolAdapter<'gemini-cli'> = {
  id: 'gemini-cli',
  name: 'Gemini CLI',
  protocol: 'gemini',
  locate,
  inspect,
  plan,
  requestPath: '/v1beta/models/',
};
