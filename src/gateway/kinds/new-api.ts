/**
 * new-api. Health: `GET /api/status` → `{success:true}`. Management calls carry the user's
 * access token as `Authorization: <token>` and the user id as `New-Api-User: <id>`; errors come
 * back as HTTP 200 `{success:false, message}`. Minting is three steps: `POST /api/token/` creates
 * it but answers no key, `GET /api/token/` finds it by name (newest id wins), `POST
 * /api/token/:id/key` reads the key. Revoke: `DELETE /api/token/:id`. Names: at most 50 chars.
 * Usage (controller/log.go GetUserLogs, model/log.go): `GET /api/log/self?type=2&token_name=…&
 * start_timestamp=…&end_timestamp=…&p=…&page_size=100` → `{data:{items:[{prompt_tokens,
 * completion_tokens, quota}], total}}` (type 2 = consume); quota → USD through `quota_per_unit`
 * of `GET /api/status` (default 500000). Last used: `GET /api/token/:id` → `data.accessed_time`.
 * (Read at Calcium-Ion/new-api ef8ae4db, 2025-04-11; the routes are unchanged in QuantumNous/new-api
 * main, Dec 2026.)
 */
import type { GatewayClient } from '../client.ts';
import { GatewayError } from '../http.ts';
import { answers, isRecord, num, parseJson, standardBases, type GatewayKind, type KeyContext, type KeyUsage, type UsageQuery } from './types.ts';
import type { KeyRef } from '../types.ts';

const PAGE = 100;
const MAX_PAGES = 200;
const DEFAULT_QUOTA_PER_UNIT = 500_000;

const ADMIN_HINT =
  "set GWCTL_GATEWAY_ADMIN_KEY (or `gwctl config set gateway.adminKey`) to an access token from new-api's Personal Settings, and gateway.userId to that user's id";

/** A new-api management call: 2xx, JSON, `success: true`; returns `data`. */
async function call(client: GatewayClient, method: 'GET' | 'POST' | 'DELETE', path: string, what: string, body?: unknown): Promise<unknown> {
  const json = await client.json(method, path, {
    ...(body !== undefined ? { body } : {}),
    what,
    explain: (res) => (res.status === 401 || res.status === 403 ? `new-api refused the credentials: ${ADMIN_HINT}` : undefined),
  });
  if (!isRecord(json) || json.success !== true) {
    const msg = isRecord(json) && typeof json.message === 'string' ? client.scrub(json.message).slice(0, 200) : 'no message';
    throw new GatewayError(
      client.url(path),
      `${method} ${client.url(path)} (${what}) failed: "${msg}"; check the access token, gateway.userId and the token limits in new-api`,
    );
  }
  return json.data;
}

interface TokenItem {
  id: number;
  name: string;
}

function tokenItems(data: unknown): TokenItem[] {
  // Newer new-api pages the list ({items, total}); older versions answer the array itself.
  const list = Array.isArray(data) ? data : isRecord(data) && Array.isArray(data.items) ? data.items : [];
  return list.filter((t): t is TokenItem => isRecord(t) && typeof t.id === 'number' && typeof t.name === 'string');
}

async function deleteToken(client: GatewayClient, id: string): Promise<'revoked' | 'gone'> {
  const path = `/api/token/${encodeURIComponent(id)}`;
  const res = await client.call('DELETE', path);
  if (res.status === 404) return 'gone';
  const body = parseJson(res.text);
  if (res.status === 200 && isRecord(body)) {
    if (body.success === true) return 'revoked';
    if (typeof body.message === 'string' && /not found/i.test(body.message)) return 'gone';
  }
  if (res.status === 200 && !isRecord(body)) {
    throw new GatewayError(client.url(path), `DELETE ${client.url(path)} answered something that is not JSON; is gateway.kind right?`, res.status);
  }
  throw client.failure(res, 'DELETE', path, 'revoke a new-api token', (r) =>
    r.status === 401 || r.status === 403
      ? `new-api refused the credentials: ${ADMIN_HINT}`
      : r.status === 200
        ? "revoke it in new-api's Tokens page"
        : undefined,
  );
}

