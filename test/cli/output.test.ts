/**
 * Issue 16 §3/§4: what the CLI says. A down gateway is one line, not one per tool; an action on
 * several tools ends with a summary; an unknown tool name gets a suggestion; network failures are
 * said in words, never as an internal code.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nearest, sayOnce, summaryLine } from '../../src/cli/tools.ts';
import { networkWords, request } from '../../src/gateway/http.ts';
import type { WireReport } from '../../src/ipc/schema.ts';
import { startGateway, type FakeGateway } from '../helpers/gateway.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';

const KEY = 'sk-gwctl-output-test-5531';
let gw: FakeGateway;
let h: TempHome;
let env: Record<string, string>;

beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.close());
beforeEach(() => {
  h = tempHome();
  env = { ...h.env, GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: KEY };
});
afterEach(() => h.cleanup());

function installFive(): void {
  for (const d of ['.claude', '.codex', '.gemini', '.qwen', '.config/opencode']) mkdirSync(join(h.home, d), { recursive: true });
}

describe('said once, and a summary', () => {
  it('a gateway that is down is one error line for every tool, and the summary counts them', async () => {
    installFive();
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const r = await gwctl(['takeover', '--all', '--no-agent'], { ...env, GWCTL_GATEWAY_URL: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('gwctl: '));
    expect(errors, r.stderr).toHaveLength(1);
    expect(errors[0]).toMatch(/^gwctl: 5 tools \(Claude Code, Codex, Gemini CLI, Qwen Code, opencode\): connection refused at /);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^5 failed; \d+ not detected or not acted on$/);
  });

  it('after --all: taken over and refused counted, with the --force hint for another address', async () => {
    installFive();
    writeFileSync(join(h.home, '.codex', 'config.toml'), 'model_provider = "or"\n[model_providers.or]\nbase_url = "https://openrouter.ai/api/v1"\n');
    const r = await gwctl(['takeover', '--all'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\n4 taken over, 1 refused \(other address; --force to take it over\); \d+ not detected or not acted on\n?$/);
    const again = await gwctl(['restore', '--all'], env);
    expect(again.stdout).toMatch(/\n4 restored, \d+ nothing to restore\n?$/);
  });

  it('takeover --all asks the gateway for its model list once, not once per tool (issue 18)', async () => {
    installFive();
    const calls = () => gw.requests.filter((q) => q.path === '/v1/models').length;
    let before = calls();
    expect((await gwctl(['takeover', 'codex', '--no-agent'], env)).code).toBe(0);
    const one = calls() - before; // the health check's probe and the model list
    expect((await gwctl(['restore', 'codex', '--no-agent'], env)).code).toBe(0);
    before = calls();
    const r = await gwctl(['takeover', '--all', '--no-agent'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/5 taken over/);
    expect(calls() - before).toBe(one);
    expect(one).toBeLessThanOrEqual(2);
    expect((await gwctl(['restore', '--all', '--no-agent'], env)).code).toBe(0);
  });

  it('one action says no summary; status never does', async () => {
    installFive();
    expect((await gwctl(['takeover', 'claude-code'], env)).stdout).not.toMatch(/taken over,|\d+ taken over/);
    expect((await gwctl(['status'], env)).stdout).not.toMatch(/not detected or not acted on/);
  });

  it('sayOnce groups by text, in first-seen order, and names a long list with its count', () => {
    expect(
      sayOnce([
        { name: 'A', text: 'x' },
        { name: 'B', text: 'y' },
        { name: 'C', text: 'x' },
      ]),
    ).toEqual(['A, C: x', 'B: y']);
    expect(sayOnce(['A', 'B', 'C', 'D'].map((name) => ({ name, text: 'key kept' })))).toEqual(['4 tools (A, B, C, D): key kept']);
  });

  it('summaryLine is silent for status and for a single action', () => {
    const r = (action: WireReport['action']) => ({ id: 'codex', name: 'Codex', status: 'taken-over', configPath: '/x', address: null, action }) as WireReport;
    expect(summaryLine('status', [r(undefined), r(undefined)])).toBeUndefined();
    expect(summaryLine('takeover', [r('taken-over')])).toBeUndefined();
    expect(summaryLine('rotate', [r('rotated'), r('failed')])).toBe('1 rotated, 1 failed');
  });
});

describe('did you mean', () => {
  it('an unknown tool name suggests the nearest one, through the agent and in-process', async () => {
    for (const extra of [[], ['--no-agent']]) {
      const r = await gwctl(['status', 'claude-cod', ...extra], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/unknown tool 'claude-cod'; did you mean claude-code\?/);
    }
  });

  it('nearest: typos, prefixes, nothing for a word far from every name', () => {
    const known = ['claude-code', 'codex', 'gemini-cli', 'kimi-cli', 'kimi-code', 'opencode'];
    expect(nearest('cladue-code', known)).toBe('claude-code');
    expect(nearest('gemini', known)).toBe('gemini-cli');
    expect(nearest('claude', known)).toBe('claude-code');
    expect(nearest('codx', known)).toBe('codex');
    expect(nearest('emacs', known)).toBeUndefined();
  });
});

describe('network errors in words', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // Accepts, then closes without answering: node:http reports ECONNRESET ("socket hang up").
    server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => server.close());

  it('a connection the gateway closes is said as such, with no internal code', async () => {
    const e = await request(url).catch((x: Error) => x);
    expect((e as Error).message).toMatch(/cannot reach .*: the connection was (closed|reset) by the gateway; start the gateway/);
    expect((e as Error).message).not.toMatch(/UND_ERR|ECONN|network error|hang up/);
  });

  it('codes in the cause chain map to words; an unknown code is lower-cased, never bare', () => {
    expect(networkWords({ cause: { code: 'ECONNRESET' } })).toBe('the connection was reset by the gateway');
    expect(networkWords({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })).toMatch(/self-signed.*NODE_EXTRA_CA_CERTS/);
    expect(networkWords({ cause: { errors: [{ code: 'EHOSTUNREACH' }] } })).toBe('no route to the host');
    expect(networkWords({ cause: { code: 'HPE_INVALID_CONSTANT' } })).toBe('the gateway answered something that is not HTTP');
    expect(networkWords({ cause: { code: 'ESOMETHING_NEW' } })).toBe('the request failed (something new)');
    expect(networkWords(new Error('x'))).toBe('the request failed before any answer');
  });
});
