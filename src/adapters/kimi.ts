/**
 * What the two Kimi products share: the legacy Python kimi-cli (`~/.kimi`) and its Node successor
 * Kimi Code (`~/.kimi-code`) read the same `config.toml` schema:
 *
 *   default_model = "P/MODEL"
 *   [providers.P]          type, base_url, api_key
 *   [models."P/MODEL"]     provider = "P", model = "MODEL", max_context_size
 *
 * Our slot: `providers.P`, one `models."P/M"` per gateway model, and `default_model`. A restore
 * also sweeps every model whose provider is P (the client or the user may have added more) and a
 * `default_model` left naming one of them: legacy kimi-cli refuses to start on a dangling one.
 */
import { join } from 'node:path';
import { pointsAt } from '../shared/address.ts';
import { editorFor } from '../formats/index.ts';
import { isObject } from '../formats/path.ts';
import { ConfigFormatError, type Edit, type JsonObject } from '../formats/slot.ts';
import { LAUNCH_PROVIDER } from './common.ts';
import type {
  AdapterEnv,
  FileSpec,
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

export const CONFIG_ROLE = 'config';
/** Legacy kimi-cli before 0.66 kept its settings in config.json; 0.66+ moves it to config.toml on start. */
export const LEGACY_JSON_ROLE = 'legacy-json';
export const MAX_CONTEXT_SIZE = 128000;
const DEFAULT_PROVIDER_ID = 'servbay';
/** Moonshot's own endpoints: a login to Kimi's service, the tool's built-in default. */
const MOONSHOT_HOSTS = /(^|\.)(kimi\.com|moonshot\.cn|moonshot\.ai)$/i;

export interface KimiFlavour<Id extends 'kimi-cli' | 'kimi-code' = 'kimi-cli' | 'kimi-code'> {
  id: Id;
  name: string;
  /** Env var that moves the config dir, and the default dir under HOME. */
  dirEnv: string;
  dirName: string;
  /** Provider `type` that speaks OpenAI chat completions in this product. */
  providerType: string;
  /** Read a config.json (legacy kimi-cli) when config.toml does not exist yet. */
  legacyJson: boolean;
  /** Kimi Code: a model may carry its own `base_url`, and `default_provider` fills a missing `provider`. */
  modelOverrides: boolean;
  /** Environment variables that silently beat the file, as notes for the status line. */
  envNotes(env: AdapterEnv['env']): string[];
  /** `gwctl launch`: this product's per-run mechanism (see each product's header). */
  launch(target: LaunchTarget, ctx: LaunchContext, doc: () => JsonObject): LaunchPlan;
}

/** One provider + one model, as both products' config schema spells them. */
export function launchEntries(target: LaunchTarget, providerType: string): { providers: JsonObject; models: JsonObject; default_model: string } {
  const name = `${LAUNCH_PROVIDER}/${target.model}`;
  return {
    providers: { [LAUNCH_PROVIDER]: { type: providerType, base_url: target.baseUrl.openai, api_key: target.key } },
    models: { [name]: { provider: LAUNCH_PROVIDER, model: target.model, max_context_size: MAX_CONTEXT_SIZE } },
    default_model: name,
  };
}

export function kimiAdapter<Id extends 'kimi-cli' | 'kimi-code'>(f: KimiFlavour<Id>): ToolAdapter<Id> {
  function locate(ctx: AdapterEnv): ToolLocation {
    const dir = expandHome(ctx.env[f.dirEnv], ctx.home) || join(ctx.home, f.dirName);
    const files: FileSpec[] = [{ role: CONFIG_ROLE, path: join(dir, 'config.toml'), format: 'toml', writable: true }];
    if (f.legacyJson) files.push({ role: LEGACY_JSON_ROLE, path: join(dir, 'config.json'), format: 'json', writable: false });
    return { dir, files };
  }

  function pathOf(role: string, ctx: AdapterEnv): string {
    return locate(ctx).files.find((s) => s.role === role)!.path;
  }

  /** The document the client reads: config.toml, else (legacy kimi-cli) config.json. */
  function readConfig(files: FileTexts, ctx: AdapterEnv): JsonObject {
    const toml = files[CONFIG_ROLE];
    const json = f.legacyJson ? files[LEGACY_JSON_ROLE] : null;
    if (toml == null && json != null) return editorFor('json').parse(json, pathOf(LEGACY_JSON_ROLE, ctx));
    return editorFor('toml').parse(toml ?? '', pathOf(CONFIG_ROLE, ctx));
  }

  /** Where requests for model `name` go, when the config says so. */
  function modelRoute(doc: JsonObject, name: string): { provider?: string; url?: string; type?: string } | undefined {
    const model = table(table(doc.models)?.[name]);
    if (!model) return undefined;
    const provider = str(model.provider) ?? (f.modelOverrides ? str(doc.default_provider) : undefined);
    const entry = provider === undefined ? undefined : table(table(doc.providers)?.[provider]);
    const url = (f.modelOverrides ? nonEmpty(model.base_url) : undefined) ?? nonEmpty(entry?.base_url);
    const type = str(entry?.type);
    return { ...(provider !== undefined ? { provider } : {}), ...(url !== undefined ? { url } : {}), ...(type !== undefined ? { type } : {}) };
  }

  function inspect(files: FileTexts, gw: GatewayIdentity, ctx: AdapterEnv): Inspection {
    const doc = readConfig(files, ctx);
    const P = providerIdOf(gw);
    const ourUrl = str(table(table(doc.providers)?.[P])?.base_url);
    const defaultModel = nonEmpty(doc.default_model);
    const route = defaultModel === undefined ? undefined : modelRoute(doc, defaultModel);

    if (pointsAt(ourUrl, gw.root)) {
      const notes: string[] = [];
      if (defaultModel !== undefined && route?.provider !== P) {
        notes.push(`default_model = "${defaultModel}" does not use provider "${P}"`);
      } else if (route?.url !== undefined && !pointsAt(route.url, gw.root)) {
        notes.push(`model "${defaultModel}" overrides base_url with ${route.url}`);
      }
      notes.push(...f.envNotes(ctx.env));
      return { status: 'taken-over', address: ourUrl!, ...(notes.length ? { detail: notes.join('; ') } : {}) };
    }
    if (route?.url !== undefined) {
      const via = route.provider === undefined ? '' : ` (provider "${route.provider}")`;
      if (pointsAt(route.url, gw.root)) {
        return {
          status: 'not-taken-over',
          address: route.url,
          detail: `default_model = "${defaultModel}"${via} already points at this gateway, but not through gwctl's provider "${P}"`,
        };
      }
      if (isMoonshot(route.url, route.type)) {
        return { status: 'not-taken-over', address: route.url, detail: `default_model = "${defaultModel}" uses Kimi's own service${via}` };
      }
      return { status: 'other-address', address: route.url, detail: `default_model = "${defaultModel}"${via} points to ${route.url}` };
    }
    if (ourUrl !== undefined) {
      return { status: 'other-address', address: ourUrl, detail: `[providers.${P}] points to ${ourUrl}` };
    }
    return { status: 'not-taken-over' };
  }

  function plan(files: FileTexts, target: TakeoverTarget, ctx: AdapterEnv): Edit[] {
    if (f.legacyJson && files[CONFIG_ROLE] == null && files[LEGACY_JSON_ROLE] != null) {
      throw new ConfigFormatError(
        pathOf(LEGACY_JSON_ROLE, ctx),
        `${f.name} keeps its settings in config.json, which it moves to config.toml when it next starts; writing config.toml now would hide them`,
        {
          fix: `run \`kimi\` once (kimi-cli 0.66 or later) so it creates config.toml, then take ${f.name} over again`,
        },
      );
    }
    const doc = readConfig(files, ctx);
    const P = target.providerId;
    const ours = new Set(target.models.map((m) => `${P}/${m}`));
    const edits: Edit[] = [
      { file: CONFIG_ROLE, path: ['default_model'], value: `${P}/${target.defaultModel}` },
      {
        file: CONFIG_ROLE,
        path: ['providers', P],
        value: { type: f.providerType, base_url: target.baseUrl.openai, api_key: target.key },
        guard: { kind: 'address', field: ['base_url'] },
        secret: true,
      },
    ];
    for (const m of target.models) {
      edits.push({
        file: CONFIG_ROLE,
        path: ['models', `${P}/${m}`],
        value: { provider: P, model: m, max_context_size: MAX_CONTEXT_SIZE },
        guard: { kind: 'field-equals', field: ['provider'], value: P },
      });
    }
    // Models of ours the gateway no longer offers (an earlier takeover, a client refresh).
    for (const name of modelsOf(doc, P)) {
      if (!ours.has(name)) edits.push({ file: CONFIG_ROLE, path: ['models', name], value: undefined });
    }
    return edits;
  }

  function sweep(files: FileTexts, gw: GatewayIdentity, providerId: string, ctx: AdapterEnv): Edit[] {
    if (files[CONFIG_ROLE] == null) return [];
    const doc = editorFor('toml').parse(files[CONFIG_ROLE], pathOf(CONFIG_ROLE, ctx));
    const provider = table(table(doc.providers)?.[providerId]);
    // The user re-pointed provider P elsewhere and restore kept it: its models are theirs now.
    if (provider && !pointsAt(provider.base_url, gw.root)) return [];
    const gone = modelsOf(doc, providerId);
    const edits: Edit[] = gone.map((name) => ({ file: CONFIG_ROLE, path: ['models', name], value: undefined }));
    if (provider) edits.push({ file: CONFIG_ROLE, path: ['providers', providerId], value: undefined });
    const dm = nonEmpty(doc.default_model);
    const models = table(doc.models) ?? {};
    if (dm !== undefined && (gone.includes(dm) || (dm.startsWith(`${providerId}/`) && !(dm in models)))) {
      edits.push({ file: CONFIG_ROLE, path: ['default_model'], value: undefined });
    }
    return edits;
  }

  return {
    id: f.id,
    name: f.name,
    protocol: 'openai',
    requestPath: '/v1/chat/completions',
    locate,
    inspect,
    plan,
    sweep,
    bin: 'kimi',
    launch: (target, ctx, files) => f.launch(target, ctx, () => readConfig(files, ctx)),
  };
}

/** Names of the models whose provider is `providerId`. */
function modelsOf(doc: JsonObject, providerId: string): string[] {
  const models = table(doc.models) ?? {};
  return Object.keys(models).filter((name) => table(models[name])?.provider === providerId);
}

function providerIdOf(gw: GatewayIdentity): string {
  return gw.providerId || DEFAULT_PROVIDER_ID;
}

function isMoonshot(url: string, type: string | undefined): boolean {
  if (type !== 'kimi') return false;
  try {
    return MOONSHOT_HOSTS.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** kimi-cli expands `~` in KIMI_SHARE_DIR; an empty value means unset. */
function expandHome(v: string | undefined, home: string): string | undefined {
  if (!v) return undefined;
  if (v === '~') return home;
  if (v.startsWith('~/')) return join(home, v.slice(2));
  return v;
}

function table(v: unknown): JsonObject | undefined {
  return isObject(v) ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}
