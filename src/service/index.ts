/**
 * Floor: service (beside watchers), below doctor: the agent as a launchd/systemd service. See docs/floors.md.
 *
 * `gwctl service install|uninstall|status|restart`: run the agent under the user's service
 * manager. macOS: a LaunchAgent in the `gui/<uid>` domain (bootout, bootstrap, kickstart, as
 * `brew services` does). Linux: a systemd user unit (daemon-reload, enable --now).
 *
 * Everything that touches the machine comes in through {@link ServiceContext}: the platform,
 * HOME, the PATH used to find launchctl/systemctl, and how to stop a running agent, so tests
 * drive the macOS path on Linux with stand-ins on PATH.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { gwctlPaths } from '../home/paths.ts';
import { createdDirs, LAUNCHD_LABEL, LAUNCHD_TEMPLATE, programOf, renderPlist, renderUnit, SYSTEMD_TEMPLATE, SYSTEMD_UNIT } from './render.ts';

export type ServicePlatform = 'darwin' | 'linux';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ServiceContext {
  platform: ServicePlatform;
  home: string;
  env: Readonly<Record<string, string | undefined>>;
  uid: number;
  /** node binary and bin/gwctl.js written into the service (absolute). */
  node: string;
  script: string;
  /** Stops an agent running outside the service manager (it would hold the socket). Returns its pid. */
  stopStrayAgent: () => Promise<number | undefined>;
  /** Runs a service-manager command; default: execFile, found through env.PATH. */
  run?: (cmd: string, args: string[]) => Promise<CommandResult>;
}

/** No launchctl/systemd user manager here (e.g. a container): the agent can still run by hand. */
export class ServiceManagerMissing extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceManagerMissing';
  }
}

export interface ServiceStatus {
  platform: ServicePlatform;
  manager: 'launchd' | 'systemd';
  /** The plist or unit file. */
  file: string;
  installed: boolean;
  /** Known to the service manager (launchd: bootstrapped; systemd: enabled). */
  loaded: boolean;
  running: boolean;
  pid: number | null;
  /** The node binary and script the installed file runs (null when not installed or unreadable). */
  program: { node: string; script: string } | null;
  /** Set when the service manager could not be asked. */
  managerProblem?: string;
}

export interface InstallResult {
  file: string;
  /** The file's content changed (or it was new). */
  changed: boolean;
  /** pid of an agent that ran outside the service and was stopped first. */
  stoppedStray?: number;
  notes: string[];
}

export function serviceFile(platform: ServicePlatform, home: string, env: ServiceContext['env']): string {
  if (platform === 'darwin') return join(home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
  const cfg = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(home, '.config');
  return join(cfg, 'systemd', 'user', SYSTEMD_UNIT);
}

/** `cmd` on env.PATH, or undefined. */
export function which(cmd: string, env: ServiceContext['env']): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      const st = statSync(p);
      if (st.isFile() && (st.mode & 0o111) !== 0) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

function defaultRun(env: ServiceContext['env']) {
  return (cmd: string, args: string[]): Promise<CommandResult> =>
    new Promise((resolve) => {
      execFile(cmd, args, { env: { ...env } as NodeJS.ProcessEnv, timeout: 30_000, encoding: 'utf8' }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 127) : 0;
        resolve({ code, stdout: stdout ?? '', stderr: stderr || (err && code === 127 ? err.message : '') });
      });
    });
}

export class Service {
  private readonly ctx: ServiceContext;
  private readonly run: (cmd: string, args: string[]) => Promise<CommandResult>;
  readonly file: string;

  constructor(ctx: ServiceContext) {
    this.ctx = ctx;
    this.run = ctx.run ?? defaultRun(ctx.env);
    this.file = serviceFile(ctx.platform, ctx.home, ctx.env);
  }

  private get manager(): 'launchd' | 'systemd' {
    return this.ctx.platform === 'darwin' ? 'launchd' : 'systemd';
  }

  private get domain(): string {
    return `gui/${this.ctx.uid}`;
  }

