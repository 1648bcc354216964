/**
 * The agent's request table: one handler per socket method (like Tailscale's LocalAPI handler
 * map). The table's type makes a method in ipc/schema.ts without a handler a compile error.
 * Each handler checks its own params: nothing from the socket is trusted.
 */
import { TOOL_IDS, type ToolId } from '../adapters/index.ts';
import { runOne, type Command } from '../engine/commands.ts';
import type { CommandParams, HelloResult, Method, Methods, WireReport } from '../ipc/schema.ts';
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
  };
}

/** A CLI request: the same engine and semantics as `gwctl --no-agent`, one tool at a time. */
async function runCommand({ ctx, tools, policy, gateway }: RequestDeps, command: Command, params: CommandParams): Promise<WireReport[]> {
  const engine = ctx.engine({ ...ctx.env, ...params.env });
  const ids = params.tools.length ? params.tools : [...TOOL_IDS];
  const reports: WireReport[] = [];
  for (const id of ids) {
    if (command === 'status') {
      reports.push(await runOne(engine, command, id, params));
      continue;
    }
    reports.push(
      await tools.enqueue(id, async () => {
        const r = await runOne(engine, command, id, params);
        const { prev, now } = await tools.wrote(id, r);
        policy.guard.reset(id);
        if (now) tools.announce(id, prev, now, command);
        if (r.action === 'taken-over') gateway.set(true);
        return r;
      }),
    );
  }
  return reports;
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
  const env: Record<string, string> = {};
  if (o.env !== undefined) {
    if (typeof o.env !== 'object' || o.env === null) throw requestError('bad-request', 'env must be an object');
    for (const [k, v] of Object.entries(o.env)) {
      if (!k.startsWith('GWCTL_GATEWAY_') || typeof v !== 'string') throw requestError('bad-request', 'env may only carry GWCTL_GATEWAY_* strings');
      env[k] = v;
    }
  }
  return { tools: tools as ToolId[], force: o.force === true, all: o.all === true, env };
}
