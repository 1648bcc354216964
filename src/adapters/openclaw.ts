/**
 * OpenClaw (npm `openclaw`, Node >= 24.16): `openclaw.json` in JSON5 (comments, bare keys,
 * single quotes, trailing commas) at `$OPENCLAW_CONFIG_PATH`, else `$OPENCLAW_STATE_DIR/openclaw.json`,
 * else `~/.openclaw/openclaw.json` (`~` = `$OPENCLAW_HOME` when set).
 *
 * Facts, from openclaw 2026.9.6 as published on npm (dist/managed-handoff-runtime.mjs, regions
 * src/config/state-dir.ts and src/config/paths.ts; docs/gateway/config-tools/custom-providers.md,
 * docs/gateway/config-agents/models.md, docs/help/environment.md), confirmed by running
 * `openclaw agent exec` 2026.9.6 in a throw-away HOME:
 * - `resolveStateDir`: `OPENCLAW_STATE_DIR`, else `<home>/.openclaw` (a legacy `~/.clawdbot` is
 *   used only when `.openclaw` is absent: not handled here); `resolveConfigPath`:
 *   `OPENCLAW_CONFIG_PATH` outranks both.
 * - `models.providers.<id> = {baseUrl, apiKey, api, models: [{id, name, …}]}`; a provider with
 *   `api: "openai-completions"` sends `POST {baseUrl}/chat/completions` with `Authorization:
 *   Bearer {apiKey}` (run).
 * - `agents.defaults.model` is `"provider/model"` or `{primary, fallbacks}`; the provider id is
 *   everything before the first slash. Outranking it: `agents.entries.<agent>.model`, the
 *   `--model` flag, and, for the same provider id, a non-empty `baseUrl` in the generated
 *   `agents/main/agent/models.json` (read here for status).
 *
 * Slot: `models.providers.P` and the primary model: `agents.defaults.model.primary = "P/MODEL"`,
 * or `agents.defaults.model` itself when the user wrote it as a string.
 */
import { dirname, join } from 'node:path';
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

function abs(p: string, ctx: AdapterEnv, home: string): string {
  if (p === '~' || p.startsWith('~/')) return join(home, p.slice(1));
  return p.startsWith('/') ? p : join(ctx.home, p);
}

function locate(ctx: AdapterEnv): ToolLocation {
  const home = envVar(ctx, 'OPENCLAW_HOME') ? abs(envVar(ctx, 'OPENCLAW_HOME')!, ctx, ctx.home) : ctx.home;
  const stateEnv = envVar(ctx, 'OPENCLAW_STATE_DIR');
  const stateDir = stateEnv ? abs(stateEnv, ctx, home) : join(home, '.openclaw');
  const configEnv = envVar(ctx, 'OPENCLAW_CONFIG_PATH');
  const config = configEnv ? abs(configEnv, ctx, home) : join(stateDir, 'openclaw.json');
  const dir = dirname(config);
  return {
    dir,
    files: [
      { role: 'config', path: config, format: 'json5', writable: true },
      fileSpec(join(stateDir, 'agents', 'main', 'agent'), 'models.json', 'agentModels', 'json5', false),
    ],
  };
}

/** The primary model ref (`provider/model`) of `agents.defaults.model`, string or object form. */
function primaryOf(config: JsonObject | undefined): string | undefined {
  const model = obj(obj(config?.agents)?.defaults)?.model;
  return typeof model === 'string' ? text(model) : text(obj(model)?.primary);
}

function inspect(files: FileTexts, gw: GatewayIdentity, ctx: AdapterEnv): Inspection {
  const { config, agentModels } = parseAll(locate(ctx), files);
  const providers = obj(obj(config?.models)?.providers) ?? {};
  const generated = obj(agentModels?.providers) ?? {};
  const baseUrlOf = (id: string): string | undefined => text(obj(generated[id])?.baseUrl) ?? text(obj(providers[id])?.baseUrl);
  const ours = Object.keys(providers).find((id) => pointsAt(baseUrlOf(id), gw.root));
  const primary = primaryOf(config);
  let ins: Inspection;
  if (primary === undefined) {
    if (ours === undefined) return { status: 'not-taken-over' };
    ins = statusOf(baseUrlOf(ours), gw, gw.baseUrl.openai, `models.providers.${ours}.baseUrl`);
  } else {
    const providerId = primary.split('/')[0] ?? '';
    const where = `agents.defaults.model "${primary}" uses models.providers.${providerId}.baseUrl, which`;
    ins = statusOf(baseUrlOf(providerId), gw, gw.baseUrl.openai, where);
    if (ins.status === 'not-taken-over' && ours !== undefined)
      ins = warn(ins, `models.providers.${ours} points to this gateway, but the primary model is "${primary}"`);
  }
  const main = obj(obj(obj(config?.agents)?.entries)?.main)?.model;
  if (main !== undefined) ins = warn(ins, 'agents.entries.main.model overrides agents.defaults.model for the main agent');
  return ins;
}

function plan(files: FileTexts, target: TakeoverTarget, ctx: AdapterEnv): Edit[] {
  const { config } = parseAll(locate(ctx), files);
  const ref = `${target.providerId}/${target.defaultModel}`;
  const current = obj(obj(config?.agents)?.defaults)?.model;
  return [
    {
      file: 'config',
      path: ['models', 'providers', target.providerId],
      value: {
        baseUrl: target.baseUrl.openai,
        apiKey: target.key,
        api: 'openai-completions',
        models: target.models.map((id) => ({ id, name: id })),
      },
      secret: true,
      guard: { kind: 'address', field: ['baseUrl'] },
    },
    typeof current === 'string'
      ? { file: 'config', path: ['agents', 'defaults', 'model'], value: ref }
      : { file: 'config', path: ['agents', 'defaults', 'model', 'primary'], value: ref },
  ];
}

/**
 * launch (`OPENCLAW_CONFIG_PATH` outranks the state dir's `openclaw.json`): a 0600 temp
 * `openclaw.json` (JSON is JSON5), the user's config with a `models.providers["gwctl-launch"]`
 * and `agents.defaults.model.primary = "gwctl-launch/MODEL"` (fallbacks kept). A provider id of
 * its own: nothing in the user's generated `models.json` outranks it.
 */
function launch(target: LaunchTarget, ctx: LaunchContext, files: FileTexts): LaunchPlan {
  const { config } = parseAll(locate(ctx), files);
  const P = 'gwctl-launch';
  const models = obj(config?.models) ?? {};
  const agents = obj(config?.agents) ?? {};
  const defaults = obj(agents.defaults) ?? {};
  const current = obj(defaults.model);
  const doc: JsonObject = {
    ...(config ?? {}),
    models: {
      ...models,
      providers: {
        ...(obj(models.providers) ?? {}),
        [P]: { baseUrl: target.baseUrl.openai, apiKey: target.key, api: 'openai-completions', models: [{ id: target.model, name: target.model }] },
      },
    },
    agents: { ...agents, defaults: { ...defaults, model: { ...(current ?? {}), primary: `${P}/${target.model}` } } },
  };
  return {
    env: { OPENCLAW_CONFIG_PATH: join(ctx.tempDir, 'openclaw.json') },
    unset: [],
    args: [],
    files: [{ name: 'openclaw.json', text: JSON.stringify(doc, null, 2) + '\n' }],
  };
}

export const openclaw: ToolAdapter<'openclaw'> = {
  id: 'openclaw',
  name: 'OpenClaw',
  protocol: 'openai',
  locate,
  inspect,
  plan,
  requestPath: '/v1/chat/completions',
  bin: 'openclaw',
  launch,
};
