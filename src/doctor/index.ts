/**
 * Floor: doctor, below agent: `gwctl doctor`'s checks; imports service, watchers and below. See docs/floors.md.
 *
 * `gwctl doctor`: one report, a fix for each finding. Checks the agent (running, same version
 * as this CLI, socket directory owner/mode), the service (installed, the node it runs still
 * exists), the gateway (healthy; each taken-over tool's key still accepted, by a
 * `GET /v1/models` with it), and each tool's effective route, including what shadows gwctl's
 * config: project settings, variables exported in the calling shell, Gemini's `.env` lookup and
 * folder trust, Qwen's `modelProviders`, Crush's data file and `crushrc`.
 *
 * Reads only; never writes a tool's config. Findings never carry a key or a file's contents.
 */
import { existsSync, lstatSync } from 'node:fs';
import { readConfigSync } from '../configio/io.ts';
import { adapterFor, allAdapters } from '../adapters/index.ts';
import { STATUS_LABEL } from '../adapters/types.ts';
import type { ToolId } from '../adapters/index.ts';
import { gwctlPaths } from '../home/paths.ts';
import { Engine, type ToolReport } from '../engine/engine.ts';
import type { GatewaySettings } from '../gateway/types.ts';
import { LedgerStore, type Ledger } from '../engine/ledger.ts';
import type { JsonObject, JsonValue } from '../formats/slot.ts';
import { findToolKey, parseConfigFile as parseFile } from '../engine/keys.ts';
import { probeToolKey } from '../engine/probe.ts';
import { configuredGateway, type ResolvedGateway } from '../gateway/index.ts';
import { redact } from '../shared/redact.ts';
import { incompatibility, probeAgent, UnsafeSocketError } from '../ipc/client.ts';
import type { HelloResult } from '../ipc/schema.ts';
import { socketLocation } from '../home/paths.ts';
import type { ServiceStatus } from '../service/index.ts';

export type Severity = 'ok' | 'info' | 'warn' | 'error';
export type Area = 'agent' | 'service' | 'gateway' | 'tool';

export interface Finding {
  /** Stable id, e.g. `agent.version`, `shadow.claude-project`. */
  id: string;
  area: Area;
  severity: Severity;
  tool?: ToolId;
  /** One line: what is so. */
  title: string;
  /** What to do (absent for `ok`). */
  fix?: string;
  /** The file concerned, when there is one. */
  file?: string;
}

export interface DoctorReport {
  ok: boolean;
  findings: Finding[];
}

export interface DoctorContext {
  home: string;
  /** The calling shell's environment (exported variables are findings). */
  env: Readonly<Record<string, string | undefined>>;
  /** Where the user runs their tools (project files are looked up from here). */
  cwd: string;
  /** This CLI's version. */
  version: string;
  platform?: NodeJS.Platform;
  uid?: number;
  /** The service's status (undefined: skip the service checks). */
  serviceStatus?: () => Promise<ServiceStatus>;
  /** Agent hello (default: probe the socket). */
  probe?: () => Promise<HelloResult | null>;
}

