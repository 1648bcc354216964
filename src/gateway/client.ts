/**
 * The one client every gateway kind uses: a root, a timeout, the credentials to send, and errors
 * that say what failed and what to do. Secrets it sends are scrubbed from every message.
 */
import { redact, registerSecret } from '../shared/redact.ts';
import { DEFAULT_TIMEOUT_MS, GatewayError, NOT_JSON, parseGatewayJson, request, type HttpResponse } from './http.ts';

export interface ClientOptions {
  timeoutMs?: number;
  /** Headers sent with every management call (admin credentials). */
  headers?: () => Record<string, string>;
  /** Values never to show in a message (the admin key, minted keys). */
  secrets?: () => string[];
}

export type Method = 'GET' | 'POST' | 'DELETE';

export class GatewayClient {
  readonly root: string;
  readonly timeoutMs: number;
  private readonly opts: ClientOptions;

  constructor(root: string, opts: ClientOptions = {}) {
    this.root = root;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.opts = opts;
  }

  url(path: string): string {
    return this.root + path;
  }

  /** Any HTTP answer; throws only when nothing answers (refused, timeout, reset). */
  async call(
    method: Method,
    path: string,
    { body, auth = true, headers = {} }: { body?: unknown; auth?: boolean; headers?: Record<string, string> } = {},
  ): Promise<HttpResponse> {
    const all = { ...(auth ? this.opts.headers?.() : {}), ...headers };
    try {
      return await request(this.url(path), { method, headers: all, body, timeoutMs: this.timeoutMs });
    } catch (e) {
      if (e instanceof GatewayError) throw new GatewayError(e.url, this.scrub(e.message), e.status);
      throw e;
    }
  }

  /** Parsed JSON of a 2xx answer; anything else becomes a GatewayError built by `explain`. */
  async json(
    method: Method,
    path: string,
    opts: { body?: unknown; auth?: boolean; headers?: Record<string, string>; what: string; explain?: (res: HttpResponse, msg: string) => string | undefined },
  ): Promise<unknown> {
    const res = await this.call(method, path, opts);
    if (res.status < 200 || res.status > 299) throw this.failure(res, method, path, opts.what, opts.explain);
    try {
      return res.json();
    } catch {
      throw new GatewayError(
        this.url(path),
        `${method} ${this.url(path)} (${opts.what}) answered HTTP ${res.status} with something that is not JSON; is gateway.url pointing at the right service, and gateway.kind right? (try \`gwctl gateway detect\`)`,
        res.status,
      );
    }
  }

  /** A GatewayError for an unexpected answer, with the gateway's own message (redacted) and a fix. */
  failure(res: HttpResponse, method: Method, path: string, what: string, explain?: (res: HttpResponse, msg: string) => string | undefined): GatewayError {
    const msg = this.messageOf(res);
    const fix =
      explain?.(res, msg) ??
      (res.status === 401 || res.status === 403
        ? 'the gateway refused the admin credential: set GWCTL_GATEWAY_ADMIN_KEY, or run `gwctl config set gateway.adminKey` (reads it from stdin)'
        : res.status === 404
          ? 'this gateway has no such endpoint: check gateway.kind and gateway.url (`gwctl gateway detect` shows what answers)'
          : res.status >= 500
            ? "check the gateway's logs"
            : 'check the gateway and its settings');
    const said = msg ? `: "${msg}"` : '';
    return new GatewayError(this.url(path), `${method} ${this.url(path)} (${what}) answered HTTP ${res.status}${said}; ${fix}`, res.status);
  }

  /** The gateway's error message, short, redacted, without our secrets. */
  messageOf(res: HttpResponse): string {
    let msg = '';
    const parsed = parseGatewayJson(res.text);
    if (parsed !== NOT_JSON) msg = pickMessage(parsed) ?? '';
    else msg = /^\s*</.test(res.text) ? '' : res.text.slice(0, 400);
    return this.scrub(redact(msg.replace(/\s+/g, ' ').trim()).slice(0, 200));
  }

  scrub(text: string): string {
    let out = redact(text);
    for (const s of this.opts.secrets?.() ?? []) {
      registerSecret(s);
      if (s && s.length >= 4) out = out.split(s).join('…redacted');
    }
    return out;
  }
}

/** The usual places gateways put an error message: `{error:{message}}`, `{message}`, `{detail}`… */
function pickMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  for (const k of ['error', 'message', 'detail', 'msg']) {
    const v = b[k];
    if (typeof v === 'string' && v) return v;
    if (typeof v === 'object' && v !== null) {
      const inner = pickMessage(v);
      if (inner) return inner;
    }
  }
  return undefined;
}
