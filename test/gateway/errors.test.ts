/**
 * Every gateway error path, per kind, through a real takeover (CLI in-process, temp HOME): the
 * message says what failed and what to do, the tool's file is byte-for-byte untouched, no backup
 * or ledger entry is left, and no key gwctl minted stays alive on the gateway.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gwctlPaths } from '../../src/home/paths.ts';
import { LedgerStore } from '../../src/engine/ledger.ts';
import { GATEWAY_KINDS, type KindId } from '../../src/gateway/index.ts';
import { shortHost } from '../../src/gateway/keyname.ts';
import { deadPort } from '../helpers/gateway.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';
import { startKind, writeSettings, type KindHarness } from './harness.ts';

const CODEX = `# my codex config
model = "o3"
approval_policy = "on-request"

[mcp_servers.docs]
command = "npx"
args = ["-y", "docs-mcp"]
`;

interface Case {
  name: string;
  setup(k: KindHarness): void | Record<string, string> | Promise<void | Record<string, string>>;
  message: RegExp;
  /** The failure comes after a key was minted (so it must have been revoked). */
  afterMint?: boolean;
}

/** What each kind answers to each failure. */
const CASES: Record<KindId, Case[]> = {} as Record<KindId, Case[]>;
for (const kind of GATEWAY_KINDS) {
  const mints = kind !== 'servbay' && kind !== 'static';
  CASES[kind] = [
    {
      name: 'gateway down (connection refused)',
      setup: async () => ({ GWCTL_GATEWAY_URL: `http://127.0.0.1:${await deadPort()}` }),
      message: /connection refused at .*; start the gateway, or fix gateway\.url/,
    },
    {
      name: 'health probe times out',
      setup: (k) => {
        k.fake.fault(k.routes.health, 'timeout');
        return { GWCTL_GATEWAY_TIMEOUT_MS: '300' };
      },
      message: /no answer from .* within 300 ms; is the gateway running and is gateway\.url right\?/,
    },
    {
      name: 'HTTP 401 (wrong credential)',
      setup: (k) => k.badCredential,
      message: {
        litellm: /HTTP 401.*refused the master key: set GWCTL_GATEWAY_ADMIN_KEY/,
        'new-api': /HTTP 401.*refused the credentials: set GWCTL_GATEWAY_ADMIN_KEY/,
        bifrost: /HTTP 401.*admin auth is on.*username:password/,
        servbay: /refused the key \(HTTP 401\)/,
        static: /refused the key \(HTTP 401\)/,
      }[kind],
    },
    {
      name: 'HTTP 500',
      setup: (k) => k.fake.fault(mints ? k.routes.mint! : k.routes.models, { status: 500, body: { error: { message: 'upstream exploded' } } }),
      message: mints ? /answered HTTP 500: "upstream exploded"; check the gateway's logs/ : /answered HTTP 500; check the gateway's logs/,
    },
    {
      name: 'non-JSON answer',
      setup: (k) => k.fake.fault(kind === 'new-api' || kind === 'bifrost' ? k.routes.health : k.routes[mints ? 'mint' : 'models']!, 'non-json'),
      // servbay/static: the model list is the health proof, and an HTML page is no gateway.
      message: mints ? /not JSON/ : /this does not look like an AI gateway \(got text\/html from GET .*\/v1\/models/,
    },
    {
      name: 'empty model list, none configured',
      setup: (k) => k.setModels([]),
      message: /lists no models .* and none are configured; add a channel in the gateway, or set gateway\.models/,
      afterMint: mints,
    },
    // The health check reads the model list too, so this fails before any key is minted.
    {
      name: 'model list answers HTTP 500, none configured',
      setup: (k) => k.fake.fault(k.routes.models, { status: 500 }),
      message: /\/v1\/models answered HTTP 500/,
    },
  ];
}
CASES.litellm.push({
  name: 'no database ("DB not connected")',
  setup: (k) => void ((k.fake as unknown as { db: boolean }).db = false),
  message: /without its database.*use it as a static gateway with the master key/,
});
CASES.litellm.push({
  name: 'readiness unreadable, /key/generate answers 500 "DB not connected"',
  setup: (k) => {
    (k.fake as unknown as { db: boolean }).db = false;
    k.fake.fault('readiness', { status: 401, body: {} });
  },
  message: /DB not connected.*static/,
});
CASES['new-api'].push({
  name: 'no user id configured',
  setup: () => ({ __noUserId: '1' }),
  message: /needs the id of the user.*gwctl config set gateway\.userId/,
});
CASES.litellm.push({
  name: 'no admin key',
  setup: () => ({ GWCTL_GATEWAY_ADMIN_KEY: '' }),
  message: /needs LiteLLM's master key.*GWCTL_GATEWAY_ADMIN_KEY.*gwctl config set gateway\.adminKey/,
});

describe.each(GATEWAY_KINDS)('%s: gateway errors write nothing', (kind) => {
  let k: KindHarness;
  let h: TempHome;
  let cfg: string;
  beforeAll(async () => {
    k = await startKind(kind);
  });
  afterAll(() => k.fake.close());
  beforeEach(() => {
    k.reset();
    h = tempHome();
    mkdirSync(join(h.home, '.codex'));
    cfg = join(h.home, '.codex', 'config.toml');
    writeFileSync(cfg, CODEX);
  });
  afterEach(() => h.cleanup());

  it.each(CASES[kind].map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const extra = (await c.setup(k)) ?? {};
    const { __noUserId, ...envExtra } = extra as Record<string, string>;
    writeSettings(h.home, h.env, __noUserId ? {} : k.settings);
    const env = { ...h.env, ...k.env, ...envExtra };
    const r = await gwctl(['takeover', 'codex', '--json'], env);
    expect(r.code).toBe(1);
    const tool = r.json().tools[0]!;
    expect(tool.action).toBe('failed');
    expect(tool.error).toMatch(c.message);
    expect(readFileSync(cfg, 'utf8')).toBe(CODEX);
    expect(existsSync(cfg + '.bak')).toBe(false);
    expect((await new LedgerStore(gwctlPaths({ home: h.home, env }).stateDir).load()).tools.codex).toBeUndefined();
    // A key minted before the failure was revoked again.
    expect(k.live().filter((n) => n.startsWith('gwctl-'))).toEqual([]);
    expect(k.revoked()).toEqual(c.afterMint ? [`gwctl-codex-${shortHost(hostname())}`.slice(0, 50)] : []);
    for (const secret of [k.env.GWCTL_GATEWAY_ADMIN_KEY, k.badCredential.GWCTL_GATEWAY_ADMIN_KEY]) {
      if (secret) expect(r.stdout + r.stderr).not.toContain(secret);
    }
  });
});
