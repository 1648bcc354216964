/**
 * Cline CLI 3.x (`cline` 3.0.65 with `@cline/core`/`@cline/shared` 0.0.86; read from their dist/:
 * shared/dist/storage resolveProviderSettingsPath, core ProviderSettingsManager and the legacy
 * migration in core/dist/index.js).
 *
 * - Dir: `$CLINE_DIR` or `~/.cline`; data dir `$CLINE_DATA_DIR` or `<dir>/data`; the file
 *   `$CLINE_PROVIDER_SETTINGS_PATH` or `<data>/settings/providers.json` (strict JSON, rewritten by
 *   Cline on every run: it re-orders keys and stamps `updatedAt`).
 * - Schema: `{ version: 1, lastUsedProvider?, modes: {}, providers: { ID: { settings: { provider,
 *   apiKey?, baseUrl?, model?, … }, updatedAt: ISO date, tokenSource: "manual" | "oauth" |
 *   "migration" } } }`. The session uses `lastUsedProvider` (else Cline's own `cline` provider,
 *   which needs a login); `-P/-m/-k` flags outrank it. `openai-compatible` sends POST
 *   {baseUrl}/chat/completions with `Authorization: Bearer apiKey`.
 * - Cline 2.x kept its settings in `<data>/globalState.json` + `secrets.json`; 3.x moves them into
 *   providers.json on its first run. A takeover refuses that layout (writing providers.json first
 *   would change what the migration keeps): run Cline 3 once.
 * - Auth: an account login (`cline auth`) is the `cline` provider's; an API key lives in the
 *   provider's `settings.apiKey`.
 *
 * Slot: `providers["openai-compatible"]` (Cline's one OpenAI-compatible entry: a user's own entry
 * there is another address, replaced only with --force and given back on restore),
 * `lastUsedProvider`, and `version: 1` when the file is new. `updatedAt` is a fixed date: the
 * adapters have no clock, and Cline only displays it.
 *
 * launch: not supported. `-k KEY` would put the key in `ps`; `CLINE_PROVIDER_SETTINGS_PATH`
 * (a temp providers.json) worked for one run (checked with 3.0.65), but Cline's hub daemon
 * (`@cline/core` dist/hub/daemon, found through `<data>/locks/hub/production.json` or
 * `CLINE_HUB_DISCOVERY_PATH`) outlives the run with that run's environment, so the next run,
 * launched or plain, reached a hub whose settings file was gone ("Cannot connect to API").
 */
import { join } from 'node:path';
import { pointsAt } from '../shared/address.ts';
import { ConfigFormatError, type Edit } from '../formats/slot.ts';
import { envVar, obj, parseAll, statusOf, text, warn } from './common.ts';
import type { AdapterEnv, FileTexts, GatewayIdentity, Inspection, TakeoverTarget, ToolAdapter, ToolLocation } from './types.ts';

export const SLOT_ID = 'openai-compatible';
const UPDATED_AT = '2000-01-01T00:00:00.000Z';

function locate(ctx: AdapterEnv): ToolLocation {
  const dir = envVar(ctx, 'CLINE_DIR') ?? join(ctx.home, '.cline');
  const data = envVar(ctx, 'CLINE_DATA_DIR') ?? join(dir, 'data');
  const providers = envVar(ctx, 'CLINE_PROVIDER_SETTINGS_PATH') ?? join(data, 'settings', 'providers.json');
  return {
    dir,
    files: [
      { role: 'providers', path: providers, format: 'json', writable: true },
      { role: 'legacy', path: join(data, 'globalState.json'), format: 'json', writable: false },
    ],
  };
}

function legacyOnly(files: FileTexts): boolean {
  return files.providers == null && files.legacy != null;
}

function inspect(files: FileTexts, gw: GatewayIdentity, ctx: AdapterEnv): Inspection {
  if (legacyOnly(files)) {
    return { status: 'not-taken-over', detail: `Cline 2.x settings (${locate(ctx).files[1]!.path}): run Cline 3 once so it moves them into providers.json` };
  }
  const { providers: doc } = parseAll(locate(ctx), files);
  const providers = obj(doc?.providers) ?? {};
  const urlOf = (id: string) => text(obj(obj(providers[id])?.settings)?.baseUrl);
  const last = text(doc?.lastUsedProvider);
  const slotUrl = urlOf(SLOT_ID);
  let ins: Inspection;
  if (last === undefined) {
    ins = { status: 'not-taken-over' };
  } else {
    // A provider without a baseUrl uses its own service (Cline's account for `cline`).
    ins = statusOf(urlOf(last), gw, gw.baseUrl.openai, `providers.json lastUsedProvider "${last}" has a baseUrl that`);
  }
  if (slotUrl !== undefined && !pointsAt(slotUrl, gw.root) && ins.status !== 'other-address') {
    return {
      status: 'other-address',
      address: slotUrl,
      detail: `providers.json providers.${SLOT_ID} (Cline's one OpenAI-compatible entry) points to ${slotUrl}`,
    };
  }
  if (ins.status === 'not-taken-over' && pointsAt(slotUrl, gw.root)) {
    return warn(ins, `providers.${SLOT_ID} points to this gateway, but lastUsedProvider is ${last === undefined ? 'not set' : `"${last}"`}`);
  }
  return ins;
}

function plan(files: FileTexts, target: TakeoverTarget, ctx: AdapterEnv): Edit[] {
  const loc = locate(ctx);
  if (legacyOnly(files)) {
    throw new ConfigFormatError(
      loc.files[1]!.path,
      'Cline keeps its settings in the 2.x layout (globalState.json, secrets.json), which Cline 3 moves into providers.json on its first run; nothing was written',
      {
        fix: `run \`cline\` (3.x) once so it creates ${loc.files[0]!.path}, then take Cline over again`,
      },
    );
  }
  const { providers: doc } = parseAll(loc, files);
  const edits: Edit[] = [];
  if (doc?.version === undefined) edits.push({ file: 'providers', path: ['version'], value: 1 });
  edits.push(
    {
      file: 'providers',
      path: ['providers', SLOT_ID],
      value: {
        settings: { provider: SLOT_ID, apiKey: target.key, baseUrl: target.baseUrl.openai, model: target.defaultModel },
        updatedAt: UPDATED_AT,
        tokenSource: 'manual',
      },
      secret: true,
      guard: { kind: 'address', field: ['settings', 'baseUrl'] },
    },
    { file: 'providers', path: ['lastUsedProvider'], value: SLOT_ID },
  );
  return edits;
}

export const cline: ToolAdapter<'cline'> = {
  id: 'cline',
  name: 'Cline',
  protocol: 'openai',
  locate,
  inspect,
  plan,
  requestPath: '/v1/chat/completions',
  bin: 'cline',
  noLaunch:
    'Cline 3 runs its sessions through a hub daemon that outlives the run and keeps the environment of the run that started it (a per-run providers file via CLINE_PROVIDER_SETTINGS_PATH reached the gateway once, then the next run, launched or not, talked to a hub whose settings file was gone); take Cline over instead',
};
