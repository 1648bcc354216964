/**
 * opencode: `$XDG_CONFIG_HOME/opencode` or `~/.config/opencode`. opencode merges `config.json`
 * (legacy), `opencode.json` and `opencode.jsonc`, later files winning, and reads all of them as
 * JSONC. A takeover edits the existing `opencode.jsonc`, else the existing `opencode.json`, and
 * creates `opencode.json` only when neither exists.
 *
 * Slot: `provider.P` (an `@ai-sdk/openai-compatible` provider listing every gateway model) and
 * `model = "P/MODEL"`.
 */
import { join } from 'node:path';
import { pointsAt } from '../shared/address.ts';
import type { Edit, JsonObject } from '../formats/slot.ts';
import { expandEnv, fileSpec, mergeLayers, obj, parseAll, statusOf, text, warn, xdgConfigHome } from './common.ts';
import type { AdapterEnv, FileTexts, GatewayIdentity, Inspection, TakeoverTarget, ToolAdapter, ToolLocation } from './types.ts';

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

function baseUrlOf(provider: JsonObject | undefined, ctx: AdapterEnv): string | undefined {
  const url = text(obj(provider?.options)?.baseURL);
  return url === undefined ? undefined : expandEnv(url, ctx);
}

function inspect(files: FileTexts, gw: GatewayIdentity, ctx: AdapterEnv): Inspection {
  const { jsonc, json, legacy } = parseAll(locate(ctx), files);
  const config = mergeLayers(legacy ?? {}, json ?? {}, jsonc ?? {});
  const providers = obj(config.provider) ?? {};
  const ours = Object.entries(providers).find(([, p]) => pointsAt(baseUrlOf(obj(p), ctx), gw.root));
  const model = text(config.model);
  if (model === undefined) {
    // No model chosen (a takeover always sets one): ours when one of the providers points here.
    if (ours === undefined) return { status: 'not-taken-over' };
    return statusOf(baseUrlOf(obj(ours[1]), ctx), gw, gw.baseUrl.openai, `provider.${ours[0]}.options.baseURL`);
  }
  // "provider/model": the provider id is everything before the first slash.
  const providerId = model.split('/')[0] ?? '';
  const where = `model "${model}" uses provider.${providerId}.options.baseURL, which`;
  const ins = statusOf(baseUrlOf(obj(providers[providerId]), ctx), gw, gw.baseUrl.openai, where);
  if (ins.status === 'not-taken-over' && ours !== undefined) {
    return warn(ins, `provider.${ours[0]} points to this gateway, but model is "${model}"`);
  }
  return ins;
}

function plan(files: FileTexts, target: TakeoverTarget): Edit[] {
  const file = files.jsonc != null ? 'jsonc' : 'json';
  const models: JsonObject = {};
  for (const id of target.models) models[id] = { name: id, limit: { context: 128000, output: 8192 } };
  return [
    {
      file,
      path: ['provider', target.providerId],
      value: {
        npm: '@ai-sdk/openai-compatible',
        name: target.displayName,
        options: { baseURL: target.baseUrl.openai, apiKey: target.key },
        models,
      },
      secret: true,
      guard: { kind: 'address', field: ['options', 'baseURL'] },
    },
    { file, path: ['model'], value: `${target.providerId}/${target.defaultModel}` },
  ];
}

export const opencode: ToolAdapter = {
  id: 'opencode',
  name: 'opencode',
  protocol: 'openai',
  locate,
  inspect,
  plan,
  requestPath: '/v1/chat/completions',
};
