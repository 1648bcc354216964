import { GatewayError, request } from './http.ts';

/**
 * `GET <base>/models` (OpenAI list format `{data:[{id}]}`): every model the gateway offers,
 * de-duplicated, in the gateway's order.
 */
export async function listModels(openaiBase: string, key: string | undefined, timeoutMs?: number): Promise<string[]> {
  const url = `${openaiBase}/models`;
  const res = await request(url, { headers: key ? { authorization: `Bearer ${key}` } : {}, ...(timeoutMs ? { timeoutMs } : {}) });
  if (res.status === 401 || res.status === 403) {
    throw new GatewayError(url, `${url} refused the key (HTTP ${res.status}); check the key is valid on this gateway (GWCTL_GATEWAY_KEY or gateway.key for servbay/static; for minting kinds, that the new key may list models)`, res.status);
  }
  if (res.status !== 200) throw new GatewayError(url, `${url} answered HTTP ${res.status}; check the gateway's logs`, res.status);
  const body = res.json() as { data?: unknown };
  if (!body || !Array.isArray(body.data)) {
    throw new GatewayError(url, `${url} did not answer an OpenAI model list ({"data":[{"id":…}]}); is gateway.url pointing at the gateway?`);
  }
  const ids: string[] = [];
  for (const m of body.data) {
    const id = (m as { id?: unknown })?.id;
    if (typeof id === 'string' && id.trim() !== '' && !ids.includes(id)) ids.push(id);
  }
  return ids;
}
