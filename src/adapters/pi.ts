/**
 * Pi (`@earendil-works/pi-coding-agent` 1.6.0, formerly `@mariozechner/pi-coding-agent`; read
 * from its dist/ and docs/: config.js getAgentDir, core/model-config.js, core/settings-manager.js,
 * core/model-resolver.js findInitialModel, core/provider-composer.js, core/resolve-config-value.js).
 *
 * - Agent dir: `$PI_CODING_AGENT_DIR` (a leading `~` expanded) or `~/.pi/agent`.
 * - `models.json` (JSON with comments stripped, no trailing commas): `providers.P = { name,
 *   baseUrl, api, apiKey, models: [{ id, contextWindow, maxTokens }] }`; a provider that is not
 *   built in needs `baseUrl` and `api` ("openai-completions": POST {baseUrl}/chat/completions).
 *   A model entry may override `baseUrl`. A built-in provider (anthropic, openai…) may get a
 *   `baseUrl` here too.
 * - `settings.json` (strict JSON, rewritten by Pi when the user picks a model): `defaultProvider`
 *   + `defaultModel` choose the startup model; without them Pi takes the first model that has a
 *   key. A trusted project `.pi/settings.json` and `--provider/--model` outrank it.
 * - `apiKey`: a literal, `$NAME`/`${NAME}` interpolated anywhere in the string, or `!command`;
 *   `$$` and `$!` are a literal `$` and `!`. A user's reference there is theirs: status reports it
 *   as another connection, so a takeover needs --force, and restore gives it back. We write the
 *   key literally, escaping a `$` or a leading `!` the way Pi reads them back.
 * - Auth: a stored credential for the provider in `auth.json` (`pi /login`) wins over models.json
 *   `apiKey`: status warns about it; gwctl never touches auth.json.
 *
 * Slot: `models.json` `providers.P` (every gateway model) and `settings.json` `defaultProvider`,
 * `defaultModel`.
 */
import { join } from 'node:path';
import { pointsAt } from '../shared/address.ts';
import type { Edit, JsonObject } from '../formats/slot.ts';
import { envVar, fileSpec, LAUNCH_PROVIDER, obj, parseAll, projectDirs, statusOf, text, warn } from './common.ts';
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
  const set = envVar(ctx, 'PI_CODING_AGENT_DIR');
  const dir = set === undefined ? join(ctx.home, '.pi', 'agent') : set === '~' ? ctx.home : set.startsWith('~/') ? join(ctx.home, set.slice(2)) : set;
  return {
    dir,
    files: [
      fileSpec(dir, 'models.json', 'models', 'jsonc'),
      fileSpec(dir, 'settings.json', 'settings', 'json'),
      fileSpec(dir, 'auth.json', 'auth', 'json', false),
    ],
  };
}

/** What kind of reference Pi would resolve `apiKey` through, if any (resolve-config-value.js). */
export function keyReference(apiKey: string): 'command' | 'environment variable' | undefined {
  if (apiKey.startsWith('!')) return 'command';
  // "$$" and "$!" are escapes; "$NAME" and "${NAME}" are references.
  for (let i = apiKey.indexOf('$'); i >= 0; i = apiKey.indexOf('$', i + 1)) {
    const next = apiKey[i + 1];
    if (next === '$' || next === '!') {
      i++;
      continue;
    }
    if (next === '{' ? /^\{[A-Za-z_][A-Za-z0-9_]*\}/.test(apiKey.slice(i + 1)) : /^[A-Za-z_]/.test(next ?? '')) return 'environment variable';
  }
  return undefined;
}

/** The key as Pi reads it back literally: `$` doubled, a leading `!` escaped as `$!`. */
export function literalKey(key: string): string {
  const escaped = key.replaceAll('$', '$$$$');
  return escaped.startsWith('!') ? `$${escaped}` : escaped;
}

function providerUrl(provider: JsonObject | undefined, modelId: string | undefined): string | undefined {
  const models = Array.isArray(provider?.models) ? provider.models : [];
  const model = modelId === undefined ? undefined : models.map(obj).find((m) => m?.id === modelId);
  return text(model?.baseUrl) ?? text(provider?.baseUrl);
}

