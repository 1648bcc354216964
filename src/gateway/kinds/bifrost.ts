/**
 * Bifrost. Health: `GET /health` → `{"status":"ok"}`. Keys: `POST /api/governance/virtual-keys`
 * `{name, description}` → `{virtual_key:{id, value}}`; revoke `DELETE
 * /api/governance/virtual-keys/{id}`. The management API is open unless admin auth is on; then
 * the admin key is `username:password` (Basic auth). Base paths: `/anthropic`, `/v1`, `/genai`.
 */
import type { GatewayClient } from '../client.ts';
import { GatewayError } from '../http.ts';
import { answers, isRecord, nameCandidate, parseJson, type GatewayKind, type KeyContext } from './types.ts';
import type { KeyRef } from '../types.ts';

const MAX_ATTEMPTS = 5;
const VK = '/api/governance/virtual-keys';
const AUTH_HINT = "Bifrost's admin auth is on: set GWCTL_GATEWAY_ADMIN_KEY (or `gwctl config set gateway.adminKey`) to its admin `username:password`";

function isHealthy(text: string): boolean {
  const body = parseJson(text);
  return isRecord(body) && body.status === 'ok';
}

export const bifrost: GatewayKind = {
  id: 'bifrost',
  label: 'Bifrost',
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
    adminHeaders: (adminKey): Record<string, string> => {
      if (!adminKey) return {};
      return adminKey.includes(':') ? { authorization: `Basic ${Buffer.from(adminKey, 'utf8').toString('base64')}` } : { authorization: `Bearer ${adminKey}` };
    },
    async mint({ client, tool, name, hostname }: KeyContext) {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const vkName = nameCandidate(name, attempt);
        const res = await client.call('POST', VK, { body: { name: vkName, description: `gwctl: ${tool} on ${hostname}` } });
        if ((res.status === 400 || res.status === 409) && /already exists|duplicate|unique/i.test(res.text) && attempt < MAX_ATTEMPTS) continue;
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
          throw new GatewayError(client.url(VK), `POST ${client.url(VK)} answered ${body === undefined ? 'something that is not JSON' : 'without virtual_key.id and virtual_key.value'}; is gateway.kind right?`, res.status);
        }
        return { key: value, ref: { kind: 'bifrost', id, alias: vkName } };
      }
      throw new GatewayError(client.url(VK), `Bifrost already has virtual keys named ${name} … ${nameCandidate(name, MAX_ATTEMPTS)}; delete the stale ones in Bifrost's UI`);
    },
    async revoke(client, ref: KeyRef) {
      if (!ref.id) throw new Error('the ledger has no id for this Bifrost virtual key');
      const path = `${VK}/${encodeURIComponent(ref.id)}`;
      const res = await client.call('DELETE', path);
      if (res.status === 200 || res.status === 204) return 'revoked';
      if (res.status === 404) return 'gone';
      throw client.failure(res, 'DELETE', path, 'revoke a Bifrost virtual key', (r) => (r.status === 401 || r.status === 403 ? AUTH_HINT : undefined));
    },
  },
};
