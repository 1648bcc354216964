/**
 * A Bifrost gateway as GATEWAYS.md documents it: `GET /health` → `{"status":"ok"}`;
 * `POST /api/governance/virtual-keys {name, description}` → `{virtual_key:{id, value}}`;
 * `DELETE /api/governance/virtual-keys/{id}`; `GET /v1/models` with a virtual key; protocol
 * routes under `/anthropic`, `/v1`, `/genai`. Management is open unless admin auth is on (Basic).
 */
import { randomUUID } from 'node:crypto';
import { bearer, modelList, ok, reply, serve, type FakeServer, type Req } from './server.ts';

export interface BifrostKey {
  id: string;
  name: string;
  description: string;
  value: string;
}

export interface FakeBifrost extends FakeServer {
  /** `user:password` when admin auth is on. */
  admin: string | undefined;
  keys: Map<string, BifrostKey>;
  deleted: BifrostKey[];
  models: string[];
}

export async function startBifrost(opts: { admin?: string; models?: string[] } = {}): Promise<FakeBifrost> {
  const fake = {
    admin: opts.admin,
    keys: new Map<string, BifrostKey>(),
    deleted: [] as BifrostKey[],
    models: opts.models ?? ['openai/gpt-4o', 'anthropic/claude-sonnet-4-5', 'gemini/gemini-2.5-pro'],
  } as FakeBifrost;
  const auth = (req: Req) => {
    if (!fake.admin) return undefined;
    const expected = `Basic ${Buffer.from(fake.admin).toString('base64')}`;
    return req.headers.authorization === expected ? undefined : reply(401, { is_bifrost_error: true, status_code: 401, error: { message: 'Unauthorized' } });
  };
  const vk = (req: Req) => {
    const v = (req.headers['x-bf-vk'] as string | undefined) ?? bearer(req);
    return [...fake.keys.values()].find((k) => k.value === v);
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
        const k: BifrostKey = { id: randomUUID(), name: body.name, description: body.description ?? '', value: `sk-bf-${randomUUID()}` };
        fake.keys.set(k.id, k);
        return ok({ message: 'Virtual key created successfully', virtual_key: { ...k, is_active: true, provider_configs: [], budget: null, rate_limit: null } });
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
      handle: (req) => (vk(req) ? ok(modelList(fake.models, 'bifrost')) : reply(401, { is_bifrost_error: true, status_code: 401, error: { message: 'virtual key is required' } })),
    },
    { name: 'anthropic', method: 'POST', path: /^\/anthropic\/v1\/messages$/, handle: (req) => (vk(req) ? ok({ type: 'message', content: [] }) : reply(401, { error: { message: 'virtual key is required' } })) },
    { name: 'genai', method: 'POST', path: /^\/genai\/v1beta\/models\/[^/]+$/, handle: (req) => (vk(req) ? ok({ candidates: [] }) : reply(401, { error: { message: 'virtual key is required' } })) },
  ]);
  return Object.assign(fake, server);
}
