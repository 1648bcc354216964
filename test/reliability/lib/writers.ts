/**
 * Concurrent writers on one HOME (issue 17): N `gwctl … --no-agent` processes at the same moment
 * on a HOME with a realistic config for all nine tools and a LiteLLM gateway. After every round:
 * each `<file>.bak` holds the original bytes, and after the final restore every file is
 * byte-identical to before and no minted key is live at the gateway.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { adapterFor } from '../../../src/adapters/index.ts';
import { TOOL_IDS, type ToolId } from '../../../src/adapters/index.ts';
import type { FakeLiteLLM } from '../../helpers/gateways/litellm.ts';
import { gwctlPaths, socketLocation } from '../../../src/home/paths.ts';
import { LedgerStore } from '../../../src/engine/ledger.ts';
import { hashValue } from '../../../src/formats/path.ts';
import { seedHome, tempHome, type TempHome } from '../../helpers/home.ts';
import { gwctl } from '../../helpers/run.ts';
import { writeSettings } from '../../agent/helpers.ts';
import { FIXTURES, registerHome, registerKeys, removeLater, runChild, spawnAgentRun, type ChildResult, type RunningAgent } from './common.ts';
import { join } from 'node:path';

/**
 * One realistic fixture per tool (none moved by an env variable, none pointing elsewhere): the
 * nine tools the Reliability figures were measured with; the others stay not detected.
 */
export const NINE: Partial<Record<ToolId, string>> = {
  'claude-code': 'api-key-helper-tabs',
  codex: 'daily-driver',
  'gemini-cli': 'mcp-theme',
  'qwen-code': 'model-providers',
  'kimi-cli': 'login-kimi-code',
  'kimi-code': 'oauth-login',
  codebuddy: 'custom-model-available',
  opencode: 'jsonc-comments',
  crush: 'lsp-mcp-providers',
};

export interface NineHome extends TempHome {
  /** Every config file of every tool (null: absent before). */
  original: Map<string, Buffer | null>;
}

export async function nineToolHome(gw: FakeLiteLLM): Promise<NineHome> {
  const h = tempHome('gwctl-writers-');
  for (const [tool, name] of Object.entries(NINE)) await seedHome(h.home, join(FIXTURES, tool, name, 'home'));
  // The gateway in the settings (not one-off variables): an agent started by any of the racers
  // uses the same one.
  writeSettings(h.home, h.env, { gateway: { kind: 'litellm', url: gw.url } });
  const saved = await gwctl(['config', 'set', 'gateway.adminKey'], h.env, gw.masterKey);
  if (saved.code !== 0) throw new Error(saved.stderr);
  const original = new Map<string, Buffer | null>();
  for (const tool of TOOL_IDS) {
    for (const s of adapterFor(tool).locate({ home: h.home, env: h.env }).files) original.set(s.path, existsSync(s.path) ? readFileSync(s.path) : null);
  }
  registerHome(h.home, h.env);
  removeLater(h.home);
  return { ...h, original };
}

export interface Check {
  /** `.bak` files that do not hold the original bytes. */
  badBak: string[];
  /** Config files that differ from the original (only meaningful after the final restore). */
  changed: string[];
  /** Leftover `.bak.N` files (a gwctl .bak taken for a foreign one). */
  extraBak: string[];
}

export function check(h: NineHome): Check {
  const badBak: string[] = [];
  const changed: string[] = [];
  const extraBak: string[] = [];
  for (const [path, orig] of h.original) {
    const bak = `${path}.bak`;
    if (existsSync(bak) && (orig === null || !readFileSync(bak).equals(orig))) badBak.push(bak);
    const now = existsSync(path) ? readFileSync(path) : null;
    if ((now === null) !== (orig === null) || (now && orig && !now.equals(orig))) changed.push(path);
    const dir = dirname(path);
    if (existsSync(dir)) for (const f of readdirSync(dir)) if (/\.bak\.\d+$/.test(f)) extraBak.push(join(dir, f));
  }
  return { badBak, changed, extraBak: [...new Set(extraBak)] };
}

