/**
 * Crush: `crush.json` in `$CRUSH_GLOBAL_CONFIG`, `$XDG_CONFIG_HOME/crush` or `~/.config/crush`
 * (strict JSON), plus the data file `crush.json` in `$CRUSH_GLOBAL_DATA`, `$XDG_DATA_HOME/crush`
 * or `~/.local/share/crush`, which Crush writes itself when the user picks a model and which is
 * merged after (so wins over) the config file.
 *
 * Slot: `providers.P` (an `openai-compat` provider listing every gateway model) and
 * `models.large` / `models.small` in `crush.json`; the same two selections in the data file when
 * it already sets them (otherwise the data file would keep routing to the old model).
 *
 * launch (from source; Crush cannot run here, see TOOLS.md): Crush has no per-run config
 * variable or flag, only the two directory overrides, so a temp dir is unavoidable. The run gets
 * `CRUSH_GLOBAL_CONFIG` = a temp dir whose `crush.json` is the user's (parsed, so comments-free as
 * Crush requires) plus `providers.gwctl-launch` and `models.large/small` on it, and
 * `CRUSH_GLOBAL_DATA` = a temp dir whose `crush.json` is a copy of the user's data file (provider
 * logins kept) with the same two selections (the data file outranks `crush.json`). What Crush
 * writes there during the run is dropped with the temp dir; the user's files are only read.
 */
import { join } from 'node:path';
import { pointsAt } from '../shared/address.ts';
import type { Edit, JsonObject } from '../formats/slot.ts';
import { envVar, expandEnv, fileSpec, LAUNCH_PROVIDER, mergeLayers, obj, parseAll, statusOf, text, warn, xdgConfigHome, xdgDataHome } from './common.ts';
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

const SELECTIONS = ['large', 'small'] as const;

function locate(ctx: AdapterEnv): ToolLocation {
  const dir = envVar(ctx, 'CRUSH_GLOBAL_CONFIG') ?? join(xdgConfigHome(ctx), 'crush');
  const dataDir = envVar(ctx, 'CRUSH_GLOBAL_DATA') ?? join(xdgDataHome(ctx), 'crush');
  return {
    dir,
    files: [fileSpec(dir, 'crush.json', 'config', 'json'), fileSpec(dataDir, 'crush.json', 'data', 'json')],
  };
}

/** A provider's base URL with `$VAR` / `${VAR}` resolved as Crush does. */
function baseUrlOf(provider: JsonObject | undefined, ctx: AdapterEnv): string | undefined {
  const url = text(provider?.base_url);
  return url === undefined ? undefined : expandEnv(url, ctx);
}

function inspect(files: FileTexts, gw: GatewayIdentity, ctx: AdapterEnv): Inspection {
  const { config, data } = parseAll(locate(ctx), files);
  const merged = mergeLayers(config ?? {}, data ?? {});
  const providers = obj(merged.providers) ?? {};
  const ours = Object.entries(providers).find(([, p]) => pointsAt(baseUrlOf(obj(p), ctx), gw.root));
  const large = text(obj(obj(merged.models)?.large)?.provider);
  if (large === undefined) {
    // No model chosen (a takeover always sets one): ours when one of the providers points here.
    if (ours === undefined) return { status: 'not-taken-over' };
    return statusOf(baseUrlOf(obj(ours[1]), ctx), gw, gw.baseUrl.openai, `providers.${ours[0]}.base_url`);
  }
  const fromData = obj(obj(data?.models)?.large) !== undefined;
  const where = `models.large (${fromData ? 'data file' : 'crush.json'}) uses provider ${JSON.stringify(large)}, whose base_url`;
  const ins = statusOf(baseUrlOf(obj(providers[large]), ctx), gw, gw.baseUrl.openai, where);
  if (ins.status === 'not-taken-over' && ours !== undefined) {
    return warn(ins, `providers.${ours[0]} points to this gateway, but models.large uses ${JSON.stringify(large)}`);
  }
  return ins;
}

