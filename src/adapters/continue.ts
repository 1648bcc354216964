/**
 * Continue CLI (`cn`, npm `@continuedev/cli`): `$CONTINUE_GLOBAL_DIR` or `~/.continue`, with
 * `config.yaml` (YAML) and the data file `index/globalContext.json` (JSON, written by cn itself).
 *
 * Facts, from continuedev/continue @ d0a3c0b (2026-06-18), confirmed by running
 * `@continuedev/cli` 1.5.47 in a throw-away HOME:
 * - extensions/cli/src/env.ts: `continueHome = CONTINUE_GLOBAL_DIR || ~/.continue`
 *   (core/util/paths.ts resolves a relative value against the current directory; gwctl, which
 *   has no project directory, against HOME). cn also loads a `.env` from the current directory
 *   (dotenv), which can set it.
 * - extensions/cli/src/configLoader.ts `determineConfigSource`: `--config <file|slug>` first,
 *   then `<continueHome>/config.yaml` when it exists, else the remote default config (login).
 * - packages/config-yaml/src/schemas/index.ts: `name` and `version` are required; `models[]`
 *   entries `{name, provider, model, apiBase, apiKey, roles}` (or `uses:` hub blocks).
 * - extensions/cli/src/services/ModelService.ts + config.ts `getLlmApi`: the model used is the
 *   one named by the persisted selection (`cliSelectedModel` in `index/globalContext.json`,
 *   util/modelPersistence.ts) when it names a chat model, else the FIRST model whose `roles`
 *   include `chat` (or has no `roles`). An agent file's model (`--agent`) outranks both.
 * - `provider: openai` with `apiBase` sends `POST {apiBase}/chat/completions`, `Authorization:
 *   Bearer {apiKey}` (run).
 *
 * Slot: one `models[]` entry per gateway model, named `P/MODEL`, inserted FIRST (the default model
 * first of all), so it is the first chat model; `cliSelectedModel` = `P/DEFAULT` when
 * globalContext.json already exists (cn creates it when you pick a model); `name`/`version`
 * when the file has none (a new config.yaml). Entries are ours by name and `apiBase`.
 */
import { join } from 'node:path';
import { pointsAt } from '../shared/address.ts';
import type { Edit, JsonObject } from '../formats/slot.ts';
import { envVar, fileSpec, obj, parseAll, statusOf, text, warn } from './common.ts';
import type {
  AdapterEnv,
  FileTexts,
  GatewayIdentity,
  Inspection,
  LaunchContext,
  LaunchPlan,
  LaunchTarget,
  TakeoverTarget,
  ToolAdapter,
  ToolLocation,
} from './types.ts';

function locate(ctx: AdapterEnv): ToolLocation {
  const env = envVar(ctx, 'CONTINUE_GLOBAL_DIR');
  const dir = env === undefined ? join(ctx.home, '.continue') : env.startsWith('/') ? env : join(ctx.home, env);
  return {
    dir,
    files: [fileSpec(dir, 'config.yaml', 'config', 'yaml'), fileSpec(join(dir, 'index'), 'globalContext.json', 'context', 'json')],
  };
}

/** Models cn can chat with, in file order. */
function chatModels(config: JsonObject | undefined): JsonObject[] {
  const list = config?.models;
  if (!Array.isArray(list)) return [];
  return list.map(obj).filter((m): m is JsonObject => m !== undefined && (m.roles === undefined || (Array.isArray(m.roles) && m.roles.includes('chat'))));
}

const nameOf = (m: JsonObject): string | undefined => text(m.name) ?? text(m.model);

function inspect(files: FileTexts, gw: GatewayIdentity, ctx: AdapterEnv): Inspection {
  const { config, context } = parseAll(locate(ctx), files);
  const models = chatModels(config);
  const ours = models.find((m) => pointsAt(text(m.apiBase), gw.root));
  const selected = text(context?.cliSelectedModel);
  const picked = models.find((m) => selected !== undefined && nameOf(m) === selected) ?? models[0];
  if (picked === undefined) return { status: 'not-taken-over' };
  if (picked.uses !== undefined) {
    const ins: Inspection = { status: 'other-address', detail: `config.yaml's first chat model comes from the hub (uses: ${JSON.stringify(picked.uses)})` };
    return ours ? warn(ins, `the gateway's models are in config.yaml, but cn uses ${JSON.stringify(picked.uses)}`) : ins;
  }
  const where = `config.yaml model ${JSON.stringify(nameOf(picked) ?? '?')} apiBase`;
  const ins = statusOf(text(picked.apiBase), gw, gw.baseUrl.openai, where);
  if (ins.status !== 'taken-over' && ours !== undefined) {
    return warn(ins, `the gateway's models are in config.yaml, but cn uses ${JSON.stringify(nameOf(picked) ?? '?')}`);
  }
  return ins;
}

function plan(files: FileTexts, target: TakeoverTarget, ctx: AdapterEnv): Edit[] {
  const { config, context } = parseAll(locate(ctx), files);
  const edits: Edit[] = [];
  if (config?.name === undefined) edits.push({ file: 'config', path: ['name'], value: 'Local Config' });
  if (config?.version === undefined) edits.push({ file: 'config', path: ['version'], value: '1.0.0' });
  // Each entry is inserted first: the default model goes in last, so it ends up at the top.
  const order = [...target.models.filter((m) => m !== target.defaultModel).reverse(), target.defaultModel];
  for (const model of order) {
    const name = `${target.providerId}/${model}`;
    edits.push({
      file: 'config',
      path: ['models', { match: { name }, first: true }],
      value: { name, provider: 'openai', model, apiBase: target.baseUrl.openai, apiKey: target.key, roles: ['chat', 'edit', 'apply'] },
      secret: true,
      guard: { kind: 'address', field: ['apiBase'] },
    });
  }
  if (files.context != null && context?.cliSelectedModel !== undefined) {
    edits.push({ file: 'context', path: ['cliSelectedModel'], value: `${target.providerId}/${target.defaultModel}` });
  }
  return edits;
}

/**
 * launch (1.5.47: `--config <path>` outranks `~/.continue/config.yaml`): a 0600 temp
 * `config.yaml`, the user's config (rules, MCP servers, context…) with `models` replaced by one
 * `gwctl-launch/MODEL` entry. JSON is YAML, so it is written as JSON. A persisted selection
 * (`cliSelectedModel`) names none of its models, so cn takes the first chat model: ours.
 */
function launch(target: LaunchTarget, ctx: LaunchContext, files: FileTexts): LaunchPlan {
  const { config } = parseAll(locate(ctx), files);
  const name = `gwctl-launch/${target.model}`;
  const doc: JsonObject = {
    ...(config ?? {}),
    name: text(config?.name) ?? 'gwctl launch',
    version: text(config?.version) ?? '1.0.0',
    models: [{ name, provider: 'openai', model: target.model, apiBase: target.baseUrl.openai, apiKey: target.key, roles: ['chat', 'edit', 'apply'] }],
  };
  return {
    env: {},
    unset: [],
    args: ['--config', join(ctx.tempDir, 'config.yaml')],
    files: [{ name: 'config.yaml', text: JSON.stringify(doc, null, 2) + '\n' }],
  };
}

export const continueCli: ToolAdapter<'continue'> = {
  id: 'continue',
  name: 'Continue',
  protocol: 'openai',
  locate,
  inspect,
  plan,
  requestPath: '/v1/chat/completions',
  bin: 'cn',
  launch,
};
