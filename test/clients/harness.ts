/**
 * Harness for the real-client proof: a throw-away HOME seeded with a realistic config, a scrubbed
 * environment with dead proxies, a process runner that kills the whole process group, gwctl
 * itself, and snapshots of HOME to tell gwctl's writes from the client's own.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from './install.ts';
import type { RecordedRequest } from './recorder.ts';

export const FIXTURES = join(REPO_ROOT, 'test', 'clients', 'fixtures');
export const GWCTL_BIN = join(REPO_ROOT, 'bin', 'gwctl.js');
export const DEAD_PROXY = 'http://127.0.0.1:9';

export interface Sandbox {
  home: string;
  /** Temp project dir inside HOME: the client's cwd. */
  project: string;
  env: Record<string, string>;
  cleanup(): void;
}

/** Variables of the caller that would steer a client (or gwctl) away from the sandbox. */
const SCRUB =
  /^(ANTHROPIC|OPENAI|GEMINI|GOOGLE|QWEN|KIMI|CODEX|CLAUDE|CODEBUDDY|OPENCODE|CRUSH|PI|KILO|FACTORY|CLINE|GROK|XAI|GWCTL|XDG)_|^(HTTPS?_PROXY|ALL_PROXY|NO_PROXY)$/i;

/**
 * A HOME in the temp dir, XDG_* inside it, the fixture tree test/clients/fixtures/<tool>/home
 * copied in ({{HOME}} in text files replaced by the real path), proxies pointed at a dead port.
 */
export function makeSandbox(tool: string): Sandbox {
  const home = realpathSync(mkdtempSync(join(tmpdir(), `gwctl-client-${tool}-`)));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SCRUB.test(k)) env[k] = v;
  Object.assign(env, {
    HOME: home,
    USERPROFILE: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_RUNTIME_DIR: join(home, '.run'),
    HTTP_PROXY: DEAD_PROXY,
    HTTPS_PROXY: DEAD_PROXY,
    ALL_PROXY: DEAD_PROXY,
    http_proxy: DEAD_PROXY,
    https_proxy: DEAD_PROXY,
    all_proxy: DEAD_PROXY,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    // The clients' node scripts run on the same Node as the tests.
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    NO_COLOR: '1',
    TERM: 'dumb',
    CI: '1',
  });
  for (const d of ['XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME', 'XDG_RUNTIME_DIR']) {
    mkdirSync(env[d] as string, { recursive: true, mode: 0o700 });
  }
  const fixture = join(FIXTURES, tool, 'home');
  if (existsSync(fixture)) {
    cpSync(fixture, home, { recursive: true });
    for (const file of Object.keys(snapshot(home))) {
      const p = join(home, file);
      const text = readFileSync(p, 'utf8');
      if (text.includes('{{HOME}}')) writeFileSync(p, text.replaceAll('{{HOME}}', home));
    }
  }
  const project = join(home, 'projects', 'demo-app');
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'README.md'), '# demo-app\n\nA tiny project the client is started in.\n');
  return { home, project, env, cleanup: () => rmSync(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }) };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Killed by the hard timeout. */
  timedOut: boolean;
  /** Killed by `stopWhen` (its model request was recorded, it did not end by itself). */
  stopped: boolean;
  ms: number;
}

export interface RunOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Polled every 200 ms; once true, the process gets `graceMs` to end before it is killed. */
  stopWhen?: () => boolean;
  graceMs?: number;
}

/** Runs a command in its own process group with stdin at /dev/null; kills the group on timeout. */
export function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let stopped = false;
    let stopAt = 0;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        /* already gone */
      }
    };
    const kill = () => {
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 3000).unref();
    };
    const hard = setTimeout(() => {
      timedOut = true;
      kill();
    }, opts.timeoutMs);
    const poll = setInterval(() => {
      if (!opts.stopWhen || stopped) return;
      if (!stopAt && opts.stopWhen()) stopAt = Date.now() + (opts.graceMs ?? 15_000);
      if (stopAt && Date.now() >= stopAt) {
        stopped = true;
        kill();
      }
    }, 200);
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(hard);
      clearInterval(poll);
      killGroup('SIGKILL'); // leftovers (MCP servers, workers) of a client that exited
      done({ code, signal, stdout, stderr, timedOut, stopped, ms: Math.round(performance.now() - started) });
    };
    child.on('error', (e) => {
      stderr += `\n${e.message}`;
      finish(-1, null);
    });
    child.on('close', finish);
  });
}

/** GWCTL_CLIENTS_DEBUG=1 prints each client's output and every request it made. */
export const DEBUG = process.env.GWCTL_CLIENTS_DEBUG === '1';
export const PROMPT = 'Reply with the single word: ok';

/** One client run: its non-interactive command line and what its model request must look like. */
export interface ClientCase {
  tool: string;
  /** Non-interactive command line (TOOLS.md "Useful non-interactive forms"). */
  args: string[];
  env?: Record<string, string>;
  /** Model request paths (query stripped) the client must hit. */
  path: RegExp;
  /** Headers that must carry the virtual key (Bearer for authorization). */
  auth: AuthHeader[];
  /** OpenAI-protocol tools get the gateway's model list written in: gwctl must have asked for it. */
  listsModels?: boolean;
}

