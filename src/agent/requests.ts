/**
 * The agent's request table: one handler per socket method (like Tailscale's LocalAPI handler
 * map). The table's type makes a method in ipc/schema.ts without a handler a compile error.
 * Each handler checks its own params: nothing from the socket is trusted.
 */
import { withoutGatewayOverrides } from '../shared/tool-env.ts';
import { TOOL_IDS, type ToolId } from '../adapters/index.ts';
import { runMany, runOne, type Command } from '../engine/commands.ts';
import { takeoverOf } from '../engine/takeovers.ts';
import type { CommandParams, HelloResult, Method, Methods, ToolDetail, ToolMarks, WireReport } from '../ipc/schema.ts';
import { diffHunks } from '../shared/diff.ts';
import { maskLine } from '../shared/mask.ts';
import { redact } from '../shared/redact.ts';
import { chosen } from './policy.ts';
import type { Peer } from '../ipc/server.ts';
import type { AgentContext } from './context.ts';
import type { GatewayHealth } from './gateway-health.ts';
import type { DriftPolicy } from './policy.ts';
import type { ToolStates } from './tool-state.ts';

type RequestError = Error & { ipcCode?: string };

export function requestError(code: 'bad-request' | 'stopping', message: string): RequestError {
  return Object.assign(new Error(message), { ipcCode: code });
}

export type Handler<M extends Method> = (params: unknown, peer: Peer) => Promise<Methods[M]['result']> | Methods[M]['result'];
export type RequestTable = { [M in Method]: Handler<M> };

export interface RequestDeps {
  ctx: AgentContext;
  tools: ToolStates;
  policy: DriftPolicy;
  gateway: GatewayHealth;
  hello(): HelloResult;
  shutdown(): void;
}

export function requestTable(d: RequestDeps): RequestTable {
  const command = (name: Command) => async (params: unknown) => {
    if (d.ctx.stopping()) throw requestError('stopping', 'the agent is stopping; run the command again in a moment');
    return { tools: await runCommand(d, name, commandParams(params)) };
  };
  return {
    hello: () => d.hello(),
    subscribe: (_params, peer) => {
      peer.subscribed = true;
      return { subscribed: true };
    },
    status: command('status'),
    takeover: command('takeover'),
    restore: command('restore'),
    rotate: command('rotate'),
    shutdown: () => {
      setImmediate(() => d.shutdown());
      return { stopping: true };
    },
    marks: async () => ({ tools: await marks(d) }),
    detail: (params) => detail(d, toolParam(params), gatewayEnvParam((params as { env?: unknown } | undefined)?.env)),
  };
}

/** These tools' status as a caller without gateway overrides gets it (the agent's status file). */
export function statusReports(ctx: AgentContext, tools: readonly ToolId[]): Promise<WireReport[]> {
  const engine = ctx.engine(withoutGatewayOverrides(ctx.env));
  return Promise.all(tools.map((id) => runOne(engine, 'status', id, {})));
}

/** Per tool: its ledger state, whether re-applies are paused, whether autoReapply covers it (the UI's markers). */
async function marks({ ctx, policy }: RequestDeps): Promise<Partial<Record<ToolId, ToolMarks>>> {
  const { autoReapply } = ctx.settings();
  const out: Partial<Record<ToolId, ToolMarks>> = {};
  for (const id of TOOL_IDS)
    out[id] = { ledger: (await takeoverOf(ctx.paths.stateDir, id))?.state ?? null, suspended: policy.guard.isPaused(id), autoReapply: chosen(autoReapply, id) };
  return out;
}

