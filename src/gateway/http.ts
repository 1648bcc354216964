/**
 * The one HTTP client gwctl uses to talk to a gateway: timeouts, JSON, errors that say what to
 * do. A gateway is not trusted: every answer is capped in size while it streams (a cap is hit
 * before the bytes pile up), the whole exchange in time, and JSON nested deeper than any
 * gateway answer needs is refused before it is parsed (`[[[[…` costs ~55 bytes of heap per byte).
 */
import { registerSecret } from '../shared/redact.ts';
import { exchange, WireError, type WireAnswer } from './wire.ts';

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

/** What a network error code means, in words (never the bare code: `ECONNRESET` says nothing to a user). */
const NETWORK_WORDS: Record<string, string> = {
  ECONNRESET: 'the connection was reset by the gateway',
  ECONNABORTED: 'the connection was aborted',
  EPIPE: 'the connection was closed by the gateway while gwctl was sending',
  ETIMEDOUT: 'the connection timed out',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved (DNS did not answer)',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'the network is unreachable',
  EADDRNOTAVAIL: 'the address is not available on this machine',
  DEPTH_ZERO_SELF_SIGNED_CERT:
    "the gateway's TLS certificate is self-signed, which Node does not trust (set NODE_EXTRA_CA_CERTS to its CA, or use http:// for a local gateway)",
  SELF_SIGNED_CERT_IN_CHAIN: "the gateway's TLS certificate chain ends in a self-signed CA Node does not trust (set NODE_EXTRA_CA_CERTS to it)",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the gateway's TLS certificate cannot be verified (set NODE_EXTRA_CA_CERTS to its CA)",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the gateway's TLS certificate cannot be verified (set NODE_EXTRA_CA_CERTS to its CA)",
  CERT_HAS_EXPIRED: "the gateway's TLS certificate has expired",
  ERR_SSL_WRONG_VERSION_NUMBER: 'the gateway does not speak TLS on that port (is its URL http://, not https://?)',
  ERR_TLS_CERT_ALTNAME_INVALID: "the gateway's TLS certificate is for another host name",
};

/** The first error code in a request failure's cause chain (an AggregateError's first error included). */
function networkCode(e: unknown): string | undefined {
  let c: unknown = e;
  for (let depth = 0; c && depth < 5; depth++) {
    const err = c as { code?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof err.code === 'string') return err.code;
    c = err.cause ?? (Array.isArray(err.errors) ? err.errors[0] : undefined);
  }
  return undefined;
}

/** A request failure in words: the first code in its cause chain mapped, else the cause's own message. */
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
        .replace(/^err_|^e/, '')
        .replace(/_/g, ' ')})`;
    c = err.cause ?? (Array.isArray(err.errors) ? err.errors[0] : undefined);
  }
  return 'the request failed before any answer';
}

/**
 * One exchange with a gateway (gateway/wire.ts: HTTP/1.1 on a fresh connection, https through
 * `node:tls`). Not `fetch` nor `node:http`: in the agent, which runs all day, they cost 12-17 and
 * 6.5 MiB of resident memory, and fetch needs WebAssembly (issue 19).
 */
export async function request(url: string, req: HttpRequest = {}): Promise<HttpResponse> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = req.maxBytes ?? MAX_ANSWER_BYTES;
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  // Header values are credentials (bearer keys, basic auth): never echoed in any message.
  for (const [k, v] of Object.entries(headers)) if (k !== 'accept' && k !== 'content-type') registerSecret(v.replace(/^(Bearer|Basic)\s+/i, ''));
  let body: Buffer | undefined;
  if (req.body !== undefined) {
    body = Buffer.from(JSON.stringify(req.body), 'utf8');
    headers['content-type'] = 'application/json';
  }
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new GatewayError(url, `${url} is not a URL; fix gateway.url (GWCTL_GATEWAY_URL)`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new GatewayError(url, `${url}: only http and https gateways are supported; fix gateway.url (GWCTL_GATEWAY_URL)`);
  if (target.username || target.password)
    throw new GatewayError(url, `${url} holds a user name or password; give gwctl the key (gateway.key or GWCTL_GATEWAY_KEY) and a URL without credentials`);
  const signal = AbortSignal.timeout(timeoutMs);
  let answer: WireAnswer;
  try {
    answer = await exchange({ method: req.method ?? 'GET', url: target, headers, body, maxBytes }, signal);
  } catch (e) {
    if (signal.aborted) throw new GatewayError(url, `no answer from ${url} within ${timeoutMs} ms; is the gateway running and is gateway.url right?`);
    if (e instanceof WireError) {
      switch (e.kind) {
        case 'bad-header':
          throw new GatewayError(url, `cannot send a request to ${url}: a credential holds characters not allowed in an HTTP header; set it again`);
        case 'too-big':
          throw new GatewayError(
            url,
            `${url} answered more than ${size(maxBytes)}, more than any gateway answer gwctl expects; nothing was read or written (is gateway.url pointing at the gateway?)`,
            e.status,
          );
        case 'cut-short':
          throw new GatewayError(url, `the gateway at ${url} closed the connection mid-answer`, e.status);
        case 'closed':
          throw new GatewayError(
            url,
            `cannot reach ${url}: the connection was closed by the gateway; start the gateway, or fix gateway.url (GWCTL_GATEWAY_URL)`,
          );
        case 'not-http':
          throw new GatewayError(
            url,
            `cannot reach ${url}: the gateway answered something that is not HTTP (${e.message}); is gateway.url pointing at the gateway?`,
            e.status,
          );
      }
    }
    if (networkCode(e) === 'ECONNREFUSED')
      throw new GatewayError(url, `connection refused at ${url}; start the gateway, or fix gateway.url (GWCTL_GATEWAY_URL)`);
    throw new GatewayError(url, `cannot reach ${url}: ${networkWords(e)}; start the gateway, or fix gateway.url (GWCTL_GATEWAY_URL)`);
  }
  const status = answer.status;
  const text = answer.body.toString('utf8');
  const contentType = (answer.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return {
    status,
    text,
    contentType,
    json() {
      const parsed = parseGatewayJson(text);
      if (parsed === NOT_JSON)
        throw new GatewayError(url, `${url} answered HTTP ${status} with something that is not JSON; is gateway.url pointing at the right service?`, status);
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
