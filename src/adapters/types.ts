import type { Edit, Format, JsonObject, JsonValue } from '../formats/slot.ts';

/** The four statuses of the seed, spelled the same in code, CLI and docs. */
export type Status = 'taken-over' | 'other-address' | 'not-taken-over' | 'not-detected';
export const STATUS_LABEL: Record<Status, string> = {
  'taken-over': 'Taken Over (This Gateway)',
  'other-address': 'Connected (Other Address)',
  'not-taken-over': 'Not Taken Over',
  'not-detected': 'Not Detected',
};

export type Protocol = 'anthropic' | 'openai' | 'gemini';

/** Where the adapter looks: HOME and the environment, nothing else (no fs). */
export interface AdapterEnv {
  home: string;
  env: Readonly<Record<string, string | undefined>>;
}

export interface FileSpec {
  /** Stable name of the file within the tool, used by edits and the ledger: 'settings', 'env', … */
  role: string;
  /** Absolute path. */
  path: string;
  format: Format;
  /** The takeover writes this file (false: read only, for status). */
  writable: boolean;
}

export interface ToolLocation {
  /** The config directory whose existence means "detected". */
  dir: string;
  files: FileSpec[];
}

/** Current text of each file by role; `null` when the file does not exist. */
export type FileTexts = Readonly<Record<string, string | null>>;

/** What status needs to know about the gateway (no key). */
export interface GatewayIdentity {
  /** Gateway root, e.g. http://127.0.0.1:11580 (no trailing slash). */
  root: string;
  /** Base URL per protocol, e.g. openai = root + '/v1' (Bifrost: root + '/anthropic', …). */
  baseUrl: Record<Protocol, string>;
  /** Provider id written into configs (default 'servbay'). */
  providerId: string;
}

export interface TakeoverTarget extends GatewayIdentity {
  /** Human name written where a tool shows one (default 'ServBay AI Gateway'). */
  displayName: string;
  /** The tool's virtual key (plaintext; only ever written into the tool's config). */
  key: string;
  /** Every model the gateway offers (de-duplicated, gateway order). Never empty. */
  models: string[];
  /** The tool's default model: configured, else models[0]. */
  defaultModel: string;
  /**
   * The model rule (one for every tool): keep the user's model when the gateway serves it (it is
   * in `models` and `modelsListed`), else set the tool's model setting(s) to `chosenModel`; with
   * `modelForced` (`--model ID`) set it whatever the user had.
   */
  chosenModel?: string;
  modelsListed?: boolean;
  modelForced?: boolean;
}

/** The model rule: the model a tool whose own choice is `current` should get written, if any. */
export function modelToWrite(current: string | undefined, target: TakeoverTarget): string | undefined {
  const chosen = target.chosenModel ?? target.defaultModel;
  if (!chosen) return undefined;
  if (target.modelForced) return current === chosen ? undefined : chosen;
  if (target.modelsListed === false) return undefined;
  return current !== undefined && target.models.includes(current) ? undefined : chosen;
}

export interface Inspection {
  status: Exclude<Status, 'not-detected'>;
  /** The address the tool currently sends model requests to, when known. */
  address?: string;
  /** One-line explanation, e.g. "settings.json modelProviders.openai[0] points to https://…". */
  detail?: string;
}

/**
 * One tool. Declare it with its id, `export const x: ToolAdapter<'x'> = {…}`, and add it to the
 * list in index.ts: tool ids (ToolId, TOOL_IDS) derive from that list.
 */