/** A summary table (one column per key of the first row), `footer` lines after it. */
export function summaryTable(title: string, rows: ReadonlyArray<Record<string, string>>, footer: string[] = []): string {
  const cols = Object.keys(rows[0] ?? {});
  if (!cols.length) return '';
  const width = (k: string) => Math.max(k.length, ...rows.map((r) => (r[k] ?? '').length));
  const line = (cells: Record<string, string>) => cols.map((k) => (cells[k] ?? '').padEnd(width(k))).join(' | ');
  return [
    '',
    title,
    line(Object.fromEntries(cols.map((k) => [k, k]))),
    cols.map((k) => '-'.repeat(width(k))).join('-|-'),
    ...rows.map(line),
    ...footer,
    '',
  ].join('\n');
}

/** A header that can carry a model request's credential. */
export type AuthHeader = 'authorization' | 'x-api-key' | 'x-goog-api-key';

export function headerValue(r: RecordedRequest, h: AuthHeader): string | undefined {
  return h === 'authorization' ? r.authorization : h === 'x-api-key' ? r.xApiKey : r.xGoogApiKey;
}

export function tail(s: string, n = 1500): string {
  return s.length > n ? `…${s.slice(-n)}` : s;
}

/** A client run and the requests it made, for a failure message. */
export function describeRun(r: RunResult, requests: RecordedRequest[]): string {
  return (
    `exit=${String(r.code)} signal=${String(r.signal)} timedOut=${r.timedOut} stopped=${r.stopped} ms=${r.ms}\n` +
    `requests: ${requests.map((q) => `${q.method} ${q.path}`).join(', ') || '(none)'}\n` +
    `stdout: ${tail(r.stdout)}\nstderr: ${tail(r.stderr)}`
  );
}

/**
 * Kills processes a client left running in the sandbox (Cline starts a hub daemon in its own
 * session, which the process-group kill does not reach): every process whose command line or
 * working directory lies under `root`, found through /proc (Linux; elsewhere nothing to do).
 * Returns the pids it killed. gwctl's own processes (its agent) are left alone.
 */
export function killStrays(root: string): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  } catch {
    return [];
  }
  const killed: number[] = [];
  for (const p of pids) {
    let cmd = '';
    let cwd = '';
    try {
      cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    try {
      cwd = readlinkSync(`/proc/${p}/cwd`);
    } catch {
      /* gone or not ours */
    }
    if (cmd.includes(GWCTL_BIN) || (!cmd.includes(root) && cwd !== root && !cwd.startsWith(`${root}/`))) continue;
    try {
      process.kill(Number(p), 'SIGKILL');
      killed.push(Number(p));
    } catch {
      /* already gone */
    }
  }
  return killed;
}

export interface GwctlResult extends RunResult {
  json: unknown;
}

/** `node bin/gwctl.js <args> --json` against the sandbox. */
/** `adminKey`: a LiteLLM gateway where gwctl mints a key per tool; else `key` for every tool. */
export async function gwctl(sb: Sandbox, args: readonly string[], gateway: { url: string; key?: string; adminKey?: string }): Promise<GwctlResult> {
  const env = gateway.adminKey
    ? { ...sb.env, GWCTL_GATEWAY_URL: gateway.url, GWCTL_GATEWAY_KIND: 'litellm', GWCTL_GATEWAY_ADMIN_KEY: gateway.adminKey }
    : { ...sb.env, GWCTL_GATEWAY_URL: gateway.url, GWCTL_GATEWAY_KEY: gateway.key ?? '' };
  const r = await run(process.execPath, [GWCTL_BIN, ...args, '--json'], { cwd: sb.project, env, timeoutMs: 60_000 });
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    /* asserted by the caller */
  }
  return { ...r, json: parsed };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops the gwctl agent a takeover started in this sandbox (takeover/restore go through it and
 * start one when none runs). `gwctl agent stop`, then waits for its pid to vanish; SIGKILLs that
 * pid (which the test started) only if it outlives the stop. Returns what happened, for the log.
 */
export async function stopAgent(sb: Sandbox, gateway: { url: string; key?: string; adminKey?: string }): Promise<string> {
  const st = await gwctl(sb, ['agent', 'status'], gateway);
  const pid = (st.json as { running?: boolean; pid?: number } | null)?.pid;
  if (typeof pid !== 'number') return 'no agent';
  const stop = await gwctl(sb, ['agent', 'stop'], gateway);
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (!alive(pid)) return `agent ${pid} stopped${stop.code === 0 ? '' : ` (agent stop exit ${String(stop.code)})`}`;
  process.kill(pid, 'SIGKILL');
  return `agent ${pid} killed: \`gwctl agent stop\` did not end it`;
}

/** File in HOME → its bytes (or a hash for big files; `-> target` for symlinks). */
export type Snapshot = Record<string, Buffer | string>;

export function snapshot(root: string, skip: (rel: string) => boolean = () => false): Snapshot {
  const out: Snapshot = {};
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(dir, name);
      const rel = relative(root, p);
      if (skip(rel)) continue;
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isSymbolicLink()) out[rel] = `-> ${readlinkSync(p)}`;
      else if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        try {
          const buf = readFileSync(p);
          out[rel] = st.size > 2_000_000 ? `sha256:${createHash('sha256').update(buf).digest('hex')}` : buf;
        } catch {
          /* vanished */
        }
      }
    }
  };
  walk(root);
  return out;
}

function same(a: Buffer | string | undefined, b: Buffer | string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.equals(b);
}

/** Files that differ between two snapshots (added, removed or changed). */
export function changedFiles(a: Snapshot, b: Snapshot): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !same(a[k], b[k])).sort();
}

export function text(s: Snapshot, file: string): string | undefined {
  const v = s[file];
  return v === undefined ? undefined : typeof v === 'string' ? v : v.toString('utf8');
}

export { same as sameContent };
