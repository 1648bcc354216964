/**
 * Bifrost. Health: `GET /health` → `{"status":"ok"}`. Keys: `POST /api/governance/virtual-keys`
 * `{name, description}` → `{virtual_key:{id, value}}`; revoke `DELETE
 * /api/governance/virtual-keys/{id}`. The management API is open unless admin auth is on; then
 * the admin key is `username:password` (Basic auth). Base paths: `/anthropic`, `/v1`, `/genai`.
 * Usage (transports/bifrost-http/handlers/logging.go, framework/logstore/tables.go): `GET
 * /api/logs/stats?virtual_key_ids=<id>&start_time=<RFC3339>&end_time=<RFC3339>` →
 * `{total_requests, total_tokens, total_cost}` (USD) and `GET /api/logs/histogram/tokens` (same
 * filters) → `{buckets:[{prompt_tokens, completion_tokens}]}`; last used: `GET
 * /api/logs?virtual_key_ids=<id>&limit=1&sort_by=timestamp&order=desc` → `logs[0].timestamp`;
 * state: `GET /api/governance/virtual-keys/{id}` → `virtual_key.is_active` (404: gone).
 * (Read at maximhq/bifrost logging.go 004baac5, tables.go 017bbe03.)
 */
import type { GatewayClient } from '../client.ts';
import { GatewayError } from '../http.ts';
import { answers, isRecord, NAME_ATTEMPTS, nameCandidate, num, parseJson, type GatewayKind, type KeyContext, type KeyUsage, type UsageQuery } from './types.ts';
import type { KeyRef } from '../types.ts';

function logFilters(q: UsageQuery): URLSearchParams {
  if (!q.ref.id) throw new Error('gwctl has no id for this Bifrost virtual key');
  return new URLSearchParams({ virtual_key_ids: q.ref.id, start_time: q.since.toISOString(), end_time: q.until.toISOString() });
}

async function getJson(client: GatewayClient, path: string, what: string): Promise<Record<string, unknown>> {
  const body = await client.json('GET', path, {
    what,
    explain: (r) =>
      r.status === 401 || r.status === 403 ? AUTH_HINT : r.status === 404 ? 'this Bifrost has no logs API (is its logging plugin on?)' : undefined,
  });
  if (!isRecord(body)) throw new GatewayError(client.url(path.split('?')[0]!), `GET ${client.url(path.split('?')[0]!)} (${what}) did not answer a JSON object`);
  return body;
}

const VK = '/api/governance/virtual-keys';
const AUTH_HINT = "Bifrost's admin auth is on: set GWCTL_GATEWAY_ADMIN_KEY (or `gwctl config set gateway.adminKey`) to its admin `username:password`";

function isHealthy(text: string): boolean {
  const body = parseJson(text);
  return isRecord(body) && body.status === 'ok';
}

