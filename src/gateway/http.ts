/**
 * The one HTTP client gwctl uses to talk to a gateway: timeouts, JSON, errors that say what to
 * do. A gateway is not trusted: every answer is capped in size while it streams (a cap is hit
 * before the bytes pile up), the whole exchange in time, and JSON nested deeper than any
 * gateway answer needs is refused before it is parsed (`[[[[…` costs ~55 bytes of heap per byte).
 */
import { registerSecret } from '../shared/redact.ts';

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
  /** The media type of the answer, lower case, without parameters ('' when none). */
  contentType: string;
  json(): unknown;
}

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'DELETE' | 'PUT';
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
  /** Largest answer accepted (bytes); default MAX_ANSWER_BYTES. */
  maxBytes?: number;
}

export const DEFAULT_TIMEOUT_MS = 4000;
/** Health, keys, errors: small answers. */
export const MAX_ANSWER_BYTES = 256 * 1024;
/** A model list: 5,000 models with long ids and metadata fit in well under this. */
export const MAX_MODEL_LIST_BYTES = 4 * 1024 * 1024;
/** Deepest JSON nesting accepted from a gateway (real answers are 3-6 deep). */
export const MAX_JSON_DEPTH = 64;

/** What a network error code means, in words (never the bare code: `UND_ERR_SOCKET` says nothing to a user). */
const NETWORK_WORDS: Record<string, string> = {
  ECONNRESET: 'the connection was reset by the gateway',
  UND_ERR_SOCKET: 'the connection was closed by the gateway',
  UND_ERR_CLOSED: 'the connection was closed by the gateway',
  ECONNABORTED: 'the connection was aborted',
  EPIPE: 'the connection was closed by the gateway while gwctl was sending',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'the gateway accepted the connection but sent no answer in time',
  UND_ERR_BODY_TIMEOUT: 'the gateway stopped sending its answer',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved (DNS did not answer)',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'the network is unreachable',
  EADDRNOTAVAIL: 'the address is not available on this machine',
  UND_ERR_INFO: 'the gateway answered something that is not HTTP',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'the answer was cut short',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'the request was cut short',
};

/** The first error code in a fetch failure's cause chain (an AggregateError's first error included). */
function networkCode(e: unknown): string | undefined {
  let c: unknown = e;
  for (let depth = 0; c && depth < 5; depth++) {
    const err = c as { code?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof err.code === 'string') return err.code;
    c = err.cause ?? (Array.isArray(err.errors) ? err.errors[0] : undefined);
  }
  return undefined;
}

/** A fetch failure in words: the first code in its cause chain mapped, else the cause's own message. */
export function networkWords(e: unknown): string {
  let c: unknown = e;
  for (let depth = 0; c && depth < 5; depth++) {
    const err = c as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown[] };
    const code = typeof err.code === 'string' ? err.code : undefined;
    if (code?.startsWith('HPE_')) return 'the gateway answered something that is not HTTP';
    if (code && NETWORK_WORDS[code]) return NETWORK_WORDS[code];
    if (code)
      return `the request failed (${code
        .toLowerCase()
        .replace(/^und_err_|^e/, '')
        .replace(/_/g, ' ')})`;
    if (c !== e && err.message === 'bad port') return 'fetch refuses that port (a port browsers block); use another port';
    c = err.cause ?? (Array.isArray(err.errors) ? err.errors[0] : undefined);
  }
  return 'the request failed before any answer';
}

export async function request(url: string, req: HttpRequest = {}): Promise<HttpResponse> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = req.maxBytes ?? MAX_ANSWER_BYTES;
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  // Header values are credentials (bearer keys, basic auth): never echoed in any message.
  for (const [k, v] of Object.entries(headers)) if (k !== 'accept' && k !== 'content-type') registerSecret(v.replace(/^(Bearer|Basic)\s+/i, ''));
  let body: string | undefined;
  if (req.body !== undefined) {
    body = JSON.stringify(req.body);
    headers['content-type'] = 'application/json';
  }
  const signal = AbortSignal.timeout(timeoutMs);
  const late = () => new GatewayError(url, `no answer from ${url} within ${timeoutMs} ms; is the gateway running and is gateway.url right?`);
  let res: Response;
  try {
    res = await fetch(url, { method: req.method ?? 'GET', headers, body, signal, redirect: 'manual' });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') throw late();
    if (networkCode(err) === 'ECONNREFUSED')
      throw new GatewayError(url, `connection refused at ${url}; start the gateway, or fix gateway.url (GWCTL_GATEWAY_URL)`);
    if (err instanceof TypeError && /header/i.test(err.message))
      throw new GatewayError(url, `cannot send a request to ${url}: a credential holds characters not allowed in an HTTP header; set it again`);
    throw new GatewayError(url, `cannot reach ${url}: ${networkWords(err)}; start the gateway, or fix gateway.url (GWCTL_GATEWAY_URL)`);
  }
  const declared = Number(res.headers.get('content-length'));
  const tooBig = () =>
    new GatewayError(
      url,
      `${url} answered more than ${size(maxBytes)}, more than any gateway answer gwctl expects; nothing was read or written (is gateway.url pointing at the gateway?)`,
      res.status,
    );
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooBig();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const reader = res.body?.getReader();
    for (;;) {
      if (!reader) break;
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooBig();
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof GatewayError) throw e;
    if (signal.aborted) throw late();
    throw new GatewayError(url, `the gateway at ${url} closed the connection mid-answer`, res.status);
  }
  const text = Buffer.concat(chunks, total).toString('utf8');
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return {
    status: res.status,
    text,
    contentType,
    json() {
      const parsed = parseGatewayJson(text);
      if (parsed === NOT_JSON)
        throw new GatewayError(
          url,
          `${url} answered HTTP ${res.status} with something that is not JSON; is gateway.url pointing at the right service?`,
          res.status,
        );
      return parsed;
    },
  };
}

export const NOT_JSON: unique symbol = Symbol('not JSON');

/** JSON.parse, refusing text nested deeper than MAX_JSON_DEPTH (checked first, in one pass). */
export function parseGatewayJson(text: string): unknown {
  if (tooDeep(text, MAX_JSON_DEPTH)) return NOT_JSON;
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

/** True when brackets (outside strings) nest deeper than `max`. */
export function tooDeep(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}
