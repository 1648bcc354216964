/**
 * Notifications: the real notify-send (via node-notifier) against a real notification daemon
 * (dunst under Xvfb) on a private D-Bus session bus; the failure paths (no bus, a bus with no
 * daemon); rate limiting, per-kind settings and the macOS osascript fallback.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kindEnabled, makeNotifier, notificationFor, notifyEvent } from '../../src/agent/notify.ts';
import { EVENT_TYPES, NOTIFY_KINDS, type AgentEvent } from '../../src/ipc/schema.ts';
import type { NotifySetting } from '../../src/home/settings.ts';
import { recordingLog, until } from './helpers.ts';

const CI = process.env.CI === 'true';
const has = (b: string) => spawnSync('sh', ['-c', `command -v ${b}`]).status === 0;
const NEEDED = ['notify-send', 'dunst', 'Xvfb', 'dbus-daemon', 'dbus-send'];
const missing = NEEDED.filter((b) => !has(b));
const runReal = CI || missing.length === 0;
if (!runReal) console.warn(`skipping real-notification tests: ${missing.join(', ')} missing; run scripts/ci-apt.sh (Debian: libnotify-bin dunst xvfb dbus)`);

const BUS_CONFIG = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=DIR</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
`;

interface Bus {
  address: string;
  proc: ChildProcess;
}

/** A private session bus with no service activation (so nothing answers unless we start it). */
async function startBus(dir: string): Promise<Bus> {
  const conf = join(dir, 'bus.conf');
  writeFileSync(conf, BUS_CONFIG.replace('DIR', dir));
  const proc = spawn('dbus-daemon', [`--config-file=${conf}`, '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const address = await until(() => (out.includes('\n') ? out.split('\n')[0]!.trim() : undefined), 5000, 'dbus-daemon address');
  return { address, proc };
}

/** SIGTERM, and wait for the exit (SIGKILL after 5 s). */
function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
    p.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    p.kill('SIGTERM');
  });
}

function hasOwner(address: string): boolean {
  const r = spawnSync(
    'dbus-send',
    [
      '--bus=' + address,
      '--print-reply',
      '--dest=org.freedesktop.DBus',
      '/org/freedesktop/DBus',
      'org.freedesktop.DBus.NameHasOwner',
      'string:org.freedesktop.Notifications',
    ],
    { encoding: 'utf8' },
  );
  return /boolean true/.test(r.stdout);
}

