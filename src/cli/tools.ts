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
import { anyFailed, statusJsonOutput, type WireReport } from '../ipc/schema.ts';
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

export const DRY_RUN_OPTION: CommandOption = {
  type: 'boolean',
  description: 'print a diff per file of what would be written (keys masked); write, mint and revoke nothing',
};

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
  if (args.values['dry-run'] === true && (command === 'takeover' || command === 'restore')) {
    const { runDryRun } = await import('./dry-run.ts');
    return runDryRun(command, tools, all, force, json, io);
  }
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
    const run = () => runMany(engine, command, ids, { force, all });
    if (command === 'status' && !tools.length) {
      // Every tool's status: kept for the next `status --json --no-agent` (cli/status-cache.ts).
      const { withStatusCache } = await import('./status-cache.ts');
      const { configDir, stateDir } = gwctlPaths({ home, env: io.env });
      reports = await withStatusCache({ home, env: io.env, configDir, stateDir }, run);
    } else reports = await run();
  }

  if (json) {
    io.out(statusJsonOutput(reports).text);
  } else {
    io.out(table(reports, home));
    for (const r of reports) for (const line of changeLines(r, home)) io.out(line);
    const notes = sayOnce(
      reports.flatMap((r) => [...(r.notes ?? []), ...(r.detail && r.status !== 'not-detected' ? [r.detail] : [])].map((text) => ({ name: r.name, text }))),
    );
    for (const n of notes) io.out(`  ${n}`);
    const summary = summaryLine(command, reports);
    if (summary) io.out(summary);
    for (const e of sayOnce(reports.filter((r) => r.error).map((r) => ({ name: r.name, text: r.error! })))) io.err(`gwctl: ${e}`);
  }
  return anyFailed(reports) ? 1 : 0;
}

/** Human values are cut shorter than --json's: a line per file stays readable. */
const SHORT = 48;
const short = (v: string) => (v.length > SHORT ? `${v.slice(0, SHORT - 1)}…` : v);

/** Per tool and file, what the takeover wrote: "Codex: ~/.codex/config.toml: model "a" → "b", model_providers.x added". */
export function changeLines(r: WireReport, home: string): string[] {
  if (!r.changes?.length) return [];
  const tilde = (p: string) => (p.startsWith(home + '/') ? '~' + p.slice(home.length) : p);
  const byFile = new Map<string, string[]>();
  for (const c of r.changes) {
    const parts = byFile.get(c.file) ?? [];
    if (c.action === 'created') parts.unshift('file created');
    else if (c.action === 'set aside') parts.push(`${c.path} set aside`);
    else if (c.action === 'added' && c.count !== undefined) parts.push(`${c.path}: ${c.count.toLocaleString('en-US')} added (${short(c.after ?? '')})`);
    else if (c.action === 'added') parts.push(`${c.path} = ${short(c.after ?? '')}`);
    else parts.push(`${c.path} ${short(c.before ?? '')} → ${short(c.after ?? '')}`);
    byFile.set(c.file, parts);
  }
  return [...byFile].map(([file, parts]) => `  ${r.name}: ${tilde(file)}: ${parts.join('; ')}`);
}

function unknownTool(unknown: readonly string[], known: readonly string[]): UsageError {
  const guesses = unknown.map((t) => nearest(t, known)).filter((g): g is string => g !== undefined);
  const hint = guesses.length ? `did you mean ${guesses.join(', ')}? ` : '';
  return new UsageError(`unknown tool${unknown.length > 1 ? 's' : ''} ${unknown.map((t) => `'${t}'`).join(', ')}; ${hint}(tools: ${known.join(', ')})`);
}

/** The known name closest to `word` (edit distance, or a prefix/infix match), if it is close enough. */
export function nearest(word: string, known: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  const contained = known.filter((k) => k.startsWith(w) || (w.length >= 3 && k.includes(w)) || w.startsWith(k));
  if (contained.length === 1) return contained[0];
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(w, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return bestD <= Math.max(2, Math.floor(w.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * Each message once: the same note or error for several tools (a gateway that is down, nine
 * "key kept" notes) becomes one line naming them, in the order they first appeared.
 */
export function sayOnce(items: ReadonlyArray<{ name: string; text: string }>): string[] {
  const byText = new Map<string, string[]>();
  for (const { name, text } of items) {
    const names = byText.get(text) ?? [];
    if (!names.includes(name)) names.push(name);
    byText.set(text, names);
  }
  return [...byText].map(([text, names]) => (names.length > 3 ? `${names.length} tools (${names.join(', ')}): ${text}` : `${names.join(', ')}: ${text}`));
}

const SUMMARY_WORDS: Record<NonNullable<WireReport['action']>, string> = {
  'taken-over': 'taken over',
  'already-taken-over': 'already taken over',
  rotated: 'rotated',
  restored: 'restored',
  'nothing-to-restore': 'nothing to restore',
  refused: 'refused',
  failed: 'failed',
};

/** After an action on several tools: "7 taken over, 2 refused (other address; --force to take them over)". */
export function summaryLine(command: Command, reports: readonly WireReport[]): string | undefined {
  if (command === 'status') return undefined;
  const acted = reports.filter((r) => r.action);
  if (acted.length < 2) return undefined;
  const counts = new Map<string, number>();
  for (const r of acted) counts.set(r.action!, (counts.get(r.action!) ?? 0) + 1);
  const parts = [...counts].map(([action, n]) => {
    const words = `${n} ${SUMMARY_WORDS[action as keyof typeof SUMMARY_WORDS]}`;
    if (action !== 'refused') return words;
    const other = acted.filter((r) => r.action === 'refused' && r.status === 'other-address').length;
    return other && command === 'takeover'
      ? `${words} (${other === n ? '' : `${other} `}other address; --force to take ${other === 1 ? 'it' : 'them'} over)`
      : words;
  });
  const skipped = reports.length - acted.length;
  return `${parts.join(', ')}${skipped ? `; ${skipped} not detected or not acted on` : ''}`;
}

function table(reports: WireReport[], home: string): string {
  const tilde = (p: string) => (p.startsWith(home + '/') ? '~' + p.slice(home.length) : p === home ? '~' : p);
  const rows = reports.map((r) => [
    r.name,
    (r.status ? STATUS_LABEL[r.status] : 'Unknown (error)') +
      (r.suspendedSince !== undefined ? ` (suspended: gateway down since ${hhmm(r.suspendedSince)})` : ''),
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

/** `10:42` in local time, from an ISO time (the time itself when it does not parse). */
function hhmm(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toTimeString().slice(0, 5);
}
