/**
 * A Bifrost gateway as GATEWAYS.md documents it: `GET /health` → `{"status":"ok"}`;
 * `POST /api/governance/virtual-keys {name, description}` → `{virtual_key:{id, value}}`;
 * `DELETE /api/governance/virtual-keys/{id}`; `GET /v1/models` with a virtual key; protocol
 * routes under `/anthropic`, `/v1`, `/genai`. Management is open unless admin auth is on (Basic).
 * Model requests are logged per virtual key and read back as handlers/logging.go serves them:
 * `GET /api/logs/stats` → logstore.SearchStats `{total_requests, success_rate, average_latency,
 * total_tokens, total_cost}`, `GET /api/logs/histogram/tokens` → `{buckets:[{timestamp,
 * prompt_tokens, completion_tokens, total_tokens}], bucket_size_seconds}`, `GET /api/logs` →
 * `{logs, pagination, stats, has_logs}`; filters `virtual_key_ids`, `start_time`/`end_time`
 * (RFC 3339), `limit`, `sort_by`, `order`. `GET /api/governance/virtual-keys/{id}`.
 */
import { randomUUID } from 'node:crypto';
import { bearer, modelList, modelRoutes, ok, reply, serve, type FakeServer, type Req, type Served } from './server.ts';

export interface BifrostKey {
  id: string;
  name: string;
  description: string;
  value: string;
  is_active: boolean;
}

/** A request log row as Bifrost keeps it (the fields gwctl reads). */
export interface BifrostLog {
  id: string;
  timestamp: string;
  model: string;
  virtual_key_id: string;
  virtual_key_name: string;
  status: 'success';
  prompt_tokens: number;
  completion_tokens: number;
  cost: number;
}

/** The fake's price: $3 per million prompt tokens, $15 per million completion tokens. */
export const bifrostCost = (u: Pick<Served, 'promptTokens' | 'completionTokens'>) => (u.promptTokens * 3 + u.completionTokens * 15) / 1e6;

export interface FakeBifrost extends FakeServer {
  /** `user:password` when admin auth is on. */
  admin: string | undefined;
  keys: Map<string, BifrostKey>;
  deleted: BifrostKey[];
  models: string[];
  served: Served[];
  logs: BifrostLog[];
}

