/**
 * A LiteLLM proxy as GATEWAYS.md documents it: `/health/liveliness`, `/health/readiness`,
 * `POST /key/generate` (master key as Bearer; unique `key_alias`; 500 "DB not connected" without
 * its database), `POST /key/delete` by `key_aliases` or `keys`, `GET /v1/models`; the model
 * endpoints (`/v1/messages`, `/v1/chat/completions`, `/v1/responses`, `/v1beta/…:generateContent`)
 * and `GET /user/daily/activity` as internal_user_endpoints.py `get_user_daily_activity` answers:
 * start_date/end_date required (YYYY-MM-DD, UTC days), `api_key` = the sha256 hex of the key
 * (LiteLLM_DailyUserSpend.api_key), paged (`page`, `page_size` ≤ 1000), `{results:[{date, metrics,
 * breakdown}], metadata:{total_*, page, total_pages, has_more}}`, newest day first.
 */
import { createHash, randomBytes } from 'node:crypto';
import { bearer, modelList, modelRoutes, ok, reply, serve, type FakeServer, type Served } from './server.ts';

export interface LiteLLMKey {
  key: string;
  key_alias: string;
  token: string;
  metadata: unknown;
}

export interface FakeLiteLLM extends FakeServer {
  masterKey: string;
  /** Live keys by alias. */
  keys: Map<string, LiteLLMKey>;
  /** Aliases deleted, in order. */
  deleted: string[];
  models: string[];
  /** false: the proxy runs without Postgres. */
  db: boolean;
  /** Model requests served, by key (what LiteLLM aggregates into LiteLLM_DailyUserSpend). */
  served: Served[];
}

/** The fake's price: $1 per million prompt tokens, $2 per million completion tokens. */
export const litellmSpend = (u: Pick<Served, 'promptTokens' | 'completionTokens'>) => (u.promptTokens * 1 + u.completionTokens * 2) / 1e6;

const authError = reply(401, {
  error: {
    message: 'Authentication Error, Invalid proxy server token passed. Received API Key = sk-...bad, Key Hash (Token) =...',
    type: 'auth_error',
    param: 'None',
    code: '401',
  },
});

