/**
 * LiteLLM proxy. Health: `GET /health/liveliness` ("I'm alive!"), then `GET /health/readiness`
 * ({status, db}) because virtual keys live in its Postgres database. Keys: `POST /key/generate`
 * with the master key as Bearer, `{key_alias, metadata}` → `{key, key_alias}`; revoke with
 * `POST /key/delete {keys:[token]}` (the key's hash; by alias only for a key whose token was never
 * learned). Aliases are unique across LiteLLM, so a taken alias is retried as `<alias>-2` … `-5`,
 * then with a random suffix (names never run out).
 * Usage: `GET /user/daily/activity?start_date&end_date&api_key=<sha256 hex of the key>&page&page_size`
 * (litellm/proxy/management_endpoints/internal_user_endpoints.py `get_user_daily_activity`, table
 * LiteLLM_DailyUserSpend, keyed by the hashed token): `{results:[{date, metrics:{spend,
 * prompt_tokens, completion_tokens, api_requests}}], metadata:{has_more, total_pages}}`; whole UTC
 * days, spend in USD. (Read at BerriAI/litellm main, Dec 2026; docs/my-website/docs/proxy/
 * cost_tracking.md at 0026911a.)
 */
import { createHash } from 'node:crypto';
import type { GatewayClient } from '../client.ts';
import { GatewayError } from '../http.ts';
import {
  answers,
  isRecord,
  NAME_ATTEMPTS,
  nameCandidate,
  num,
  parseJson,
  standardBases,
  type GatewayKind,
  type KeyContext,
  type KeyUsage,
  type UsageQuery,
} from './types.ts';
import type { KeyRef } from '../types.ts';

const day = (d: Date) => d.toISOString().slice(0, 10);

interface DayRow {
  date: string;
  requests: number;
  tokensIn: number;
  tokensOut: number;
  spend: number;
}

/** Every day of `/user/daily/activity` for one key between two UTC dates, all pages. */
async function dailyActivity(client: GatewayClient, key: string | undefined, since: Date, until: Date): Promise<DayRow[]> {
  if (!key) throw new Error("gwctl no longer has this key (it is not in the tool's config), and LiteLLM files usage under its hash");
  const hash = createHash('sha256').update(key).digest('hex');
  const rows: DayRow[] = [];
  for (let page = 1; page <= 100; page++) {
    const q = new URLSearchParams({ start_date: day(since), end_date: day(until), api_key: hash, page: String(page), page_size: '1000' });
    const path = `/user/daily/activity?${q}`;
    const res = await client.call('GET', path);
    if (res.status >= 500 && isNoDb(res.text)) throw noDatabase(client, '/user/daily/activity');
    if (res.status !== 200) throw client.failure(res, 'GET', '/user/daily/activity', 'LiteLLM daily activity');
    const body = parseJson(res.text);
    if (!isRecord(body) || !Array.isArray(body.results)) {
      throw new GatewayError(
        client.url('/user/daily/activity'),
        `GET ${client.url('/user/daily/activity')} did not answer {"results": […]}; is gateway.kind right?`,
        res.status,
      );
    }
    for (const r of body.results) {
      if (!isRecord(r) || typeof r.date !== 'string' || !isRecord(r.metrics)) continue;
      const m = r.metrics;
      rows.push({
        date: r.date,
        requests: num(m.api_requests, 'api_requests'),
        tokensIn: num(m.prompt_tokens, 'prompt_tokens'),
        tokensOut: num(m.completion_tokens, 'completion_tokens'),
        spend: num(m.spend, 'spend'),
      });
    }
    const meta = isRecord(body.metadata) ? body.metadata : {};
    const more = meta.has_more === true || (typeof meta.total_pages === 'number' && page < meta.total_pages);
    if (!more) break;
  }
  return rows;
}

function noDatabase(client: GatewayClient, path: string): GatewayError {
  return new GatewayError(
    client.url(path),
    `LiteLLM at ${client.root} runs without its database ("DB not connected"), and virtual keys need it: give LiteLLM a Postgres DATABASE_URL, or use it as a static gateway with the master key (gwctl config set gateway.kind static; GWCTL_GATEWAY_KEY=<master key> or gwctl config set gateway.key)`,
    500,
  );
}

const isNoDb = (text: string) => /db not connected|no db connected|database not connected/i.test(text);