export async function startBifrost(opts: { admin?: string; models?: string[] } = {}): Promise<FakeBifrost> {
  const fake = {
    admin: opts.admin,
    keys: new Map<string, BifrostKey>(),
    deleted: [] as BifrostKey[],
    models: opts.models ?? ['openai/gpt-4o', 'anthropic/claude-sonnet-4-5', 'gemini/gemini-2.5-pro'],
    served: [] as Served[],
    logs: [] as BifrostLog[],
  } as FakeBifrost;
  const byValue = (v: string) => [...fake.keys.values()].find((k) => k.value === v && k.is_active);
  /** The log filters handlers/logging.go reads, applied to the fake's log rows. */
  const filtered = (req: Req) => {
    const ids = req.query.get('virtual_key_ids')?.split(',').filter(Boolean);
    const start = req.query.get('start_time');
    const end = req.query.get('end_time');
    const t0 = start ? Date.parse(start) : NaN;
    const t1 = end ? Date.parse(end) : NaN;
    return fake.logs.filter(
      (l) =>
        (!ids || ids.includes(l.virtual_key_id)) && (Number.isNaN(t0) || Date.parse(l.timestamp) >= t0) && (Number.isNaN(t1) || Date.parse(l.timestamp) <= t1),
    );
  };
  const auth = (req: Req) => {
    if (!fake.admin) return undefined;
    const expected = `Basic ${Buffer.from(fake.admin).toString('base64')}`;
    return req.headers.authorization === expected ? undefined : reply(401, { is_bifrost_error: true, status_code: 401, error: { message: 'Unauthorized' } });
  };
  const vk = (req: Req) => {
    const v = (req.headers['x-bf-vk'] as string | undefined) ?? bearer(req);
    return v ? byValue(v) : undefined;
  };
  const server = await serve([
    { name: 'health', method: 'GET', path: /^\/health$/, handle: () => ok({ status: 'ok' }) },
    {
      name: 'create',
      method: 'POST',
      path: /^\/api\/governance\/virtual-keys$/,
      handle: (req) => {
        const denied = auth(req);
        if (denied) return denied;
        const body = (req.json ?? {}) as { name?: string; description?: string };
        if (!body.name) return reply(400, { is_bifrost_error: true, status_code: 400, error: { message: 'name is required' } });
        if ([...fake.keys.values()].some((k) => k.name === body.name)) {
          return reply(409, { is_bifrost_error: true, status_code: 409, error: { message: `virtual key with name ${body.name} already exists` } });
        }
        const k: BifrostKey = { id: randomUUID(), name: body.name, description: body.description ?? '', value: `sk-bf-${randomUUID()}`, is_active: true };
        fake.keys.set(k.id, k);
        return ok({ message: 'Virtual key created successfully', virtual_key: { ...k, provider_configs: [], budget: null, rate_limit: null } });
      },
    },
    {
      name: 'delete',
      method: 'DELETE',
      path: /^\/api\/governance\/virtual-keys\/([^/]+)$/,
      handle: (req, [id]) => {
        const denied = auth(req);
        if (denied) return denied;
        const k = fake.keys.get(decodeURIComponent(id!));
        if (!k) return reply(404, { is_bifrost_error: true, status_code: 404, error: { message: 'Virtual key not found' } });
        fake.keys.delete(k.id);
        fake.deleted.push(k);
        return ok({ message: 'Virtual key deleted successfully' });
      },
    },
    {
      name: 'models',
      method: 'GET',
      path: /^\/v1\/models$/,
      handle: (req) =>
        vk(req)
          ? ok(modelList(fake.models, 'bifrost'))
          : reply(401, { is_bifrost_error: true, status_code: 401, error: { message: 'virtual key is required' } }),
    },
    {
      name: 'get-vk',
      method: 'GET',
      path: /^\/api\/governance\/virtual-keys\/([^/]+)$/,
      handle: (req, [id]) => {
        const denied = auth(req);
        if (denied) return denied;
        const k = fake.keys.get(decodeURIComponent(id!));
        return k
          ? ok({ virtual_key: { ...k, value: `${k.value.slice(0, 8)}…`, provider_configs: [] } })
          : reply(404, { is_bifrost_error: true, status_code: 404, error: { message: 'Virtual key not found' } });
      },
    },
    {
      name: 'log-stats',
      method: 'GET',
      path: /^\/api\/logs\/stats$/,
      handle: (req) => {
        const denied = auth(req);
        if (denied) return denied;
        const rows = filtered(req);
        return ok({
          total_requests: rows.length,
          success_rate: rows.length ? 100 : 0,
          user_facing_success_rate: rows.length ? 100 : 0,
          user_facing_total_requests: rows.length,
          average_latency: rows.length ? 42 : 0,
          total_tokens: rows.reduce((a, l) => a + l.prompt_tokens + l.completion_tokens, 0),
          total_cost: rows.reduce((a, l) => a + l.cost, 0),
        });
      },
    },
    {
      name: 'token-histogram',
      method: 'GET',
      path: /^\/api\/logs\/histogram\/tokens$/,
      handle: (req) => {
        const denied = auth(req);
        if (denied) return denied;
        const buckets = new Map<number, { prompt_tokens: number; completion_tokens: number }>();
        for (const l of filtered(req)) {
          const t = Math.floor(Date.parse(l.timestamp) / 3_600_000) * 3_600_000;
          const b = buckets.get(t) ?? { prompt_tokens: 0, completion_tokens: 0 };
          b.prompt_tokens += l.prompt_tokens;
          b.completion_tokens += l.completion_tokens;
          buckets.set(t, b);
        }
        return ok({
          buckets: [...buckets.entries()]
            .sort((a, b) => a[0] - b[0])
            .map(([t, b]) => ({ timestamp: new Date(t).toISOString(), ...b, total_tokens: b.prompt_tokens + b.completion_tokens, cached_read_tokens: 0 })),
          bucket_size_seconds: 3600,
        });
      },
    },
    {
      name: 'logs',
      method: 'GET',
      path: /^\/api\/logs$/,
      handle: (req) => {
        const denied = auth(req);
        if (denied) return denied;
        const limit = Number(req.query.get('limit') ?? 50) || 50;
        const desc = (req.query.get('order') ?? 'desc') === 'desc';
        const rows = filtered(req).sort((a, b) => (desc ? -1 : 1) * (Date.parse(a.timestamp) - Date.parse(b.timestamp)));
        return ok({
          logs: rows.slice(0, limit),
          pagination: { limit, offset: 0, sort_by: req.query.get('sort_by') ?? 'timestamp', order: desc ? 'desc' : 'asc', total_count: rows.length },
          stats: {},
          has_logs: fake.logs.length > 0,
        });
      },
    },
    ...modelRoutes({
      anthropic: '/anthropic',
      openai: '/v1',
      gemini: '/genai',
      keyHeader: 'x-bf-vk',
      valid: (k) => byValue(k) !== undefined,
      served: fake.served,
      onServe: (u) => {
        const k = byValue(u.key)!;
        fake.logs.push({
          id: randomUUID(),
          timestamp: u.at.toISOString(),
          model: u.model,
          virtual_key_id: k.id,
          virtual_key_name: k.name,
          status: 'success',
          prompt_tokens: u.promptTokens,
          completion_tokens: u.completionTokens,
          cost: bifrostCost(u),
        });
      },
    }),
  ]);
  return Object.assign(fake, server);
}