export const newApi: GatewayKind<'new-api'> = {
  id: 'new-api',
  label: 'new-api',
  displayName: 'new-api',
  providerId: 'newapi',
  signedProbe: true,
  defaultRoot: 'http://127.0.0.1:3000',
  baseUrls: standardBases,
  probe: 'GET /api/status',
  async health(client) {
    const json = await client.json('GET', '/api/status', {
      auth: false,
      what: 'new-api status',
      explain: (res) => (res.status === 404 ? 'this does not look like new-api: check gateway.kind and gateway.url (`gwctl gateway detect`)' : undefined),
    });
    if (!isRecord(json) || json.success !== true) {
      throw new GatewayError(
        client.url('/api/status'),
        `GET ${client.url('/api/status')} did not answer {"success": true}; is this new-api? check gateway.kind and gateway.url`,
      );
    }
  },
  looksLike: (client) =>
    answers(client, '/api/status', (status, text) => {
      const body = parseJson(text);
      return status === 200 && isRecord(body) && body.success === true;
    }),
  keys: {
    adminRequired: true,
    adminCredential: 'a new-api access token (Personal Settings → Access token)',
    userIdHelp: "new-api needs the id of the user the access token belongs to: gwctl config set gateway.userId <id> (shown in new-api's Personal Settings)",
    maxName: 50,
    adminHeaders: (adminKey, userId) => ({ ...(adminKey ? { authorization: adminKey } : {}), ...(userId ? { 'new-api-user': userId } : {}) }),
    async mint({ client, name, onAlias }: KeyContext) {
      await onAlias?.(name);
      await call(client, 'POST', '/api/token/', 'create a new-api token', { name, expired_time: -1, unlimited_quota: true });
      // The answer has no key: find the token (newest with our name), then read its key.
      let id: string | undefined;
      try {
        const items = tokenItems(await call(client, 'GET', '/api/token/?p=1&page_size=100', 'list new-api tokens'));
        const ours = items.filter((t) => t.name === name).sort((a, b) => b.id - a.id)[0];
        if (!ours) throw new GatewayError(client.url('/api/token/'), `GET ${client.url('/api/token/')} does not list it; check gateway.userId`);
        id = String(ours.id);
        const path = `/api/token/${ours.id}/key`;
        const data = await call(client, 'POST', path, 'read the new-api token key');
        const raw = isRecord(data) && typeof data.key === 'string' ? data.key.trim() : '';
        if (!raw) throw new GatewayError(client.url(path), `POST ${client.url(path)} answered no key (expected {"data": {"key": …}})`);
        // new-api stores keys without the "sk-" its UI shows; clients send "sk-" + key.
        return { key: raw.startsWith('sk-') ? raw : `sk-${raw}`, ref: { kind: 'new-api', id, alias: name } };
      } catch (e) {
        // Never leave a token behind that gwctl cannot name in its ledger.
        const removed =
          id !== undefined
            ? await deleteToken(client, id).then(
                () => true,
                () => false,
              )
            : false;
        const g = e as GatewayError;
        throw new GatewayError(
          g.url ?? client.root,
          `${g.message}${removed ? '' : ` (new-api created the token "${name}"; delete it in new-api's Tokens page)`}`,
          g.status,
        );
      }
    },
    async revokeByName(client, name) {
      const items = tokenItems(await call(client, 'GET', '/api/token/?p=1&page_size=100', 'list new-api tokens'));
      const ours = items.filter((t) => t.name === name);
      let result: 'revoked' | 'gone' = 'gone';
      for (const t of ours) if ((await deleteToken(client, String(t.id))) === 'revoked') result = 'revoked';
      return result;
    },
    async revoke(client, ref: KeyRef) {
      if (!ref.id) throw new Error('the ledger has no id for this new-api token');
      return deleteToken(client, ref.id);
    },
    async usage(client, q: UsageQuery): Promise<KeyUsage> {
      const name = q.ref.alias;
      if (!name) throw new Error('gwctl has no name for this new-api token');
      const u: KeyUsage = { requests: 0, tokensIn: 0, tokensOut: 0, spend: 0, currency: 'USD' };
      let quota = 0;
      let seen = 0;
      for (let p = 1; p <= MAX_PAGES; p++) {
        const query = new URLSearchParams({
          p: String(p),
          page_size: String(PAGE),
          type: '2',
          token_name: name,
          start_timestamp: String(Math.floor(q.since.getTime() / 1000)),
          end_timestamp: String(Math.floor(q.until.getTime() / 1000)),
        });
        const data = await call(client, 'GET', `/api/log/self?${query}`, 'read new-api usage logs');
        const items = isRecord(data) && Array.isArray(data.items) ? data.items : [];
        const total = isRecord(data) ? num(data.total, 'total') : 0;
        u.requests = total;
        for (const it of items) {
          if (!isRecord(it)) continue;
          u.tokensIn += num(it.prompt_tokens, 'prompt_tokens');
          u.tokensOut += num(it.completion_tokens, 'completion_tokens');
          quota += num(it.quota, 'quota');
        }
        seen += items.length;
        if (items.length < PAGE || seen >= total) break;
        if (p === MAX_PAGES) u.note = `tokens and spend of the newest ${seen} of ${total} requests`;
      }
      const status = await client.json('GET', '/api/status', { auth: false, what: 'new-api status' }).catch(() => undefined);
      const perUnit =
        isRecord(status) && isRecord(status.data) && typeof status.data.quota_per_unit === 'number' && status.data.quota_per_unit > 0
          ? status.data.quota_per_unit
          : DEFAULT_QUOTA_PER_UNIT;
      u.spend = quota / perUnit;
      return u;
    },
    async lastUsed(client, q: UsageQuery) {
      if (!q.ref.id) throw new Error('gwctl has no id for this new-api token');
      const data = await call(client, 'GET', `/api/token/${encodeURIComponent(q.ref.id)}`, 'read a new-api token');
      if (!isRecord(data)) return null;
      const accessed = num(data.accessed_time, 'accessed_time');
      // new-api sets accessed_time to the creation time when it makes the token.
      return accessed > 0 && accessed !== data.created_time ? new Date(accessed * 1000) : null;
    },
  },
};
