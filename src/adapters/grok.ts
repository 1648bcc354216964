/**
 * Grok Build (`@xai-official/grok` 1.0.41, a Rust binary from `@xai-official/grok-linux-x64`;
 * read from the user guide compiled into it (05-configuration.md, 26-config-reference.md,
 * "Custom Models") and its postinstall.js).
 *
 * - Dir: `$GROK_HOME` or `~/.grok`; `config.toml` there (TOML; Grok appends tables of its own,
 *   e.g. `[marketplace]`, on first run).
 * - `[models] default = "NAME"` picks the session's model; `[model."NAME"]` defines one:
 *   `model` (sent to the API), `name`, `base_url`, `api_key` (else `env_key`, the login token,
 *   `XAI_API_KEY`), `api_backend` (`chat_completions`, the default: POST {base_url}/chat/completions
 *   with Bearer api_key; `responses`; `messages`), `context_window`. A model may take `base_url`
 *   from `[model_providers.ID]` through `model_provider = "ID"`.
 * - Outranking config.toml: `-m`, `GROK_CONFIG` / `GROK_CONFIG_PATH` overlays (status notes
 *   them), `requirements.toml` / MDM (org policy). A project `.grok/config.toml` sets only MCP
 *   servers, plugins and permissions, never models.
 * - Auth: `grok login` (an xAI session) is used only for a model without its own `api_key`.
 *
 * Slot: `[models] default = "P-MODEL"` and one `[model."P-MODEL"]` per gateway model. A restore
 * also sweeps `[model."P-…"]` tables still pointing at the gateway.
 */
import { join } from 'node:path';
import { pointsAt } from '../shared/address.ts';
import { applyEdits } from '../formats/apply.ts';
import type { Edit, JsonObject } from '../formats/slot.ts';
import { LAUNCH_PROVIDER, envVar, fileSpec, obj, parseAll, statusOf, text, warn } from './common.ts';
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
  const dir = envVar(ctx, 'GROK_HOME') ?? join(ctx.home, '.grok');
  return { dir, files: [fileSpec(dir, 'config.toml', 'config', 'toml')] };
}

export const modelKey = (P: string, model: string) => `${P}-${model}`;

function urlOf(doc: JsonObject, entry: JsonObject | undefined): string | undefined {
  const via = text(entry?.model_provider);
  return text(entry?.base_url) ?? (via === undefined ? undefined : text(obj(obj(doc.model_providers)?.[via])?.base_url));
}

function inspect(files: FileTexts, gw: GatewayIdentity, ctx: AdapterEnv): Inspection {
  const { config: doc = {} } = parseAll(locate(ctx), files);
  const models = obj(doc.model) ?? {};
  const ours = Object.entries(models).find(([k, m]) => k.startsWith(modelKey(gw.providerId, '')) && pointsAt(urlOf(doc, obj(m)), gw.root));
  const def = text(obj(doc.models)?.default);
  // A default without a [model.NAME] table of its own (or none at all) is one of xAI's models.
  let ins: Inspection =
    def === undefined
      ? { status: 'not-taken-over' }
      : statusOf(urlOf(doc, obj(models[def])), gw, gw.baseUrl.openai, `[models] default = "${def}" uses a base_url that`);
  if (ins.status === 'not-taken-over' && ours !== undefined)
    ins = warn(ins, `[model."${ours[0]}"] points to this gateway, but [models] default is ${def === undefined ? 'not set' : `"${def}"`}`);
  for (const v of ['GROK_CONFIG', 'GROK_CONFIG_PATH']) {
    if (envVar(ctx, v) !== undefined) ins = warn(ins, `${v} is set: its overlay outranks config.toml`);
  }
  return ins;
}

function plan(_files: FileTexts, target: TakeoverTarget): Edit[] {
  const P = target.providerId;
  const edits: Edit[] = [{ file: 'config', path: ['models', 'default'], value: modelKey(P, target.defaultModel) }];
  for (const model of target.models) {
    edits.push({
      file: 'config',
      path: ['model', modelKey(P, model)],
      value: {
        model,
        name: `${model} (${target.displayName})`,
        base_url: target.baseUrl.openai,
        api_key: target.key,
        api_backend: 'chat_completions',
        context_window: 128000,
      },
      secret: true,
      guard: { kind: 'address', field: ['base_url'] },
    });
  }
  return edits;
}

/** `[model."P-…"]` tables still pointing at the gateway (copies a restore must not leave behind). */
function sweep(files: FileTexts, gw: GatewayIdentity, providerId: string, ctx: AdapterEnv): Edit[] {
  if (files.config == null) return [];
  const { config: doc = {} } = parseAll(locate(ctx), files);
  const edits: Edit[] = [];
  const gone: string[] = [];
  for (const [k, m] of Object.entries(obj(doc.model) ?? {})) {
    if (k.startsWith(modelKey(providerId, '')) && pointsAt(text(obj(m)?.base_url), gw.root)) {
      gone.push(k);
      edits.push({ file: 'config', path: ['model', k], value: undefined });
    }
  }
  const def = text(obj(doc.models)?.default);
  if (def !== undefined && gone.includes(def)) edits.push({ file: 'config', path: ['models', 'default'], value: undefined });
  return edits;
}

/**
 * One run: `GROK_HOME` = a temp dir linking every entry of the user's `~/.grok` (login, sessions,
 * the binary the installer put in `bin/`) except config.toml, a copy with the takeover's edits
 * for one model (`[models] default` and `[model."gwctl-launch-MODEL"]`). The `GROK_CONFIG` /
 * `GROK_CONFIG_PATH` overlays cannot do it: they take only allowlisted soft settings (`models`,
 * `features`, …) and drop `[model.*]` tables (the binary's guide, 05-configuration.md).
 */
function launch(target: LaunchTarget, ctx: LaunchContext, files: FileTexts): LaunchPlan {
  const loc = locate(ctx);
  const edits = plan(files, { ...target, providerId: LAUNCH_PROVIDER, models: [target.model], defaultModel: target.model });
  const { text } = applyEdits(files.config ?? '', 'toml', edits, loc.files[0]!.path);
  return {
    env: { GROK_HOME: join(ctx.tempDir, 'grok-home') },
    unset: ['GROK_CONFIG', 'GROK_CONFIG_PATH', 'XAI_API_KEY'],
    args: [],
    files: [{ name: 'grok-home/config.toml', text }],
    mirror: [{ from: loc.dir, to: 'grok-home', except: ['config.toml'] }],
  };
}

export const grok: ToolAdapter<'grok'> = {
  id: 'grok',
  name: 'Grok Build',
  protocol: 'openai',
  locate,
  inspect,
  plan,
  sweep,
  requestPath: '/v1/chat/completions',
  bin: 'grok',
  launch,
};
