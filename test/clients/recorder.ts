/**
 * A recording gateway on 127.0.0.1 (random port): answers health, the model list and model
 * requests in each protocol (Anthropic Messages, OpenAI Responses, OpenAI Chat Completions,
 * Gemini generateContent), streaming SSE when the client asks for it, so real clients can end
 * cleanly. Every request is recorded (never its body, only its size and model).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  at: number;
  method: string;
  /** Path and query, as sent. */
  path: string;
  authorization?: string;
  xApiKey?: string;
  xGoogApiKey?: string;
  bodyBytes: number;
  /** From a JSON body, for diagnostics. */
  model?: string;
  stream?: boolean;
}

export type Protocol = 'anthropic' | 'responses' | 'chat' | 'gemini';

export interface Recorder {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** LiteLLM-style virtual keys minted through POST /key/generate, by alias (GATEWAYS.md). */
  minted: Map<string, string>;
  /** Aliases revoked through POST /key/delete {keys: [token]} or {key_aliases}. */
  revoked: string[];
  /** The master key /key/generate and /key/delete require (Bearer). */
  masterKey: string;
  /** Requests a model answered (as opposed to health, model list, 404s). */
  modelRequests(): RecordedRequest[];
  close(): Promise<void>;
}

export const GATEWAY_MODELS = ['gpt-4o', 'claude-sonnet-4-5', 'qwen3-coder'] as const;
const REPLY = 'ok';

export function protocolOf(method: string, path: string): Protocol | null {
  if (method !== 'POST') return null;
  const p = path.split('?')[0] ?? '';
  if (p === '/v1/messages') return 'anthropic';
  if (p === '/v1/responses') return 'responses';
  if (p === '/v1/chat/completions') return 'chat';
  if (/^\/v1beta\/models\/[^/]+:(stream)?[gG]enerateContent$/.test(p)) return 'gemini';
  return null;
}

