/**
 * A new-api instance as GATEWAYS.md documents it: `GET /api/status`; management calls need
 * `Authorization: <access token>` and `New-Api-User: <user id>`; `POST /api/token/` answers
 * `{success}` with no key; `GET /api/token/` lists tokens (masked keys, newest first, paged);
 * `POST /api/token/:id/key` reads the key (stored without "sk-"); `DELETE /api/token/:id`.
 * Errors are HTTP 200 `{success:false, message}`, auth errors HTTP 401.
 * Model requests (`/v1/messages`, `/v1/chat/completions`, `/v1/responses`, `/v1beta/…`) are logged
 * as model/log.go does (type 2 = consume, token_name, prompt/completion tokens, quota) and read
 * back by `GET /api/log/self` (controller/log.go GetUserLogs: type, token_name, start_timestamp,
 * end_timestamp, p, page_size ≤ 100, newest first, `{items, total, page, page_size}`); using a
 * token updates its `accessed_time` (`GET /api/token/:id`); `/api/status` tells `quota_per_unit`.
 */
import { randomBytes } from 'node:crypto';
import { bearer, modelList, modelRoutes, ok, reply, serve, type FakeServer, type Req, type Served } from './server.ts';

export interface NewApiToken {
  id: number;
  user_id: number;
  name: string;
  /** Stored without the "sk-" prefix, as new-api does. */
  key: string;
  expired_time: number;
  unlimited_quota: boolean;
  created_time: number;
  accessed_time: number;
  status: number;
}

export interface NewApiLog {
  id: number;
  user_id: number;
  created_at: number;
  type: number;
  token_name: string;
  token_id: number;
  model_name: string;
  quota: number;
  prompt_tokens: number;
  completion_tokens: number;
}

/** The fake's price in quota units (500000 = $1, new-api's default QuotaPerUnit). */
export const newApiQuota = (u: Pick<Served, 'promptTokens' | 'completionTokens'>) => u.promptTokens * 3 + u.completionTokens * 6;

export interface FakeNewApi extends FakeServer {
  accessToken: string;
  userId: number;
  tokens: Map<number, NewApiToken>;
  deleted: NewApiToken[];
  models: string[];
  served: Served[];
  logs: NewApiLog[];
}

const mask = (k: string) => `${k.slice(0, 4)}**********${k.slice(-4)}`;