export interface ToolAdapter<Id extends string = string> {
  readonly id: Id;
  readonly name: string;
  readonly protocol: Protocol;
  /** Config dir and files, honouring the tool's env override. Pure. */
  locate(ctx: AdapterEnv): ToolLocation;
  /** Status of a detected tool from its files' text. Pure; throws ConfigFormatError on bad input. */
  inspect(files: FileTexts, gw: GatewayIdentity, ctx: AdapterEnv): Inspection;
  /** The edits a takeover makes, given the current texts. Pure. */
  plan(files: FileTexts, target: TakeoverTarget, ctx: AdapterEnv): Edit[];
  /**
   * Extra edits a restore makes beyond reverting the ledger (e.g. Kimi: every model whose
   * provider is ours, even ones added after the takeover). Values are always `undefined` (delete).
   */
  sweep?(files: FileTexts, gw: GatewayIdentity, providerId: string, ctx: AdapterEnv): Edit[];
  /** Model requests path(s) the real client is expected to hit (for docs and client tests). */
  readonly requestPath: string;
  /**
   * `gwctl doctor`'s checks for this tool, run when it is taken over: what makes it skip the
   * gateway although its config points there (an exported variable, a project file that wins,
   * another file of the tool). Optional; reads only through `c`.
   */
  doctor?(c: DoctorCheckContext): void;
  /**
   * The tool has no config gwctl may take over (Copilot CLI: environment only): `takeover`
   * refuses it, `takeover --all` skips it, `status` says whether it is installed.
   */
  readonly launchOnly?: boolean;
  /** The command `gwctl launch` starts (looked up on PATH unless `--bin`). */
  readonly bin?: string;
  /**
   * `gwctl launch`: how to point ONE run of the tool at the gateway without writing any of its
   * files (environment, arguments placed before the user's, temp files in `ctx.tempDir`). Pure:
   * `files` are the tool's current config texts (read only), for tools whose per-run mechanism
   * replaces a whole file and must carry the user's other settings along.
   */
  launch?(target: LaunchTarget, ctx: LaunchContext, files: FileTexts): LaunchPlan;
  /** Why a tool with no `launch` hook cannot be launched (said by `gwctl launch`). */
  readonly noLaunch?: string;
}

/** What a tool's doctor checks get: every read goes through it, so the adapter touches no files. */
export interface DoctorCheckContext extends AdapterEnv {
  /** Where `gwctl doctor` runs (project files there can win over the user's). */
  cwd: string;
  gateway: GatewayIdentity;
  /** The tool's config dir and files, as locate() gives them. */
  loc: ToolLocation;
  /** The file its status names (the one the takeover wrote). */
  configPath: string;
  /** A file parsed as `format`; undefined when it is missing or does not parse. */
  readDoc(path: string, format: Format): JsonObject | undefined;
  /** A file's text; undefined when it cannot be read. */
  readText(path: string): string | undefined;
  exists(path: string): boolean;
  /** Report what makes the tool skip the gateway: `id` becomes `shadow.<id>`; `fix` says what to do. */
  shadow(id: string, severity: 'info' | 'warn' | 'error', title: string, fix: string, file?: string): void;
}

/** What a launch points the tool at: the gateway, the launch key and the model of this run. */
export interface LaunchTarget extends GatewayIdentity {
  displayName: string;
  /** The launch key (plaintext): only ever placed in the child's environment or a 0600 temp file. */
  key: string;
  /** `--model`, else the gateway's default model, else the first model it lists. */
  model: string;
  /** True when the user chose the model (`--model`): tools with a model of their own keep it otherwise. */
  modelGiven: boolean;
}

export interface LaunchContext extends AdapterEnv {
  /** The run's private temp dir (0700), where `files` are written (0600) and removed afterwards. */
  tempDir: string;
}

export interface LaunchPlan {
  /** Set in the child's environment. */
  env: Record<string, string>;
  /** Removed from the child's environment (credentials that would ride along, overrides that would win). */
  unset: string[];
  /** Placed before the user's arguments. Never a key (arguments are visible in `ps`). */
  args: string[];
  /** Written 0600 into `ctx.tempDir` under `name` before the tool starts. */
  files?: Array<{ name: string; text: string }>;
  /**
   * A stand-in for one of the tool's dirs, where only a temp dir will do: `to` (in `ctx.tempDir`)
   * gets a symlink to every entry of `from` except the names in `except` (which `files` provide),
   * so the tool's login, history and other state stay the user's own.
   */
  mirror?: Array<{ from: string; to: string; except: string[] }>;
}

export type { Edit, JsonValue };
