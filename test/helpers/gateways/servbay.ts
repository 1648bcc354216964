/**
 * ServBay's AI gateway (and any `static` gateway): no documented health probe (the root answers
 * something), no key API (keys are made in its UI), `GET /v1/models` with that key.
 */
import { bearer, modelList, modelRoutes, ok, reply, serve, type FakeServer, type Served } from './server.ts';

export interface FakeServBay extends FakeServer {
  /** The virtual keys created in its UI. */
  validKeys: string[];
  models: string[];
  /** Model requests served (ServBay has no usage API: gwctl cannot read these). */
  served: Served[];
}

export async function startServBay(opts: { keys?: string[]; models?: string[]; rootStatus?: number } = {}): Promise<FakeServBay> {
  const fake = {
    validKeys: opts.keys ?? ['sk-servbay-ui-key-5a7e31'],
    models: opts.models ?? ['gpt-4o', 'claude-sonnet-4-5', 'qwen3-coder'],
    served: [],
  } as unknown as FakeServBay;
  const server = await serve([
    {
      name: 'root',
      method: 'GET',
      path: /^\/$/,
      handle: () => ({ status: opts.rootStatus ?? 200, body: '<html>ServBay AI Gateway</html>', contentType: 'text/html', raw: true }),
    },
    {
      name: 'models',
      method: 'GET',
      path: /^\/v1\/models$/,
      handle: (req) =>
        fake.validKeys.includes(bearer(req) ?? '')
          ? ok(modelList(fake.models))
          : reply(401, { error: { message: 'invalid api key', type: 'invalid_request_error' } }),
    },
    ...modelRoutes({ anthropic: '', openai: '/v1', gemini: '', valid: (k) => fake.validKeys.includes(k), served: fake.served }),
  ]);
  return Object.assign(fake, server);
}
