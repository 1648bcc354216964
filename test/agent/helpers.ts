/** Real agents in child processes (bin/gwctl.js agent run), real sockets, events collected. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { allAdapters } from '../../src/adapters/index.ts';
import type { ToolAdapter } from '../../src/adapters/types.ts';
import type { ToolId } from '../../src/adapters/index.ts';
import { gwctlPaths } from '../../src/home/paths.ts';
import { AGENT_NODE_FLAGS, GWCTL_BIN } from '../../src/home/paths.ts';
import { applyEdits } from '../../src/formats/apply.ts';
import { KINDS } from '../../src/gateway/index.ts';
import { AgentConnection, probeAgent } from '../../src/ipc/client.ts';
import type { AgentEvent, HelloResult } from '../../src/ipc/schema.ts';
import { socketLocation } from '../../src/home/paths.ts';

export const ROOT = join(import.meta.dirname, '..', '..');

/** bin/gwctl.js loads dist/: build it when a source file is newer (a no-op when current). */
export function ensureBuilt(): void {
  execFileSync('sh', [join(ROOT, 'scripts', 'with-node.sh'), 'true'], { cwd: ROOT, stdio: 'pipe' });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface AgentProc {
  child: ChildProcess;
  hello: HelloResult;
  stderr(): string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnGwctl(
  args: string[],
  env: Record<string, string | undefined>,
  nodeFlags: readonly string[] = [],
): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [...nodeFlags, GWCTL_BIN, ...args], { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, err: () => err, exited };
}

/** Start `gwctl agent run` and wait until it answers on its socket. */
export async function startAgentProc(env: Record<string, string | undefined>, extraNodeFlags: readonly string[] = []): Promise<AgentProc> {
  const p = spawnGwctl(['agent', 'run'], env, [...AGENT_NODE_FLAGS, ...extraNodeFlags]); // as autostart runs it
  const loc = socketLocation({ home: env.HOME!, env });
  const end = Date.now() + 15_000;
  let code: number | null | undefined;
  void p.exited.then((c) => (code = c));
  for (;;) {
    const hello = await probeAgent(loc, 500).catch(() => null);
    if (hello && hello.pid === p.child.pid) {
      return {
        child: p.child,
        hello,
        stderr: p.err,
        exited: p.exited,
        stop: async (signal = 'SIGTERM') => {
          if (code === undefined) p.child.kill(signal);
          return p.exited;
        },
      };
    }
    if (code !== undefined) throw new Error(`agent exited ${code}: ${p.err()}`);
    if (Date.now() > end) {
      p.child.kill('SIGKILL');
      throw new Error(`agent did not answer: ${p.err()}`);
    }
    await sleep(20);
  }
}

/** A subscriber that keeps every event. */
export class Events {
  readonly all: AgentEvent[] = [];
  private conn!: AgentConnection;

  static async subscribe(env: Record<string, string | undefined>): Promise<Events> {
    const e = new Events();
    e.conn = await AgentConnection.open(socketLocation({ home: env.HOME!, env }));
    e.conn.onEvent((ev) => e.all.push(ev));
    await e.conn.request('subscribe', {});
    return e;
  }

  async waitFor(pred: (e: AgentEvent) => boolean, ms = 3000, from = 0): Promise<AgentEvent> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.all.slice(from).find(pred);
      if (hit) return hit;
      if (Date.now() > end)
        throw new Error(`no matching event within ${ms} ms; got ${JSON.stringify(this.all.slice(from).map((x) => [x.type, x.tool, x.status, x.cause]))}`);
      await sleep(5);
    }
  }

  get length(): number {
    return this.all.length;
  }

  close(): void {
    this.conn.close();
  }
}

/** Write gwctl's settings file before the agent starts. */
export function writeSettings(home: string, env: Record<string, string | undefined>, settings: Record<string, unknown>): void {
  const { configDir } = gwctlPaths({ home, env });
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'config.json'), JSON.stringify(settings, null, 2));
}

export function adapter(id: ToolId): ToolAdapter {
  return allAdapters().find((a) => a.id === id)!;
}

/**
 * The files a tool would have if pointed at `root` (as the engine would write them, through the
 * adapter's plan and the format editors), starting from what is on disk (`texts`).
 */
export function configPointingAt(
  a: ToolAdapter,
  ctx: { home: string; env: Record<string, string | undefined> },
  root: string,
  texts: Record<string, string | null> = {},
): Array<{ path: string; text: string }> {
  const loc = a.locate(ctx);
  const all: Record<string, string | null> = {};
  for (const f of loc.files) all[f.role] = texts[f.role] ?? null;
  const edits = a.plan(
    all,
    {
      root,
      baseUrl: KINDS.servbay.baseUrls(root),
      // The provider id the agent's gateway kind writes (each kind has its own default).
      providerId: KINDS[(ctx.env.GWCTL_GATEWAY_KIND ?? 'servbay') as keyof typeof KINDS]?.providerId ?? 'servbay',
      displayName: 'ServBay AI Gateway',
      key: 'sk-test-agent-0000',
      models: ['gpt-4o', 'claude-sonnet-4-5', 'qwen3-coder'],
      defaultModel: 'gpt-4o',
    },
    ctx,
  );
  const out: Array<{ path: string; text: string }> = [];
  for (const f of loc.files) {
    const mine = edits.filter((e) => e.file === f.role);
    if (!mine.length) continue;
    out.push({ path: f.path, text: applyEdits(all[f.role] ?? '', f.format, mine, f.path).text });
  }
  return out;
}

export function writeFiles(files: Array<{ path: string; text: string }>): void {
  for (const f of files) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.text);
  }
}

/**
 * `gwctl ARGS` as installed (bin/gwctl.js in a process of its own), recording whether the CLI
 * proper (dist/cli/main.js) was loaded: `viaFile` is true when a status file answered.
 */
export async function gwctlRecordingMain(
  args: string[],
  env: Record<string, string | undefined>,
  scratchDir: string,
): Promise<{ code: number | null; out: string; viaFile: boolean }> {
  const hook = join(scratchDir, 'hook.mjs');
  writeFileSync(
    hook,
    `const { registerHooks } = process.getBuiltinModule('node:module');
let main = false;
registerHooks({ load(url, c, next) { if (url.endsWith('/dist/cli/main.js')) main = true; return next(url, c); } });
process.on('exit', () => process.stderr.write('MAIN ' + main + '\\n'));
`,
  );
  const p = spawnGwctl(args, env, ['--import', hook]);
  const code = await p.exited;
  return { code, out: p.out(), viaFile: /MAIN false/.test(p.err()) };
}

/** Another process holding the writer lock at `lockPath` until release() (SIGKILL: the kernel frees it). */
export async function holdWriterLock(lockPath: string): Promise<{ pid: number; release: () => void }> {
  const lockModule = join(ROOT, 'src', 'home', 'lock.ts');
  const src = `import { KernelLock } from ${JSON.stringify(lockModule)}; const l = new KernelLock(${JSON.stringify(lockPath)}); if (!l.tryLock()) process.exit(3); process.stdout.write('held\\n'); globalThis.held = l; setInterval(() => {}, 1000);`;
  const holder = spawn(process.execPath, ['--no-warnings', '--input-type=module', '-e', src], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.on('data', (b: Buffer) => b.toString().includes('held') && resolve());
    holder.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
  });
  return { pid: holder.pid!, release: () => holder.kill('SIGKILL') };
}
