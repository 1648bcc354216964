/** The one HTTP client gwctl uses to talk to a gateway: timeouts, JSON, errors that say what to do. */

export class GatewayError extends Error {
  readonly url: string;
  readonly status: number | undefined;
  constructor(url: string, message: string, status?: number) {
    super(message);
    this.name = 'GatewayError';
    this.url = url;
    this.status = status;
  }
}

export interface HttpResponse {
  status: number;
  text: string;
  json(): unknown;
}

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'DELETE' | 'PUT';
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 4000;

export async function request(url: string, req: HttpRequest = {}): Promise<HttpResponse> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  let body: string | undefined;
  if (req.body !== undefined) {
    body = JSON.stringify(req.body);
    headers['content-type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(url, { method: req.method ?? 'GET', headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') {
      throw new GatewayError(url, `no answer from ${url} within ${timeoutMs} ms; is the gateway running and is gateway.url right?`);
    }
    const code = err.cause?.code;
    if (code === 'ECONNREFUSED') throw new GatewayError(url, `connection refused at ${url}; start the gateway, or fix gateway.url (GWCTL_GATEWAY_URL)`);
    throw new GatewayError(url, `cannot reach ${url} (${code ?? err.message}); start the gateway, or fix gateway.url (GWCTL_GATEWAY_URL)`);
  }
  let text: string;
  try {
    text = await res.text();
  } catch {
    throw new GatewayError(url, `the gateway at ${url} closed the connection mid-answer`, res.status);
  }
  return {
    status: res.status,
    text,
    json() {
      try {
        return JSON.parse(text);
      } catch {
        throw new GatewayError(url, `${url} answered HTTP ${res.status} with something that is not JSON; is gateway.url pointing at the right service?`, res.status);
      }
    },
  };
}
