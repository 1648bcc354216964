import { checkNames } from '../shared/validate.ts';
import { GatewayError, MAX_MODEL_LIST_BYTES, request, type HttpResponse } from './http.ts';

/**
 * Most models gwctl writes into a tool's config. Beyond it the list is refused (a gateway
 * offering more is almost certainly misconfigured, and every tool would get a config of
 * megabytes): name the models you want with `gwctl config set gateway.models`.
 */
export const MAX_MODELS = 5000;

/** Is this an answer an AI gateway gives on `GET /v1/models`? (JSON, and 200 with `{data:[…]}` or a refused key.) */
export function notAGateway(url: string, res: HttpResponse): GatewayError | undefined {
  if (res.contentType !== 'application/json' && !res.contentType.endsWith('+json')) {
    return new GatewayError(
      url,
      `this does not look like an AI gateway (got ${res.contentType || 'no content type'} from GET ${url}, expected a JSON model list); check gateway.url and gateway.kind (\`gwctl gateway detect\` shows what answers)`,
      res.status,
    );
  }
  return undefined;
}

/**
 * `GET <base>/models` (OpenAI list format `{data:[{id}]}`): every model the gateway offers,
 * de-duplicated, in the gateway's order. Every id is checked before anything is written.
 */
export async function listModels(openaiBase: string, key: string | undefined, timeoutMs?: number): Promise<string[]> {
  const url = `${openaiBase}/models`;
  const res = await request(url, {
    headers: key ? { authorization: `Bearer ${key}` } : {},
    maxBytes: MAX_MODEL_LIST_BYTES,
    ...(timeoutMs ? { timeoutMs } : {}),
  });
  const foreign = notAGateway(url, res);
  if (foreign) throw foreign;
  if (res.status === 401 || res.status === 403) {
    throw new GatewayError(
      url,
      `${url} refused the key (HTTP ${res.status}); check the key is valid on this gateway (GWCTL_GATEWAY_KEY or gateway.key for servbay/static; for minting kinds, that the new key may list models)`,
      res.status,
    );
  }
  if (res.status !== 200) throw new GatewayError(url, `${url} answered HTTP ${res.status}; check the gateway's logs`, res.status);
  return modelIds(url, res.json());
}

/** The ids of an OpenAI model list, checked; throws naming `url` when it is not one. */
export function modelIds(url: string, body: unknown): string[] {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || !data.every((m) => typeof m === 'object' && m !== null && typeof (m as { id?: unknown }).id === 'string')) {
    throw new GatewayError(
      url,
      `this does not look like an AI gateway: ${url} did not answer an OpenAI model list ({"data":[{"id":…}]}); check gateway.url and gateway.kind`,
    );
  }
  if (data.length > MAX_MODELS) {
    throw new GatewayError(
      url,
      `${url} lists ${data.length} models, more than the ${MAX_MODELS} gwctl writes into a tool's config; name the ones you want: gwctl config set gateway.models id1,id2,…`,
    );
  }
  const seen = new Set<string>();
  for (const m of data) {
    const id = (m as { id: string }).id;
    if (id.trim() !== '') seen.add(id);
  }
  return checkNames([...seen], 'model id', `the gateway at ${url}`);
}
