/**
 * Issue 16 §4: the provider id written into tools' configs defaults to the gateway kind's own
 * name, and changing it (or the kind that implies it) while tools are taken over under the old
 * one is refused with the commands that move them.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KIND_LIST } from '../../src/gateway/index.ts';
import { startLiteLLM, type FakeLiteLLM } from '../helpers/gateways/litellm.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';

const MASTER = 'sk-master-provider-id-77';
let gw: FakeLiteLLM;
let h: TempHome;
let env: Record<string, string>;

beforeAll(async () => {
  gw = await startLiteLLM({ masterKey: MASTER });
});
afterAll(() => gw.close());
beforeEach(() => {
  h = tempHome();
  env = { ...h.env, GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KIND: 'litellm', GWCTL_GATEWAY_ADMIN_KEY: MASTER };
  mkdirSync(join(h.home, '.codex'));
});
afterEach(() => h.cleanup());

describe('gateway.providerId', () => {
  it("defaults to the kind's own name: servbay, litellm, newapi, bifrost, gateway (static)", () => {
    expect(Object.fromEntries(KIND_LIST.map((k) => [k.id, k.providerId]))).toEqual({
      servbay: 'servbay',
      litellm: 'litellm',
      'new-api': 'newapi',
      bifrost: 'bifrost',
      static: 'gateway',
    });
  });

  it('a LiteLLM takeover writes [model_providers.litellm], and config get says so', async () => {
    expect((await gwctl(['takeover', 'codex'], env)).code).toBe(0);
    const toml = readFileSync(join(h.home, '.codex', 'config.toml'), 'utf8');
    expect(toml).toMatch(/^model_provider = "litellm"$/m);
    expect(toml).toMatch(/^\[model_providers\.litellm\]$/m);
    expect(toml).not.toMatch(/servbay/);
    expect((await gwctl(['config', 'get', 'gateway.providerId'], env)).stdout).toBe('litellm\n');
    expect((await gwctl(['restore', 'codex'], env)).code).toBe(0);
  });

  it('changing it while a tool is taken over is refused with the commands to run; allowed once restored', async () => {
    expect((await gwctl(['takeover', 'codex'], env)).code).toBe(0);
    const refused = await gwctl(['config', 'set', 'gateway.providerId', 'mine'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /from 'litellm' to 'mine', but 1 tool is taken over under it \(codex\); nothing was saved\. To move them: gwctl restore codex, then gwctl config set gateway\.providerId mine, then gwctl takeover codex/,
    );
    expect((await gwctl(['config', 'get', 'gateway.providerId'], env)).stdout).toBe('litellm\n');
    // The same value, or the kind already in force: nothing changes, nothing refused.
    expect((await gwctl(['config', 'set', 'gateway.providerId', 'litellm'], env)).code).toBe(0);
    expect((await gwctl(['config', 'unset', 'gateway.providerId'], env)).code).toBe(0);

    expect((await gwctl(['restore', 'codex'], env)).code).toBe(0);
    expect((await gwctl(['config', 'set', 'gateway.providerId', 'mine'], env)).code).toBe(0);
    expect((await gwctl(['takeover', 'codex'], env)).code).toBe(0);
    expect(readFileSync(join(h.home, '.codex', 'config.toml'), 'utf8')).toMatch(/^\[model_providers\.mine\]$/m);
    expect((await gwctl(['restore', 'codex'], env)).code).toBe(0);
  });

  it('a kind change that changes the implied id is refused the same way', async () => {
    const { GWCTL_GATEWAY_KIND: _, ...noKindEnv } = env;
    expect((await gwctl(['config', 'set', 'gateway.kind', 'litellm'], noKindEnv)).code).toBe(0);
    expect((await gwctl(['takeover', 'codex'], noKindEnv)).code).toBe(0);
    const refused = await gwctl(['config', 'set', 'gateway.kind', 'bifrost'], noKindEnv);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/from 'litellm' to 'bifrost'.*gwctl restore codex/);
    expect((await gwctl(['restore', 'codex'], noKindEnv)).code).toBe(0);
  });
});
