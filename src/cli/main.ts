/**
 * Floor: cli (top): the `gwctl` command; imports any floor below, none imports it. See docs/floors.md.
 *
 * `gwctl`: parse arguments, run the engine, print a table or `--json`. Thin on purpose.
 * Exit codes: 0 every requested action succeeded; 1 something failed or was refused; 2 usage.
 */
import { TOOL_IDS, STATUS_LABEL, type ToolId } from '../adapters/types.ts';
import { gwctlPaths, homeFrom } from '../home/paths.ts';
import type { Engine, ToolReport } from '../engine/engine.ts';
import { redact, redactAll } from '../shared/redact.ts';
import { visible } from '../shared/terminal.ts';
import type { Command } from '../engine/commands.ts';
import { ACTION_LABEL } from '../ipc/schema.ts';
import { guardClosedOutput, type Io } from '../shared/io.ts';
import { VERSION } from '../shared/version.ts';
import { routeCommand } from './agent-client.ts';

// The engine, adapters, format editors and gateway kinds are loaded only when the command runs
// in-process: through the agent, `gwctl status` costs little more than starting Node.

const USAGE = `gwctl ${VERSION}: point AI coding CLIs at a local AI gateway, and put them back exactly.

Usage:
  gwctl ui                                   every tool, live, with keys to act (also bare
                                             \`gwctl\` in a terminal)
  gwctl status [TOOL…] [--json]              show each tool's status
  gwctl takeover (TOOL…|--all) [--force] [--json]
                                             point tools at the gateway (--force: also tools
                                             connected to another address)
  gwctl restore (TOOL…|--all) [--json]       put tools back as they were
  gwctl gateway status [--json]              kind, url, health, latency, models
  gwctl gateway detect [URL…] [--save]       find a gateway answering on loopback
  gwctl config (list|get KEY|set KEY [VALUE]|unset KEY)
                                             settings; secrets (gateway.adminKey, gateway.key)
                                             are read from stdin, never from the command line
  gwctl keys [--json]                        the virtual keys gwctl minted, their live state and
                                             last use; gwctl keys revoke NAME revokes a named key
  gwctl usage [TOOL|NAME…] [--since 24h|7d|DATE] [--json]
                                             requests, tokens and spend per key, from the gateway
  gwctl test [TOOL…] [--json]                one minimal model request per tool, as the tool sends it
  gwctl env [NAME] [--shell SHELL] [--write PATH]
                                             variables pointing programs and SDKs at the gateway
                                             (eval "$(gwctl env)"); gwctl restore --env PATH undoes --write
  gwctl exec [NAME] -- CMD [ARGS…]           run CMD with those variables in its environment
  gwctl import [LINK]                        gateway url, key and model from a ccswitch:// link
                                             (or on stdin, to keep it out of shell history)
  gwctl rotate TOOL…                         a new key for a taken-over tool; the old one is revoked
  gwctl doctor [--json]                      check the agent, service, gateway and each tool's route
  gwctl service (install|uninstall|status|restart)
                                             run the agent as a launchd / systemd user service
  gwctl watch [--json]                       stream the agent's events (one JSON object per line)
  gwctl agent (run|start|stop|status)        the background agent that keeps tools pointed here

  status, takeover and restore go through the agent (started in the background if none runs):
  --no-autostart    use a running agent, else run in-process
  --no-agent        run in-process (for scripts; takeover/restore refuse while an agent runs)

Tools: ${TOOL_IDS.join(', ')}

Environment:
  GWCTL_GATEWAY_URL   gateway root (default http://127.0.0.1:11580, or gateway.url in settings)
  GWCTL_GATEWAY_KIND  gateway kind: servbay, litellm, new-api, bifrost, static
  GWCTL_GATEWAY_KEY   the key written into each tool's config (servbay, static)
  GWCTL_GATEWAY_ADMIN_KEY  the admin credential used to mint keys (litellm, new-api, bifrost)
  GWCTL_NO_AGENT=1    same as --no-agent`;

interface Parsed {
  command: string | undefined;
  tools: string[];
  json: boolean;
  force: boolean;
  all: boolean;
  help: boolean;
  version: boolean;
  noAgent: boolean;
  noAutostart: boolean;
}

class UsageError extends Error {}

function parse(argv: string[]): Parsed {
  const p: Parsed = { command: undefined, tools: [], json: false, force: false, all: false, help: false, version: false, noAgent: false, noAutostart: false };
  for (const a of argv) {
    if (a === '--json') p.json = true;
    else if (a === '--force' || a === '-f') p.force = true;
    else if (a === '--all') p.all = true;
    else if (a === '--help' || a === '-h') p.help = true;
    else if (a === '--version' || a === '-v') p.version = true;
    else if (a === '--no-agent') p.noAgent = true;
    else if (a === '--no-autostart') p.noAutostart = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (p.command === undefined) p.command = a;
    else p.tools.push(a);
  }
  return p;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
  env: process.env,
  isTTY: Boolean(process.stdout.isTTY && process.stdin.isTTY),
};

/**
 * The output edge: everything gwctl prints goes through here. Text from outside (a gateway's
 * message, a project's settings, a path) cannot drive the terminal (control characters are shown
 * as `\u001b`, which is also a valid JSON escape for `--json`), and no secret gwctl handled in
 * this process is printed, whatever it looks like.
 */
export function safeIo(io: Io): Io {
  return { ...io, out: (s) => io.out(visible(redactAll(s))), err: (s) => io.err(visible(redactAll(s))), secretOut: (s) => io.out(visible(s)) };
}