describe.skipIf(!runReal)('real notify-send → dunst on a private D-Bus session', () => {
  let dir: string;
  const procs: ChildProcess[] = [];
  let bus: Bus;
  let display: string;
  const received = () => (existsSync(join(dir, 'received.tsv')) ? readFileSync(join(dir, 'received.tsv'), 'utf8') : '');
  const saved = { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS, DISPLAY: process.env.DISPLAY };

  const dirs: string[] = [];

  beforeAll(async () => {
    if (missing.length) throw new Error(`CI=true but ${missing.join(', ')} missing: run scripts/ci-apt.sh`);
    dir = mkdtempSync(join(tmpdir(), 'gwctl-notify-'));
    dirs.push(dir);
    // Xvfb picks a free display and writes its number to fd 3.
    const xvfb = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '640x480x24'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
    procs.push(xvfb);
    let fd3 = '';
    (xvfb.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (fd3 += d.toString()));
    display = ':' + (await until(() => (/\d+\n/.test(fd3) ? fd3.trim() : undefined), 10_000, 'Xvfb display'));
    bus = await startBus(dir);
    procs.push(bus.proc);
    // dunst runs a script for every notification it receives: appname, summary, body.
    const script = join(dir, 'record.sh');
    writeFileSync(script, `#!/bin/sh\nprintf '%s\\t%s\\t%s\\n' "$1" "$2" "$3" >> '${join(dir, 'received.tsv')}'\n`);
    chmodSync(script, 0o755);
    writeFileSync(join(dir, 'dunstrc'), `[global]\n    follow = none\n[record]\n    appname = "*"\n    script = ${script}\n`);
    const dunst = spawn('dunst', ['-config', join(dir, 'dunstrc')], {
      env: { ...process.env, DISPLAY: display, DBUS_SESSION_BUS_ADDRESS: bus.address },
      stdio: 'ignore',
    });
    procs.push(dunst);
    await until(() => hasOwner(bus.address) || undefined, 10_000, 'dunst to own org.freedesktop.Notifications');
    process.env.DBUS_SESSION_BUS_ADDRESS = bus.address;
    process.env.DISPLAY = display;
  }, 30_000);

  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    // Wait for the daemons to exit before removing their dirs: dunst's record script or the
    // bus socket appearing mid-removal left the dir behind.
    await Promise.all(procs.reverse().map(stop));
    for (const d of dirs) rmSync(d, { recursive: true, force: true, maxRetries: 3 });
  });

  it('the daemon receives the title and the body', async () => {
    const log = recordingLog();
    const results: Array<{ ok: boolean }> = [];
    const notify = makeNotifier(log, () => true, { onResult: (r) => results.push(r) });
    notify('gwctl: Codex left the gateway', 'Codex now points at https://api.example.com/v1 ("quoted" $HOME `x`)', 'drift');
    const line = await until(
      () =>
        received()
          .split('\n')
          .find((l) => l.includes('Codex left')),
      10_000,
      'dunst to record the notification',
    );
    const [, summary, body] = line.split('\t');
    expect(summary).toBe('gwctl: Codex left the gateway');
    expect(body).toBe('Codex now points at https://api.example.com/v1 ("quoted" $HOME `x`)');
    await until(() => results.length || undefined);
    expect(results[0]!.ok).toBe(true);
    expect(log.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('a new tool notification carries the takeover command', async () => {
    const notify = makeNotifier(recordingLog(), () => true);
    notifyEvent(
      notify,
      {
        seq: 1,
        at: new Date().toISOString(),
        type: 'tool-detected',
        tool: 'kimi-code',
        status: 'not-taken-over',
        message: 'Kimi Code appeared (/h/.kimi-code/config.toml)',
      },
      'Kimi Code',
    );
    const line = await until(
      () =>
        received()
          .split('\n')
          .find((l) => l.includes('Kimi Code detected')),
      10_000,
      'tool-detected notification',
    );
    expect(line.split('\t')[2]).toBe('Kimi Code appeared (/h/.kimi-code/config.toml). To point it at the gateway: gwctl takeover kimi-code');
  });

  it('a bus with no notification daemon: logged once, nothing thrown', async () => {
    const emptyDir = mkdtempSync(join(tmpdir(), 'gwctl-nobus-'));
    dirs.push(emptyDir);
    const empty = await startBus(emptyDir);
    procs.push(empty.proc);
    process.env.DBUS_SESSION_BUS_ADDRESS = empty.address;
    try {
      const log = recordingLog();
      const results: Array<{ ok: boolean; error?: string }> = [];
      const notify = makeNotifier(log, () => true, { onResult: (r) => results.push(r) });
      expect(() => notify('gwctl: gateway down', 'connection refused', 'gateway-down')).not.toThrow();
      notify('gwctl: re-apply failed', 'Codex: refused', 'reapply-failed');
      await until(() => (results.length === 2 ? true : undefined), 30_000, 'both attempts to fail');
      expect(results.map((r) => r.ok)).toEqual([false, false]);
      expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
      expect(log.lines.find((l) => l.level === 'warn')!.msg).toMatch(/libnotify-bin.*notification daemon/);
    } finally {
      process.env.DBUS_SESSION_BUS_ADDRESS = bus.address;
    }
  }, 40_000);
});

describe.skipIf(!runReal)('no D-Bus session at all', () => {
  it('notify-send fails, the failure is logged once, the caller never sees it', async () => {
    const saved = { a: process.env.DBUS_SESSION_BUS_ADDRESS, d: process.env.DISPLAY };
    process.env.DBUS_SESSION_BUS_ADDRESS = 'unix:path=/nonexistent/gwctl-bus';
    delete process.env.DISPLAY;
    try {
      const log = recordingLog();
      const results: Array<{ ok: boolean; error?: string }> = [];
      const notify = makeNotifier(log, () => true, { onResult: (r) => results.push(r) });
      for (const [t, k] of [
        ['gwctl: Codex left the gateway', 'drift'],
        ['gwctl: Qwen Code left the gateway', 'drift'],
        ['gwctl: gateway down', 'gateway-down'],
      ] as const)
        notify(t, 'x', k);
      await until(() => (results.length === 3 ? true : undefined), 15_000, 'three failures');
      expect(results.every((r) => !r.ok)).toBe(true);
      const warns = log.lines.filter((l) => l.level === 'warn');
      expect(warns).toHaveLength(1);
      expect(String(warns[0]!.extra?.reason)).toMatch(/^notify-send: /);
      expect(String(warns[0]!.extra?.reason)).not.toMatch(/Codex|Command failed/);
    } finally {
      if (saved.a === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = saved.a;
      if (saved.d !== undefined) process.env.DISPLAY = saved.d;
    }
  });
});

describe('rate limiting and settings (delivery injected)', () => {
  function fake(setting: () => NotifySetting = () => true, opts: { burst?: number; perSubjectMs?: number } = {}) {
    let t = 1_000_000;
    const sent: Array<{ title: string; message: string }> = [];
    const log = recordingLog();
    const notify = makeNotifier(log, setting, {
      ...opts,
      now: () => t,
      load: async () => ({ notify: (o, cb) => (sent.push({ title: o.title, message: o.message }), cb?.(null)) }),
    });
    return { notify, sent, log, advance: (ms: number) => (t += ms), flush: () => new Promise((r) => setTimeout(r, 10)) };
  }

  it('a flapping file notifies once per minute per tool, and counts what it held back', async () => {
    const f = fake();
    for (let i = 0; i < 50; i++) {
      f.notify('gwctl: Codex left the gateway', 'Codex no longer points at the gateway', 'drift');
      f.advance(1000);
    }
    await f.flush();
    expect(f.sent.map((s) => s.message)).toEqual(['Codex no longer points at the gateway']);
    f.advance(11_000); // 61 s after the first
    f.notify('gwctl: Codex left the gateway', 'Codex no longer points at the gateway', 'drift');
    await f.flush();
    expect(f.sent[1]!.message).toBe('Codex no longer points at the gateway (49 similar held back)');
  });

  it('caps the total per minute across subjects', async () => {
    const f = fake(() => true, { burst: 3 });
    for (const tool of ['Codex', 'Crush', 'Kimi', 'Qwen', 'Gemini']) f.notify(`gwctl: ${tool} left the gateway`, 'x', 'drift');
    await f.flush();
    expect(f.sent).toHaveLength(3);
    f.advance(60_000);
    f.notify('gwctl: Qwen left the gateway', 'x', 'drift');
    await f.flush();
    expect(f.sent).toHaveLength(4);
  });

  it('the setting turns them off globally or per kind', async () => {
    let setting: NotifySetting = false;
    const f = fake(() => setting);
    f.notify('gwctl: gateway down', 'x', 'gateway-down');
    setting = { 'gateway-down': false };
    f.notify('gwctl: gateway down', 'x', 'gateway-down');
    f.notify('gwctl: re-apply failed', 'y', 'reapply-failed');
    setting = { enabled: false, 'reapply-failed': true };
    f.notify('gwctl: re-apply failed (Crush)', 'z', 'reapply-failed');
    await f.flush();
    expect(f.sent.map((s) => s.message)).toEqual(['y']);
    expect(kindEnabled(undefined, 'drift')).toBe(true);
    expect(kindEnabled({ drift: false }, 'gateway-up')).toBe(true);
  });

  it('the event→notification table: which events notify, as which kind, and the settings keys it gives', () => {
    const ev = (type: AgentEvent['type'], extra: Partial<AgentEvent> = {}): AgentEvent => ({ seq: 1, at: '', type, message: 'm', ...extra });
    expect(notificationFor(ev('status-changed'))).toBeUndefined();
    expect(notificationFor(ev('reapplied', { tool: 'codex' }))).toBeUndefined();
    expect(notificationFor(ev('drift', { tool: 'codex' }), 'Codex')).toEqual({ kind: 'drift', title: 'gwctl: Codex left the gateway', message: 'm' });
    expect(notificationFor(ev('tool-detected', { tool: 'crush' }), 'Crush')).toMatchObject({
      kind: 'tool-detected',
      message: 'm. To point it at the gateway: gwctl takeover crush',
    });
    expect(notificationFor(ev('gateway-down'))).toMatchObject({ kind: 'gateway-down', title: 'gwctl: gateway down' });
    expect(notificationFor(ev('fallback'))).toMatchObject({ kind: 'fallback', title: 'gwctl: gateway down' });
    expect(notificationFor(ev('fallback-return'))).toMatchObject({ kind: 'fallback-return', title: 'gwctl: gateway back' });
    expect(NOTIFY_KINDS).toEqual(['drift', 'tool-detected', 'reapply-failed', 'gateway-down', 'gateway-up', 'fallback', 'fallback-return']);
    for (const k of NOTIFY_KINDS) expect(EVENT_TYPES).toContain(k);
  });

  it('a notifier that throws or fails to load is logged once and never reaches the caller', async () => {
    const log = recordingLog();
    const notify = makeNotifier(log, () => true, {
      platform: 'linux',
      load: async () => ({
        notify: () => {
          throw new Error('boom');
        },
      }),
    });
    expect(() => notify('gwctl: gateway down', 'a', 'gateway-down')).not.toThrow();
    expect(() => notify('gwctl: Codex left the gateway', 'b', 'drift')).not.toThrow();
    await new Promise((r) => setTimeout(r, 10));
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    const log2 = recordingLog();
    const n2 = makeNotifier(log2, () => true, { platform: 'linux', load: () => Promise.reject(new Error('cannot find module')) });
    n2('gwctl: gateway down', 'a', 'gateway-down');
    await new Promise((r) => setTimeout(r, 10));
    expect(log2.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
  });

  it('macOS: falls back to osascript when terminal-notifier cannot run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gwctl-osa-'));
    try {
      const rec = join(dir, 'osascript.args');
      writeFileSync(join(dir, 'osascript'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >> '${rec}'; done\n`);
      chmodSync(join(dir, 'osascript'), 0o755);
      const results: Array<{ ok: boolean; via: string }> = [];
      const notify = makeNotifier(recordingLog(), () => true, {
        platform: 'darwin',
        env: { PATH: `${dir}:/usr/bin:/bin` },
        load: async () => ({ notify: (_o, cb) => cb?.(new Error('spawn Unknown system error -86 (terminal-notifier is x86_64)')) }),
        onResult: (r) => results.push(r),
      });
      notify('gwctl: gateway down', 'say "hi"\nnext', 'gateway-down');
      await until(() => results.length || undefined, 5000, 'osascript');
      expect(results[0]).toMatchObject({ ok: true, via: 'osascript' });
      expect(readFileSync(rec, 'utf8')).toBe('-e\ndisplay notification "say \\"hi\\" next" with title "gwctl: gateway down"\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