export async function runDoctor(ctx: DoctorContext): Promise<DoctorReport> {
  const findings: Finding[] = [];
  const add = (f: Finding) => findings.push(f);
  const platform = ctx.platform ?? process.platform;
  const paths = gwctlPaths({ home: ctx.home, env: ctx.env, platform });

  let agentRunning = false;
  await checkAgent(ctx, platform, (f) => {
    if (f.id === 'agent.running' || f.id === 'agent.version' || f.id === 'agent.incompatible') agentRunning = true;
    add(f);
  });
  if (ctx.serviceStatus) await checkService(ctx, add, agentRunning);

  // ---- gateway ----
  let settings: GatewaySettings | undefined;
  let resolved: ResolvedGateway | undefined;
  let health: 'up' | 'down' | 'unknown' = 'unknown';
  let engine: Engine | undefined;
  try {
    const gw = configuredGateway(paths.configDir, ctx.env);
    resolved = gw;
    settings = gw.settings;
    engine = new Engine({ home: ctx.home, env: ctx.env, stateDir: paths.stateDir, gateway: gw.settings, keys: gw.keys });
    try {
      await gw.keys.health();
      health = 'up';
      add({ id: 'gateway.healthy', area: 'gateway', severity: 'ok', title: `the gateway at ${gw.settings.root} (${gw.settings.kind}) answers` });
    } catch (e) {
      health = 'down';
      add({
        id: 'gateway.down',
        area: 'gateway',
        severity: 'error',
        title: `the gateway at ${gw.settings.root} does not answer: ${redact((e as Error).message)}`,
        fix: 'start the gateway, or point gwctl at the right one: gwctl config set gateway.url http://127.0.0.1:PORT (gwctl gateway detect finds one)',
      });
    }
  } catch (e) {
    add({
      id: 'gateway.config',
      area: 'gateway',
      severity: 'error',
      title: `gwctl's gateway settings cannot be used: ${redact((e as Error).message)}`,
      fix: 'fix the setting named above (gwctl config list shows them)',
    });
  }

  // ---- tools ----
  let ledger: Ledger | undefined;
  try {
    ledger = await new LedgerStore(paths.stateDir).load();
  } catch (e) {
    add({
      id: 'ledger.unreadable',
      area: 'tool',
      severity: 'error',
      title: redact((e as Error).message),
      fix: 'move the ledger aside as the message says; restores then rely on the .bak copies',
    });
  }
  if (engine && settings) {
    for (const adapter of allAdapters()) {
      let report: ToolReport;
      try {
        report = await engine.status(adapter.id);
      } catch (e) {
        add({
          id: 'tool.unreadable',
          area: 'tool',
          severity: 'error',
          tool: adapter.id,
          title: `${adapter.name}: ${redact((e as Error).message)}`,
          fix: 'fix the file named above (or put back its .bak copy)',
        });
        continue;
      }
      const entry = ledger?.tools[adapter.id];
      await checkTool(ctx, settings, report, entry !== undefined && entry.state === 'applied', add);
      // Left behind by a removed gwctl, or a ledger lost: pointing here with no record of it.
      if (report.status === 'taken-over' && !entry && ledger) {
        add({
          id: 'tool.unrecorded',
          area: 'tool',
          severity: 'warn',
          tool: adapter.id,
          title: `${adapter.name} points at this gateway but gwctl has no record of that takeover (a gwctl removed without gwctl uninstall, or its state dir cleaned); its key is not known to gwctl`,
          fix: `gwctl restore ${adapter.id} (puts back its .bak copies, or removes gwctl's settings)`,
        });
      }
      if (report.status === 'taken-over' && entry && resolved) await checkKey(ctx, resolved, adapter.id, entry.keyHash, health, add);
    }
  }
  const ok = !findings.some((f) => f.severity === 'error');
  return { ok, findings };
}

// ---- agent ---------------------------------------------------------------------------------

async function checkAgent(ctx: DoctorContext, platform: NodeJS.Platform, add: (f: Finding) => void): Promise<void> {
  const loc = socketLocation({ home: ctx.home, env: ctx.env, platform, ...(ctx.uid !== undefined ? { uid: ctx.uid } : {}) });
  const uid = ctx.uid ?? process.getuid?.();
  let dirOk = true;
  try {
    const st = lstatSync(loc.dir);
    if (st.isSymbolicLink() || !st.isDirectory()) {
      dirOk = false;
      add({
        id: 'agent.socket-dir',
        area: 'agent',
        severity: 'error',
        title: `${loc.dir} (the agent socket directory) is not a plain directory`,
        fix: `remove it (rm '${loc.dir}'); the agent creates it again`,
        file: loc.dir,
      });
    } else if (uid !== undefined && st.uid !== uid) {
      dirOk = false;
      add({
        id: 'agent.socket-dir',
        area: 'agent',
        severity: 'error',
        title: `${loc.dir} (the agent socket directory) belongs to uid ${st.uid}, not you (uid ${uid})`,
        fix: `remove it (sudo rm -r '${loc.dir}'); the agent creates it again`,
        file: loc.dir,
      });
    } else if ((st.mode & 0o077) !== 0) {
      dirOk = false;
      add({
        id: 'agent.socket-dir',
        area: 'agent',
        severity: 'error',
        title: `${loc.dir} (the agent socket directory) has mode 0${(st.mode & 0o777).toString(8)}, open to other users`,
        fix: `chmod 700 '${loc.dir}'`,
        file: loc.dir,
      });
    }
  } catch {
    // No directory yet: the agent never ran here; reported below as "not running".
  }
  if (!dirOk) return;
  let hello: HelloResult | null;
  try {
    hello = await (ctx.probe ?? (() => probeAgent(loc, 1500)))();
  } catch (e) {
    add({
      id: 'agent.socket-dir',
      area: 'agent',
      severity: 'error',
      title: (e as Error).message,
      fix: e instanceof UnsafeSocketError ? 'follow the instruction above' : 'gwctl agent stop; gwctl agent start',
    });
    return;
  }
  if (!hello) {
    add({
      id: 'agent.not-running',
      area: 'agent',
      severity: 'warn',
      title: 'the agent is not running: nothing keeps tools pointed at the gateway between commands',
      fix: 'gwctl service install (starts at login), or gwctl agent start',
    });
    return;
  }
  const problem = incompatibility(hello, ctx.home);
  if (problem) {
    add({
      id: 'agent.incompatible',
      area: 'agent',
      severity: 'error',
      title: problem,
      fix: 'gwctl agent stop && gwctl agent start (or gwctl service restart)',
    });
  } else if (hello.version !== ctx.version) {
    add({
      id: 'agent.version',
      area: 'agent',
      severity: 'error',
      title: `the running agent is gwctl ${hello.version} (pid ${hello.pid}), this CLI is ${ctx.version}`,
      fix: 'restart it so both run the same code: gwctl service restart (or gwctl agent stop && gwctl agent start)',
    });
  } else {
    add({ id: 'agent.running', area: 'agent', severity: 'ok', title: `the agent ${hello.version} is running (pid ${hello.pid}, socket ${hello.socket})` });
  }
  // A blind agent must not pass for a watching one: the OS refused these watches.
  for (const u of hello.unwatched ?? []) {
    const [why, fix] = u.reason.split(/; (.*)/s);
    add({
      id: 'agent.unwatched',
      area: 'agent',
      severity: 'warn',
      title: `the agent cannot watch ${u.dir} (${u.tools.join(', ')}): ${why}; it checks it every ${u.pollSeconds} s instead, so drift is seen late`,
      fix: fix ?? u.reason,
      file: u.dir,
    });
  }
}

