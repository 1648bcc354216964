/**
 * A local stand-in for a gateway's HTTP API on 127.0.0.1 (random port), faithful to the
 * documented contract in GATEWAYS.md: health on the root, an OpenAI model list on /v1/models.
 * Records every request so tests can assert what gwctl sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: Recorded, res: ServerResponse) => boolean | void;

export interface FakeGateway {
  url: string;
  port: number;
  requests: Recorded[];
  models: string[];
  /** Extra handlers tried first; return true when handled. */
  handlers: Handler[];
  close(): Promise<void>;
}

export async function startGateway(models: string[] = ['gpt-4o', 'claude-sonnet-4-5', 'qwen3-coder']): Promise<FakeGateway> {
  const gw: Partial<FakeGateway> & { requests: Recorded[]; handlers: Handler[]; models: string[] } = { requests: [], handlers: [], models };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: Recorded = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      gw.requests.push(rec);
      for (const h of gw.handlers) if (h(rec, res)) return;
      if (rec.method === 'GET' && rec.path === '/') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      } else if (rec.method === 'GET' && rec.path === '/v1/models') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ object: 'list', data: gw.models.map((id) => ({ id, object: 'model', owned_by: 'gateway' })) }));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  gw.port = port;
  gw.url = `http://127.0.0.1:${port}`;
  gw.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return gw as FakeGateway;
}

/** A port nothing listens on (bound then released). */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
