/**
 * Qwen Code: `$QWEN_HOME` (the directory itself; a leading `~` is expanded, as Qwen does) or
 * `~/.qwen`, with `.env` (written) and `settings.json` (JSONC, read for status only: Qwen rewrites
 * it itself on first run).
 *
 * Slot: `.env` `OPENAI_BASE_URL` (gateway `/v1`), `OPENAI_API_KEY`, `OPENAI_MODEL`; these three
 * select the `openai` auth type when settings do not name one.
 * A `settings.json` `modelProviders.openai[]` entry whose `id` is the selected `model.name` beats
 * `.env` (its `baseUrl` wins), so such an entry pointing elsewhere is "Connected (Other Address)";
 * `takeover --force` then also sets `settings.json` `model.name` to the gateway's model (restore
 * puts the user's selection back, unless it was changed since).
 *
 * launch (`@qwen-code/qwen-code` 0.24.4, `loadCliConfig`: `argv.authType ||
 * settings.security.auth.selectedType || getAuthTypeFromEnv()`; `resolveCliGenerationConfig`:
 * `argv.model` before `settings.model.name`; `resolveModelConfig`: the API key from the
 * environment before `settings.security.auth.apiKey`): `--auth-type openai --model MODEL`, and
 * `OPENAI_BASE_URL`, `OPENAI_API_KEY`, `OPENAI_MODEL` in the environment (they beat `~/.qwen/.env`).
 * `QWEN_OAUTH` is removed. Left as is: a `modelProviders.openai[]` entry whose `id` is MODEL
 * still supplies its own baseUrl (Qwen's rule); pick another `--model` then.
 */
import { join } from 'node:path';
import { pointsAt } from '../shared/address.ts';
import type { Edit, JsonObject } from '../formats/slot.ts';
import { baseName, envVar, fileSpec, obj, parseAll, statusOf, text, warn } from './common.ts';
import type {
  AdapterEnv,
  DoctorCheckContext,
  FileTexts,
  GatewayIdentity,
  Inspection,
  LaunchPlan,
  LaunchTarget,
  TakeoverTarget,
  ToolAdapter,
  ToolLocation,
} from './types.ts';

function locate(ctx: AdapterEnv): ToolLocation {
  const home = envVar(ctx, 'QWEN_HOME');
  const dir = home === undefined ? join(ctx.home, '.qwen') : home === '~' || /^~[/\\]/.test(home) ? join(ctx.home, home.slice(1)) : home;
  return {
    dir,
    files: [fileSpec(dir, '.env', 'env', 'dotenv'), fileSpec(dir, 'settings.json', 'settings', 'jsonc')],
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
    // Only `takeover --force` changes this: it selects the gateway's model (model.name), which
    // has no entry of its own, so .env decides again.
    return warn(
      ins,
      `it wins over .env; \`gwctl takeover qwen-code --force\` selects the gateway's model instead (restore puts ${JSON.stringify(model)} back), or pick another model with /model in Qwen Code`,
    );
  }

  const ins = statusOf(text(env?.OPENAI_BASE_URL), gw, gw.baseUrl.openai, '.env OPENAI_BASE_URL');
  const authType = obj(obj(settings?.security)?.auth)?.selectedType;
  if (ins.status === 'taken-over' && authType !== undefined && authType !== 'openai') {
    return warn(
      ins,
      `${settingsName} security.auth.selectedType is ${JSON.stringify(authType)}, which wins over .env: choose the OpenAI-compatible provider with /auth in Qwen Code`,
    );
  }
  return ins;
}

function plan(files: FileTexts, target: TakeoverTarget, ctx: AdapterEnv): Edit[] {
  const edits: Edit[] = [
    { file: 'env', path: ['OPENAI_BASE_URL'], value: target.baseUrl.openai, guard: { kind: 'address' } },
    { file: 'env', path: ['OPENAI_API_KEY'], value: target.key, secret: true },
    { file: 'env', path: ['OPENAI_MODEL'], value: target.defaultModel },
  ];
  // The selected model has a settings.json route of its own pointing elsewhere (the engine only
  // gets here with --force): select the gateway's model instead, so .env decides.
  const { settings } = parseAll(locate(ctx), files);
  const model = selectedModel(settings);
  const providers = obj(settings?.modelProviders)?.openai;
  const entry = model !== undefined && Array.isArray(providers) ? providers.map(obj).find((p) => p?.id === model) : undefined;
  const entryUrl = text(entry?.baseUrl);
  if (entryUrl !== undefined && !pointsAt(entryUrl, target.root) && model !== target.defaultModel) {
    edits.push({ file: 'settings', path: typeof settings?.model === 'string' ? ['model'] : ['model', 'name'], value: target.defaultModel });
  }
  return edits;
}

function launch(target: LaunchTarget): LaunchPlan {
  return {
    env: { OPENAI_BASE_URL: target.baseUrl.openai, OPENAI_API_KEY: target.key, OPENAI_MODEL: target.model },
    unset: ['QWEN_OAUTH'],
    args: ['--auth-type', 'openai', '--model', target.model],
  };
}

const OPENAI_VARS = ['OPENAI_BASE_URL', 'OPENAI_API_KEY', 'OPENAI_MODEL'];

/** OPENAI_* in the shell win over .env; a modelProviders entry for the selected model wins too. */
function doctor(c: DoctorCheckContext): void {
  for (const v of OPENAI_VARS) {
    if (c.env[v] === undefined) continue;
    const harmless = v === 'OPENAI_BASE_URL' && pointsAt(c.env[v], c.gateway.root);
    if (!harmless)
      c.shadow('env-openai', 'error', `${v} is exported in this shell and wins over ~/.qwen/.env`, `unset ${v} (and remove it from your shell profile)`);
  }
  // The file as Qwen Code reads it (JSONC: comments and trailing commas are fine).
  const spec = c.loc.files.find((f) => f.role === 'settings')!;
  const settings = c.readDoc(spec.path, spec.format);
  const model = selectedModel(settings);
  const entries = obj(settings?.modelProviders)?.openai;
  if (model === undefined || !Array.isArray(entries)) return;
  for (const e of entries) {
    const o = obj(e);
    if (o?.id !== model) continue;
    const url = text(o.baseUrl);
    if (url !== undefined && !pointsAt(url, c.gateway.root)) {
      c.shadow(
        'qwen-model-providers',
        'error',
        `settings.json modelProviders.openai entry "${model}" sends requests to ${url}, beating ~/.qwen/.env`,
        `remove that entry, or set its baseUrl to ${c.gateway.baseUrl.openai}`,
        spec.path,
      );
    }
  }
}

export const qwenCode: ToolAdapter<'qwen-code'> = {
  id: 'qwen-code',
  name: 'Qwen Code',
  protocol: 'openai',
  locate,
  inspect,
  plan,
  requestPath: '/v1/chat/completions',
  bin: 'qwen',
  launch,
  doctor,
};
