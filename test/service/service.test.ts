import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, rmSync, chmodSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Service, ServiceManagerMissing, type ServiceContext } from '../../src/service/index.ts';
import { LAUNCHD_LABEL, LAUNCHD_TEMPLATE, programOf, renderPlist, renderUnit, SYSTEMD_TEMPLATE, SYSTEMD_UNIT } from '../../src/service/render.ts';
import { AGENT_NODE_FLAGS, GWCTL_BIN } from '../../src/home/paths.ts';
import { service as serviceCli } from '../../src/cli/commands/service.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { startAgentProc } from '../agent/helpers.ts';
import { parsePlist } from './plist.ts';
import { makeStandIns, type StandIns } from './standins.ts';

const CI = process.env.CI === 'true';
function tool(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
const haveAnalyze = !!tool('systemd-analyze');
if (!haveAnalyze && !CI) console.warn('skipping systemd-analyze verify: install Debian package systemd (scripts/ci-apt.sh)');

/** Every file and directory under root, relative, sorted. */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(relative(root, p) + (e.isDirectory() ? '/' : ''));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out.sort();
}

let h: TempHome;
let standins: StandIns;
let stray: number[];

beforeEach(() => {
  h = tempHome('gwctl-service-');
  standins = makeStandIns(join(h.home, '..', `${h.home.split('/').pop()}-tools`));
  stray = [];
});
afterEach(() => {
  rmSync(join(h.home, '..', `${h.home.split('/').pop()}-tools`), { recursive: true, force: true });
  h.cleanup();
});

function ctx(platform: 'darwin' | 'linux', extra: Partial<ServiceContext> = {}): ServiceContext {
  return {
    platform,
    home: h.home,
    env: { ...h.env, PATH: standins.path, USER: 'alice' },
    uid: 501,
    node: process.execPath,
    script: GWCTL_BIN,
    stopStrayAgent: async () => {
      stray.push(1);
      return undefined;
    },
    ...extra,
  };
}

describe('rendered service files', () => {
  it.skipIf(!haveAnalyze && !CI)('the systemd unit passes systemd-analyze verify --user (and a broken one does not)', () => {
    const unitDir = join(h.home, 'units');
    mkdirSync(unitDir);
    mkdirSync(h.env.XDG_RUNTIME_DIR!, { mode: 0o700 });
    const unit = join(unitDir, SYSTEMD_UNIT);
    const text = renderUnit(readFileSync(SYSTEMD_TEMPLATE, 'utf8'), { node: process.execPath, script: GWCTL_BIN, home: h.home, created: [] });
    writeFileSync(unit, text);
    const verify = () => spawnSync('systemd-analyze', ['verify', '--user', unit], { env: { ...h.env, PATH: '/usr/bin:/bin' }, encoding: 'utf8' });
    const ok = verify();
    expect(ok.error).toBeUndefined();
    expect(ok.stderr + ok.stdout).toBe('');
    expect(ok.status).toBe(0);
    for (const line of ['Type=exec', 'Restart=on-failure', 'RuntimeDirectory=gwctl', 'RuntimeDirectoryMode=0700', 'WantedBy=default.target']) {
      expect(text.split('\n')).toContain(line);
    }
    expect(text).not.toMatch(/MemoryDenyWriteExecute/);
    // The same check rejects a unit that is wrong: it can fail.
    writeFileSync(unit, text.replace('Type=exec', 'Type=sometimes'));
    expect(verify().stderr).toMatch(/Failed to parse service type/);
    writeFileSync(unit, text.replace(process.execPath, '/nonexistent/node'));
    expect(verify().status).not.toBe(0);
  });

  it('the systemd unit quotes paths with spaces, % and $ so they come back unchanged', () => {
    const node = '/opt/my tools/node 24/bin/node';
    const script = '/Users/o%h/$HOME/gwctl "x"/bin/gwctl.js';
    const text = renderUnit(readFileSync(SYSTEMD_TEMPLATE, 'utf8'), { node, script, home: '/h', created: [] });
    expect(programOf(text, 'linux')).toEqual({ node, script });
  });

  it('the plist is a property list with the keys launchd needs', () => {
    const logDir = join(h.home, 'Library', 'Logs', 'gwctl');
    const node = '/Users/a & b/.nvm/versions/node/v24.1.0/bin/node';
    const text = renderPlist(readFileSync(LAUNCHD_TEMPLATE, 'utf8'), { node, script: GWCTL_BIN, home: h.home, logDir, created: ['/x--y'] });
    const p = parsePlist(text) as Record<string, unknown>;
    expect(p.Label).toBe(LAUNCHD_LABEL);
    expect(LAUNCHD_LABEL).toMatch(/^[a-z]+\.[a-z]+\.[a-z]+$/);
    expect(p.ProgramArguments).toEqual([node, ...AGENT_NODE_FLAGS, GWCTL_BIN, 'agent', 'run']);
    expect(p.RunAtLoad).toBe(true);
    expect(p.KeepAlive).toEqual({ SuccessfulExit: false });
    expect(p.ProcessType).toBe('Background');
    // Owner-only files whatever the session's umask (issue 18 §4): launchd's Umask is decimal.
    expect(p.Umask).toBe(0o077);
    const env = p.EnvironmentVariables as Record<string, string>;
    expect(env.HOME).toBe(h.home);
    expect(env.PATH!.split(':')[0]).toBe('/Users/a & b/.nvm/versions/node/v24.1.0/bin');
    expect(p.StandardOutPath).toBe(join(logDir, 'agent.out.log'));
    expect(p.StandardErrorPath).toBe(join(logDir, 'agent.out.log')); // one file for what the agent prints, as with autostart
    expect(programOf(text, 'darwin')).toEqual({ node, script: GWCTL_BIN });
    // The parser is strict: it would notice a broken document.
    expect(() => parsePlist(text.replace('<true/>', '<true>'))).toThrow();
    expect(() => parsePlist(text.replace('<key>RunAtLoad</key>', ''))).toThrow();
  });
});

