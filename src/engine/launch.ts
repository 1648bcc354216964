/**
 * `gwctl launch TOOL`: start the tool pointed at the gateway for one run, through the per-run
 * mechanism its adapter's `launch` hook names (environment, arguments, temp files), writing
 * none of the user's files. The key is the tool's launch key (named key `launch-<tool>`, minted
 * once as `gwctl-launch-<tool>-<host>` and kept in the 0600 secrets store) or `--key-name`'s.
 *
 * Temp files live in a private dir (0700, under the system temp dir) as 0600 files, and are
 * removed when the tool ends, when gwctl is told to stop (SIGINT/SIGTERM/SIGHUP are passed to
 * the tool; gwctl cleans up once it has ended), or when gwctl exits any other way. Only SIGKILL
 * of gwctl leaves them behind. The key never goes into the tool's arguments (visible in `ps`).
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { adapterFor } from '../adapters/index.ts';
import type { ToolId } from '../adapters/index.ts';
import type { FileTexts, LaunchPlan, LaunchTarget, ToolAdapter } from '../adapters/types.ts';
import { readConfig } from '../configio/io.ts';
import { configuredGateway, type ResolvedGateway } from '../gateway/index.ts';
import { namedKey, type NamedKey } from '../gateway/named-keys.ts';
import { findOnPath, runChild } from '../shared/child.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface LaunchRequest {
  tool: ToolId;
  home: string;
  env: Env;
  /** gwctl's config dir (settings and the secrets store). */
  configDir: string;
  /** `--model`. */
  model?: string;
  /** `--key-name`: another named key instead of `launch-<tool>`. */
  keyName?: string;
  /** `--bin`: the tool's executable, instead of its command on PATH. */
  bin?: string;
  /** The user's arguments for the tool (after `--`). */
  args: readonly string[];
}

export interface PreparedLaunch {
  file: string;
  args: string[];
  env: Record<string, string>;
  tempDir: string;
  /** What `--verbose` says: never the key. */
  summary: string[];
  cleanup(): void;
}

/** The named key a tool's launches use by default. */
export function launchKeyName(tool: ToolId): string {
  return `launch-${tool}`;
}

/** The child's environment: the caller's, minus `unset`, plus `set` (undefined values dropped). */
export function childEnv(env: Env, plan: Pick<LaunchPlan, 'env' | 'unset'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  for (const k of plan.unset) delete out[k];
  return Object.assign(out, plan.env);
}

/** A plan file's path inside the temp dir; a name that would leave it is a bug in the hook. */
function inside(tempDir: string, name: string): string {
  const rel = normalize(name);
  if (isAbsolute(rel) || rel === '..' || rel.startsWith('..' + sep) || rel === '.') throw new Error(`launch file name '${name}' leaves the temp dir`);
  return join(tempDir, rel);
}

/** Entry names of a dir; none when it does not exist. */
function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

async function modelFor(req: LaunchRequest, gw: ResolvedGateway, key: NamedKey): Promise<string> {
  if (req.model) return req.model;
  if (gw.settings.defaultModel) return gw.settings.defaultModel;
  const listed = await gw.keys.models(key.key);
  const model = listed[0] ?? gw.settings.models?.[0];
  if (!model) {
    throw new Error(
      `the gateway at ${gw.settings.root} lists no models (GET ${gw.settings.baseUrl.openai}/models) and none are configured; pass --model, or set gateway.defaultModel`,
    );
  }
  return model;
}

async function texts(adapter: ToolAdapter, req: LaunchRequest): Promise<FileTexts> {
  const out: Record<string, string | null> = {};
  for (const spec of adapter.locate({ home: req.home, env: req.env }).files) {
    const f = await readConfig(spec.path);
    out[spec.role] = f.exists ? f.text : null;
  }
  return out;
}

/**
 * Everything before the tool starts: its executable, the key, the model, the plan, and the temp
 * files written. The caller runs it and calls `cleanup`. No await after the temp dir exists, so a
 * signal cannot arrive between writing the files and installing the handlers that remove them.
 */
export async function prepareLaunch(req: LaunchRequest): Promise<PreparedLaunch> {
  const adapter = adapterFor(req.tool);
  if (!adapter.launch || !adapter.bin)
    throw new Error(`${adapter.name}: gwctl launch is not supported${adapter.noLaunch ? `: ${adapter.noLaunch}` : ' (no per-run mechanism known)'}`);
  const file = req.bin ?? findOnPath(adapter.bin, req.env);
  if (!file) throw new Error(`'${adapter.bin}' (${adapter.name}) is not on PATH: install ${adapter.name}, or pass --bin PATH`);
  const gw = configuredGateway(req.configDir, req.env);
  const key = await namedKey(gw, req.configDir, req.keyName ?? launchKeyName(req.tool));
  const model = await modelFor(req, gw, key);
  const current = await texts(adapter, req);
  const target: LaunchTarget = {
    root: gw.settings.root,
    baseUrl: gw.settings.baseUrl,
    providerId: gw.settings.providerId,
    displayName: gw.settings.displayName,
    key: key.key,
    model,
    modelGiven: req.model !== undefined,
  };

  const tempDir = mkdtempSync(join(tmpdir(), 'gwctl-launch-'));
  const cleanup = () => rmSync(tempDir, { recursive: true, force: true });
  try {
    chmodSync(tempDir, 0o700);
    const plan = adapter.launch(target, { home: req.home, env: req.env, tempDir }, current);
    if (plan.args.some((a) => a.includes(key.key))) throw new Error(`${adapter.name}: the launch plan puts the key in the arguments; refused`);
    for (const m of plan.mirror ?? []) {
      const to = inside(tempDir, m.to);
      mkdirSync(to, { recursive: true, mode: 0o700 });
      for (const name of listDir(m.from)) if (!m.except.includes(name)) symlinkSync(join(m.from, name), join(to, name));
    }
    for (const f of plan.files ?? []) {
      const path = inside(tempDir, f.name);
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileSync(path, f.text, { mode: 0o600, flag: 'wx' });
    }
    const summary = [
      `${adapter.name}: ${file}`,
      `gateway: ${gw.kind.label} at ${gw.settings.root}; key '${key.alias}'${key.minted ? ' (minted now)' : ''}; model ${model}${target.modelGiven ? '' : ' (default)'}`,
      `environment set: ${Object.keys(plan.env).join(', ') || '—'}; removed: ${plan.unset.join(', ') || '—'}`,
      `arguments before yours: ${plan.args.length ? plan.args.join(' ') : '—'}`,
      `temp files (0600, removed afterwards): ${(plan.files ?? []).map((f) => join(tempDir, f.name)).join(', ') || '—'}`,
      ...(plan.mirror ?? []).map((m) => `temp dir ${join(tempDir, m.to)} stands in for ${m.from} (its entries linked, except ${m.except.join(', ')})`),
    ];
    return { file, args: [...plan.args, ...req.args], env: childEnv(req.env, plan), tempDir, summary, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}

/** Prepare, run the tool with the terminal, signals and exit code passed through, clean up. */
export async function runLaunch(req: LaunchRequest, out: { verbose?: (line: string) => void; error: (line: string) => void }): Promise<number> {
  const p = await prepareLaunch(req);
  for (const line of p.summary) out.verbose?.(line);
  return runChild(p.file, p.args, p.env, { cleanup: p.cleanup, onSpawnError: out.error });
}
