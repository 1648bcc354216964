/**
 * What opencode and its fork Kilo share: layered JSONC config files merged key by key (later
 * layers win), a provider map `provider.P = { npm, name, options: { baseURL, apiKey }, models }`
 * and the selection `model = "P/MODEL"`.
 *
 * Slot: `provider.P` (an `@ai-sdk/openai-compatible` provider listing every gateway model) and
 * `model = "P/MODEL"`, written into the highest-ranked writable file that exists (so nothing the
 * tool merges later hides them), or a new file when none exists.
 */
import { pointsAt } from '../shared/address.ts';
import type { Edit, JsonObject } from '../formats/slot.ts';
import { expandEnv, LAUNCH_PROVIDER, mergeLayers, obj, parseAll, statusOf, text, warn } from './common.ts';
import type { AdapterEnv, FileTexts, GatewayIdentity, Inspection, LaunchPlan, LaunchTarget, TakeoverTarget, ToolAdapter, ToolLocation } from './types.ts';

export interface OpencodeFamily<Id extends string = string> {
  id: Id;
  name: string;
  /**
   * Config dir and files, highest precedence first (the tool merges them the other way round, a
   * later file winning). The first writable file that exists gets the takeover.
   */
  locate(ctx: AdapterEnv): ToolLocation;
  /** Role of the file created when no writable file exists. */
  createRole: string | ((ctx: AdapterEnv) => string);
  /** gwctl launch: the variable holding an inline JSON config that the tool merges over its files. */
  contentVar: string;
  bin: string;
  /** The tool's doctor checks (see ToolAdapter.doctor). */
  doctor?: ToolAdapter['doctor'];
}

function baseUrlOf(provider: JsonObject | undefined, ctx: AdapterEnv): string | undefined {
  const url = text(obj(provider?.options)?.baseURL);
  return url === undefined ? undefined : expandEnv(url, ctx);
}

export function opencodeFamilyAdapter<Id extends string>(f: OpencodeFamily<Id>): ToolAdapter<Id> {
  function inspect(files: FileTexts, gw: GatewayIdentity, ctx: AdapterEnv): Inspection {
    const loc = f.locate(ctx);
    const parsed = parseAll(loc, files);
    const config = mergeLayers(...loc.files.map((s) => parsed[s.role] ?? {}).reverse());
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

  function plan(files: FileTexts, target: TakeoverTarget, ctx: AdapterEnv): Edit[] {
    const existing = f.locate(ctx).files.find((s) => s.writable && files[s.role] != null);
    const file = existing?.role ?? (typeof f.createRole === 'string' ? f.createRole : f.createRole(ctx));
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

  /** One run: provider `gwctl-launch` and the model in the inline config variable. */
  function launch(target: LaunchTarget): LaunchPlan {
    const config = {
      provider: {
        [LAUNCH_PROVIDER]: {
          npm: '@ai-sdk/openai-compatible',
          name: target.displayName,
          options: { baseURL: target.baseUrl.openai, apiKey: target.key },
          models: { [target.model]: { name: target.model, limit: { context: 128000, output: 8192 } } },
        },
      },
      model: `${LAUNCH_PROVIDER}/${target.model}`,
    };
    return { env: { [f.contentVar]: JSON.stringify(config) }, unset: [], args: [] };
  }

  return {
    id: f.id,
    name: f.name,
    protocol: 'openai',
    locate: f.locate,
    inspect,
    plan,
    requestPath: '/v1/chat/completions',
    bin: f.bin,
    launch,
    ...(f.doctor ? { doctor: f.doctor } : {}),
  };
}
