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
