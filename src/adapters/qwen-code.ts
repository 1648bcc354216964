/**
 * Qwen Code: `$QWEN_HOME` (the directory itself; a leading `~` is expanded, as Qwen does) or
 * `~/.qwen`, with `.env` (written) and `settings.json` (JSONC, read for status only: Qwen rewrites
 * it itself on first run).
 *
 * Slot: `.env` `OPENAI_BASE_URL` (gateway `/v1`), `OPENAI_API_KEY`, `OPENAI_MODEL`; these three
 * select the `openai` auth type when settings do not name one.
 * A `settings.json` `modelProviders.openai[]` entry whose `id` is the selected `model.name` beats
 * `.env` (its `baseUrl` wins), so such an entry pointing elsewhere is "Connected (Other Address)".
 */
import { join } from 'node:path';
import { pointsAt } from '../shared/address.ts';
import type { Edit, JsonObject } from '../formats/slot.ts';
import { baseName, envVar, fileSpec, obj, parseAll, statusOf, text, warn } from './common.ts';
import type { AdapterEnv, FileTexts, GatewayIdentity, Inspection, TakeoverTarget, ToolAdapter, ToolLocation } from './types.ts';

function locate(ctx: AdapterEnv): ToolLocation {
  const home = envVar(ctx, 'QWEN_HOME');
  const dir = home === undefined ? join(ctx.home, '.qwen') : home === '~' || /^~[/\\]/.test(home) ? join(ctx.home, home.slice(1)) : home;
  return {
    dir,
    files: [fileSpec(dir, '.env', 'env', 'dotenv'), fileSpec(dir, 'settings.json', 'settings', 'jsonc', false)],
  };
}

/** `model.name` (an older flat `"model": "id"` is read too). */
function selectedModel(settings: JsonObject | undefined): string | undefined {
  const model = settings?.model;
  return typeof model === 'string' ? text(model) : text(obj(model)?.name);
}

function inspect(files: FileTexts, gw: GatewayIdentity, ctx: AdapterEnv): Inspection {
  const loc = locate(ctx);
  const { env, settings } = parseAll(loc, files);
  const settingsName = baseName(loc.files[1]!.path);

  const model = selectedModel(settings);
  const providers = obj(settings?.modelProviders)?.openai;
  const i = model !== undefined && Array.isArray(providers) ? providers.findIndex((p) => obj(p)?.id === model) : -1;
  const entryUrl = i >= 0 && Array.isArray(providers) ? text(obj(providers[i])?.baseUrl) : undefined;
  if (entryUrl !== undefined && !pointsAt(entryUrl, gw.root)) {
    const ins = statusOf(entryUrl, gw, gw.baseUrl.openai, `${settingsName} modelProviders.openai[${i}] (model.name "${model}")`);
    // A takeover (even forced) cannot change this: gwctl never writes Qwen's settings.json.
    return warn(ins, `it wins over .env; to use the gateway, pick another model with /model in Qwen Code`);
  }

  const ins = statusOf(text(env?.OPENAI_BASE_URL), gw, gw.baseUrl.openai, '.env OPENAI_BASE_URL');
  const authType = obj(obj(settings?.security)?.auth)?.selectedType;
  if (ins.status === 'taken-over' && authType !== undefined && authType !== 'openai') {
    return warn(ins, `${settingsName} security.auth.selectedType is ${JSON.stringify(authType)}, which wins over .env: choose the OpenAI-compatible provider with /auth in Qwen Code`);
  }
  return ins;
}

function plan(_files: FileTexts, target: TakeoverTarget): Edit[] {
  return [
    { file: 'env', path: ['OPENAI_BASE_URL'], value: target.baseUrl.openai, guard: { kind: 'address' } },
    { file: 'env', path: ['OPENAI_API_KEY'], value: target.key, secret: true },
    { file: 'env', path: ['OPENAI_MODEL'], value: target.defaultModel },
  ];
}

export const qwenCode: ToolAdapter = {
  id: 'qwen-code',
  name: 'Qwen Code',
  protocol: 'openai',
  locate,
  inspect,
  plan,
  requestPath: '/v1/chat/completions',
};
