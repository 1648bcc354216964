/**
 * Small pieces the adapters share: reading a tool's files into plain data, turning "the address a
 * tool sends its model requests to" into a status, and merging layered configs. Pure: text in,
 * data out.
 */
import { dirname, join } from 'node:path';
import { pointsAt } from '../shared/address.ts';
import { editorFor } from '../formats/index.ts';
import { isObject } from '../formats/path.ts';
import type { JsonObject, JsonValue } from '../formats/slot.ts';
import type { AdapterEnv, DoctorCheckContext, FileSpec, FileTexts, GatewayIdentity, Inspection, ToolLocation } from './types.ts';

/** Doctor hooks: cwd and its parents up to (not including) HOME or the filesystem root; stops after a repo root. */
export function projectDirs(c: Pick<DoctorCheckContext, 'cwd' | 'home' | 'exists'>): string[] {
  const dirs: string[] = [];
  for (let d = c.cwd; d !== c.home; d = dirname(d)) {
    dirs.push(d);
    if (c.exists(join(d, '.git')) || dirname(d) === d) break;
  }
  return dirs;
}

/** A non-empty environment variable (tools treat an empty value as unset). */
/**
 * The provider id `gwctl launch` uses inside a tool's per-run config: apart from the takeover's
 * `P`, so a run never merges with (or inherits the key of) a provider in the user's files.
 */
export const LAUNCH_PROVIDER = 'gwctl-launch';

/** The child's variable holding the launch key where a tool reads its key from a named variable. */
export const LAUNCH_KEY_VAR = 'GWCTL_LAUNCH_KEY';

export function envVar(ctx: AdapterEnv, name: string): string | undefined {
  const v = ctx.env[name];
  return v !== undefined && v !== '' ? v : undefined;
}

/** `$XDG_CONFIG_HOME` or `~/.config`. */
export function xdgConfigHome(ctx: AdapterEnv): string {
  return envVar(ctx, 'XDG_CONFIG_HOME') ?? join(ctx.home, '.config');
}

/** `$XDG_DATA_HOME` or `~/.local/share`. */
export function xdgDataHome(ctx: AdapterEnv): string {
  return envVar(ctx, 'XDG_DATA_HOME') ?? join(ctx.home, '.local', 'share');
}

export function fileSpec(dir: string, name: string, role: string, format: FileSpec['format'], writable = true): FileSpec {
  return { role, path: join(dir, name), format, writable };
}

/**
 * Parse every file of the tool (a missing file reads as `{}`). Throws ConfigFormatError naming
 * the file when one is malformed.
 */
export function parseAll(loc: ToolLocation, files: FileTexts): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  for (const spec of loc.files) out[spec.role] = editorFor(spec.format).parse(files[spec.role] ?? '', spec.path);
  return out;
}

/** The file name (for details like "settings.json env.ANTHROPIC_BASE_URL"). */
export function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

export function obj(v: JsonValue | undefined): JsonObject | undefined {
  return isObject(v) ? v : undefined;
}

/** A non-blank string, else undefined. */
export function text(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

/** True when two addresses are the same after normalisation (each points at the other). */
function sameAddress(a: string, b: string): boolean {
  return pointsAt(a, b) && pointsAt(b, a);
}

/**
 * Status from the one address a tool sends its model requests to.
 * - absent/blank: not-taken-over;
 * - at or below the gateway root: taken-over (with a detail when it is not the expected base URL);
 * - anything else: other-address.
 * `where` names the setting, e.g. "settings.json env.ANTHROPIC_BASE_URL".
 */
export function statusOf(address: string | undefined, gw: GatewayIdentity, expected: string, where: string): Inspection {
  if (address === undefined || address.trim() === '') return { status: 'not-taken-over' };
  if (pointsAt(address, gw.root)) {
    if (sameAddress(address, expected)) return { status: 'taken-over', address };
    return { status: 'taken-over', address, detail: `${where} points to ${address}, expected ${expected}: run takeover again to fix it` };
  }
  return { status: 'other-address', address, detail: `${where} points to ${address}` };
}

/** Adds a warning to an inspection (kept on one line, joined with "; "). */
export function warn(ins: Inspection, message: string): Inspection {
  return { ...ins, detail: ins.detail ? `${ins.detail}; ${message}` : message };
}

/**
 * Deep merge of layered configs, later layers win: objects merge key by key, everything else
 * (arrays included) is replaced. This is how opencode and Crush combine their files.
 */
export function mergeLayers(...layers: JsonObject[]): JsonObject {
  const out: JsonObject = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      const cur = out[k];
      out[k] = isObject(cur) && isObject(v) ? mergeLayers(cur, v) : v;
    }
  }
  return out;
}

/**
 * Resolve environment references the tools expand in URLs: `${VAR}` (CodeBuddy, Crush), `$VAR`
 * (Crush) and `{env:VAR}` (opencode). Unknown variables are left as written.
 */
export function expandEnv(value: string, ctx: AdapterEnv): string {
  return value.replace(/\{env:([A-Za-z_][A-Za-z0-9_]*)\}|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, a, b, c) => {
    const v = ctx.env[(a ?? b ?? c) as string];
    return v !== undefined ? v : m;
  });
}

/** `base` without trailing slashes. */
export function trimSlash(base: string): string {
  return base.replace(/\/+$/, '');
}
