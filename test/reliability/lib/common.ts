/**
 * Shared by the reliability tests (long: test/reliability, short: test/reliability-short):
 * fixture homes, a child-process CLI that can be killed, the registry of every key the tests
 * minted and every artifact gwctl produced (scanned for secrets), and the figures table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { adapterFor, allAdapters } from '../../../src/adapters/index.ts';
import type { FileSpec } from '../../../src/adapters/types.ts';
import type { ToolId } from '../../../src/adapters/index.ts';
import { TOOL_IDS } from '../../../src/adapters/index.ts';
import { seedHome, tempHome, type TempHome } from '../../helpers/home.ts';
import { probeAgent } from '../../../src/ipc/client.ts';
import type { SocketLocation } from '../../../src/home/paths.ts';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const WORKER = join(ROOT, 'scripts', 'crash-worker.ts');
export const NODE = process.execPath;

/** Where this run keeps its registries (one dir per `npm run test:reliability`, else per process). */
export const RUN_DIR = process.env.GWCTL_RELIABILITY_DIR ?? join(tmpdir(), `gwctl-reliability-${process.pid}`);
mkdirSync(RUN_DIR, { recursive: true });

/**
 * Temp dirs this test file made. The short runs remove them when the file is done; the long run
 * keeps everything until zz-secrets.test.ts has scanned it (it then removes the lot).
 */
const madeHere: string[] = [];
export function removeLater(dir: string): void {
  madeHere.push(dir);
}
afterAll(() => {
  if (process.env.GWCTL_RELIABILITY_DIR) return;
  for (const d of madeHere) rmSync(d, { recursive: true, force: true });
  rmSync(RUN_DIR, { recursive: true, force: true });
});

export interface FixtureCase {
  tool: ToolId;
  name: string;
  home: string;
  env: Record<string, string>;
  expect: string;
}

export function fixtureCases(): FixtureCase[] {
  const out: FixtureCase[] = [];
  for (const tool of TOOL_IDS) {
    const dir = join(FIXTURES, tool);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const home = join(dir, name, 'home');
      if (!existsSync(home)) continue;
      const meta = existsSync(join(dir, name, 'case.json')) ? JSON.parse(readFileSync(join(dir, name, 'case.json'), 'utf8')) : {};
      out.push({ tool, name, home, env: meta.env ?? {}, expect: meta.expect ?? 'not-taken-over' });
    }
  }
  return out;
}

export interface SeededHome extends TempHome {
  specs: FileSpec[];
  /** Original bytes of each config file (null: absent), by path. */
  original: Map<string, Buffer | null>;
}

/**
 * A temp HOME holding a fixture case, with the case's env ($HOME replaced). Its commands run
 * in-process (GWCTL_NO_AGENT=1): these runs kill and race the process that writes, which
 * in-process is the gwctl command itself (the agent's road has its own runs: socket,
 * agent-reconcile).
 */
export async function seedCase(c: FixtureCase, extraEnv: Record<string, string> = {}): Promise<SeededHome> {
  const h = tempHome('gwctl-rel-');
  h.env.GWCTL_NO_AGENT = '1';
  await seedHome(h.home, c.home);
  for (const [k, v] of Object.entries(c.env)) h.env[k] = v.replaceAll('$HOME', h.home);
  Object.assign(h.env, extraEnv);
  const specs = adapterFor(c.tool).locate({ home: h.home, env: h.env }).files;
  const original = new Map<string, Buffer | null>();
  for (const s of specs) original.set(s.path, existsSync(s.path) ? readFileSync(s.path) : null);
  registerHome(h.home, h.env);
  removeLater(h.home);
  return { ...h, specs, original };
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run the CLI (from src/) in a child; `killAfterMs` sends SIGKILL after that long. */
export function runChild(
  args: string[],
  env: Record<string, string | undefined>,
  opts: { killAfterMs?: number; uid?: number; gid?: number; timeoutMs?: number } = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(NODE, ['--no-warnings', WORKER, ...args], {
      env: { GWCTL_NO_AGENT: '1', ...env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid ?? opts.uid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = opts.killAfterMs !== undefined ? setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs) : undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      clearTimeout(guard);
      const r = { code, signal, stdout, stderr, ms: performance.now() - t0 };
      recordOutput(r.stdout + '\n' + r.stderr);
      resolve(r);
    });
  });
}

