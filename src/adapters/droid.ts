/**
 * Factory Droid (`@factory/cli` 0.225.1, binary from `@factory/cli-linux-x64` 0.225.2; read from
 * the strings of its compiled bundle: packages/runtime/settings (SettingsParsing,
 * FactorySettingsFolder, legacyCustomModelMigration) and packages/utils/src/models/customModels).
 *
 * - Dir: `$FACTORY_HOME_OVERRIDE/.factory` (checked with the binary), else `~/.factory`.
 * - `settings.json`: `customModels[] = { model, id?, displayName?, baseUrl, apiKey, provider,
 *   maxOutputTokens?, … }`, `provider` one of `anthropic`, `openai` (Responses API),
 *   `generic-chat-completion-api` (POST {baseUrl}/chat/completions, Bearer apiKey). An entry's id
 *   is its `id`, else `custom:<displayName or model, spaces as '-'>-<n>` (n counts earlier entries
 *   with the same name). `apiKey` may hold `${VAR}` references.
 * - The session's model: `sessionDefaultSettings.model` (a top-level `model` is migrated there);
 *   `custom:…` ids are custom models, anything else is a Factory-served model.
 * - Outranking or merged: `settings.local.json` beside it (read here), project
 *   `.factory/settings.json`, the org-managed `/etc/factory/settings.json`; the legacy
 *   `config.json` `custom_models[]` (snake_case) is merged under settings.json (only ids
 *   settings.json does not define).
 * - Auth: with a custom model and its own apiKey, Droid runs without a Factory login (checked:
 *   `droid exec` sent POST /v1/chat/completions with the entry's key and no login).
 *
 * Slot: one `customModels[]` entry per gateway model, owned by its id `custom:P-MODEL` (matched by
 * id, other entries untouched), and `sessionDefaultSettings.model`. A restore also sweeps entries
 * with our id prefix that still point at the gateway.
 */
import { join } from 'node:path';
import { pointsAt } from '../shared/address.ts';
import type { Edit, JsonObject } from '../formats/slot.ts';
import { envVar, expandEnv, fileSpec, LAUNCH_PROVIDER, obj, parseAll, projectDirs, statusOf, text, warn } from './common.ts';
import type {
  AdapterEnv,
  DoctorCheckContext,
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
  const dir = join(envVar(ctx, 'FACTORY_HOME_OVERRIDE') ?? ctx.home, '.factory');
  return {
    dir,
    files: [
      fileSpec(dir, 'settings.json', 'settings', 'jsonc'),
      fileSpec(dir, 'settings.local.json', 'local', 'jsonc', false),
      fileSpec(dir, 'config.json', 'legacy', 'jsonc', false),
    ],
  };
}

export const ourId = (P: string, model: string) => `custom:${P}-${model}`;

interface Entry {
  id: string;
  model: string;
  baseUrl: string | undefined;
}

/** settings.json entries with Droid's ids (customModels.ts YI / Ct). */
function entries(list: unknown): Entry[] {
  if (!Array.isArray(list)) return [];
  const seen = new Map<string, number>();
  const out: Entry[] = [];
  for (const e of list.map(obj)) {
    if (e === undefined || typeof e.model !== 'string' || typeof e.provider !== 'string') continue;
    const name = (typeof e.displayName === 'string' ? e.displayName : e.model).trim().replace(/\s+/g, '-');
    const n = seen.get(name) ?? 0;
    seen.set(name, n + 1);
    out.push({ id: typeof e.id === 'string' ? e.id : `custom:${name}-${n}`, model: e.model, baseUrl: text(e.baseUrl) });
  }
  return out;
}

/** Legacy config.json `custom_models[]`, for ids settings.json does not define. */
function legacyEntries(list: unknown): Entry[] {
  if (!Array.isArray(list)) return [];
  return entries(
    list
      .map(obj)
      .filter((e) => e !== undefined)
      .map((e) => ({
        model: e.model ?? null,
        provider: e.provider ?? null,
        ...(typeof e.model_display_name === 'string' ? { displayName: e.model_display_name } : {}),
        ...(typeof e.base_url === 'string' ? { baseUrl: e.base_url } : {}),
      })),
  );
}

function customModels(parsed: Record<string, JsonObject>): Entry[] {
  const own = [...entries(parsed.settings?.customModels), ...entries(parsed.local?.customModels)];
  const ids = new Set(own.map((e) => e.id));
  return [...own, ...legacyEntries(parsed.legacy?.custom_models).filter((e) => !ids.has(e.id))];
}

function selected(parsed: Record<string, JsonObject>): { model: string; file: string } | undefined {
  for (const [role, file] of [
    ['local', 'settings.local.json'],
    ['settings', 'settings.json'],
  ] as const) {
    const doc = parsed[role];
    const m = text(obj(doc?.sessionDefaultSettings)?.model) ?? text(doc?.model);
    if (m !== undefined) return { model: m, file };
  }
  return undefined;
}