describe('install / uninstall on Linux (systemctl stand-in)', () => {
  it('writes the unit, reloads and enables it; a second install changes nothing; uninstall leaves no file', async () => {
    const before = tree(h.home);
    const svc = new Service(ctx('linux'));
    const r = await svc.install();
    const unit = join(h.env.XDG_CONFIG_HOME!, 'systemd', 'user', SYSTEMD_UNIT);
    expect(r.file).toBe(unit);
    expect(r.changed).toBe(true);
    expect(r.notes.join('\n')).toMatch(/loginctl enable-linger alice/);
    expect(statSync(unit).mode & 0o777).toBe(0o644);
    expect(standins.calls()).toEqual([
      'systemctl --user is-system-running',
      'systemctl --user is-system-running',
      `systemctl --user show ${SYSTEMD_UNIT} --property=LoadState,UnitFileState,ActiveState,MainPID`,
      'systemctl --user daemon-reload',
      `systemctl --user enable --now ${SYSTEMD_UNIT}`,
    ]);
    expect(stray).toHaveLength(1); // nothing ran under the service yet: a hand-started agent is stopped

    const st = await svc.status();
    expect(st).toMatchObject({ installed: true, loaded: true, running: true, pid: 4343, program: { node: process.execPath, script: GWCTL_BIN } });

    writeFileSync(standins.log, '');
    const again = await svc.install();
    expect(again.changed).toBe(false);
    expect(standins.calls()).toEqual([
      'systemctl --user is-system-running',
      'systemctl --user is-system-running',
      `systemctl --user show ${SYSTEMD_UNIT} --property=LoadState,UnitFileState,ActiveState,MainPID`,
      'systemctl --user daemon-reload',
      `systemctl --user enable --now ${SYSTEMD_UNIT}`,
    ]);
    expect(stray).toHaveLength(1); // the service's own agent is not stopped

    writeFileSync(standins.log, '');
    const u = await svc.uninstall();
    expect(u.removed).toBe(true);
    expect(standins.calls()).toEqual([`systemctl --user disable --now ${SYSTEMD_UNIT}`, 'systemctl --user daemon-reload']);
    expect(tree(h.home)).toEqual(before);
    expect((await svc.status()).installed).toBe(false);
  });

  it('a changed unit (node moved) is rewritten and the running service restarted', async () => {
    const svc = new Service(ctx('linux'));
    await svc.install();
    const otherNode = join(h.home, 'node-elsewhere');
    writeFileSync(otherNode, '#!/bin/sh\n');
    chmodSync(otherNode, 0o755);
    writeFileSync(standins.log, '');
    const r = await new Service(ctx('linux', { node: otherNode })).install();
    expect(r.changed).toBe(true);
    expect(standins.calls().slice(-3)).toEqual([
      'systemctl --user daemon-reload',
      `systemctl --user enable --now ${SYSTEMD_UNIT}`,
      `systemctl --user restart ${SYSTEMD_UNIT}`,
    ]);
    expect(programOf(readFileSync(r.file, 'utf8'), 'linux')?.node).toBe(otherNode);
  });

  it('keeps directories that existed before install', async () => {
    mkdirSync(join(h.env.XDG_CONFIG_HOME!, 'systemd', 'user'), { recursive: true });
    writeFileSync(join(h.env.XDG_CONFIG_HOME!, 'systemd', 'user', 'other.service'), '[Service]\n');
    const before = tree(h.home);
    const svc = new Service(ctx('linux'));
    await svc.install();
    await svc.uninstall();
    expect(tree(h.home)).toEqual(before);
  });

  it('without systemd says so and suggests gwctl agent start', async () => {
    const noSystemd = new Service(ctx('linux', { env: { ...h.env, PATH: '/nonexistent' } }));
    await expect(noSystemd.install()).rejects.toThrow(ServiceManagerMissing);
    await expect(noSystemd.install()).rejects.toThrow(/systemctl is not on PATH.*gwctl agent start/);

    const offline = makeStandIns(join(h.home, 'offline'), { systemdState: 'offline' });
    const svc = new Service(ctx('linux', { env: { ...h.env, PATH: offline.path } }));
    await expect(svc.install()).rejects.toThrow(/user manager is not reachable \(Failed to connect to bus.*gwctl agent start/);
    expect(existsSync(svc.file)).toBe(false);

    let out = '';
    let err = '';
    const code = await serviceCli(
      'install',
      { json: false },
      { out: (s) => (out += s), err: (s) => (err += s), env: { ...h.env, PATH: offline.path } },
      { stopStrayAgent: async () => undefined },
    );
    expect(code).toBe(1);
    expect(err).toMatch(/gwctl agent start/);
    expect(out).toBe('');
  });
});

describe('service status and an agent outside the service (issue 16 §4)', () => {
  it('no service manager, an agent started on demand: status says it runs outside the service, with its pid', async () => {
    const offline = makeStandIns(join(h.home, 'offline'), { systemdState: 'offline' });
    const env = { ...h.env, PATH: offline.path };
    const run = async () => {
      let out = '';
      let err = '';
      const code = await serviceCli('status', { json: false }, { out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n'), env }, { platform: 'linux' });
      return { code, text: out + err };
    };
    const before = await run();
    expect(before.text).not.toMatch(/running outside/);
    const agent = await startAgentProc(h.env);
    try {
      const during = await run();
      expect(during.code).toBe(1);
      expect(during.text).toMatch(new RegExp(`running outside (the|a) service \\(pid ${agent.hello.pid}`));
      let json = '';
      await serviceCli('status', { json: true }, { out: (s) => (json += s), err: () => undefined, env }, { platform: 'linux' });
      expect(JSON.parse(json).agentOutsideService).toEqual({ pid: agent.hello.pid });
    } finally {
      await agent.stop();
    }
  });
});

describe('install / uninstall on macOS (launchctl stand-in, platform injected)', () => {
  it('bootout, bootstrap, kickstart in gui/<uid>; status; uninstall boots out and leaves no file', async () => {
    const before = tree(h.home);
    const svc = new Service(ctx('darwin'));
    const r = await svc.install();
    const plist = join(h.home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
    expect(r.file).toBe(plist);
    expect(statSync(plist).mode & 0o777).toBe(0o644);
    const p = parsePlist(readFileSync(plist, 'utf8')) as Record<string, string>;
    expect(existsSync(join(p.StandardOutPath!, '..'))).toBe(true);
    expect(standins.calls()).toEqual([
      `launchctl print gui/501/${LAUNCHD_LABEL}`,
      `launchctl bootout gui/501/${LAUNCHD_LABEL}`,
      `launchctl bootstrap gui/501 ${plist}`,
      `launchctl kickstart -k gui/501/${LAUNCHD_LABEL}`,
    ]);
    expect(await svc.status()).toMatchObject({ installed: true, loaded: true, running: true, pid: 4242 });

    writeFileSync(standins.log, '');
    await svc.restart();
    expect(standins.calls()).toEqual([`launchctl kickstart -k gui/501/${LAUNCHD_LABEL}`]);

    writeFileSync(standins.log, '');
    expect((await svc.install()).changed).toBe(false);
    expect(standins.calls()).toEqual([
      `launchctl print gui/501/${LAUNCHD_LABEL}`,
      `launchctl bootout gui/501/${LAUNCHD_LABEL}`,
      `launchctl bootstrap gui/501 ${plist}`,
      `launchctl kickstart -k gui/501/${LAUNCHD_LABEL}`,
    ]);

    writeFileSync(standins.log, '');
    await svc.uninstall();
    expect(standins.calls()).toEqual([`launchctl bootout gui/501/${LAUNCHD_LABEL}`]);
    expect(tree(h.home)).toEqual(before);
    expect(await svc.status()).toMatchObject({ installed: false, loaded: false, running: false, pid: null });
  });

  it('uninstall keeps the log directory when the agent wrote logs there', async () => {
    const svc = new Service(ctx('darwin'));
    await svc.install();
    const logDir = join(h.home, 'Library', 'Logs', 'gwctl');
    writeFileSync(join(logDir, 'agent.log'), '{}\n');
    const u = await svc.uninstall();
    expect(existsSync(join(logDir, 'agent.log'))).toBe(true);
    expect(existsSync(svc.file)).toBe(false);
    expect(u.removedDirs).toContain(join(h.home, 'Library', 'LaunchAgents'));
  });
});
