/**
 * `config set gateway.url http://127.0.0.1:11580/v1` was accepted and Codex then got `…/v1/v1`.
 * A root ending in a protocol path gwctl adds itself is refused with the root to give, from the
 * command line and from GWCTL_GATEWAY_URL; a reverse-proxy prefix is still a root.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { resolveGateway } from '../../src/gateway/index.ts';
import { gatewayRootProblem } from '../../src/shared/address.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';

let h: TempHome | undefined;
afterEach(() => h?.cleanup());

describe('the gateway root', () => {
  it.each([
    ['http://127.0.0.1:11580/v1', 'http://127.0.0.1:11580'],
    ['http://127.0.0.1:11580/v1/', 'http://127.0.0.1:11580'],
    ['http://localhost:8080/anthropic', 'http://localhost:8080'],
    ['https://gw.example.test/litellm/v1', 'https://gw.example.test/litellm'],
    ['http://127.0.0.1:3000/v1/chat/completions', 'http://127.0.0.1:3000/v1'],
  ])('%s is refused, naming %s', (url, root) => {
    expect(gatewayRootProblem(url)).toContain(`give the gateway root: ${root}`);
  });

  it.each(['http://127.0.0.1:11580', 'http://127.0.0.1:11580/', 'https://gw.example.test/litellm', 'http://[::1]:4000'])('%s is a root', (url) => {
    expect(gatewayRootProblem(url)).toBeUndefined();
  });

  it('gwctl config set gateway.url refuses …/v1 and writes nothing', async () => {
    h = tempHome();
    const r = await gwctl(['config', 'set', 'gateway.url', 'http://127.0.0.1:11580/v1'], h.env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('give the gateway root: http://127.0.0.1:11580');
    const get = await gwctl(['config', 'get', 'gateway.url'], h.env);
    expect(get.stdout).not.toContain('/v1');
  });

  it('GWCTL_GATEWAY_URL with /v1 is refused by name', () => {
    expect(() =>
      resolveGateway(
        {},
        { GWCTL_GATEWAY_URL: 'http://127.0.0.1:4000/v1', GWCTL_GATEWAY_KIND: 'static', GWCTL_GATEWAY_KEY: 'sk-x' },
        { configDir: '/nonexistent' },
      ),
    ).toThrow(/GWCTL_GATEWAY_URL.*give the gateway root: http:\/\/127\.0\.0\.1:4000/);
  });
});