export async function main(argv: string[], rawIo: Io = defaultIo): Promise<number> {
  if (rawIo === defaultIo) guardClosedOutput();
  const io = safeIo(rawIo);
  if (argv[0] === 'gateway') return (await import('./commands/gateway.ts')).run(argv.slice(1), io);
  if (argv[0] === 'config') return (await import('./commands/config.ts')).run(argv.slice(1), io);
  if (argv[0] === 'keys') return (await import('./commands/keys.ts')).run(argv.slice(1), io);
  if (argv[0] === 'service') return (await import('./commands/service.ts')).run(argv.slice(1), io);
  if (argv[0] === 'doctor') return (await import('./commands/doctor.ts')).run(argv.slice(1), io);
  if (argv[0] === 'agent') return (await import('./commands/agent.ts')).run(argv.slice(1), io);
  if (argv[0] === 'watch') return (await import('./commands/watch.ts')).run(argv.slice(1), io);
  if (argv[0] === 'env') return (await import('./commands/env.ts')).run(argv.slice(1), io);
  if (argv[0] === 'usage') return (await import('./commands/usage.ts')).run(argv.slice(1), io);
  if (argv[0] === 'test') return (await import('./commands/test.ts')).run(argv.slice(1), io);
  if (argv[0] === 'import') return (await import('./commands/import.ts')).run(argv.slice(1), io);
  if (argv[0] === 'exec') return (await import('./commands/exec.ts')).run(argv.slice(1), io);
  if (argv[0] === 'restore' && argv.includes('--env')) return (await import('./commands/restore-env.ts')).run(argv.slice(1), io);
  if (argv[0] === 'ui' || (argv.length === 0 && io.isTTY)) return (await import('./commands/ui.ts')).run(argv.slice(1), io);
  let args: Parsed;
  try {
    args = parse(argv);
    if (args.version) {
      io.out(VERSION);
      return 0;
    }
    if (args.help || args.command === undefined || args.command === 'help') {
      io.out(USAGE);
      return args.command === undefined && !args.help ? 2 : 0;
    }
    if (!['status', 'takeover', 'restore', 'rotate'].includes(args.command)) throw new UsageError(`unknown command '${args.command}'`);
    for (const t of args.tools) if (!(TOOL_IDS as readonly string[]).includes(t)) throw new UsageError(`unknown tool '${t}' (tools: ${TOOL_IDS.join(', ')})`);
    if (args.command !== 'status' && args.tools.length === 0 && !args.all) throw new UsageError(`${args.command} needs tool names or --all`);
    if (args.all && args.tools.length) throw new UsageError('give tool names or --all, not both');
    if (args.command === 'rotate' && args.all) throw new UsageError('rotate needs tool names');
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`gwctl: ${e.message}\nRun 'gwctl --help' for usage.`);
      return 2;
    }
    throw e;
  }

  // Through the agent (the single writer) unless --no-agent; in-process when none runs and
  // autostart is off.
  const command = args.command as Command;
  const routed = await routeCommand(command, { tools: args.tools as ToolId[], force: args.force, all: args.all }, io, { noAgent: args.noAgent, noAutostart: args.noAutostart });
  if (routed.kind === 'exit') return routed.code;

  let home: string;
  let reports: ToolReport[];
  if (routed.kind === 'agent') {
    home = homeFrom(io.env);
    reports = routed.reports;
  } else {
    let engine: Engine;
    const [{ Engine: EngineClass }, { configuredGateway }, { runOne }] = await Promise.all([
      import('../engine/engine.ts'),
      import('../gateway/index.ts'),
      import('../engine/commands.ts'),
    ]);
    try {
      home = homeFrom(io.env);
      const paths = gwctlPaths({ home, env: io.env });
      const { settings, keys } = configuredGateway(paths.configDir, io.env);
      engine = new EngineClass({ home, env: io.env, stateDir: paths.stateDir, gateway: settings, keys });
    } catch (e) {
      io.err(`gwctl: ${redact((e as Error).message)}`);
      return 1;
    }
    const ids: ToolId[] = args.tools.length ? (args.tools as ToolId[]) : [...TOOL_IDS];
    // Tools run concurrently: a slow gateway costs one round trip per command, not one per tool.
    reports = await Promise.all(ids.map((id) => runOne(engine, command, id, args)));
  }

  if (args.json) {
    io.out(JSON.stringify({ tools: reports.map(toJson) }, null, 2));
  } else {
    io.out(table(reports, home));
    for (const r of reports) {
      for (const n of r.notes ?? []) io.out(`  ${r.name}: ${n}`);
      if (r.detail && r.status !== 'not-detected') io.out(`  ${r.name}: ${r.detail}`);
    }
    for (const r of reports) if (r.error) io.err(`gwctl: ${r.name}: ${r.error}`);
  }
  const failed = reports.some((r) => r.error !== undefined || r.action === 'failed' || r.action === 'refused');
  return failed ? 1 : 0;
}

function toJson(r: ToolReport) {
  return {
    id: r.id,
    status: r.status ?? null,
    configPath: r.configPath,
    address: r.address,
    ...(r.action ? { action: r.action } : {}),
    ...(r.detail ? { detail: r.detail } : {}),
    ...(r.notes?.length ? { notes: r.notes } : {}),
    ...(r.error ? { error: r.error } : {}),
  };
}

function table(reports: ToolReport[], home: string): string {
  const tilde = (p: string) => (p.startsWith(home + '/') ? '~' + p.slice(home.length) : p === home ? '~' : p);
  const rows = reports.map((r) => [
    r.name,
    r.status ? STATUS_LABEL[r.status] : 'Unknown (error)',
    r.address ?? '—',
    tilde(r.configPath),
    r.action ? ACTION_LABEL[r.action] : '',
  ]);
  const header = ['TOOL', 'STATUS', 'ADDRESS', 'CONFIG', reports.some((r) => r.action) ? 'RESULT' : ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
