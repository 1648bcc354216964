/** One fake per kind behind a common face, for tests that run the same scenario on every kind. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gwctlPaths } from '../../src/home/paths.ts';
import type { KindId } from '../../src/gateway/index.ts';
import { startBifrost } from '../helpers/gateways/bifrost.ts';
import { startLiteLLM } from '../helpers/gateways/litellm.ts';
import { startNewApi } from '../helpers/gateways/new-api.ts';
import { startServBay } from '../helpers/gateways/servbay.ts';
import type { FakeServer } from '../helpers/gateways/server.ts';

export const STATIC_KEY = 'sk-configured-static-key-31c9a0';

export interface KindHarness {
  kind: KindId;
  fake: FakeServer;
  /** Environment for gwctl (URL, kind, credentials). */
  env: Record<string, string>;
  /** Settings file content (gateway.*) the kind needs. */
  settings: Record<string, string>;
  /** Keys currently live on the gateway that gwctl minted (names starting gwctl-). */
  live(): string[];
  /** The plaintext key the gateway holds for a name (to check what was written). */
  keyOf(name: string): string | undefined;
  /** Names revoked so far. */
  revoked(): string[];
  setModels(ids: string[]): void;
  /** Route names: health probe, mint, models. */
  routes: { health: string; mint: string | null; models: string };
  /** Env that makes the gateway answer 401. */
  badCredential: Record<string, string>;
  reset(): void;
}

export async function startKind(kind: KindId): Promise<KindHarness> {
  if (kind === 'litellm') {
    const f = await startLiteLLM();
    return {
      kind,
      fake: f,
      settings: {},
      env: { GWCTL_GATEWAY_KIND: kind, GWCTL_GATEWAY_URL: f.url, GWCTL_GATEWAY_ADMIN_KEY: f.masterKey },
      keyOf: (n) => f.keys.get(n)?.key,
      live: () => [...f.keys.keys()],
      revoked: () => [...f.deleted],
      setModels: (m) => void (f.models = m),
      routes: { health: 'liveliness', mint: 'generate', models: 'models' },
      badCredential: { GWCTL_GATEWAY_ADMIN_KEY: 'sk-not-the-master-key-0000' },
      reset: () => {
        f.clearFaults();
        f.keys.clear();
        f.deleted.length = 0;
        f.db = true;
        f.models = ['gpt-4o', 'claude-sonnet-4-5', 'qwen3-coder'];
        f.requests.length = 0;
        f.served.length = 0;
      },
    };
  }
  if (kind === 'new-api') {
    const f = await startNewApi({ userId: 7 });
    return {
      kind,
      fake: f,
      settings: { userId: '7' },
      env: { GWCTL_GATEWAY_KIND: kind, GWCTL_GATEWAY_URL: f.url, GWCTL_GATEWAY_ADMIN_KEY: f.accessToken },
      keyOf: (n) => {
        const t = [...f.tokens.values()].find((x) => x.name === n);
        return t && `sk-${t.key}`;
      },
      live: () => [...f.tokens.values()].map((t) => t.name),
      revoked: () => f.deleted.map((t) => t.name),
      setModels: (m) => void (f.models = m),
      routes: { health: 'status', mint: 'create', models: 'models' },
      badCredential: { GWCTL_GATEWAY_ADMIN_KEY: 'not-the-access-token' },
      reset: () => {
        f.clearFaults();
        f.tokens.clear();
        f.deleted.length = 0;
        f.models = ['gpt-4o', 'deepseek-chat'];
        f.requests.length = 0;
        f.served.length = 0;
        f.logs.length = 0;
      },
    };
  }
  if (kind === 'bifrost') {
    const f = await startBifrost();
    return {
      kind,
      fake: f,
      settings: {},
      env: { GWCTL_GATEWAY_KIND: kind, GWCTL_GATEWAY_URL: f.url, GWCTL_GATEWAY_ADMIN_KEY: 'admin:bifrost-pass' },
      keyOf: (n) => [...f.keys.values()].find((x) => x.name === n)?.value,
      live: () => [...f.keys.values()].map((k) => k.name),
      revoked: () => f.deleted.map((k) => k.name),
      setModels: (m) => void (f.models = m),
      routes: { health: 'health', mint: 'create', models: 'models' },
      badCredential: { GWCTL_GATEWAY_ADMIN_KEY: 'admin:wrong' },
      reset: () => {
        f.clearFaults();
        f.keys.clear();
        f.deleted.length = 0;
        f.admin = 'admin:bifrost-pass';
        f.models = ['openai/gpt-4o', 'anthropic/claude-sonnet-4-5'];
        f.requests.length = 0;
        f.served.length = 0;
        f.logs.length = 0;
      },
    };
  }
  const f = await startServBay({ keys: [STATIC_KEY] });
  return {
    kind,
    fake: f,
    settings: {},
    env: { GWCTL_GATEWAY_KIND: kind, GWCTL_GATEWAY_URL: f.url, GWCTL_GATEWAY_KEY: STATIC_KEY },
    keyOf: () => STATIC_KEY,
    live: () => [],
    revoked: () => [],
    setModels: (m) => void (f.models = m),
    routes: { health: 'root', mint: null, models: 'models' },
    badCredential: { GWCTL_GATEWAY_KEY: 'sk-revoked-in-the-ui-0000' },
    reset: () => {
      f.clearFaults();
      f.models = ['gpt-4o', 'claude-sonnet-4-5'];
      f.requests.length = 0;
      f.served.length = 0;
    },
  };
}

/** Write gwctl's settings file (gateway.*) into the temp HOME. */
export function writeSettings(home: string, env: Record<string, string>, gateway: Record<string, unknown>): void {
  const dir = gwctlPaths({ home, env }).configDir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ gateway }));
}
