/**
 * `gwctl test` and `gwctl doctor`: one minimal model request per tool, in the tool's own protocol,
 * to the address and with the key in its config, as the tool sends it:
 * - Claude Code: `POST <anthropic base>/v1/messages`, `Authorization: Bearer` (ANTHROPIC_AUTH_TOKEN),
 *   `anthropic-version: 2023-06-01`, `max_tokens: 1`;
 * - Codex: `POST <openai base>/responses` (wire_api = "responses"), Bearer, `max_output_tokens: 16`
 *   (the smallest OpenAI accepts);
 * - Gemini CLI: `POST <gemini base>/v1beta/models/<model>:generateContent`, `x-goog-api-key`;
 * - every other tool: `POST <openai base>/chat/completions`, Bearer, `max_tokens: 1`.
 * Reports whether the gateway was reached, the HTTP status, the model that answered and the latency.
 */
import { adapterFor } from '../adapters/index.ts';
import type { ToolId } from '../adapters/index.ts';
import { request } from '../gateway/http.ts';
import type { ResolvedGateway } from '../gateway/index.ts';
import { listModels } from '../gateway/models.ts';
import type { GatewaySettings } from '../gateway/types.ts';

export interface ProbeResult {
  reached: boolean;
  status: number | null;
  /** The model the gateway says answered (its `model` / `modelVersion`), when it says. */
  model: string | null;
  latencyMs: number | null;
  /** `POST <url>` as sent (no key); null when nothing was sent. */
  request: string | null;
  /** What went wrong, and what to do (a 401/403 names the revoked key). */
  problem?: string;
}

interface Wire {
  url: string;
  headers: Record<string, string>;
  body: unknown;
  answered(body: unknown): string | null;
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
const field = (b: unknown, k: string) => (b && typeof b === 'object' ? str((b as Record<string, unknown>)[k]) : null);

export function wireFor(tool: ToolId, gw: Pick<GatewaySettings, 'baseUrl'>, key: string, model: string): Wire {
  const protocol = adapterFor(tool).protocol;
  if (protocol === 'anthropic') {
    return {
      url: `${gw.baseUrl.anthropic}/v1/messages`,
      headers: { authorization: `Bearer ${key}`, 'anthropic-version': '2023-06-01' },
      body: { model, max_tokens: 1, messages: [{ role: 'user', content: 'ping' }] },
      answered: (b) => field(b, 'model'),
    };
  }
  if (protocol === 'gemini') {
    return {
      url: `${gw.baseUrl.gemini}/v1beta/models/${encodeURIComponent(model)}:generateContent`,
      headers: { 'x-goog-api-key': key },
      body: { contents: [{ role: 'user', parts: [{ text: 'ping' }] }], generationConfig: { maxOutputTokens: 1 } },
      answered: (b) => field(b, 'modelVersion'),
    };
  }
  if (adapterFor(tool).requestPath === '/v1/responses') {
    return {
      url: `${gw.baseUrl.openai}/responses`,
      headers: { authorization: `Bearer ${key}` },
      body: { model, input: 'ping', max_output_tokens: 16 },
      answered: (b) => field(b, 'model'),
    };
  }
  return {
    url: `${gw.baseUrl.openai}/chat/completions`,
    headers: { authorization: `Bearer ${key}` },
    body: { model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 },
    answered: (b) => field(b, 'model'),
  };
}

export async function probeTool(
  tool: ToolId,
  gw: Pick<GatewaySettings, 'baseUrl' | 'root'>,
  key: string,
  model: string,
  opts: { timeoutMs?: number; fix: string },
): Promise<ProbeResult> {
  const w = wireFor(tool, gw, key, model);
  const shown = `POST ${w.url}`;
  const started = performance.now();
  let res;
  try {
    res = await request(w.url, { method: 'POST', headers: w.headers, body: w.body, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  } catch (e) {
    return { reached: false, status: null, model: null, latencyMs: null, request: shown, problem: (e as Error).message.split(key).join('…') };
  }
  const latencyMs = Math.round(performance.now() - started);
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    body = undefined;
  }
  const base = { reached: true, status: res.status, model: w.answered(body), latencyMs, request: shown };
  if (res.status === 401 || res.status === 403)
    return { ...base, problem: `the gateway rejected the key (HTTP ${res.status}): it was revoked or expired; ${opts.fix}` };
  if (res.status < 200 || res.status > 299)
    return {
      ...base,
      problem: `HTTP ${res.status}${res.status === 404 ? ': the gateway has no such endpoint for this protocol' : ''}; check the gateway's log`,
    };
  return base;
}

/**
 * Probe one tool's key on the configured gateway: the model is gateway.defaultModel, else the first
 * the gateway lists for that key; a rejected listing is reported like a rejected request.
 */
export async function probeToolKey(tool: ToolId, key: string | undefined, gw: ResolvedGateway): Promise<ProbeResult> {
  const fix = `get a new key with \`gwctl rotate ${tool}\` (or gwctl restore ${tool} && gwctl takeover ${tool})`;
  if (!key)
    return {
      reached: false,
      status: null,
      model: null,
      latencyMs: null,
      request: null,
      problem: `the key gwctl wrote is no longer in its config; gwctl takeover ${tool} --force writes a fresh one`,
    };
  let model = gw.settings.defaultModel;
  if (!model) {
    try {
      model = (await listModels(gw.settings.baseUrl.openai, key, gw.client().timeoutMs))[0];
    } catch (e) {
      const status = (e as { status?: number }).status ?? null;
      const problem =
        status === 401 || status === 403
          ? `the gateway rejected the key (HTTP ${status} on GET /v1/models): it was revoked or expired; ${fix}`
          : (e as Error).message.split(key).join('…');
      return { reached: status !== null, status, model: null, latencyMs: null, request: `GET ${gw.settings.baseUrl.openai}/models`, problem };
    }
    if (!model)
      return {
        reached: true,
        status: null,
        model: null,
        latencyMs: null,
        request: null,
        problem: 'the gateway lists no model for this key; set gateway.defaultModel',
      };
  }
  return probeTool(tool, gw.settings, key, model, { timeoutMs: Math.max(gw.client().timeoutMs, 30_000), fix });
}
