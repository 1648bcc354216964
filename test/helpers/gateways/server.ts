/**
 * Base of the contract fakes: an HTTP server on 127.0.0.1 (random port) with named routes, a
 * record of every request, and faults a test can inject per route (timeout, status, non-JSON).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Req {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  /** Parsed JSON body (undefined when not JSON). */
  json: unknown;
  /** The route that handled it. */
  route?: string;
}

export interface Reply {
  status: number;
  body: unknown;
  /** Default application/json (string bodies are sent as JSON strings unless `raw`). */
  contentType?: string;
  raw?: boolean;
}

export type Fault = 'timeout' | 'non-json' | { status: number; body?: unknown };

export interface Route {
  name: string;
  method: string;
  path: RegExp;
  handle(req: Req, params: string[]): Reply;
}

export interface FakeServer {
  url: string;
  requests: Req[];
  /** Requests a route handled. */
  calls(route: string): Req[];
  fault(route: string, fault: Fault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export async function serve(routes: Route[]): Promise<FakeServer> {
  const requests: Req[] = [];
  const faults = new Map<string, Fault>();
  const server: Server = createServer((m: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    m.on('data', (c: Buffer) => chunks.push(c));
    m.on('end', () => {
      const u = new URL(m.url ?? '/', 'http://fake');
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const req: Req = { method: m.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: m.headers, body, json };
      requests.push(req);
      for (const r of routes) {
        const match = r.method === req.method ? r.path.exec(req.path) : null;
        if (!match) continue;
        req.route = r.name;
        const f = faults.get(r.name);
        if (f === 'timeout') return; // never answer; the client's timeout must fire
        if (f === 'non-json') return send(res, { status: 200, body: '<!doctype html><html><body>Sign in</body></html>', contentType: 'text/html', raw: true });
        if (f) return send(res, { status: f.status, body: f.body ?? { error: { message: `injected HTTP ${f.status}` } } });
        return send(res, r.handle(req, match.slice(1)));
      }
      send(res, { status: 404, body: { detail: 'Not Found' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    calls: (route) => requests.filter((r) => r.route === route),
    fault: (route, f) => void faults.set(route, f),
    clearFaults: () => faults.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, r: Reply): void {
  const text = r.raw && typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  res.writeHead(r.status, { 'content-type': r.contentType ?? 'application/json' }).end(text);
}

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const reply = (status: number, body: unknown): Reply => ({ status, body });

export function modelList(ids: string[], owned = 'gateway'): unknown {
  return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: owned })) };
}

export function bearer(req: Req): string | undefined {
  const h = req.headers.authorization;
  return typeof h === 'string' && /^Bearer /i.test(h) ? h.slice(7) : undefined;
}

/** One model request a fake gateway served, as it would log it for usage. */
export interface Served {
  key: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  at: Date;
  protocol: 'anthropic' | 'chat' | 'responses' | 'gemini';
}

export interface ModelRouteOptions {
  /** Base paths: `''` for root-mounted protocols (LiteLLM, new-api, ServBay), `/anthropic`… for Bifrost. */
  anthropic: string;
  openai: string;
  gemini: string;
  /** Whether a key may make model requests (a revoked/unknown key answers 401, as gateways do). */
  valid(key: string): boolean;
  /** Every served request (what the gateway logs for usage). */
  served: Served[];
  /** Test hook: requests are logged at this time (default now). */
  now?: () => Date;
  /** A header that carries the key in any protocol (Bifrost: `x-bf-vk`). */
  keyHeader?: string;
  /** What the gateway records per request (its logs, a token's last use). */
  onServe?(s: Served): void;
}

const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

/**
 * The model endpoints of a gateway in the three wire protocols, answering in each protocol's own
 * shape (Anthropic Messages, OpenAI Chat Completions and Responses, Gemini generateContent) with
 * the usage fields each one reports, and the key where each client sends it: Anthropic `x-api-key`
 * or Bearer, OpenAI Bearer, Gemini `x-goog-api-key` or `?key=`.
 */
export function modelRoutes(o: ModelRouteOptions): Route[] {
  const own = (req: Req) => (o.keyHeader ? (req.headers[o.keyHeader] as string | undefined) : undefined);
  const log = (key: string, model: string, promptTokens: number, completionTokens: number, protocol: Served['protocol']) => {
    const s: Served = { key, model, promptTokens, completionTokens, at: o.now?.() ?? new Date(), protocol };
    o.served.push(s);
    o.onServe?.(s);
  };
  const body = (req: Req) => (req.json ?? {}) as Record<string, unknown>;
  const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v ?? ''));
  return [
    {
      name: 'messages',
      method: 'POST',
      path: new RegExp(`^${o.anthropic}/v1/messages$`),
      handle: (req) => {
        const key = own(req) ?? (req.headers['x-api-key'] as string | undefined) ?? bearer(req) ?? '';
        if (!o.valid(key)) return reply(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
        const b = body(req);
        const model = String(b.model ?? '');
        const inTok = words(text(b.messages));
        const outTok = Math.min(Number(b.max_tokens ?? 16) || 16, 16);
        log(key, model, inTok, outTok, 'anthropic');
        return ok({
          id: 'msg_fake',
          type: 'message',
          role: 'assistant',
          model,
          content: [{ type: 'text', text: 'pong' }],
          stop_reason: 'max_tokens',
          usage: { input_tokens: inTok, output_tokens: outTok },
        });
      },
    },
    {
      name: 'chat',
      method: 'POST',
      path: new RegExp(`^${o.openai}/chat/completions$`),
      handle: (req) => {
        const key = own(req) ?? bearer(req) ?? '';
        if (!o.valid(key)) return reply(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
        const b = body(req);
        const model = String(b.model ?? '');
        const inTok = words(text(b.messages));
        const outTok = Math.min(Number(b.max_tokens ?? 16) || 16, 16);
        log(key, model, inTok, outTok, 'chat');
        return ok({
          id: 'chatcmpl-fake',
          object: 'chat.completion',
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: 'pong' }, finish_reason: 'length' }],
          usage: { prompt_tokens: inTok, completion_tokens: outTok, total_tokens: inTok + outTok },
        });
      },
    },
    {
      name: 'responses',
      method: 'POST',
      path: new RegExp(`^${o.openai}/responses$`),
      handle: (req) => {
        const key = own(req) ?? bearer(req) ?? '';
        if (!o.valid(key)) return reply(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
        const b = body(req);
        const model = String(b.model ?? '');
        const inTok = words(text(b.input));
        const outTok = Math.min(Number(b.max_output_tokens ?? 16) || 16, 16);
        log(key, model, inTok, outTok, 'responses');
        return ok({
          id: 'resp_fake',
          object: 'response',
          model,
          status: 'incomplete',
          incomplete_details: { reason: 'max_output_tokens' },
          output: [],
          usage: { input_tokens: inTok, output_tokens: outTok, total_tokens: inTok + outTok },
        });
      },
    },
    {
      name: 'generate',
      method: 'POST',
      path: new RegExp(`^${o.gemini}/v1beta/models/([^/:]+):generateContent$`),
      handle: (req, [model]) => {
        const key = own(req) ?? (req.headers['x-goog-api-key'] as string | undefined) ?? req.query.get('key') ?? '';
        // A gateway checks its own virtual key before any upstream: 401, not Google's 400.
        if (!o.valid(key)) return reply(401, { error: { code: 401, message: 'invalid api key', status: 'UNAUTHENTICATED' } });
        const b = body(req);
        const m = decodeURIComponent(model!);
        const inTok = words(text(b.contents));
        const cfg = (b.generationConfig ?? {}) as Record<string, unknown>;
        const outTok = Math.min(Number(cfg.maxOutputTokens ?? 16) || 16, 16);
        log(key, m, inTok, outTok, 'gemini');
        return ok({
          candidates: [{ content: { role: 'model', parts: [{ text: 'pong' }] }, finishReason: 'MAX_TOKENS' }],
          usageMetadata: { promptTokenCount: inTok, candidatesTokenCount: outTok, totalTokenCount: inTok + outTok },
          modelVersion: m,
        });
      },
    },
  ];
}
