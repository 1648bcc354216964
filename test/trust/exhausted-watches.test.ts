/**
 * A blind agent must say so (issue 18 §6). A helper process uses up every inotify watch of a
 * dedicated uid (as an IDE or a bundler does: "System limit for number of file watchers
 * reached"); the agent, started as that uid, watches nothing. It must say which directories are
 * not watched and why, with the fix (`agent status`, `doctor`, `watch`), and poll them instead:
 * a change is still seen. Real kernel limit, real chokidar; needs root (to switch uid) and Linux.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GWCTL_BIN } from '../../src/home/paths.ts';
import { startGateway, type FakeGateway } from '../helpers/gateway.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { ensureBuilt, sleep, writeSettings } from '../agent/helpers.ts';

// A uid nobody else on the machine uses: the watch limit is per user.
const UID = 54321;
// The helper is a small python3 script (ctypes inotify); CI images have python3 (apt: python3).
const PYTHON = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p));
const CAN = process.getuid?.() === 0 && process.platform === 'linux' && existsSync('/proc/sys/fs/inotify/max_user_watches') && PYTHON !== undefined;

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [GWCTL_BIN, ...args], { env, uid: UID, gid: UID, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!CAN)("the user's inotify watches are used up", () => {
  let h: TempHome;
  let gw: FakeGateway;
  let env: Record<string, string>;
  let fillDir: string;
  let filler: ChildProcess | undefined;
  let agent: ChildProcess | undefined;
  beforeAll(() => ensureBuilt());
  beforeEach(async () => {
    h = tempHome('gwctl-blind-');
    gw = await startGateway();
    env = {
      ...h.env,
      GWCTL_GATEWAY_URL: gw.url,
      GWCTL_GATEWAY_KEY: 'sk-configured-key-0123456',
      GWCTL_UNWATCHED_POLL_MS: '300',
      PATH: process.env.PATH ?? '/usr/bin:/bin',
    };
    writeSettings(h.home, env, { notify: false, autostart: false });
    mkdirSync(join(h.home, '.codex'));
    for (const d of [
      h.home,
      join(h.home, '.codex'),
      join(h.home, '.config'),
      join(h.home, '.config', 'gwctl'),
      join(h.home, '.config', 'gwctl', 'config.json'),
    ])
      chownSync(d, UID, UID);
    // Enough directories that 120 instances of watches on each exceed the limit.
    const max = Number((await import('node:fs')).readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8'));
    fillDir = mkdtempSync(join(tmpdir(), 'gwctl-fill-'));
    chmodSync(fillDir, 0o755);
    const per = Math.ceil(max / 120) + 10;
    for (let i = 0; i < per; i++) mkdirSync(join(fillDir, String(i)));
    filler = spawn(PYTHON!, [join(import.meta.dirname, 'helpers', 'fill-inotify.py'), fillDir, '120'], {
      uid: UID,
      gid: UID,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve) => {
      filler!.stdout!.once('data', (d: Buffer) => resolve(d.toString()));
      filler!.once('exit', (code) => resolve(`exited ${code}`));
    });
    expect(line).toMatch(/^full \d+/);
  }, 120_000);
  afterEach(async () => {
    if (agent && agent.exitCode === null) {
      agent.kill('SIGTERM');
      await new Promise((r) => agent!.once('exit', r));
    }
    agent = undefined;
    filler?.kill('SIGKILL');
    filler = undefined;
    rmSync(fillDir, { recursive: true, force: true });
    await gw.close();
    h.cleanup();
  });

  it('agent status, doctor and watch name the unwatched dirs with the fix; drift is still seen by polling', async () => {
    agent = spawn(process.execPath, [GWCTL_BIN, 'agent', 'run'], { env, uid: UID, gid: UID, stdio: ['ignore', 'ignore', 'pipe'] });
    let status: { running?: boolean; unwatched?: Array<{ dir: string; tools: string[]; code: string; reason: string }> } = {};
    // The agent answers before its watchers are up: wait until it has tried them.
    for (let i = 0; i < 100 && !status.unwatched?.length; i++) {
      await sleep(100);
      const r = await run(['agent', 'status', '--json'], env);
      if (r.code === 0) status = JSON.parse(r.stdout);
    }
    expect(status.running).toBe(true);
    const codex = status.unwatched?.find((u) => u.tools.includes('codex'));
    expect(codex).toMatchObject({ dir: join(h.home, '.codex'), code: 'ENOSPC' });
    expect(codex!.reason).toMatch(/fs\.inotify\.max_user_watches/);

    const text = await run(['agent', 'status'], env);
    expect(text.stdout).toMatch(/not watched, see below/);
    expect(text.stdout).toMatch(
      new RegExp(`not watched: ${join(h.home, '.codex')} \\(codex\\): the user's inotify watches are used up.*max_user_watches.*checked every 0.3 s instead`),
    );

    const doctor = await run(['doctor', '--json'], env);
    const finding = (JSON.parse(doctor.stdout) as { findings: Array<{ id: string; title: string; fix?: string }> }).findings.find(
      (f) => f.id === 'agent.unwatched' && f.title.includes('.codex'),
    );
    expect(finding?.fix).toMatch(/max_user_watches=\d+/);

    // `watch` says it too, and the polled directory still reports a change.
    const watch = spawn(process.execPath, [GWCTL_BIN, 'watch', '--json'], { env, uid: UID, gid: UID, stdio: ['ignore', 'pipe', 'pipe'] });
    let events = '';
    watch.stdout!.on('data', (d: Buffer) => (events += d.toString()));
    try {
      await sleep(500);
      const cfg = join(h.home, '.codex', 'config.toml');
      writeFileSync(cfg, 'model_provider = "x"\n\n[model_providers.x]\nbase_url = "https://elsewhere.example/v1"\n');
      chownSync(cfg, UID, UID);
      for (let i = 0; i < 50 && !/"tool":"codex"/.test(events); i++) await sleep(100);
      expect(events).toMatch(/"tool":"codex"/);
    } finally {
      watch.kill('SIGINT');
    }
    const plainWatch = spawn(process.execPath, [GWCTL_BIN, 'watch'], { env, uid: UID, gid: UID, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    plainWatch.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    for (let i = 0; i < 50 && !/not watched/.test(err); i++) await sleep(100);
    plainWatch.kill('SIGINT');
    expect(err).toMatch(/not watched: .*\.codex.*max_user_watches/);
  });
});