export const bifrost: GatewayKind<'bifrost'> = {
  id: 'bifrost',
  label: 'Bifrost',
  displayName: 'Bifrost',
  providerId: 'bifrost',
  signedProbe: true,
  defaultRoot: 'http://127.0.0.1:8080',
  baseUrls: (root) => ({ anthropic: `${root}/anthropic`, openai: `${root}/v1`, gemini: `${root}/genai` }),
  probe: 'GET /health',
  async health(client: GatewayClient) {
    const json = await client.json('GET', '/health', {
      auth: false,
      what: 'Bifrost health',
      explain: (res) => (res.status === 404 ? 'this does not look like Bifrost: check gateway.kind and gateway.url (`gwctl gateway detect`)' : undefined),
    });
    if (!isRecord(json) || json.status !== 'ok') {
      throw new GatewayError(client.url('/health'), `GET ${client.url('/health')} did not answer {"status": "ok"}; check Bifrost's logs`);
    }
  },
  looksLike: (client) => answers(client, '/health', (status, text) => status === 200 && isHealthy(text)),
  keys: {
    adminRequired: false,
    adminCredential: "Bifrost's admin user:password (when its admin auth is on)",
    adminHeaders: (adminKey): Record<string, string> => {
      if (!adminKey) return {};
      return adminKey.includes(':') ? { authorization: `Basic ${Buffer.from(adminKey, 'utf8').toString('base64')}` } : { authorization: `Bearer ${adminKey}` };
    },
    async mint({ client, tool, name, hostname, onAlias, avoid }: KeyContext) {
      for (let attempt = 1; attempt <= NAME_ATTEMPTS; attempt++) {
        const vkName = nameCandidate(name, attempt);
        if (avoid?.includes(vkName)) continue;
        await onAlias?.(vkName);
        const res = await client.call('POST', VK, { body: { name: vkName, description: `gwctl: ${tool} on ${hostname}` } });
        if ((res.status === 400 || res.status === 409) && /already exists|duplicate|unique/i.test(res.text) && attempt < NAME_ATTEMPTS) continue;
        if (res.status !== 200 && res.status !== 201) {
          throw client.failure(res, 'POST', VK, 'mint a Bifrost virtual key', (r) => (r.status === 401 || r.status === 403 ? AUTH_HINT : undefined));
        }
        const body = parseJson(res.text);
        const vk = isRecord(body) && isRecord(body.virtual_key) ? body.virtual_key : undefined;
        const id = vk && (typeof vk.id === 'string' || typeof vk.id === 'number') ? String(vk.id) : '';
        const value = vk && typeof vk.value === 'string' ? vk.value : '';
        if (!id || !value) {
          // A key we cannot revoke must not stay behind.
          if (id) await client.call('DELETE', `${VK}/${encodeURIComponent(id)}`).catch(() => undefined);
          throw new GatewayError(
            client.url(VK),
            `POST ${client.url(VK)} answered ${body === undefined ? 'something that is not JSON' : 'without virtual_key.id and virtual_key.value'}; is gateway.kind right?`,
            res.status,
          );
        }
        return { key: value, ref: { kind: 'bifrost', id, alias: vkName } };
      }
      throw new GatewayError(
        client.url(VK),
        `Bifrost refused ${NAME_ATTEMPTS} names for a new virtual key (${name}, ${name}-2 …, random suffixes) as taken; check its naming rules`,
      );
    },
    async revoke(client, ref: KeyRef) {
      if (!ref.id) throw new Error('the ledger has no id for this Bifrost virtual key');
      const path = `${VK}/${encodeURIComponent(ref.id)}`;
      const res = await client.call('DELETE', path);
      if (res.status === 200 || res.status === 204) return 'revoked';
      if (res.status === 404) return 'gone';
      throw client.failure(res, 'DELETE', path, 'revoke a Bifrost virtual key', (r) => (r.status === 401 || r.status === 403 ? AUTH_HINT : undefined));
    },
    async usage(client, q: UsageQuery): Promise<KeyUsage> {
      const f = logFilters(q);
      const stats = await getJson(client, `/api/logs/stats?${f}`, 'Bifrost log stats');
      const hist = await getJson(client, `/api/logs/histogram/tokens?${f}`, 'Bifrost token histogram');
      const buckets = Array.isArray(hist.buckets) ? hist.buckets.filter(isRecord) : [];
      return {
        requests: num(stats.total_requests, 'total_requests'),
        tokensIn: buckets.reduce((a, b) => a + num(b.prompt_tokens, 'prompt_tokens'), 0),
        tokensOut: buckets.reduce((a, b) => a + num(b.completion_tokens, 'completion_tokens'), 0),
        spend: num(stats.total_cost, 'total_cost'),
        currency: 'USD',
      };
    },
    async lastUsed(client, q: UsageQuery) {
      const f = logFilters({ ...q, since: new Date(0) });
      f.delete('start_time');
      f.set('limit', '1');
      f.set('sort_by', 'timestamp');
      f.set('order', 'desc');
      const body = await getJson(client, `/api/logs?${f}`, 'Bifrost logs');
      const first = Array.isArray(body.logs) ? body.logs[0] : undefined;
      const t = isRecord(first) && typeof first.timestamp === 'string' ? new Date(first.timestamp) : null;
      return t && !Number.isNaN(t.getTime()) ? t : null;
    },
    async state(client, q: UsageQuery) {
      if (!q.ref.id) return undefined;
      const path = `${VK}/${encodeURIComponent(q.ref.id)}`;
      const res = await client.call('GET', path);
      if (res.status === 404) return 'rejected';
      if (res.status !== 200) return undefined;
      const body = parseJson(res.text);
      const vk = isRecord(body) && isRecord(body.virtual_key) ? body.virtual_key : undefined;
      if (!vk) return undefined;
      return vk.is_active === false ? 'rejected' : 'active';
    },
  },
};