/** One tool for the UI's detail pane: nothing is written, no key is minted (a dry run). */
async function detail(d: RequestDeps, tool: ToolId, env: Record<string, string>): Promise<ToolDetail> {
  const engine = d.ctx.engine({ ...d.ctx.env, ...env });
  const report = await runOne(engine, 'status', tool, {});
  const record = await engine.describe(tool);
  let plan: ToolDetail['plan'] = null;
  if (report.status === 'not-taken-over' || report.status === 'other-address') {
    try {
      const p = await engine.planTakeover(tool, { force: true });
      plan = {
        files: p.files.map((f) => ({
          path: f.path,
          created: f.before === null,
          diff: diffHunks(f.before ?? '', f.after).map((l) => ({ kind: l.kind, text: maskLine(l.text) })),
        })),
        notes: p.notes,
        ...(p.refused ? { refused: p.refused } : {}),
      };
    } catch (e) {
      plan = { files: [], notes: [], error: redact((e as Error).message) };
    }
  }
  return { report, ...record, marks: (await marks(d))[tool]!, plan };
}

function toolParam(p: unknown): ToolId {
  const tool = (p as { tool?: unknown } | undefined)?.tool;
  if (typeof tool !== 'string' || !(TOOL_IDS as readonly string[]).includes(tool))
    throw requestError('bad-request', `tool must be one of: ${TOOL_IDS.join(', ')}`);
  return tool as ToolId;
}

/** A CLI request: the same engine and semantics as `gwctl --no-agent`, one tool at a time. */
async function runCommand({ ctx, tools, policy, gateway }: RequestDeps, command: Command, params: CommandParams): Promise<WireReport[]> {
  // The request's gateway variables, exactly: none of the agent's own one-off overrides.
  const engine = ctx.engine({ ...withoutGatewayOverrides(ctx.env), ...params.env });
  const ids = params.tools.length ? params.tools : [...TOOL_IDS];
  if (command === 'status') return Promise.all(ids.map((id) => runOne(engine, command, id, params)));
  // A write: first a place in every named tool's queue (no file event or re-apply runs on them
  // meanwhile), then the writer lock once for the whole command, as `--no-agent` takes it. The
  // tools run side by side under it: gateway calls overlap, and a slow gateway costs one round
  // trip per command, not one per tool. The queues are entered in one synchronous pass, so two
  // commands naming the same tools queue in the same order and cannot wait on each other.
  const gates = ids.map((id) => {
    let entered!: () => void;
    let leave!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const left = new Promise<void>((r) => (leave = r));
    void tools.enqueue(id, async () => {
      entered();
      await left;
    });
    return { inside, leave };
  });
  try {
    await Promise.all(gates.map((g) => g.inside));
    const reports = await runMany(engine, command, ids, params);
    for (const [i, r] of reports.entries()) {
      const id = ids[i]!;
      const { prev, now } = await tools.wrote(id, r);
      policy.guard.reset(id);
      if (now) tools.announce(id, prev, now, command);
      if (r.action === 'taken-over') gateway.set(true);
    }
    return reports;
  } finally {
    for (const g of gates) g.leave();
  }
}

function commandParams(p: unknown): CommandParams {
  const o = (p ?? {}) as Record<string, unknown>;
  const tools = o.tools ?? [];
  if (!Array.isArray(tools) || !tools.every((t) => typeof t === 'string' && (TOOL_IDS as readonly string[]).includes(t))) {
    throw requestError('bad-request', `tools must be a list of: ${TOOL_IDS.join(', ')}`);
  }
  for (const k of ['force', 'all'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') throw requestError('bad-request', `${k} must be true or false`);
  }
  return { tools: tools as ToolId[], force: o.force === true, all: o.all === true, env: gatewayEnvParam(o.env) };
}

/** The caller's GWCTL_GATEWAY_* variables (nothing else may come in this way). */
function gatewayEnvParam(e: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  if (e !== undefined) {
    if (typeof e !== 'object' || e === null) throw requestError('bad-request', 'env must be an object');
    for (const [k, v] of Object.entries(e)) {
      if (!k.startsWith('GWCTL_GATEWAY_') || typeof v !== 'string') throw requestError('bad-request', 'env may only carry GWCTL_GATEWAY_* strings');
      env[k] = v;
    }
  }
  return env;
}