  private get target(): string {
    return `${this.domain}/${LAUNCHD_LABEL}`;
  }

  /** Throws ServiceManagerMissing when there is nothing to install into. */
  async checkManager(): Promise<void> {
    const fallback = 'run the agent without a service manager instead: gwctl agent start (gwctl also starts it on demand)';
    if (this.ctx.platform === 'darwin') {
      if (!which('launchctl', this.ctx.env)) throw new ServiceManagerMissing(`launchctl is not on PATH, so no LaunchAgent can be loaded; ${fallback}`);
      return;
    }
    if (!which('systemctl', this.ctx.env)) throw new ServiceManagerMissing(`systemctl is not on PATH (no systemd here, e.g. a container); ${fallback}`);
    const r = await this.run('systemctl', ['--user', 'is-system-running']);
    const state = r.stdout.trim().split('\n')[0] ?? '';
    if (!['running', 'degraded', 'starting', 'initializing', 'maintenance'].includes(state)) {
      const why = (r.stderr.trim().split('\n')[0] || state || `exit ${r.code}`).slice(0, 200);
      throw new ServiceManagerMissing(`the systemd user manager is not reachable (${why}); ${fallback}`);
    }
  }

  private async must(cmd: string, args: string[]): Promise<CommandResult> {
    const r = await this.run(cmd, args);
    if (r.code !== 0) {
      const why = (r.stderr.trim() || r.stdout.trim()).split('\n')[0]?.slice(0, 300) || `exit ${r.code}`;
      throw new Error(`\`${cmd} ${args.join(' ')}\` failed: ${why}`);
    }
    return r;
  }

  async install(): Promise<InstallResult> {
    await this.checkManager();
    const { node, script, home } = this.ctx;
    if (!existsSync(node)) throw new Error(`${node} (node) does not exist; run gwctl service install with the node you want the agent to use`);
    if (!existsSync(script)) throw new Error(`${script} does not exist; reinstall gwctl, then run gwctl service install again`);
    const previous = existsSync(this.file) ? readFileSync(this.file, 'utf8') : undefined;
    // Keep the record of what the first install created, so uninstall removes exactly that.
    const created = previous !== undefined ? createdDirs(previous) : [];
    const mkdir = (dir: string, mode: number) => {
      const first = mkdirSync(dir, { recursive: true, mode });
      if (first) {
        // mkdirSync returns the first directory it had to create: every one below it is new too.
        for (let d = dir; d.length >= first.length; d = dirname(d)) if (!created.includes(d)) created.push(d);
      }
    };
    const logDir = gwctlPaths({ home, env: this.ctx.env, platform: this.ctx.platform }).logDir;
    mkdir(dirname(this.file), 0o755);
    if (this.ctx.platform === 'darwin') mkdir(logDir, 0o700);
    created.sort((a, b) => b.length - a.length);

    const text =
      this.ctx.platform === 'darwin'
        ? renderPlist(readFileSync(LAUNCHD_TEMPLATE, 'utf8'), { node, script, home, logDir, created })
        : renderUnit(readFileSync(SYSTEMD_TEMPLATE, 'utf8'), { node, script, home, created });
    const changed = text !== previous;

    const stoppedStray = await this.strayAgent();
    if (changed) {
      writeFileSync(this.file + '.tmp', text, { mode: 0o644 });
      chmodSync(this.file + '.tmp', 0o644);
      const { renameSync } = await import('node:fs');
      renameSync(this.file + '.tmp', this.file);
    }
    chmodSync(this.file, 0o644);

    const notes: string[] = [];
    if (this.ctx.platform === 'darwin') {
      await this.run('launchctl', ['bootout', this.target]); // not loaded yet: fine
      await this.must('launchctl', ['bootstrap', this.domain, this.file]);
      await this.must('launchctl', ['kickstart', '-k', this.target]);
    } else {
      await this.must('systemctl', ['--user', 'daemon-reload']);
      await this.must('systemctl', ['--user', 'enable', '--now', SYSTEMD_UNIT]);
      // A changed unit of a service that was already running: run the new one.
      if (changed && previous !== undefined) await this.must('systemctl', ['--user', 'restart', SYSTEMD_UNIT]);
      notes.push(`to keep the agent running while you are logged out (or from boot), run: loginctl enable-linger ${this.ctx.env.USER || '$USER'}`);
    }
    return { file: this.file, changed, ...(stoppedStray !== undefined ? { stoppedStray } : {}), notes };
  }

