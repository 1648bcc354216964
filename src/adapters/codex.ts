/**
 * Codex (`@openai/codex`): one TOML file, `$CODEX_HOME/config.toml` (default `~/.codex`).
 *
 * Our slot: the top-level `model_provider = "P"` and the table `[model_providers.P]`. When the
 * file's `model` is one the gateway does not serve, `model` is pointed at the gateway's default
 * model too (Codex would otherwise ask the gateway for a model it does not have). `auth.json`
 * (the login) is never touched.
 *
 * launch (`@openai/codex` 0.171.0, `-c key=value` "override a configuration value", TOML-parsed,
 * given before the subcommand; `ModelProviderInfo.env_key` is read first, before
 * `experimental_bearer_token` and `auth.json`): `-c model_provider="gwctl-launch"`,
 * `-c model_providers.gwctl-launch.{name,base_url,wire_api,env_key}` and `-c model=…`; the key is in
 * the child's environment as `GWCTL_LAUNCH_KEY` (named by `env_key`), never in the arguments.
 * `CODEX_HOME` (login, history) stays in use. `OPENAI_API_KEY`/`CODEX_API_KEY` are removed.
 */
import { join } from 'node:path';
import { pointsAt } from '../shared/address.ts';
import { editorFor } from '../formats/index.ts';
import { isObject } from '../formats/path.ts';
import type { Edit, JsonObject } from '../formats/slot.ts';
import { LAUNCH_KEY_VAR, LAUNCH_PROVIDER } from './common.ts';
import type { AdapterEnv, FileTexts, GatewayIdentity, Inspection, LaunchPlan, LaunchTarget, TakeoverTarget, ToolAdapter, ToolLocation } from './types.ts';
import { modelToWrite } from './types.ts';

const ROLE = 'config';
/** Codex's built-in provider when `model_provider` is not set. */
const BUILT_IN_PROVIDER = 'openai';
const DEFAULT_PROVIDER_ID = 'servbay';

function locate(ctx: AdapterEnv): ToolLocation {
  const dir = ctx.env.CODEX_HOME || join(ctx.home, '.codex');
  return { dir, files: [{ role: ROLE, path: join(dir, 'config.toml'), format: 'toml', writable: true }] };
}

function readConfig(files: FileTexts, ctx: AdapterEnv): JsonObject {
  const path = locate(ctx).files[0]!.path;
  return editorFor('toml').parse(files[ROLE] ?? '', path);
}

function providerIdOf(gw: GatewayIdentity): string {
  return gw.providerId || DEFAULT_PROVIDER_ID;
}

function table(v: unknown): JsonObject | undefined {
  return isObject(v) ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A `profile = "x"` whose `[profiles.x]` picks another provider beats the top-level setting. */
function profileNote(doc: JsonObject, topLevel: string): string | undefined {
  const name = str(doc.profile);
  if (name === undefined) return undefined;
  const chosen = str(table(table(doc.profiles)?.[name])?.model_provider);
  if (chosen === undefined || chosen === topLevel) return undefined;
  return `the active profile "${name}" sets model_provider = "${chosen}", which overrides the top-level model_provider`;
}

function inspect(files: FileTexts, gw: GatewayIdentity, ctx: AdapterEnv): Inspection {
  const doc = readConfig(files, ctx);
  const P = providerIdOf(gw);
  const providers = table(doc.model_providers) ?? {};
  const active = str(doc.model_provider) ?? BUILT_IN_PROVIDER;
  const note = profileNote(doc, active);
  const withNote = (i: Inspection, detail?: string): Inspection => {
    const text = [detail, note].filter(Boolean).join('; ');
    return text ? { ...i, detail: text } : i;
  };

  const ourUrl = str(table(providers[P])?.base_url);
  if (active === P && pointsAt(ourUrl, gw.root)) {
    return withNote({ status: 'taken-over', address: ourUrl! });
  }
  if (ourUrl !== undefined && !pointsAt(ourUrl, gw.root)) {
    return withNote({ status: 'other-address', address: ourUrl }, `config.toml [model_providers.${P}] points to ${ourUrl}`);
  }
  if (active !== P) {
    const activeUrl = str(table(providers[active])?.base_url);
    if (activeUrl !== undefined) {
      if (pointsAt(activeUrl, gw.root)) {
        return withNote(
          { status: 'not-taken-over', address: activeUrl },
          `config.toml model_provider = "${active}" already points at this gateway, but it is not gwctl's provider "${P}"`,
        );
      }
      return withNote({ status: 'other-address', address: activeUrl }, `config.toml model_provider = "${active}" points to ${activeUrl}`);
    }
    const openaiUrl = str(doc.openai_base_url);
    if (active === BUILT_IN_PROVIDER && openaiUrl !== undefined && !pointsAt(openaiUrl, gw.root)) {
      return withNote({ status: 'other-address', address: openaiUrl }, `config.toml openai_base_url points to ${openaiUrl}`);
    }
  } else if (!table(providers[P])) {
    return withNote(
      { status: 'not-taken-over' },
      `config.toml selects model_provider = "${P}" but has no [model_providers.${P}] table, so Codex will not start`,
    );
  }
  return withNote({ status: 'not-taken-over' });
}

function plan(files: FileTexts, target: TakeoverTarget, ctx: AdapterEnv): Edit[] {
  const doc = readConfig(files, ctx);
  const P = target.providerId;
  const edits: Edit[] = [{ file: ROLE, path: ['model_provider'], value: P }];
  const model = modelToWrite(typeof doc.model === 'string' ? doc.model : undefined, target);
  if (model) edits.push({ file: ROLE, path: ['model'], value: model });
  edits.push({
    file: ROLE,
    path: ['model_providers', P],
    value: {
      name: target.displayName,
      base_url: target.baseUrl.openai,
      experimental_bearer_token: target.key,
      wire_api: 'responses',
    },
    guard: { kind: 'address', field: ['base_url'] },
    secret: true,
  });
  return edits;
}

/** A TOML basic string (JSON string escapes are valid TOML for these characters). */
const tomlString = (s: string) => JSON.stringify(s);

function launch(target: LaunchTarget): LaunchPlan {
  const p = `model_providers.${LAUNCH_PROVIDER}`;
  const overrides = [
    `model_provider=${tomlString(LAUNCH_PROVIDER)}`,
    `${p}.name=${tomlString(target.displayName)}`,
    `${p}.base_url=${tomlString(target.baseUrl.openai)}`,
    `${p}.wire_api="responses"`,
    `${p}.env_key="${LAUNCH_KEY_VAR}"`,
    `model=${tomlString(target.model)}`,
  ];
  return {
    env: { [LAUNCH_KEY_VAR]: target.key },
    unset: ['OPENAI_API_KEY', 'CODEX_API_KEY'],
    args: overrides.flatMap((o) => ['-c', o]),
  };
}

export const codex: ToolAdapter<'codex'> = {
  id: 'codex',
  name: 'Codex',
  protocol: 'openai',
  requestPath: '/v1/responses',
  bin: 'codex',
  launch,
  locate,
  inspect,
  plan,
};