export interface RoundResult {
  runs: ChildResult[];
  /** Runs that gave up waiting for the lock ("another gwctl is writing"). */
  lockTimeouts: number;
  /** Runs that exited non-zero for another reason. */
  otherFailures: string[];
}

/** `n` processes running `args` at the same moment. */
export async function together(h: NineHome, gw: FakeLiteLLM, n: number, args: string[]): Promise<RoundResult> {
  const runs = await Promise.all(Array.from({ length: n }, () => runChild([...args, '--no-agent', '--json'], h.env, { timeoutMs: 120_000 })));
  return outcome(runs, gw);
}

/** The commands given, at the same moment (each an array of CLI args), with extra env. */
export async function racing(h: NineHome, gw: FakeLiteLLM, commands: string[][], env: Record<string, string> = {}): Promise<RoundResult> {
  const runs = await Promise.all(commands.map((args) => runChild([...args, '--json'], { ...h.env, ...env }, { timeoutMs: 120_000 })));
  return outcome(runs, gw);
}

function outcome(runs: ChildResult[], gw: FakeLiteLLM): RoundResult {
  registerKeys([...gw.keys.values()].map((k) => k.key));
  let lockTimeouts = 0;
  const otherFailures: string[] = [];
  for (const r of runs) {
    if (r.code === 0) continue;
    if (/another gwctl is writing/.test(r.stderr + r.stdout)) lockTimeouts++;
    else otherFailures.push(`exit ${r.code ?? r.signal}: ${(r.stderr || r.stdout).slice(0, 600)}`);
  }
  return { runs, lockTimeouts, otherFailures };
}

/** Status of each of the seeded tools, in-process. */
export async function statuses(h: NineHome): Promise<Record<string, string | null>> {
  const r = await runChild(['status', '--json', '--no-agent', ...Object.keys(NINE)], h.env);
  return Object.fromEntries((JSON.parse(r.stdout) as { tools: Array<{ id: string; status: string | null }> }).tools.map((t) => [t.id, t.status]));
}

/**
 * Every applied ledger entry's key is live at the gateway (no tool left on a revoked key), and
 * every live key belongs to an entry (no minted key left live and unrecorded). Returns problems.
 */
export async function keysAgree(h: NineHome, gw: FakeLiteLLM): Promise<string[]> {
  const ledger = await new LedgerStore(gwctlPaths({ home: h.home, env: h.env }).stateDir).load();
  const live = new Set([...gw.keys.values()].map((k) => hashValue(k.key)));
  const problems: string[] = [];
  const used = new Set<string>();
  for (const [tool, e] of Object.entries(ledger.tools)) {
    if (!e) continue;
    if (e.state !== 'applied') problems.push(`${tool}: ledger entry left '${e.state}'`);
    else if (!live.has(e.keyHash)) problems.push(`${tool}: its key was revoked while in use`);
    used.add(e.keyHash);
  }
  for (const k of gw.keys.values()) if (!used.has(hashValue(k.key))) problems.push(`key '${k.key_alias}' is live but no tool uses it`);
  const pending = (ledger as { pending?: unknown[] }).pending ?? [];
  if (pending.length) problems.push(`${pending.length} revoke-pending`);
  return problems;
}

/** `gwctl agent run` from src/ (the CLI's own code), in the background; resolves once it answers. */
export function agentRun(h: NineHome): Promise<RunningAgent> {
  return spawnAgentRun(h.env, socketLocation({ home: h.home, env: h.env }));
}

/** The tools split in two halves, for two requests on different tools at the same time. */
export const HALVES: [ToolId[], ToolId[]] = [
  ['claude-code', 'gemini-cli', 'kimi-cli', 'codebuddy', 'crush'],
  ['codex', 'qwen-code', 'kimi-code', 'opencode'],
];