export const litellm: GatewayKind<'litellm'> = {
  id: 'litellm',
  label: 'LiteLLM',
  displayName: 'LiteLLM',
  providerId: 'litellm',
  signedProbe: true,
  defaultRoot: 'http://127.0.0.1:4000',
  baseUrls: standardBases,
  probe: 'GET /health/liveliness',
  async health(client) {
    const live = await client.call('GET', '/health/liveliness', { auth: false });
    if (live.status !== 200) {
      throw client.failure(live, 'GET', '/health/liveliness', 'LiteLLM liveness', (res) =>
        res.status === 404 ? 'this does not look like LiteLLM: check gateway.kind and gateway.url (`gwctl gateway detect`)' : undefined,
      );
    }
    // Readiness tells whether the key database is there. Some setups put it behind auth: then
    // only an explicit "not connected" counts; /key/generate reports the rest.
    const ready = await client.call('GET', '/health/readiness', { auth: false }).catch(() => undefined);
    const body = ready?.status === 200 ? parseJson(ready.text) : undefined;
    if (isRecord(body) && typeof body.db === 'string' && body.db.toLowerCase() !== 'connected') {
      throw noDatabase(client, '/health/readiness');
    }
  },
  looksLike: (client) => answers(client, '/health/liveliness', (status, text) => status === 200 && /alive/i.test(text)),
  keys: {
    adminRequired: true,
    adminCredential: "LiteLLM's master key (LITELLM_MASTER_KEY, starts sk-)",
    adminListsModels: true,
    adminHeaders: (adminKey): Record<string, string> => (adminKey ? { authorization: `Bearer ${adminKey}` } : {}),
    async mint({ client, tool, name, hostname, onAlias, avoid }: KeyContext) {
      for (let attempt = 1; attempt <= NAME_ATTEMPTS; attempt++) {
        const alias = nameCandidate(name, attempt);
        if (avoid?.includes(alias)) continue;
        const path = '/key/generate';
        await onAlias?.(alias);
        const res = await client.call('POST', path, { body: { key_alias: alias, metadata: { created_by: 'gwctl', tool, host: hostname } } });
        if (res.status === 400 && /already exists/i.test(res.text) && attempt < NAME_ATTEMPTS) continue;
        if (res.status >= 500 && isNoDb(res.text)) throw noDatabase(client, path);
        if (res.status !== 200) {
          throw client.failure(res, 'POST', path, 'mint a LiteLLM key', (r) =>
            r.status === 401 || r.status === 403
              ? 'LiteLLM refused the master key: set GWCTL_GATEWAY_ADMIN_KEY (or `gwctl config set gateway.adminKey`) to its LITELLM_MASTER_KEY (starts sk-)'
              : undefined,
          );
        }
        const body = parseJson(res.text);
        if (!isRecord(body) || typeof body.key !== 'string' || body.key === '') {
          throw new GatewayError(
            client.url(path),
            `POST ${client.url(path)} answered ${body === undefined ? 'something that is not JSON' : 'without a key (expected {"key": …})'}; is gateway.url pointing at LiteLLM, and gateway.kind right?`,
            res.status,
          );
        }
        // `token` (the key's hash, LiteLLM's id for it) lets revocation target this key exactly,
        // even when another key later takes the same alias.
        const token = typeof body.token === 'string' && body.token ? body.token : undefined;
        return {
          key: body.key,
          ref: { kind: 'litellm', alias: typeof body.key_alias === 'string' && body.key_alias ? body.key_alias : alias, ...(token ? { id: token } : {}) },
        };
      }
      throw new GatewayError(
        client.url('/key/generate'),
        `LiteLLM refused ${NAME_ATTEMPTS} names for a new key (${name}, ${name}-2 …, random suffixes) as taken; check its key_alias rules`,
      );
    },
    revokeByName(client, name) {
      return this.revoke(client, { kind: 'litellm', alias: name }, undefined);
    },
    async revoke(client, ref: KeyRef) {
      if (!ref.alias && !ref.id) throw new Error('the ledger has no alias or token for this LiteLLM key');
      const path = '/key/delete';
      const res = await client.call('POST', path, { body: ref.id ? { keys: [ref.id] } : { key_aliases: [ref.alias] } });
      if (res.status === 200) return 'revoked';
      if (res.status === 404 || (res.status === 400 && /not found|no key/i.test(res.text))) return 'gone';
      throw client.failure(res, 'POST', path, 'revoke a LiteLLM key');
    },
    async usage(client, q: UsageQuery): Promise<KeyUsage> {
      const rows = await dailyActivity(client, q.key, q.since, q.until);
      const sum = (f: (r: DayRow) => number) => rows.reduce((a, r) => a + f(r), 0);
      return {
        requests: sum((r) => r.requests),
        tokensIn: sum((r) => r.tokensIn),
        tokensOut: sum((r) => r.tokensOut),
        spend: sum((r) => r.spend),
        currency: 'USD',
        note: `LiteLLM counts whole UTC days: from ${day(q.since)}`,
      };
    },
    async lastUsed(client, q: UsageQuery) {
      // LiteLLM records usage per day: the last day with a request, over the last 30 days.
      const rows = await dailyActivity(client, q.key, new Date(q.until.getTime() - 30 * 86_400_000), q.until);
      const days = rows
        .filter((r) => r.requests > 0)
        .map((r) => r.date)
        .sort();
      const last = days[days.length - 1];
      return last ? new Date(`${last}T00:00:00Z`) : null;
    },
  },
};
