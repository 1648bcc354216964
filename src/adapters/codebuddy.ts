/**
 * CodeBuddy Code: `$CODEBUDDY_CONFIG_DIR` or `~/.codebuddy`, with `models.json` (custom models)
 * and `settings.json` (`"model"`: the default model). Both strict JSON.
 *
 * Slot: one `models[]` entry per gateway model (merged by `id`, other entries untouched; `url` is
 * the full `/chat/completions` path), each id appended to `availableModels` only when that list
 * already restricts the picker, and `settings.json` `model` = the default model.
 *
 * launch (CodeBuddy Code 2.117.0 in `@tencent-ai/agent-sdk` 0.3.201, `dist/codebuddy-headless.js`:
 * `EnvProductProvider` merges the JSON of `ACC_PRODUCT_CONFIG_V3` (then `_V2`, the plain name, or
 * the file named by `ACC_PRODUCT_CONFIG_PATH`) into the product configuration, whose `models[]`
 * take the same entries as `models.json`; no documented per-run switch exists, and the only
 * other one, a temp `CODEBUDDY_CONFIG_DIR`, would hide the login): one model entry (the gateway's
 * full `/v1/chat/completions` URL and the key) in `ACC_PRODUCT_CONFIG_V3`, and `--model MODEL`.
 * Removed: the other `ACC_PRODUCT_CONFIG*` variables and `CODEBUDDY_API_KEY`/`_AUTH_TOKEN`/`_MODEL`.
 * Proven by the client test (the request reaches the gateway with the key as Bearer and x-api-key).
 */
import { join } from 'node:path';
import { pointsAt } from '../shared/address.ts';
import type { Edit, JsonObject, JsonValue } from '../formats/slot.ts';
import { envVar, expandEnv, fileSpec, obj, parseAll, statusOf, text, trimSlash, warn } from './common.ts';
import type { AdapterEnv, FileTexts, GatewayIdentity, Inspection, LaunchPlan, LaunchTarget, TakeoverTarget, ToolAdapter, ToolLocation } from './types.ts';

function locate(ctx: AdapterEnv): ToolLocation {
  const dir = envVar(ctx, 'CODEBUDDY_CONFIG_DIR') ?? join(ctx.home, '.codebuddy');
  return {
    dir,
    files: [fileSpec(dir, 'models.json', 'models', 'json'), fileSpec(dir, 'settings.json', 'settings', 'json')],
  };
}

function chatCompletions(baseUrl: string): string {
  return `${trimSlash(baseUrl)}/chat/completions`;
}

function entries(models: JsonObject | undefined): JsonObject[] {
  const list = models?.models;
  return Array.isArray(list) ? list.map(obj).filter((e): e is JsonObject => e !== undefined) : [];
}

function inspect(files: FileTexts, gw: GatewayIdentity, ctx: AdapterEnv): Inspection {
  const { models, settings } = parseAll(locate(ctx), files);
  const expected = chatCompletions(gw.baseUrl.openai);
  const custom = entries(models);
  const urlOf = (e: JsonObject) => {
    const url = text(e.url);
    return url === undefined ? undefined : expandEnv(url, ctx);
  };
  const ours = custom.find((e) => pointsAt(urlOf(e), gw.root));
  const selected = text(settings?.model);
  if (selected === undefined) {
    // No model chosen (a takeover always sets one): ours when one of the custom models points here.
    if (ours === undefined) return { status: 'not-taken-over' };
    return statusOf(urlOf(ours), gw, expected, `models.json models[id=${JSON.stringify(ours.id ?? null)}].url`);
  }
  // A built-in model (no models[] entry, or one without url) goes to CodeBuddy's own service.
  const entry = custom.find((e) => e.id === selected);
  const ins = statusOf(entry && urlOf(entry), gw, expected, `models.json models[id=${JSON.stringify(selected)}].url`);
  if (ins.status === 'not-taken-over' && ours !== undefined) {
    return warn(ins, `the gateway's models are in models.json, but settings.json selects ${JSON.stringify(selected)}`);
  }
  return ins;
}

/** One custom model as `models.json` (and the product config of a launch) declares it. */
function modelEntry(id: string, target: { displayName: string; key: string }, url: string): JsonObject {
  return { id, name: id, vendor: target.displayName, apiKey: target.key, url, maxInputTokens: 128000, maxOutputTokens: 8192, supportsToolCall: true };
}

function plan(files: FileTexts, target: TakeoverTarget, ctx: AdapterEnv): Edit[] {
  const { models } = parseAll(locate(ctx), files);
  const url = chatCompletions(target.baseUrl.openai);
  const edits: Edit[] = target.models.map((id) => ({
    file: 'models',
    path: ['models', { match: { id } }],
    value: modelEntry(id, target, url),
    secret: true,
    guard: { kind: 'address', field: ['url'] },
  }));
  // An absent or empty availableModels shows every model; adding ours would hide the built-ins.
  const available: JsonValue | undefined = models?.availableModels;
  if (Array.isArray(available) && available.length > 0) {
    for (const id of target.models) {
      if (!available.includes(id)) edits.push({ file: 'models', path: ['availableModels', { item: id }], value: id });
    }
  }
  edits.push({ file: 'settings', path: ['model'], value: target.defaultModel });
  return edits;
}

function launch(target: LaunchTarget): LaunchPlan {
  const product = { models: [modelEntry(target.model, target, chatCompletions(target.baseUrl.openai))] };
  return {
    env: { ACC_PRODUCT_CONFIG_V3: JSON.stringify(product) },
    unset: ['ACC_PRODUCT_CONFIG_V2', 'ACC_PRODUCT_CONFIG', 'ACC_PRODUCT_CONFIG_PATH', 'CODEBUDDY_API_KEY', 'CODEBUDDY_AUTH_TOKEN', 'CODEBUDDY_MODEL'],
    args: ['--model', target.model],
  };
}

export const codebuddy: ToolAdapter<'codebuddy'> = {
  id: 'codebuddy',
  name: 'CodeBuddy',
  protocol: 'openai',
  locate,
  inspect,
  plan,
  requestPath: '/v1/chat/completions',
  bin: 'codebuddy',
  launch,
};
