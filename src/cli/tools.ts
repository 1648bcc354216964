/**
 * What `status`, `takeover`, `restore` and `rotate` share: which tools, through the agent or
 * in-process, and the table or `--json` they print.
 *
 * On the `gwctl status` path: the engine, adapters, format editors and gateway kinds are loaded
 * only when the command runs in-process, so through the agent `gwctl status` costs little more
 * than starting Node.
 */
import { STATUS_LABEL } from '../adapters/types.ts';
import type { ToolId } from '../adapters/index.ts';
import type { Command } from '../engine/commands.ts';
import type { Engine } from '../engine/engine.ts';
import { gwctlPaths, homeFrom } from '../home/paths.ts';
import type { WireReport } from '../ipc/schema.ts';
import type { Io } from '../shared/io.ts';
import { redact } from '../shared/redact.ts';
import { routeCommand } from './agent-client.ts';
import { JSON_OPTION, UsageError, type Args, type CommandOption } from './command.ts';

export const TOOL_OPTIONS = {
  json: JSON_OPTION,
  'no-agent': {
    type: 'boolean',
    description: 'run in-process, without the agent (for scripts; takeover/restore refuse while an agent runs); GWCTL_NO_AGENT=1 does the same',
  },
  'no-autostart': { type: 'boolean', description: 'use a running agent, else run in-process (do not start one)' },
} as const satisfies Record<string, CommandOption>;

export const ALL_OPTION: CommandOption = { type: 'boolean', description: 'every tool gwctl knows' };

/**
 * The tools named on the command line. Their names are checked against the agent's list (its
 * `hello`) or, in-process, the adapters': the list of tools is not loaded on the way to the agent.
 */
export function toolArgs(command: Command, args: Args): { tools: ToolId[]; all: boolean } {
  const all = args.values.all === true;
  if (command !== 'status' && args.positionals.length === 0 && !all) throw new UsageError(`${command} needs tool names or --all`);
  if (all && args.positionals.length) throw new UsageError('give tool names or --all, not both');
  return { tools: args.positionals as ToolId[], all };
}

/** Run `command` on the tools in `args` (through the agent unless --no-agent) and print the result. */
export async function runToolCommand(command: Command, args: Args, io: Io): Promise<number> {
  const { tools, all } = toolArgs(command, args);
  const force = args.values.force === true;
  const json = args.values.json === true;
  // Through the agent (the single writer) unless --no-agent; in-process when none runs and
  // autostart is off.
  const routed = await routeCommand(command, { tools, force, all }, io, {
    noAgent: args.values['no-agent'] === true,
    noAutostart: args.values['no-autostart'] === true,
  });
  if (routed.kind === 'exit') return routed.code;
  if (routed.kind === 'unknown-tools') throw unknownTool(routed.unknown, routed.known);

  let home: string;
  let reports: WireReport[];
  if (routed.kind === 'agent') {
    home = homeFrom(io.env);
    reports = routed.reports;
  } else {
    let engine: Engine;
    const [{ Engine: EngineClass }, { configuredGateway }, { runMany }, { TOOL_IDS }] = await Promise.all([
      import('../engine/engine.ts'),
      import('../gateway/index.ts'),
      import('../engine/commands.ts'),
      import('../adapters/index.ts'),
    ]);
    const unknown = tools.filter((t) => !TOOL_IDS.includes(t));
    if (unknown.length) throw unknownTool(unknown, TOOL_IDS);
    try {
      home = homeFrom(io.env);
      const paths = gwctlPaths({ home, env: io.env });
      const { settings, keys } = configuredGateway(paths.configDir, io.env);
      engine = new EngineClass({ home, env: io.env, stateDir: paths.stateDir, gateway: settings, keys });
    } catch (e) {
      io.err(`gwctl: ${redact((e as Error).message)}`);
      return 1;
    }
    const ids: ToolId[] = tools.length ? tools : [...TOOL_IDS];
    // Tools run concurrently: a slow gateway costs one round trip per command, not one per tool;
    // a write holds the writer lock for the whole command.
    reports = await runMany(engine, command, ids, { force, all });
  }

  if (json) {
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

function unknownTool(unknown: readonly string[], known: readonly string[]): UsageError {
  return new UsageError(`unknown tool${unknown.length > 1 ? 's' : ''} ${unknown.map((t) => `'${t}'`).join(', ')} (tools: ${known.join(', ')})`);
}

function toJson(r: WireReport) {
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

function table(reports: WireReport[], home: string): string {
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
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const ACTION_LABEL: Record<NonNullable<WireReport['action']>, string> = {
  'taken-over': 'taken over',
  'already-taken-over': 'already taken over',
  rotated: 'key rotated',
  restored: 'restored',
  'nothing-to-restore': 'nothing to restore',
  refused: 'refused',
  failed: 'failed',
};
