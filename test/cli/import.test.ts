/** `gwctl import`: ccswitch:// provider links as new-api's CCSwitchModal builds them. */
import { readFileSync, statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gwctlPaths } from '../../src/home/paths.ts';
import { parseCcSwitchLink } from '../../src/gateway/ccswitch.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';

const KEY = 'sk-Zx81nR2lqPmWv0Ks5eTq9yBa';

/** What new-api's buildCCSwitchURL produces (web/src/components/table/tokens/modals/CCSwitchModal.jsx). */
function newApiLink(app: 'claude' | 'codex' | 'gemini', server: string, models: Record<string, string> = { model: 'claude-sonnet-4-5' }): string {
  const params = new URLSearchParams();
  params.set('resource', 'provider');
  params.set('app', app);
  params.set('name', `My ${app}`);
  params.set('endpoint', app === 'codex' ? `${server}/v1` : server);
  params.set('apiKey', KEY);
  for (const [k, v] of Object.entries(models)) params.set(k, v);
  params.set('homepage', server);
  params.set('enabled', 'true');
  return `ccswitch://v1/import?${params.toString()}`;
}

let h: TempHome;
beforeEach(() => {
  h = tempHome();
});
afterEach(() => h.cleanup());
const configDir = () => gwctlPaths({ home: h.home, env: h.env }).configDir;
const settings = () => JSON.parse(readFileSync(`${configDir()}/config.json`, 'utf8')).gateway;

describe('gwctl import', () => {
  it('a codex link on stdin: url without /v1, key 0600 and never shown, model, kind static', async () => {
    const r = await gwctl(['import'], h.env, newApiLink('codex', 'https://api.example.com', { model: 'gpt-5' }) + '\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(settings()).toMatchObject({ url: 'https://api.example.com', defaultModel: 'gpt-5', kind: 'static' });
    const secrets = `${configDir()}/secrets.json`;
    expect(JSON.parse(readFileSync(secrets, 'utf8'))['gateway.key']).toBe(KEY);
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
    expect(r.stdout).not.toContain(KEY);
    expect(r.stdout).toMatch(/gateway\.url = https:\/\/api\.example\.com\n/);
    expect(r.stdout).toMatch(/gwctl takeover --all/);
    // The status command now resolves the imported gateway with the imported key.
    const cfg = await gwctl(['config', 'get', 'gateway.key'], h.env);
    expect(cfg.stdout).toMatch(/set \(.*secrets\.json; hidden\)/);
  });

  it('a claude link as an argument works and warns about shell history; a kind that mints is named', async () => {
    await gwctl(['config', 'set', 'gateway.kind', 'new-api'], h.env);
    const r = await gwctl(['import', newApiLink('claude', 'http://127.0.0.1:3000/')], h.env);
    expect(r.code).toBe(0);
    expect(settings()).toMatchObject({ url: 'http://127.0.0.1:3000', kind: 'static', defaultModel: 'claude-sonnet-4-5' });
    expect(r.stdout).toMatch(/gateway\.kind = static \(was new-api\).*set gateway\.kind new-api/);
    expect(r.stderr).toMatch(/shell history/);
    expect(r.stderr + r.stdout).not.toContain(KEY);
  });

  it.each([
    ['https://example.com/import?resource=provider', /only ccswitch:\/\/ links/],
    ['ccswitch://v2/import?resource=provider&app=claude', /version 'v2'/],
    ['ccswitch://v1/export?resource=provider', /path '\/export'/],
    ['ccswitch://v1/import?resource=mcp&app=claude&name=x', /'mcp'.*only provider links/],
    ['ccswitch://v1/import?resource=provider&app=claude&name=x&endpoint=ftp%3A%2F%2Fh&apiKey=sk-abcdefgh123', /must be http\(s\), not ftp/],
    ['ccswitch://v1/import?resource=provider&app=claude&name=x&endpoint=javascript%3Aalert(1)&apiKey=sk-abcdefgh123', /must be http\(s\), not javascript/],
    ['ccswitch://v1/import?resource=provider&app=claude&name=x&apiKey=sk-abcdefgh123', /no endpoint/],
    [
      'ccswitch://v1/import?resource=provider&app=claude&name=x&endpoint=https%3A%2F%2Fh&configFormat=json&config=e30',
      /no apiKey \(it carries a config file instead/,
    ],
    ['ccswitch://v1/import?resource=provider&app=claude&name=x&endpoint=https%3A%2F%2Fu%3Ap%40h&apiKey=sk-abcdefgh123', /user name or password/],
    ['not a link', /not a link/],
  ])('refuses %s clearly and writes nothing', async (link, msg) => {
    const r = await gwctl(['import'], h.env, link);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toContain('sk-abcdefgh123');
    expect(() => statSync(`${configDir()}/config.json`)).toThrow();
    expect(() => statSync(`${configDir()}/secrets.json`)).toThrow();
  });

  it('parses several endpoints (CC Switch accepts a comma-separated list) and keeps a path prefix', () => {
    const l = parseCcSwitchLink(
      'ccswitch://v1/import?resource=provider&app=codex&name=x&endpoint=https%3A%2F%2Fa.example%2Fproxy%2Fv1%2F%2Chttps%3A%2F%2Fb.example&apiKey=k1',
    );
    expect(l).toMatchObject({ root: 'https://a.example/proxy', endpoint: 'https://a.example/proxy/v1/', otherEndpoints: ['https://b.example'], apiKey: 'k1' });
  });

  it('no link at all is a usage error', async () => {
    expect((await gwctl(['import'], h.env, '')).code).toBe(2);
    expect((await gwctl(['import', 'a', 'b'], h.env)).code).toBe(2);
  });
});
