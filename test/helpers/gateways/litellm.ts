/**
 * A LiteLLM proxy as GATEWAYS.md documents it: `/health/liveliness`, `/health/readiness`,
 * `POST /key/generate` (master key as Bearer; unique `key_alias`; 500 "DB not connected" without
 * its database), `POST /key/delete` by `key_aliases` or `keys`, `GET /v1/models`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { bearer, modelList, ok, reply, serve, type FakeServer } from './server.ts';

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
}

const authError = reply(401, { error: { message: 'Authentication Error, Invalid proxy server token passed. Received API Key = sk-...bad, Key Hash (Token) =...', type: 'auth_error', param: 'None', code: '401' } });

export async function startLiteLLM(opts: { masterKey?: string; models?: string[]; db?: boolean } = {}): Promise<FakeLiteLLM> {
  const state = {
    masterKey: opts.masterKey ?? 'sk-master-litellm-7c1e',
    keys: new Map<string, LiteLLMKey>(),
    deleted: [] as string[],
    models: opts.models ?? ['gpt-4o', 'claude-sonnet-4-5', 'gpt-4o', 'qwen3-coder'],
    db: opts.db ?? true,
  } as FakeLiteLLM;
  const isMaster = (k: string | undefined) => k === state.masterKey;
  const server = await serve([
    { name: 'liveliness', method: 'GET', path: /^\/health\/liveliness$/, handle: () => ok("I'm alive!") },
    {
      name: 'readiness',
      method: 'GET',
      path: /^\/health\/readiness$/,
      handle: () => ok({ status: state.db ? 'connected' : 'healthy', db: state.db ? 'connected' : 'Not connected', cache: null, litellm_version: '1.77.0', success_callbacks: [] }),
    },
    {
      name: 'generate',
      method: 'POST',
      path: /^\/key\/generate$/,
      handle: (req) => {
        if (!isMaster(bearer(req))) return authError;
        if (!state.db) {
          return reply(500, { error: { message: "{'error': 'DB not connected. See https://docs.litellm.ai/docs/proxy/virtual_keys'}", type: 'internal_server_error', param: 'None', code: '500' } });
        }
        const body = (req.json ?? {}) as { key_alias?: string; metadata?: unknown };
        const alias = body.key_alias ?? '';
        if (alias && state.keys.has(alias)) {
          return reply(400, { error: { message: `Key with alias '${alias}' already exists. Unique key aliases across all keys are required.`, type: 'bad_request_error', param: 'key_alias', code: '400' } });
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
        const found = [...state.keys.values()].filter((k) => body.key_aliases?.includes(k.key_alias) || body.keys?.includes(k.key) || body.keys?.includes(k.token));
        if (found.length === 0) return reply(404, { error: { message: `Key not found. No key with key_alias='${body.key_aliases?.[0] ?? ''}'.`, type: 'not_found', param: 'None', code: '404' } });
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
  ]);
  return Object.assign(state, server);
}
