/**
 * Gemini CLI: `$GEMINI_CLI_HOME/.gemini` or `~/.gemini`, with `.env` (dotenv) and `settings.json`
 * (Gemini strips comments before parsing, so JSONC).
 *
 * Slot: `.env` `GOOGLE_GEMINI_BASE_URL` (gateway root) and `GEMINI_API_KEY` (sent as
 * `x-goog-api-key`), plus `settings.json` `security.auth.selectedType = "gemini-api-key"`: without
 * it a base URL selects the "gateway" auth type and the CLI exits 41.
 *
 * launch (`@google/gemini-cli` 0.61.0): the auth type needs a settings file, because
 * `validateNonInteractiveAuth` takes the configured `security.auth.selectedType` first and
 * `getAuthTypeFromEnv()` picks "gateway" (exit 41) as soon as `GOOGLE_GEMINI_BASE_URL` is set.
 * No flag sets it, and `GEMINI_CLI_SYSTEM_SETTINGS_PATH` is no way out: `loadSystemFile` skips a
 * system file that is not root-owned or sits under a group/world-writable dir (such as /tmp).
 * So a temp dir is unavoidable: `GEMINI_CLI_HOME` = a temp dir whose `.gemini/` holds a symlink
 * to every entry of the user's `~/.gemini` (history, trusted folders, OAuth creds, extensions
 * stay the user's) except `settings.json`, a copy of the user's with `selectedType =
 * "gemini-api-key"`. Environment: `GOOGLE_GEMINI_BASE_URL`, `GEMINI_API_KEY` (exported variables
 * win over `.env`), `GEMINI_MODEL` only with `--model`. Removed: `GOOGLE_API_KEY`,
 * `GOOGLE_GENAI_USE_VERTEXAI`, `GOOGLE_GENAI_USE_GCA`. A setting changed during the run lands in
 * the copy and is dropped with it.
 */
import { dirname, join } from 'node:path';
import { pointsAt } from '../shared/address.ts';
import type { Edit, JsonObject } from '../formats/slot.ts';
import { baseName, envVar, fileSpec, obj, parseAll, statusOf, text, warn } from './common.ts';
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
import { modelToWrite } from './types.ts';

const API_KEY_AUTH = 'gemini-api-key';

function locate(ctx: AdapterEnv): ToolLocation {
  const dir = join(envVar(ctx, 'GEMINI_CLI_HOME') ?? ctx.home, '.gemini');
  return {
    dir,
    files: [fileSpec(dir, '.env', 'env', 'dotenv'), fileSpec(dir, 'settings.json', 'settings', 'jsonc')],
  };
}

function inspect(files: FileTexts, gw: GatewayIdentity, ctx: AdapterEnv): Inspection {
  const { env, settings } = parseAll(locate(ctx), files);
  const ins = statusOf(text(env?.GOOGLE_GEMINI_BASE_URL), gw, gw.baseUrl.gemini, '.env GOOGLE_GEMINI_BASE_URL');
  if (ins.status !== 'taken-over') return ins;
  const selected = obj(obj(settings?.security)?.auth)?.selectedType;
  if (selected === API_KEY_AUTH) return ins;
  return warn(
    ins,
    `${baseName(locate(ctx).files[1]!.path)} security.auth.selectedType is ${selected === undefined ? 'not set' : JSON.stringify(selected)}, not "${API_KEY_AUTH}": Gemini CLI will not start with a base URL (run takeover again)`,
  );
}

function plan(files: FileTexts, target: TakeoverTarget, ctx: AdapterEnv): Edit[] {
  const edits: Edit[] = [
    { file: 'env', path: ['GOOGLE_GEMINI_BASE_URL'], value: target.baseUrl.gemini, guard: { kind: 'address' } },
    { file: 'env', path: ['GEMINI_API_KEY'], value: target.key, secret: true },
    { file: 'settings', path: ['security', 'auth', 'selectedType'], value: API_KEY_AUTH },
  ];
  // 0.61.0 bundle: rawModel = argv.model || process.env.GEMINI_MODEL || settings.model?.name.
  const { settings } = parseAll(locate(ctx), files);
  const model = modelToWrite(text(obj(settings?.model)?.name), target);
  if (model) edits.push({ file: 'settings', path: ['model', 'name'], value: model });
  return edits;
}

function launch(target: LaunchTarget, ctx: LaunchContext, files: FileTexts): LaunchPlan {
  const loc = locate(ctx);
  const { settings } = parseAll(loc, files);
  const security = obj(settings?.security) ?? {};
  const copy = { ...(settings ?? {}), security: { ...security, auth: { ...(obj(security.auth) ?? {}), selectedType: API_KEY_AUTH } } };
  return {
    env: {
      GEMINI_CLI_HOME: join(ctx.tempDir, 'gemini-home'),
      GOOGLE_GEMINI_BASE_URL: target.baseUrl.gemini,
      GEMINI_API_KEY: target.key,
      ...(target.modelGiven ? { GEMINI_MODEL: target.model } : {}),
    },
    unset: ['GOOGLE_API_KEY', 'GOOGLE_GENAI_USE_VERTEXAI', 'GOOGLE_GENAI_USE_GCA'],
    args: [],
    files: [{ name: 'gemini-home/.gemini/settings.json', text: JSON.stringify(copy, null, 2) + '\n' }],
    mirror: [{ from: loc.dir, to: 'gemini-home/.gemini', except: ['settings.json'] }],
  };
}