// ---- service -------------------------------------------------------------------------------

async function checkService(ctx: DoctorContext, add: (f: Finding) => void, agentRunning: boolean): Promise<void> {
  let s: ServiceStatus;
  try {
    s = await ctx.serviceStatus!();
  } catch (e) {
    add({ id: 'service.unknown', area: 'service', severity: 'warn', title: `could not ask the service manager: ${(e as Error).message}` });
    return;
  }
  if (!s.installed) {
    add({
      id: s.managerProblem ? 'service.no-manager' : 'service.not-installed',
      area: 'service',
      severity: 'info',
      title: s.managerProblem
        ? `no service manager: ${s.managerProblem}${agentRunning ? '; the agent runs outside a service (it stops at logout or reboot)' : ''}`
        : `the agent is not installed as a service (${s.file})${agentRunning ? '; an agent runs outside it (it stops at logout or reboot)' : ''}`,
      // With an agent already running, `gwctl agent start` would do nothing: only the service adds something.
      ...(s.managerProblem ? (agentRunning ? {} : { fix: 'gwctl agent start' }) : { fix: 'gwctl service install' }),
    });
    return;
  }
  const program = s.program;
  if (!program) {
    add({
      id: 'service.unreadable',
      area: 'service',
      severity: 'error',
      title: `${s.file} does not say which node runs the agent`,
      fix: 'gwctl service install (rewrites it)',
      file: s.file,
    });
    return;
  }
  if (!existsSync(program.node)) {
    add({
      id: 'service.node-missing',
      area: 'service',
      severity: 'error',
      title: `the service runs ${program.node}, which no longer exists (a node version manager removed it?)`,
      fix: 'gwctl service install (records the node you run it with)',
      file: s.file,
    });
    return;
  }
  if (!existsSync(program.script)) {
    add({
      id: 'service.script-missing',
      area: 'service',
      severity: 'error',
      title: `the service runs ${program.script}, which no longer exists (gwctl moved or was uninstalled)`,
      fix: 'gwctl service install, or gwctl service uninstall',
      file: s.file,
    });
    return;
  }
  if (s.managerProblem) {
    add({ id: 'service.no-manager', area: 'service', severity: 'warn', title: `${s.file} is installed but ${s.managerProblem}` });
    return;
  }
  if (!s.running) {
    add({
      id: 'service.not-running',
      area: 'service',
      severity: 'error',
      title: `the service is installed (${s.file}) but ${s.loaded ? 'not running' : 'not loaded'}`,
      fix: s.loaded ? 'gwctl service restart; if it keeps stopping, read the agent log (gwctl agent status)' : 'gwctl service install',
      file: s.file,
    });
    return;
  }
  add({ id: 'service.running', area: 'service', severity: 'ok', title: `the service runs the agent (pid ${s.pid ?? '?'}) with ${program.node}` });
}

// ---- keys ----------------------------------------------------------------------------------

