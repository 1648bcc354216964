/**
 * `gwctl service install|uninstall|status|restart [--json]`: the agent under launchd (macOS) or
 * a systemd user unit (Linux). Where there is no service manager, says so and points at
 * `gwctl agent start`.
 */
import { homeFrom } from '../../home/paths.ts';
import { socketLocation } from '../../home/paths.ts';
import { Service, ServiceManagerMissing, type ServiceContext, type ServicePlatform } from '../../service/index.ts';
import { stopAgent } from '../agent-client.ts';
import { GWCTL_BIN } from '../../home/paths.ts';
import type { Io } from '../../shared/io.ts';

export const SERVICE_USAGE = `Usage: gwctl service (install|uninstall|status|restart) [--json]`;


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

export async function run(argv: string[], io: Io, overrides: Partial<ServiceContext> = {}): Promise<number> {
  const words = argv.filter((a) => !a.startsWith('-'));
  const unknown = argv.find((a) => a.startsWith('-') && a !== '--json');
  const json = argv.includes('--json');
  if (unknown || words.length !== 1 || !['install', 'uninstall', 'status', 'restart'].includes(words[0]!)) {
    io.err(`gwctl: ${unknown ? `unknown option ${unknown}` : words.length ? `unknown service command '${words.slice(0, 2).join(' ')}'` : 'service needs a command'}\n${SERVICE_USAGE}`);
    return 2;
  }
  let service: Service;
  try {
    service = new Service(serviceContext(io, overrides));
  } catch (e) {
    io.err(`gwctl: ${(e as Error).message}`);
    return 1;
  }
  const out = (data: object, text: string) => io.out(json ? JSON.stringify(data, null, 2) : text);
  try {
    switch (words[0]) {
      case 'install': {
        const r = await service.install();
        const stray = r.stoppedStray !== undefined ? ` (stopped the agent that ran outside the service, pid ${r.stoppedStray})` : '';
        out(r, [`gwctl agent installed as a service: ${r.file}${r.changed ? '' : ' (unchanged)'}${stray}`, ...r.notes.map((n) => `  note: ${n}`)].join('\n'));
        return 0;
      }
      case 'uninstall': {
        const r = await service.uninstall();
        out(r, r.removed ? `gwctl service removed (${r.file}); the agent is stopped` : `gwctl service was not installed (${r.file} does not exist)`);
        return 0;
      }
      case 'restart': {
        await service.restart();
        out({ restarted: true, file: service.file }, 'gwctl service restarted');
        return 0;
      }
      default: {
        const s = await service.status();
        const lines = [
          `service file: ${s.file} (${s.installed ? 'installed' : 'not installed'})`,
          `${s.manager}: ${s.managerProblem ?? (s.loaded ? 'loaded' : 'not loaded')}`,
          `agent: ${s.running ? `running (pid ${s.pid ?? '?'})` : 'not running'}`,
          ...(s.program ? [`runs: ${s.program.node} ${s.program.script}`] : []),
        ];
        out(s, lines.join('\n'));
        return s.installed && s.running ? 0 : 1;
      }
    }
  } catch (e) {
    if (e instanceof ServiceManagerMissing) {
      if (json) io.out(JSON.stringify({ error: 'no-service-manager', message: e.message }, null, 2));
      io.err(`gwctl: ${e.message}`);
      return 1;
    }
    io.err(`gwctl: ${(e as Error).message}`);
    return 1;
  }
}