const GEMINI_VARS = ['GOOGLE_GEMINI_BASE_URL', 'GEMINI_API_KEY', 'GOOGLE_API_KEY'];

/** Gemini CLI's .env lookup (packages/cli findEnvFile): the first found walking up from cwd. */
export function geminiEnvFile(
  c: Pick<DoctorCheckContext, 'cwd' | 'exists'>,
  home: string,
  trusted: boolean,
  ignoreLocalEnv: boolean,
  geminiDir = '.gemini',
): string | null {
  for (let d = c.cwd; ; d = dirname(d)) {
    if (trusted && c.exists(join(d, geminiDir, '.env'))) return join(d, geminiDir, '.env');
    if (c.exists(join(d, '.env')) && (!ignoreLocalEnv || d === home)) return join(d, '.env');
    if (dirname(d) === d) {
      if (trusted && c.exists(join(home, geminiDir, '.env'))) return join(home, geminiDir, '.env');
      if (c.exists(join(home, '.env'))) return join(home, '.env');
      return null;
    }
  }
}

/** Folder trust: off, forced by GEMINI_CLI_TRUST_WORKSPACE, or the most specific trustedFolders.json rule. */
function geminiTrusted(c: DoctorCheckContext, geminiDir: string, settings: JsonObject | undefined): { trusted: boolean; why: string } {
  if (obj(obj(settings?.security)?.folderTrust)?.enabled === false) return { trusted: true, why: 'folder trust is off' };
  if (c.env.GEMINI_CLI_TRUST_WORKSPACE === 'true') return { trusted: true, why: 'GEMINI_CLI_TRUST_WORKSPACE=true' };
  const rules = c.readDoc(join(geminiDir, 'trustedFolders.json'), 'jsonc');
  let best: { len: number; trusted: boolean } | undefined;
  for (const [path, rule] of Object.entries(rules ?? {})) {
    const base = rule === 'TRUST_PARENT' ? dirname(path) : path;
    if (c.cwd !== base && !c.cwd.startsWith(base.replace(/\/+$/, '') + '/')) continue;
    if (!best || base.length > best.len) best = { len: base.length, trusted: rule !== 'DO_NOT_TRUST' };
  }
  return best?.trusted ? { trusted: true, why: 'trusted folder' } : { trusted: false, why: best ? 'marked DO_NOT_TRUST' : 'not in trustedFolders.json' };
}

/** Variables in the shell, the auth type, and which .env Gemini CLI started in `cwd` loads. */
function doctor(c: DoctorCheckContext): void {
  const geminiDir = c.loc.dir;
  const settingsFile = join(geminiDir, 'settings.json');
  const settings = c.readDoc(settingsFile, 'jsonc');
  const ours = join(geminiDir, '.env');
  for (const v of GEMINI_VARS) {
    if (c.env[v] === undefined) continue;
    if (v === 'GOOGLE_GEMINI_BASE_URL' && pointsAt(c.env[v], c.gateway.root)) continue;
    c.shadow('env-gemini', 'error', `${v} is exported in this shell and wins over ${ours}`, `unset ${v} (and remove it from your shell profile)`);
  }
  const selected = obj(obj(settings?.security)?.auth)?.selectedType;
  if (selected !== 'gemini-api-key') {
    c.shadow(
      'gemini-selected-type',
      'error',
      `settings.json security.auth.selectedType is ${selected === undefined ? 'missing' : JSON.stringify(selected)}, not "gemini-api-key": with a base URL set Gemini CLI exits 41`,
      `gwctl takeover gemini-cli (sets it), or set it in ${settingsFile}`,
      settingsFile,
    );
  }
  const trust = geminiTrusted(c, geminiDir, settings);
  const ignoreLocal = obj(settings?.advanced)?.ignoreLocalEnv === true;
  const home = dirname(geminiDir);
  const found = geminiEnvFile(c, home, trust.trusted, ignoreLocal);
  if (found === ours) return;
  const untrusted = () =>
    c.shadow(
      'gemini-trust',
      'warn',
      `${c.cwd} is not a trusted folder (${trust.why}), so Gemini CLI started here does not load ${ours}`,
      `trust the folder when Gemini CLI asks (or /permissions), or set security.folderTrust.enabled to false in ${settingsFile}`,
      settingsFile,
    );
  if (!trust.trusted && !c.exists(join(c.cwd, '.env'))) return untrusted();
  if (found) {
    c.shadow(
      'gemini-project-env',
      'error',
      `started in ${c.cwd}, Gemini CLI loads ${found} instead of ${ours} (only one .env is read)`,
      `set advanced.ignoreLocalEnv to true in ${settingsFile}, or move the gateway settings into ${found}`,
      found,
    );
  } else {
    untrusted();
  }
}

export const geminiCli: ToolAdapter<'gemini-cli'> = {
  id: 'gemini-cli',
  name: 'Gemini CLI',
  protocol: 'gemini',
  locate,
  inspect,
  plan,
  requestPath: '/v1beta/models/',
  bin: 'gemini',
  launch,
  doctor,
};