export async function startNewApi(
  opts: { accessToken?: string; userId?: number; models?: string[]; existing?: Array<{ name: string; userId?: number }> } = {},
): Promise<FakeNewApi> {
  const fake = {
    accessToken: opts.accessToken ?? 'na-access-token-2f9d41c0b7e3',
    userId: opts.userId ?? 7,
    tokens: new Map<number, NewApiToken>(),
    deleted: [] as NewApiToken[],
    models: opts.models ?? ['gpt-4o', 'deepseek-chat', 'claude-sonnet-4-5'],
    served: [] as Served[],
    logs: [] as NewApiLog[],
  } as FakeNewApi;
  const now = () => Math.floor(Date.now() / 1000);
  const byKey = (k: string) => [...fake.tokens.values()].find((t) => t.key === k.replace(/^sk-/, '') && t.status === 1);
  let nextId = 1;
  const create = (name: string, userId: number, body: { expired_time?: number; unlimited_quota?: boolean } = {}) => {
    const t: NewApiToken = {
      id: nextId++,
      user_id: userId,
      name,
      key: randomBytes(24).toString('hex'),
      expired_time: body.expired_time ?? -1,
      unlimited_quota: body.unlimited_quota ?? false,
      created_time: now(),
      accessed_time: now(),
      status: 1,
    };
    fake.tokens.set(t.id, t);
    return t;
  };
  for (const e of opts.existing ?? []) create(e.name, e.userId ?? fake.userId);

  /** new-api's UserAuth middleware with an access token. */
  const auth = (req: Req) => {
    if (req.headers.authorization !== fake.accessToken) return reply(401, { success: false, message: '无权进行此操作，未登录且未提供 access token' });
    const user = req.headers['new-api-user'];
    if (user === undefined) return reply(401, { success: false, message: '无权进行此操作，未提供 New-Api-User' });
    if (user !== String(fake.userId)) return reply(401, { success: false, message: '无权进行此操作，New-Api-User 与登录用户不匹配' });
    return undefined;
  };
  const mine = (id: number) => {
    const t = fake.tokens.get(id);
    return t && t.user_id === fake.userId ? t : undefined;
  };

  const server = await serve([
    {
      name: 'status',
      method: 'GET',
      path: /^\/api\/status$/,
      handle: () =>
        ok({
          success: true,
          message: '',
          data: { version: 'v0.9.0', system_name: 'New API', start_time: 1_700_000_000, quota_per_unit: 500000, display_in_currency: true },
        }),
    },
    {
      name: 'create',
      method: 'POST',
      path: /^\/api\/token\/$/,
      handle: (req) => {
        const denied = auth(req);
        if (denied) return denied;
        const body = (req.json ?? {}) as { name?: string; expired_time?: number; unlimited_quota?: boolean };
        if ((body.name ?? '').length > 50) return ok({ success: false, message: '令牌名称过长' });
        create(body.name ?? '', fake.userId, body);
        return ok({ success: true, message: '' });
      },
    },
    {
      name: 'list',
      method: 'GET',
      path: /^\/api\/token\/$/,
      handle: (req) => {
        const denied = auth(req);
        if (denied) return denied;
        const page = Math.max(1, Number(req.query.get('p') ?? 1) || 1);
        const size = Math.min(100, Number(req.query.get('page_size') ?? req.query.get('size') ?? 10) || 10);
        const all = [...fake.tokens.values()].filter((t) => t.user_id === fake.userId).sort((a, b) => b.id - a.id);
        const items = all.slice((page - 1) * size, page * size).map((t) => ({ ...t, key: mask(t.key), status: 1, remain_quota: 0, used_quota: 0 }));
        return ok({ success: true, message: '', data: { page, page_size: size, total: all.length, items } });
      },
    },
    {
      name: 'token',
      method: 'GET',
      path: /^\/api\/token\/(\d+)$/,
      handle: (req, [id]) => {
        const denied = auth(req);
        if (denied) return denied;
        const t = mine(Number(id));
        return t ? ok({ success: true, message: '', data: { ...t, key: mask(t.key) } }) : ok({ success: false, message: 'record not found' });
      },
    },
    {
      name: 'logs',
      method: 'GET',
      path: /^\/api\/log\/self$/,
      handle: (req) => {
        const denied = auth(req);
        if (denied) return denied;
        const q = req.query;
        const p = Math.max(1, Number(q.get('p') ?? 1) || 1);
        let size = Number(q.get('page_size') ?? 10) || 10;
        if (size > 100) size = 100;
        const type = Number(q.get('type') ?? 0);
        const token = q.get('token_name') ?? '';
        const start = Number(q.get('start_timestamp') ?? 0);
        const end = Number(q.get('end_timestamp') ?? 0);
        const all = fake.logs
          .filter(
            (l) =>
              l.user_id === fake.userId &&
              (type === 0 || l.type === type) &&
              (!token || l.token_name === token) &&
              (!start || l.created_at >= start) &&
              (!end || l.created_at <= end),
          )
          .sort((a, b) => b.id - a.id);
        return ok({ success: true, message: '', data: { items: all.slice((p - 1) * size, p * size), total: all.length, page: p, page_size: size } });
      },
    },
    {
      name: 'key',
      method: 'POST',
      path: /^\/api\/token\/(\d+)\/key$/,
      handle: (req, [id]) => {
        const denied = auth(req);
        if (denied) return denied;
        const t = mine(Number(id));
        return t ? ok({ success: true, message: '', data: { key: t.key } }) : ok({ success: false, message: 'record not found' });
      },
    },
    {
      name: 'delete',
      method: 'DELETE',
      path: /^\/api\/token\/(\d+)$/,
      handle: (req, [id]) => {
        const denied = auth(req);
        if (denied) return denied;
        const t = mine(Number(id));
        if (!t) return ok({ success: false, message: 'record not found' });
        fake.tokens.delete(t.id);
        fake.deleted.push(t);
        return ok({ success: true, message: '' });
      },
    },
    {
      name: 'models',
      method: 'GET',
      path: /^\/v1\/models$/,
      handle: (req) => {
        // model/token.go ValidateUserToken: unknown or disabled (status != 1) tokens are refused.
        if (!byKey(bearer(req) ?? '')) return reply(401, { error: { message: '无效的令牌 (request id: 20250101)', type: 'new_api_error' } });
        return ok({ ...(modelList(fake.models, 'custom') as object), success: true });
      },
    },
    ...modelRoutes({
      anthropic: '',
      openai: '/v1',
      gemini: '',
      valid: (k) => byKey(k) !== undefined,
      served: fake.served,
      // new-api's relay: every model request uses the token (accessed_time) and writes a consume log.
      onServe: (u) => {
        const t = byKey(u.key)!;
        const at = Math.floor(u.at.getTime() / 1000);
        t.accessed_time = at;
        fake.logs.push({
          id: fake.logs.length + 1,
          user_id: t.user_id,
          created_at: at,
          type: 2,
          token_name: t.name,
          token_id: t.id,
          model_name: u.model,
          quota: newApiQuota(u),
          prompt_tokens: u.promptTokens,
          completion_tokens: u.completionTokens,
        });
      },
    }),
  ]);
  return Object.assign(fake, server);
}