  /** An agent started by hand holds the socket; the service's agent would exit at once. */
  private async strayAgent(): Promise<number | undefined> {
    const st = await this.status().catch(() => undefined);
    if (st?.running) return undefined;
    return this.ctx.stopStrayAgent();
  }

  /** Stops the agent and removes the service file and the directories install created (if empty). */
  async uninstall(): Promise<{ file: string; removed: boolean; removedDirs: string[] }> {
    const text = existsSync(this.file) ? readFileSync(this.file, 'utf8') : undefined;
    if (this.ctx.platform === 'darwin') {
      if (which('launchctl', this.ctx.env)) await this.run('launchctl', ['bootout', this.target]);
    } else if (which('systemctl', this.ctx.env) && text !== undefined) {
      await this.run('systemctl', ['--user', 'disable', '--now', SYSTEMD_UNIT]);
    }
    if (text === undefined) return { file: this.file, removed: false, removedDirs: [] };
    rmSync(this.file, { force: true });
    if (this.ctx.platform === 'linux' && which('systemctl', this.ctx.env)) await this.run('systemctl', ['--user', 'daemon-reload']);
    const removedDirs: string[] = [];
    for (const d of createdDirs(text).sort((a, b) => b.length - a.length)) {
      try {
        rmdirSync(d); // only when empty: logs or other files stay
        removedDirs.push(d);
      } catch {
        // not empty or already gone
      }
    }
    return { file: this.file, removed: true, removedDirs };
  }

  async restart(): Promise<void> {
    await this.checkManager();
    if (!existsSync(this.file)) throw new Error(`the service is not installed (${this.file} does not exist); run gwctl service install`);
    if (this.ctx.platform === 'darwin') await this.must('launchctl', ['kickstart', '-k', this.target]);
    else await this.must('systemctl', ['--user', 'restart', SYSTEMD_UNIT]);
  }

  async status(): Promise<ServiceStatus> {
    const installed = existsSync(this.file);
    let program: ServiceStatus['program'] = null;
    if (installed) {
      try {
        program = programOf(readFileSync(this.file, 'utf8'), this.ctx.platform) ?? null;
      } catch {
        program = null;
      }
    }
    const st: ServiceStatus = {
      platform: this.ctx.platform,
      manager: this.manager,
      file: this.file,
      installed,
      loaded: false,
      running: false,
      pid: null,
      program,
    };
    try {
      await this.checkManager();
    } catch (e) {
      st.managerProblem = (e as Error).message;
      return st;
    }
    if (this.ctx.platform === 'darwin') {
      const r = await this.run('launchctl', ['print', this.target]);
      if (r.code === 0) {
        st.loaded = true;
        const pid = /^\s*pid = (\d+)/m.exec(r.stdout)?.[1];
        st.running = /^\s*state = running/m.test(r.stdout) || pid !== undefined;
        st.pid = pid ? Number(pid) : null;
      }
      return st;
    }
    const r = await this.run('systemctl', ['--user', 'show', SYSTEMD_UNIT, '--property=LoadState,UnitFileState,ActiveState,MainPID']);
    const props = Object.fromEntries(
      r.stdout
        .split('\n')
        .map((l) => l.split('=', 2) as [string, string])
        .filter((p) => p.length === 2),
    );
    st.loaded = props.LoadState === 'loaded' && props.UnitFileState === 'enabled';
    st.running = props.ActiveState === 'active';
    const pid = Number(props.MainPID);
    st.pid = st.running && pid > 0 ? pid : null;
    return st;
  }
}