function sse(res: ServerResponse, events: { event?: string; data: unknown }[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  for (const e of events) {
    const data = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
    res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${data}\n\n`);
  }
  res.end();
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function answerAnthropic(res: ServerResponse, model: string, stream: boolean): void {
  const usage = { input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  const message = { id: 'msg_gwctl_test', type: 'message', role: 'assistant', model, content: [] as unknown[], stop_reason: null, stop_sequence: null, usage };
  if (!stream) {
    json(res, 200, { ...message, content: [{ type: 'text', text: REPLY }], stop_reason: 'end_turn' });
    return;
  }
  sse(res, [
    { event: 'message_start', data: { type: 'message_start', message } },
    { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
    { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: REPLY } } },
    { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
    { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 1 } } },
    { event: 'message_stop', data: { type: 'message_stop' } },
  ]);
}

function answerResponses(res: ServerResponse, model: string, stream: boolean): void {
  const created = Math.floor(Date.now() / 1000);
  const item = {
    type: 'message',
    id: 'msg_gwctl_test',
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text: REPLY, annotations: [] }],
  };
  const usage = {
    input_tokens: 1,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 1,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 2,
  };
  const base = { id: 'resp_gwctl_test', object: 'response', created_at: created, model };
  if (!stream) {
    json(res, 200, { ...base, status: 'completed', output: [item], usage });
    return;
  }
  sse(res, [
    { event: 'response.created', data: { type: 'response.created', sequence_number: 0, response: { ...base, status: 'in_progress', output: [] } } },
    {
      event: 'response.output_item.added',
      data: { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: { ...item, status: 'in_progress', content: [] } },
    },
    {
      event: 'response.output_text.delta',
      data: { type: 'response.output_text.delta', sequence_number: 2, item_id: item.id, output_index: 0, content_index: 0, delta: REPLY },
    },
    { event: 'response.output_item.done', data: { type: 'response.output_item.done', sequence_number: 3, output_index: 0, item } },
    {
      event: 'response.completed',
      data: { type: 'response.completed', sequence_number: 4, response: { ...base, status: 'completed', output: [item], usage } },
    },
  ]);
}

function answerChat(res: ServerResponse, model: string, stream: boolean): void {
  const created = Math.floor(Date.now() / 1000);
  const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
  if (!stream) {
    json(res, 200, {
      id: 'chatcmpl-gwctl-test',
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: REPLY }, finish_reason: 'stop' }],
      usage,
    });
    return;
  }
  const chunk = (delta: unknown, finish: string | null, extra: object = {}) => ({
    data: { id: 'chatcmpl-gwctl-test', object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra },
  });
  sse(res, [chunk({ role: 'assistant', content: REPLY }, null), chunk({}, 'stop', { usage }), { data: '[DONE]' }]);
}

/**
 * Gemini CLI's helper calls (model router, next-speaker check) ask for JSON output: answer with
 * one object that satisfies them ("flash", "user"), so the CLI goes on to its real request.
 */
const GEMINI_JSON_REPLY = JSON.stringify({
  reasoning: 'A simple, bounded request.',
  model_choice: 'flash',
  complexity_reasoning: 'A simple, bounded request.',
  complexity_score: 10,
  next_speaker: 'user',
});

function answerGemini(res: ServerResponse, model: string, stream: boolean, wantsJson: boolean): void {
  const body = {
    candidates: [{ content: { role: 'model', parts: [{ text: wantsJson ? GEMINI_JSON_REPLY : REPLY }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
    modelVersion: model,
  };
  if (stream) sse(res, [{ data: body }]);
  else json(res, 200, body);
}

export async function startRecorder(): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  const minted = new Map<string, string>();
  const revoked: string[] = [];
  const masterKey = `sk-master-${Math.random().toString(36).slice(2, 12)}`;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const method = req.method ?? 'GET';
      const header = (name: string) => {
        const v = req.headers[name];
        return Array.isArray(v) ? v.join(', ') : v;
      };
      let parsed: { model?: unknown; stream?: unknown } = {};
      try {
        parsed = body.length ? (JSON.parse(body.toString('utf8')) as typeof parsed) : {};
      } catch {
        /* not JSON */
      }
      const rec: RecordedRequest = {
        at: Date.now(),
        method,
        path,
        authorization: header('authorization'),
        xApiKey: header('x-api-key'),
        xGoogApiKey: header('x-goog-api-key'),
        bodyBytes: body.length,
        model: typeof parsed.model === 'string' ? parsed.model : undefined,
        stream: typeof parsed.stream === 'boolean' ? parsed.stream : undefined,
      };
      requests.push(rec);
      const bare = path.split('?')[0] ?? '';
      if (method === 'GET' && bare === '/') return json(res, 200, { status: 'ok' });
      // LiteLLM's health and key API, as GATEWAYS.md documents it, so gwctl mints a key per tool.
      if (method === 'GET' && bare === '/health/liveliness') return json(res, 200, "I'm alive!");
      if (method === 'GET' && bare === '/health/readiness') return json(res, 200, { status: 'healthy', db: 'connected' });
      if (method === 'POST' && (bare === '/key/generate' || bare === '/key/delete')) {
        if (rec.authorization !== `Bearer ${masterKey}`) return json(res, 401, { error: { message: 'Authentication Error' } });
        const req = JSON.parse(body.toString('utf8') || '{}') as { key_alias?: string; key_aliases?: string[]; keys?: string[] };
        if (bare === '/key/generate') {
          const alias = req.key_alias ?? `key-${minted.size + 1}`;
          if (minted.has(alias)) return json(res, 400, { error: { message: `Key with alias ${alias} already exists` } });
          const key = `sk-minted-${Math.random().toString(36).slice(2, 14)}`;
          minted.set(alias, key);
          return json(res, 200, { key, key_alias: alias, token: `hash-${alias}` });
        }
        // LiteLLM deletes by the key's token (`keys`, what /key/generate answered as `token`) or by alias.
        const byToken = (req.keys ?? []).map((t) => (t.startsWith('hash-') ? t.slice('hash-'.length) : t));
        const gone = [...(req.key_aliases ?? []), ...byToken].filter((a) => minted.delete(a));
        revoked.push(...gone);
        return json(res, 200, { deleted_keys: gone });
      }
      if (method === 'GET' && bare === '/v1/models') {
        return json(res, 200, { object: 'list', data: GATEWAY_MODELS.map((id) => ({ id, object: 'model' })) });
      }
      if (method === 'POST' && bare === '/v1/messages/count_tokens') return json(res, 200, { input_tokens: 1 });
      if (method === 'POST' && /:countTokens$/.test(bare)) return json(res, 200, { totalTokens: 1 });
      const model = rec.model ?? decodeURIComponent(/^\/v1beta\/models\/([^/:]+)/.exec(bare)?.[1] ?? 'gpt-4o');
      switch (protocolOf(method, path)) {
        case 'anthropic':
          return answerAnthropic(res, model, rec.stream === true);
        case 'responses':
          return answerResponses(res, model, rec.stream === true);
        case 'chat':
          return answerChat(res, model, rec.stream === true);
        case 'gemini':
          return answerGemini(res, model, bare.includes(':streamGenerateContent'), body.includes('application/json'));
        default:
          return json(res, 404, { error: { message: `recorder: no route for ${method} ${bare}` } });
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    minted,
    revoked,
    masterKey,
    modelRequests: () => requests.filter((r) => protocolOf(r.method, r.path) !== null),
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