export async function startLiteLLM(opts: { masterKey?: string; models?: string[]; db?: boolean } = {}): Promise<FakeLiteLLM> {
  const state = {
    masterKey: opts.masterKey ?? 'sk-master-litellm-7c1e',
    keys: new Map<string, LiteLLMKey>(),
    deleted: [] as string[],
    models: opts.models ?? ['gpt-4o', 'claude-sonnet-4-5', 'gpt-4o', 'qwen3-coder'],
    db: opts.db ?? true,
    served: [] as Served[],
  } as FakeLiteLLM;
  const sha = (k: string) => createHash('sha256').update(k).digest('hex');
  const isMaster = (k: string | undefined) => k === state.masterKey;
  const server = await serve([
    { name: 'liveliness', method: 'GET', path: /^\/health\/liveliness$/, handle: () => ok("I'm alive!") },
    {
      name: 'readiness',
      method: 'GET',
      path: /^\/health\/readiness$/,
      handle: () =>
        ok({
          status: state.db ? 'connected' : 'healthy',
          db: state.db ? 'connected' : 'Not connected',
          cache: null,
          litellm_version: '1.77.0',
          success_callbacks: [],
        }),
    },
    {
      name: 'generate',
      method: 'POST',
      path: /^\/key\/generate$/,
      handle: (req) => {
        if (!isMaster(bearer(req))) return authError;
        if (!state.db) {
          return reply(500, {
            error: {
              message: "{'error': 'DB not connected. See https://docs.litellm.ai/docs/proxy/virtual_keys'}",
              type: 'internal_server_error',
              param: 'None',
              code: '500',
            },
          });
        }
        const body = (req.json ?? {}) as { key_alias?: string; metadata?: unknown };
        const alias = body.key_alias ?? '';
        if (alias && state.keys.has(alias)) {
          return reply(400, {
            error: {
              message: `Key with alias '${alias}' already exists. Unique key aliases across all keys are required.`,
              type: 'bad_request_error',
              param: 'key_alias',
              code: '400',
            },
          });
        }
        const key = `sk-${randomBytes(16).toString('base64url')}`;
        const rec: LiteLLMKey = { key, key_alias: alias, token: createHash('sha256').update(key).digest('hex'), metadata: body.metadata ?? {} };
        state.keys.set(alias, rec);
        return ok({ key, key_alias: alias, key_name: `sk-...${key.slice(-4)}`, token: rec.token, expires: null, models: [], spend: 0, metadata: rec.metadata });
      },
    },
    {
      name: 'delete',
      method: 'POST',
      path: /^\/key\/delete$/,
      handle: (req) => {
        if (!isMaster(bearer(req))) return authError;
        const body = (req.json ?? {}) as { key_aliases?: string[]; keys?: string[] };
        const found = [...state.keys.values()].filter(
          (k) => body.key_aliases?.includes(k.key_alias) || body.keys?.includes(k.key) || body.keys?.includes(k.token),
        );
        if (found.length === 0)
          return reply(404, {
            error: { message: `Key not found. No key with key_alias='${body.key_aliases?.[0] ?? ''}'.`, type: 'not_found', param: 'None', code: '404' },
          });
        for (const k of found) {
          state.keys.delete(k.key_alias);
          state.deleted.push(k.key_alias);
        }
        return ok({ deleted_keys: found.map((k) => k.key_alias) });
      },
    },
    {
      name: 'models',
      method: 'GET',
      path: /^\/v1\/models$/,
      handle: (req) => {
        const k = bearer(req);
        if (!isMaster(k) && ![...state.keys.values()].some((r) => r.key === k)) return authError;
        return ok(modelList(state.models, 'openai'));
      },
    },
    ...modelRoutes({
      anthropic: '',
      openai: '/v1',
      gemini: '',
      valid: (k) => isMaster(k) || [...state.keys.values()].some((r) => r.key === k),
      served: state.served,
    }),
    {
      name: 'daily-activity',
      method: 'GET',
      path: /^\/user\/daily\/activity$/,
      handle: (req) => {
        if (!isMaster(bearer(req))) return authError;
        if (!state.db)
          return reply(500, {
            error: {
              message: "{'error': 'DB not connected. See https://docs.litellm.ai/docs/proxy/virtual_keys'}",
              type: 'internal_server_error',
              param: 'None',
              code: '500',
            },
          });
        const start = req.query.get('start_date');
        const end = req.query.get('end_date');
        if (!start || !end)
          return reply(400, {
            error: { message: "{'error': 'Please provide start_date and end_date'}", type: 'bad_request_error', param: 'None', code: '400' },
          });
        const apiKey = req.query.get('api_key');
        const page = Math.max(1, Number(req.query.get('page') ?? 1));
        const size = Math.min(1000, Math.max(1, Number(req.query.get('page_size') ?? 50)));
        const byDay = new Map<string, { spend: number; prompt_tokens: number; completion_tokens: number; api_requests: number }>();
        for (const u of state.served) {
          const date = u.at.toISOString().slice(0, 10);
          if (date < start || date > end || (apiKey && sha(u.key) !== apiKey)) continue;
          const m = byDay.get(date) ?? { spend: 0, prompt_tokens: 0, completion_tokens: 0, api_requests: 0 };
          m.spend += litellmSpend(u);
          m.prompt_tokens += u.promptTokens;
          m.completion_tokens += u.completionTokens;
          m.api_requests += 1;
          byDay.set(date, m);
        }
        const days = [...byDay.entries()].sort((a, b) => (a[0] < b[0] ? 1 : -1));
        const pageRows = days.slice((page - 1) * size, page * size);
        const total = (f: (m: (typeof days)[number][1]) => number) => days.reduce((a, [, m]) => a + f(m), 0);
        const totalPages = Math.max(1, Math.ceil(days.length / size));
        return ok({
          results: pageRows.map(([date, m]) => ({
            date,
            metrics: {
              ...m,
              total_tokens: m.prompt_tokens + m.completion_tokens,
              successful_requests: m.api_requests,
              failed_requests: 0,
              cache_read_input_tokens: 0,
              cache_creation_input_tokens: 0,
            },
            breakdown: { models: {}, providers: {}, api_keys: {} },
          })),
          metadata: {
            total_spend: total((m) => m.spend),
            total_prompt_tokens: total((m) => m.prompt_tokens),
            total_completion_tokens: total((m) => m.completion_tokens),
            total_api_requests: total((m) => m.api_requests),
            page,
            total_pages: totalPages,
            has_more: page < totalPages,
          },
        });
      },
    },
  ]);
  return Object.assign(state, server);
}