function inspect(files: FileTexts, gw: GatewayIdentity, ctx: AdapterEnv): Inspection {
  const { models, settings, auth } = parseAll(locate(ctx), files);
  const providers = obj(models?.providers) ?? {};
  const P = gw.providerId;
  const ours = obj(providers[P]);
  const dp = text(settings?.defaultProvider);
  const dm = text(settings?.defaultModel);

  let ins: Inspection;
  if (dp !== undefined && dm !== undefined) {
    // A provider models.json does not name (or names without a baseUrl) is built in: Pi's own route.
    ins = statusOf(
      providerUrl(obj(providers[dp]), dm),
      gw,
      gw.baseUrl.openai,
      `settings.json defaultProvider "${dp}" uses models.json providers.${dp}.baseUrl, which`,
    );
    if (ins.status === 'not-taken-over' && pointsAt(text(ours?.baseUrl), gw.root))
      ins = warn(ins, `providers.${P} points to this gateway, but defaultProvider is "${dp}"`);
  } else {
    const here = Object.entries(providers).find(([, p]) => pointsAt(text(obj(p)?.baseUrl), gw.root));
    ins =
      here === undefined
        ? { status: 'not-taken-over' }
        : statusOf(text(obj(here[1])?.baseUrl), gw, gw.baseUrl.openai, `models.json providers.${here[0]}.baseUrl`);
  }

  // Our provider id already holds a connection of the user's: the takeover would replace it.
  const ourUrl = text(ours?.baseUrl);
  if (ourUrl !== undefined && !pointsAt(ourUrl, gw.root) && ins.status !== 'other-address') {
    return { status: 'other-address', address: ourUrl, detail: `models.json providers.${P}.baseUrl points to ${ourUrl}` };
  }
  const ref = typeof ours?.apiKey === 'string' ? keyReference(ours.apiKey) : undefined;
  if (ref !== undefined) {
    return {
      status: 'other-address',
      address: ourUrl ?? ins.address ?? gw.baseUrl.openai,
      detail: `models.json providers.${P}.apiKey is your own ${ref} reference (${ref === 'command' ? 'a !command' : 'a $VARIABLE'}); gwctl replaces it only with --force`,
    };
  }
  if (ins.status === 'taken-over' && dp === P && obj(auth)?.[P] !== undefined) {
    return warn(ins, `auth.json holds a stored key for provider "${P}", which Pi sends instead of models.json's apiKey: remove it with /logout in Pi`);
  }
  return ins;
}

function plan(_files: FileTexts, target: TakeoverTarget): Edit[] {
  const P = target.providerId;
  return [
    {
      file: 'models',
      path: ['providers', P],
      value: {
        name: target.displayName,
        baseUrl: target.baseUrl.openai,
        api: 'openai-completions',
        apiKey: literalKey(target.key),
        models: target.models.map((id) => ({ id, name: id, contextWindow: 128000, maxTokens: 8192 })),
      },
      secret: true,
      guard: { kind: 'address', field: ['baseUrl'] },
    },
    { file: 'settings', path: ['defaultProvider'], value: P },
    { file: 'settings', path: ['defaultModel'], value: target.defaultModel },
  ];
}

/**
 * One run: a temp dir in place of the agent dir (`PI_CODING_AGENT_DIR`; Pi has no per-run switch
 * for a provider that models.json does not define) linking every entry of the user's agent dir
 * (auth.json and sessions stay theirs) except models.json and settings.json, which are copies
 * plus provider `gwctl-launch` and `defaultProvider`/`defaultModel` on it.
 */
function launch(target: LaunchTarget, ctx: LaunchContext, files: FileTexts): LaunchPlan {
  const loc = locate(ctx);
  const { models = {}, settings = {} } = parseAll(loc, files);
  const provider = {
    name: target.displayName,
    baseUrl: target.baseUrl.openai,
    api: 'openai-completions',
    apiKey: literalKey(target.key),
    models: [{ id: target.model, name: target.model, contextWindow: 128000, maxTokens: 8192 }],
  };
  const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';
  return {
    env: { PI_CODING_AGENT_DIR: join(ctx.tempDir, 'pi-agent') },
    unset: [],
    args: [],
    files: [
      { name: 'pi-agent/models.json', text: json({ ...models, providers: { ...(obj(models.providers) ?? {}), [LAUNCH_PROVIDER]: provider } }) },
      { name: 'pi-agent/settings.json', text: json({ ...settings, defaultProvider: LAUNCH_PROVIDER, defaultModel: target.model }) },
    ],
    mirror: [{ from: loc.dir, to: 'pi-agent', except: ['models.json', 'settings.json'] }],
  };
}

/** A trusted project .pi/settings.json loads over the agent dir's settings.json. */
function doctor(c: DoctorCheckContext): void {
  const ours = c.loc.files.find((f) => f.role === 'settings')?.path;
  for (const d of projectDirs(c)) {
    const file = join(d, '.pi', 'settings.json');
    if (file === ours) continue;
    const provider = c.readDoc(file, 'json')?.defaultProvider;
    if (typeof provider === 'string' && provider !== c.gateway.providerId) {
      c.shadow(
        'pi-project',
        'warn',
        `the project file ${file} selects provider "${provider}", which wins over the agent dir's settings.json in that project (once the project is trusted)`,
        `remove defaultProvider/defaultModel from ${file}, or set defaultProvider to "${c.gateway.providerId}"`,
        file,
      );
    }
  }
}

export const pi: ToolAdapter<'pi'> = {
  doctor,
  id: 'pi',
  name: 'Pi',
  protocol: 'openai',
  locate,
  inspect,
  plan,
  requestPath: '/v1/chat/completions',
  bin: 'pi',
  launch,
};