function inspect(files: FileTexts, gw: GatewayIdentity, ctx: AdapterEnv): Inspection {
  const parsed = parseAll(locate(ctx), files);
  const models = customModels(parsed);
  const url = (e: Entry | undefined) => (e?.baseUrl === undefined ? undefined : expandEnv(e.baseUrl, ctx));
  const ours = models.find((e) => pointsAt(url(e), gw.root));
  const sel = selected(parsed);
  if (sel === undefined || !sel.model.startsWith('custom:')) {
    // Droid's own models go to Factory's service.
    const ins: Inspection = { status: 'not-taken-over' };
    return ours === undefined
      ? ins
      : warn(ins, `customModels has the gateway's models, but ${sel ? `${sel.file} selects "${sel.model}"` : 'no custom model is selected'}`);
  }
  // Droid's lookup: by id, else `custom:<model>` names the entry with that model.
  const entry = models.find((e) => e.id === sel.model) ?? models.find((e) => `custom:${e.model}` === sel.model);
  const ins = statusOf(url(entry), gw, gw.baseUrl.openai, `${sel.file} sessionDefaultSettings.model "${sel.model}" uses a baseUrl that`);
  if (ins.status === 'not-taken-over' && ours !== undefined) return warn(ins, `customModels has the gateway's models, but "${sel.model}" is not one of them`);
  return ins;
}

/** Entries with our id prefix `custom:P-` still pointing at the gateway (a copy the user or Droid made). */
function sweep(files: FileTexts, gw: GatewayIdentity, P: string, ctx: AdapterEnv): Edit[] {
  const { settings } = parseAll(locate(ctx), files);
  const list = Array.isArray(settings?.customModels) ? settings.customModels.map(obj) : [];
  return list
    .filter((e): e is JsonObject => typeof e?.id === 'string' && e.id.startsWith(ourId(P, '')) && pointsAt(text(e.baseUrl), gw.root))
    .map((e) => ({ file: 'settings', path: ['customModels', { match: { id: e.id as string } }], value: undefined }));
}

function plan(_files: FileTexts, target: TakeoverTarget): Edit[] {
  const P = target.providerId;
  const edits: Edit[] = target.models.map((model) => ({
    file: 'settings',
    path: ['customModels', { match: { id: ourId(P, model) } }],
    value: {
      model,
      id: ourId(P, model),
      displayName: `${model} (${target.displayName})`,
      baseUrl: target.baseUrl.openai,
      apiKey: target.key,
      provider: 'generic-chat-completion-api',
      maxOutputTokens: 8192,
    },
    secret: true,
    guard: { kind: 'address', field: ['baseUrl'] },
  }));
  edits.push({ file: 'settings', path: ['sessionDefaultSettings', 'model'], value: ourId(P, target.defaultModel) });
  return edits;
}

/**
 * One run: `FACTORY_HOME_OVERRIDE` = a temp dir whose `.factory/` links every entry of the user's
 * `~/.factory` (login, sessions stay theirs) except settings.json, a copy with one more
 * `customModels[]` entry (`custom:gwctl-launch-MODEL`) and `sessionDefaultSettings.model` on it.
 * Droid has no per-run switch for a custom model. A `settings.local.json` that picks another
 * model still wins (it is linked, as Droid reads it).
 */
function launch(target: LaunchTarget, ctx: LaunchContext, files: FileTexts): LaunchPlan {
  const loc = locate(ctx);
  const { settings = {} } = parseAll(loc, files);
  const id = ourId(LAUNCH_PROVIDER, target.model);
  const entry = {
    model: target.model,
    id,
    displayName: `${target.model} (${target.displayName})`,
    baseUrl: target.baseUrl.openai,
    apiKey: target.key,
    provider: 'generic-chat-completion-api',
    maxOutputTokens: 8192,
  };
  const custom = Array.isArray(settings.customModels) ? settings.customModels : [];
  const copy = { ...settings, customModels: [...custom, entry], sessionDefaultSettings: { ...(obj(settings.sessionDefaultSettings) ?? {}), model: id } };
  return {
    env: { FACTORY_HOME_OVERRIDE: join(ctx.tempDir, 'droid-home') },
    unset: [],
    args: [],
    files: [{ name: 'droid-home/.factory/settings.json', text: JSON.stringify(copy, null, 2) + '\n' }],
    mirror: [{ from: loc.dir, to: 'droid-home/.factory', except: ['settings.json'] }],
  };
}

/** Project .factory settings that select another model win over the user's. */
function doctor(c: DoctorCheckContext): void {
  for (const d of projectDirs(c)) {
    for (const name of ['settings.json', 'settings.local.json']) {
      const file = join(d, '.factory', name);
      if (c.loc.files.some((f) => f.path === file)) continue;
      const model = obj(c.readDoc(file, 'jsonc')?.sessionDefaultSettings)?.model;
      if (typeof model === 'string' && !model.startsWith(`custom:${c.gateway.providerId}-`)) {
        c.shadow(
          'droid-project',
          'error',
          `the project file ${file} selects model "${model}", which wins over ${c.configPath} in that project`,
          `remove sessionDefaultSettings.model from ${file}`,
          file,
        );
      }
    }
  }
}

export const droid: ToolAdapter<'droid'> = {
  doctor,
  id: 'droid',
  name: 'Droid',
  protocol: 'openai',
  locate,
  inspect,
  plan,
  sweep,
  requestPath: '/v1/chat/completions',
  bin: 'droid',
  launch,
};