async function checkKey(ctx: DoctorContext, gw: ResolvedGateway, tool: ToolId, keyHash: string, health: string, add: (f: Finding) => void): Promise<void> {
  const adapter = adapterFor(tool);
  const key = findToolKey(tool, ctx.home, ctx.env, keyHash);
  if (!key) {
    add({
      id: 'key.missing',
      area: 'gateway',
      severity: 'error',
      tool,
      title: `${adapter.name}: the key gwctl wrote is no longer in its config (someone replaced it)`,
      fix: `gwctl restore ${tool} && gwctl takeover ${tool}`,
    });
    return;
  }
  if (health !== 'up') {
    add({ id: 'key.unchecked', area: 'gateway', severity: 'info', tool, title: `${adapter.name}: key not checked (the gateway is down)` });
    return;
  }
  // The same check as `gwctl test`: one minimal request in the tool's own protocol.
  const r = await probeToolKey(tool, key, gw);
  const what = r.request ?? 'the request';
  if (r.status === 401 || r.status === 403) {
    add({
      id: 'key.rejected',
      area: 'gateway',
      severity: 'error',
      tool,
      title: `${adapter.name}: the gateway rejects its key (HTTP ${r.status} on ${what.replace(gw.settings.root, '')}); it was revoked or expired`,
      fix: `gwctl restore ${tool} && gwctl takeover ${tool} (mints a fresh key)`,
    });
  } else if (!r.problem) {
    add({
      id: 'key.accepted',
      area: 'gateway',
      severity: 'ok',
      tool,
      title: `${adapter.name}: the gateway accepts its key (${what.replace(gw.settings.root, '')} answered HTTP ${r.status}${r.model ? ` from ${r.model}` : ''} in ${r.latencyMs} ms)`,
    });
  } else if (r.reached) {
    add({
      id: 'key.unexpected',
      area: 'gateway',
      severity: 'warn',
      tool,
      title: `${adapter.name}: ${what.replace(gw.settings.root, '')} with its key: ${redact(r.problem)}`,
      fix: 'check the gateway log (gwctl test shows the request)',
    });
  } else {
    add({
      id: 'key.unchecked',
      area: 'gateway',
      severity: 'warn',
      tool,
      title: `${adapter.name}: could not check its key: ${redact(r.problem ?? 'no answer')}`,
    });
  }
}

// ---- tools and what shadows them ------------------------------------------------------------

async function checkTool(ctx: DoctorContext, gw: GatewaySettings, r: ToolReport, applied: boolean, add: (f: Finding) => void): Promise<void> {
  const tool = r.id;
  if (r.status === 'not-detected' || r.status === null) return; // null: unreadable, reported where it was read
  const takenOver = r.status === 'taken-over';
  if (takenOver) {
    add({ id: 'tool.taken-over', area: 'tool', severity: 'ok', tool, title: `${r.name}: ${STATUS_LABEL['taken-over']} (${r.configPath})` });
  } else if (applied) {
    add({
      id: 'tool.drift',
      area: 'tool',
      severity: 'error',
      tool,
      title: `${r.name}: gwctl took it over, but it is now ${STATUS_LABEL[r.status]}${r.address ? ` (${r.address})` : ''}${r.detail ? `: ${r.detail}` : ''}`,
      fix: `gwctl takeover ${tool}${r.status === 'other-address' ? ' --force' : ''} (or gwctl restore ${tool} to give it up)`,
      file: r.configPath,
    });
  } else if (r.status === 'other-address') {
    add({
      id: 'tool.other-address',
      area: 'tool',
      severity: 'info',
      tool,
      title: `${r.name}: ${STATUS_LABEL['other-address']} (${r.address ?? 'unknown'})${r.detail ? `: ${r.detail}` : ''}`,
      fix: `gwctl takeover ${tool} --force, if it should use the gateway`,
    });
  } else if (adapterFor(tool).launchOnly) {
    add({
      id: 'tool.launch-only',
      area: 'tool',
      severity: 'info',
      tool,
      title: `${r.name}: installed; launch-only (its gateway comes from its environment)`,
      fix: `gwctl launch ${tool}`,
    });
  } else {
    add({ id: 'tool.not-taken-over', area: 'tool', severity: 'info', tool, title: `${r.name}: ${STATUS_LABEL[r.status]}`, fix: `gwctl takeover ${tool}` });
  }
  if (!takenOver && !applied) return;
  const env = ctx.env;
  const shadow = (id: string, severity: Severity, title: string, fix: string, file?: string) =>
    add({ id: `shadow.${id}`, area: 'tool', severity, tool, title: `${r.name}: ${title}`, fix, ...(file ? { file } : {}) });
  const adapter = adapterFor(tool);
  // Each tool's own checks: the adapter's doctor hook, reading through these.
  adapter.doctor?.({
    home: ctx.home,
    env,
    cwd: ctx.cwd,
    gateway: gw,
    loc: adapter.locate({ home: ctx.home, env }),
    configPath: r.configPath,
    readDoc: parseFile,
    readText: (path) => {
      try {
        const f = readConfigSync(path);
        return f.exists ? f.text : undefined;
      } catch {
        return undefined;
      }
    },
    exists: existsSync,
    shadow,
  });
}