function plan(files: FileTexts, target: TakeoverTarget, ctx: AdapterEnv): Edit[] {
  const { data } = parseAll(locate(ctx), files);
  const P = target.providerId;
  const selection = { provider: P, model: target.defaultModel };
  const edits: Edit[] = [
    {
      file: 'config',
      path: ['providers', P],
      value: {
        name: target.displayName,
        type: 'openai-compat',
        base_url: target.baseUrl.openai,
        api_key: target.key,
        models: target.models.map((id) => ({ id, name: id, context_window: 128000, default_max_tokens: 8192 })),
      },
      secret: true,
      guard: { kind: 'address', field: ['base_url'] },
    },
  ];
  // A selection is reverted while it still names our provider, so no reference to a provider
  // that restore removed is left behind.
  const guard = { kind: 'field-equals', field: ['provider'], value: P } as const;
  for (const size of SELECTIONS) edits.push({ file: 'config', path: ['models', size], value: selection, guard });
  const dataModels = obj(data?.models);
  for (const size of SELECTIONS) {
    if (dataModels?.[size] !== undefined) edits.push({ file: 'data', path: ['models', size], value: selection, guard });
  }
  return edits;
}

function launch(target: LaunchTarget, ctx: LaunchContext, files: FileTexts): LaunchPlan {
  const { config, data } = parseAll(locate(ctx), files);
  const selection = { provider: LAUNCH_PROVIDER, model: target.model };
  const provider = {
    name: target.displayName,
    type: 'openai-compat',
    base_url: target.baseUrl.openai,
    api_key: target.key,
    models: [{ id: target.model, name: target.model, context_window: 128000, default_max_tokens: 8192 }],
  };
  const withRun = (doc: JsonObject, providers: boolean): JsonObject => ({
    ...doc,
    ...(providers ? { providers: { ...(obj(doc.providers) ?? {}), [LAUNCH_PROVIDER]: provider } } : {}),
    models: { ...(obj(doc.models) ?? {}), large: selection, small: selection },
  });
  const json = (doc: JsonObject) => JSON.stringify(doc, null, 2) + '\n';
  return {
    env: { CRUSH_GLOBAL_CONFIG: join(ctx.tempDir, 'crush-config'), CRUSH_GLOBAL_DATA: join(ctx.tempDir, 'crush-data') },
    unset: [],
    args: [],
    files: [
      { name: 'crush-config/crush.json', text: json(withRun(config ?? {}, true)) },
      { name: 'crush-data/crush.json', text: json(withRun(data ?? {}, false)) },
    ],
  };
}

/** The data file selecting another provider (it outranks crush.json); a crushrc defining ours. */
function doctor(c: DoctorCheckContext): void {
  const providerId = c.gateway.providerId;
  const data = c.loc.files.find((f) => f.role === 'data');
  const d = data ? c.readDoc(data.path, data.format) : undefined;
  for (const size of ['large', 'small']) {
    const p = obj(obj(d?.models)?.[size])?.provider;
    if (typeof p === 'string' && p !== providerId) {
      c.shadow(
        'crush-data',
        'error',
        `Crush's data file selects provider "${p}" for models.${size}, which outranks crush.json`,
        `pick a ${providerId} model in Crush, or gwctl takeover crush again`,
        data!.path,
      );
    }
  }
  const rc = join(c.loc.dir, 'crushrc');
  const rcText = c.readText(rc);
  if (rcText === undefined) return;
  const id = providerId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const hit = rcText.split('\n').some((l) => !/^\s*#/.test(l) && /provider/i.test(l) && new RegExp(`(^|[^A-Za-z0-9_-])${id}([^A-Za-z0-9_-]|$)`).test(l));
  if (hit)
    c.shadow(
      'crushrc',
      'warn',
      `crushrc also defines provider "${providerId}"; it is loaded after crush.json and may override the gateway's settings`,
      `remove the "${providerId}" provider from ${rc} (gwctl does not edit shell scripts)`,
      rc,
    );
}

export const crush: ToolAdapter<'crush'> = {
  id: 'crush',
  name: 'Crush',
  protocol: 'openai',
  locate,
  inspect,
  plan,
  requestPath: '/v1/chat/completions',
  bin: 'crush',
  launch,
  doctor,
};
