/**
 * `gwctl service install|uninstall|status|restart [--json]`: the agent under launchd (macOS) or
 * a systemd user unit (Linux). Where there is no service manager, says so and points at
 * `gwctl agent start`.
 */
import { GWCTL_BIN, gwctlPaths, homeFrom, socketLocation } from '../../home/paths.ts';
import { withWriterLock } from '../../home/lock.ts';
import { Service, ServiceManagerMissing, type ServiceContext, type ServicePlatform } from '../../service/index.ts';
import type { Io } from '../../shared/io.ts';
import { probeAgent } from '../../ipc/client.ts';
import { stopAgent } from '../agent-client.ts';
import { JSON_OPTION, UsageError, type CliCommand } from '../command.ts';

const SUBCOMMANDS = ['install', 'uninstall', 'status', 'restart'];

export const command: CliCommand = {
  name: 'service',
  summary: 'run the agent as a launchd / systemd user service',
  usage: 'gwctl service (install|uninstall|status|restart) [--json]',
  options: { json: JSON_OPTION },
  async run({ values, positionals }, { io }) {
    const [sub, extra] = positionals;
    if (!sub) throw new UsageError('service needs a command: install, uninstall, status or restart');
    if (!SUBCOMMANDS.includes(sub) || extra) throw new UsageError(`unknown service command '${positionals.slice(0, 2).join(' ')}'`);
    return service(sub, { json: values.json === true }, io);
  },
};

/** The agent answering on this HOME's socket when the service manager does not run it, if any. */
async function agentOutsideService(io: Io): Promise<{ pid: number } | null> {
  const hello = await probeAgent(socketLocation({ home: homeFrom(io.env), env: io.env }), 1500).catch(() => null);
  return hello ? { pid: hello.pid } : null;
}

/** install/uninstall change gwctl's state: under the per-HOME writer lock, like every writer. */
function locked<T>(io: Io, fn: () => Promise<T>): Promise<T> {
  return withWriterLock(gwctlPaths({ home: homeFrom(io.env), env: io.env }).stateDir, io.env, fn);
}

export function serviceContext(io: Io, overrides: Partial<ServiceContext> = {}): ServiceContext {
  const home = homeFrom(io.env);
  const platform: ServicePlatform = process.platform === 'darwin' ? 'darwin' : 'linux';
  return {
    platform,
    home,
    env: io.env,
    uid: process.getuid?.() ?? 0,
    node: process.execPath,
    script: GWCTL_BIN,
    stopStrayAgent: () => stopAgent(socketLocation({ home, env: io.env })),
    ...overrides,
  };
}

/** `gwctl service SUB` with parts of its context replaced (tests). */
export async function service(sub: string, { json }: { json: boolean }, io: Io, overrides: Partial<ServiceContext> = {}): Promise<number> {
  const svc = new Service(serviceContext(io, overrides));
  const out = (data: object, text: string) => io.out(json ? JSON.stringify(data, null, 2) : text);
  try {
    switch (sub) {
      case 'install': {
        const r = await locked(io, () => svc.install());
        const stray = r.stoppedStray !== undefined ? ` (stopped the agent that ran outside the service, pid ${r.stoppedStray})` : '';
        out(r, [`gwctl agent installed as a service: ${r.file}${r.changed ? '' : ' (unchanged)'}${stray}`, ...r.notes.map((n) => `  note: ${n}`)].join('\n'));
        return 0;
      }
      case 'uninstall': {
        const r = await locked(io, () => svc.uninstall());
        out(r, r.removed ? `gwctl service removed (${r.file}); the agent is stopped` : `gwctl service was not installed (${r.file} does not exist)`);
        return 0;
      }
      case 'restart': {
        await svc.restart();
        out({ restarted: true, file: svc.file }, 'gwctl service restarted');
        return 0;
      }
      default: {
        const s = await svc.status();
        // An agent can run outside the service (gwctl agent start, or started on demand by a command).
        const outside = s.running ? null : await agentOutsideService(io);
        const agentLine = s.running
          ? `running (pid ${s.pid ?? '?'})`
          : outside
            ? `running outside the service (pid ${outside.pid}, started by gwctl agent start or on demand); it stops at logout or reboot: gwctl service install keeps one running`
            : 'not running';
        const lines = [
          `service file: ${s.file} (${s.installed ? 'installed' : 'not installed'})`,
          `${s.manager}: ${s.managerProblem ?? (s.loaded ? 'loaded' : 'not loaded')}`,
          `agent: ${agentLine}`,
          ...(s.program ? [`runs: ${s.program.node} ${s.program.script}`] : []),
        ];
        out({ ...s, ...(outside ? { agentOutsideService: outside } : {}) }, lines.join('\n'));
        return s.installed && s.running ? 0 : 1;
      }
    }
  } catch (e) {
    if (e instanceof ServiceManagerMissing) {
      const outside = sub === 'status' ? await agentOutsideService(io) : null;
      if (json) io.out(JSON.stringify({ error: 'no-service-manager', message: e.message, ...(outside ? { agentOutsideService: outside } : {}) }, null, 2));
      io.err(`gwctl: ${e.message}`);
      if (outside && !json) io.out(`agent: running outside a service (pid ${outside.pid}, started by gwctl agent start or on demand)`);
      return 1;
    }
    throw e;
  }
}