export interface RunningAgent {
  child: ChildProcess;
  stderr(): string;
  /** SIGTERM (unless it already exited), then wait for the exit. */
  stop(): Promise<void>;
}

/** `gwctl agent run` from src/, in the background; resolves once this very process answers at `loc`. */
export async function spawnAgentRun(env: Record<string, string | undefined>, loc: SocketLocation): Promise<RunningAgent> {
  const child = spawn(NODE, ['--no-warnings', '--max-semi-space-size=1', WORKER, 'agent', 'run'], {
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  child.stdout!.on('data', () => undefined);
  let exited: number | null | undefined;
  const done = new Promise<void>((r) => child.once('exit', (code) => ((exited = code), r())));
  const end = Date.now() + 20_000;
  for (;;) {
    const hello = await probeAgent(loc, 500).catch(() => null);
    if (hello?.pid === child.pid) break;
    if (exited !== undefined) throw new Error(`agent exited ${exited}: ${err}`);
    if (Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`agent did not answer: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    child,
    stderr: () => err,
    stop: async () => {
      if (exited === undefined) child.kill('SIGTERM');
      await done;
    },
  };
}

// ---- secrets registry ---------------------------------------------------------------------

const MINTED = join(RUN_DIR, 'minted-keys.txt');
const ARTIFACT_DIRS = join(RUN_DIR, 'artifact-dirs.txt');
const OUTPUTS = join(RUN_DIR, 'outputs.log');

/** Every key the tests minted (fake gateways), so the secrets scan can look for them. */
export function registerKeys(keys: Iterable<string>): void {
  const list = [...keys].filter(Boolean);
  if (list.length) appendFileSync(MINTED, list.join('\n') + '\n');
}

export function mintedKeys(): string[] {
  return existsSync(MINTED) ? [...new Set(readFileSync(MINTED, 'utf8').split('\n').filter(Boolean))] : [];
}

/** gwctl's state/log dirs the scan must cover (kept until the end of the run). */
export function registerArtifactDir(dir: string): void {
  appendFileSync(ARTIFACT_DIRS, dir + '\n');
}

const HOMES = join(RUN_DIR, 'homes.jsonl');

/** A whole temp HOME to scan; only the tools' config files in it may hold a key. */
export function registerHome(home: string, env: Record<string, string | undefined>): void {
  const allowed = allAdapters().flatMap((a) => a.locate({ home, env }).files.map((f) => f.path));
  appendFileSync(HOMES, JSON.stringify({ home, allowed }) + '\n');
}

export function artifactDirs(): string[] {
  return existsSync(ARTIFACT_DIRS) ? [...new Set(readFileSync(ARTIFACT_DIRS, 'utf8').split('\n').filter(Boolean))] : [];
}

export function registeredHomes(): Array<{ home: string; allowed: string[] }> {
  return existsSync(HOMES)
    ? readFileSync(HOMES, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
}

/** stdout/stderr (--json outputs, error messages) of every CLI run. */
export function recordOutput(text: string): void {
  appendFileSync(OUTPUTS, text.replace(/\n+$/, '') + '\n');
}

export function outputsFile(): string {
  return OUTPUTS;
}

// ---- figures -------------------------------------------------------------------------------

export interface Figure {
  row: string;
  tried: string;
  count: number;
  lost: string;
  detail?: Record<string, unknown>;
  command: string;
}

/** One row of the Reliability table: printed, and appended to <RUN_DIR>/figures.jsonl. */
export function figure(f: Figure): void {
  appendFileSync(join(RUN_DIR, 'figures.jsonl'), JSON.stringify(f) + '\n');
  console.log(`[reliability] ${f.row}: ${f.tried} × ${f.count}; lost: ${f.lost}${f.detail ? ' ' + JSON.stringify(f.detail) : ''}`);
}

/** All files under `dir` (no symlink following). */
export function walk(dir: string): string[] {
  const out: string[] = [];
  const rec = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      let st;
      try {
        st = statSync(p, { throwIfNoEntry: false });
      } catch {
        continue;
      }
      if (!st) continue;
      if (st.isDirectory()) rec(p);
      else if (st.isFile()) out.push(p);
    }
  };
  rec(dir);
  return out;
}

export function rel(home: string, p: string): string {
  return '~/' + relative(home, p);
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** xorshift-style PRNG so a seed reproduces a run. */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}
