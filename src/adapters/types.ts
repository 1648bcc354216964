import type { Edit, Format, JsonValue } from '../formats/slot.ts';

export const TOOL_IDS = [
  'claude-code',
  'codex',
  'gemini-cli',
  'qwen-code',
  'kimi-cli',
  'kimi-code',
  'codebuddy',
  'opencode',
  'crush',
  'pi',
  'kilo',
  'droid',
  'openclaw',
  'cline',
  'grok',
  'continue',
] as const;
export type ToolId = (typeof TOOL_IDS)[number];

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
}

export interface Inspection {
  status: Exclude<Status, 'not-detected'>;
  /** The address the tool currently sends model requests to, when known. */
  address?: string;
  /** One-line explanation, e.g. "settings.json modelProviders.openai[0] points to https://…". */
  detail?: string;
}

export interface ToolAdapter {
  readonly id: ToolId;
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
}

export type { Edit, JsonValue };
