/**
 * A gateway cannot exhaust memory or time, or pass for healthy (issue 18 §2): answers are capped
 * while they stream, model lists are capped in count, anything that is not an AI gateway's JSON
 * is refused before any write, and a slow gateway costs one wait per command, with the tools'
 * gateway calls running side by side.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_MODELS } from '../../src/gateway/models.ts';
import { modelList, ok, reply, serve } from '../helpers/gateways/server.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';
import { gwctl } from '../helpers/run.ts';

const KEY = 'sk-configured-key-0123456';

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

describe('gateway answers are bounded', () => {
  let h: TempHome;
  beforeEach(() => {
    h = tempHome();
    for (const d of ['.claude', '.gemini', '.codex']) mkdirSync(join(h.home, d));
    writeFileSync(join(h.home, '.claude', 'settings.json'), '{}\n');
  });
  afterEach(() => h.cleanup());

  const untouched = () => {
    expect(readFileSync(join(h.home, '.claude', 'settings.json'), 'utf8')).toBe('{}\n');
    expect(readdirSync(join(h.home, '.gemini'))).toEqual([]);
    expect(readdirSync(join(h.home, '.codex'))).toEqual([]);
  };

  it('an endless answer is cut off while it streams, not read to the end', async () => {
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024, '[');
    const gw = await listen((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // 256 MiB of `[` unless the client hangs up first.
      const pump = () => {
        while (sent < 256 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    try {
      const r = await gwctl(['takeover', 'claude-code', 'gemini-cli', 'codex', '--json'], {
        ...h.env,
        GWCTL_GATEWAY_URL: gw.url,
        GWCTL_GATEWAY_KEY: KEY,
        GWCTL_GATEWAY_TIMEOUT_MS: '20000',
      });
      expect(r.code).toBe(1);
      for (const t of r.json().tools) expect(t.error).toMatch(/answered more than \d+ [KM]iB, more than any gateway answer gwctl expects/);
      expect(sent).toBeLessThan(32 * 1024 * 1024);
      untouched();
    } finally {
      await gw.close();
    }
  });

  it('an answer declaring a huge length is refused before reading it', async () => {
    const gw = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1 << 30) });
      res.write('{"data":[');
    });
    try {
      const r = await gwctl(['takeover', 'claude-code', '--json'], { ...h.env, GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: KEY });
      expect(r.json().tools[0]!.error).toMatch(/answered more than/);
      untouched();
    } finally {
      await gw.close();
    }
  });

  it('JSON nested deeper than any gateway answer is refused unparsed', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const gw = await listen((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(req.url === '/v1/models' ? `{"data":${deep}}` : 'ok');
    });
    try {
      const r = await gwctl(['takeover', 'claude-code', '--json'], { ...h.env, GWCTL_GATEWAY_URL: gw.url, GWCTL_GATEWAY_KEY: KEY });
      expect(r.json().tools[0]!.error).toMatch(/not JSON/);
      untouched();
    } finally {
      await gw.close();
    }
  });

  it(`a model list longer than ${MAX_MODELS} is refused with what to do`, async () => {
    const fake = await serve([
      { name: 'root', method: 'GET', path: /^\/$/, handle: () => ok('up') },
      { name: 'models', method: 'GET', path: /^\/v1\/models$/, handle: () => ok(modelList(Array.from({ length: MAX_MODELS + 1 }, (_, i) => `m${i}`))) },
    ]);
    try {
      const r = await gwctl(['takeover', 'codex', '--json'], { ...h.env, GWCTL_GATEWAY_URL: fake.url, GWCTL_GATEWAY_KEY: KEY });
      expect(r.json().tools[0]!.error).toMatch(new RegExp(`lists ${MAX_MODELS + 1} models, more than the ${MAX_MODELS} .*gwctl config set gateway.models`));
      untouched();
    } finally {
      await fake.close();
    }
  });

  it('a web server that is not an AI gateway (HTML with 200 everywhere) gets 0 writes, even for tools that need no model list', async () => {
    const gw = await listen((_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>It works!</title>'));
    try {
      for (const kind of ['servbay', 'static']) {
        const r = await gwctl(['takeover', 'claude-code', 'gemini-cli', '--json'], {
          ...h.env,
          GWCTL_GATEWAY_KIND: kind,
          GWCTL_GATEWAY_URL: gw.url,
          GWCTL_GATEWAY_KEY: KEY,
        });
        expect(r.code).toBe(1);
        for (const t of r.json().tools)
          expect(t.error).toMatch(new RegExp(`this does not look like an AI gateway \\(got text/html from GET ${gw.url}/v1/models`));
      }
      untouched();
    } finally {
      await gw.close();
    }
  });
});

describe('a slow gateway costs one wait per command', () => {
  let h: TempHome;
  beforeEach(() => {
    h = tempHome();
    for (const d of ['.codex', '.qwen', '.kimi']) mkdirSync(join(h.home, d));
  });
  afterEach(() => h.cleanup());

  it('health that times out is asked once for three tools', async () => {
    const fake = await serve([{ name: 'live', method: 'GET', path: /^\/health\/liveliness$/, handle: () => ok('alive') }]);
    fake.fault('live', 'timeout');
    try {
      const r = await gwctl(['takeover', 'codex', 'qwen-code', 'kimi-cli', '--json'], {
        ...h.env,
        GWCTL_GATEWAY_KIND: 'litellm',
        GWCTL_GATEWAY_URL: fake.url,
        GWCTL_GATEWAY_ADMIN_KEY: 'sk-master-0123456',
        GWCTL_GATEWAY_TIMEOUT_MS: '300',
      });
      expect(r.json().tools.map((t) => t.action)).toEqual(['failed', 'failed', 'failed']);
      expect(fake.calls('live')).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });

  it("the tools' gateway calls run side by side (each mint waits for the others)", async () => {
    // A gateway that answers a mint only once three are in flight: one after another never gets there.
    const waiting: Array<() => void> = [];
    let n = 0;
    const gw = await listen((req, res) => {
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/health/liveliness') return json(200, "I'm alive!");
      if (req.url === '/health/readiness') return json(200, { status: 'connected', db: 'connected' });
      if (req.url === '/v1/models') return json(200, { object: 'list', data: [{ id: 'gpt-4o' }] });
      if (req.url === '/key/delete') return json(200, {});
      if (req.url === '/key/generate') {
        const i = ++n;
        const answer = () => json(200, { key: `sk-minted-${i}-0123456789`, key_alias: `k${i}` });
        waiting.push(answer);
        if (waiting.length === 3) for (const w of waiting.splice(0)) w();
        else setTimeout(() => waiting.includes(answer) && (waiting.splice(waiting.indexOf(answer), 1), json(503, { error: { message: 'alone' } })), 2000);
        return;
      }
      json(404, {});
    });
    try {
      const r = await gwctl(['takeover', 'codex', 'qwen-code', 'kimi-cli', '--json'], {
        ...h.env,
        GWCTL_GATEWAY_KIND: 'litellm',
        GWCTL_GATEWAY_URL: gw.url,
        GWCTL_GATEWAY_ADMIN_KEY: 'sk-master-0123456',
      });
      expect(r.json().tools.map((t) => [t.id, t.action, t.error])).toEqual([
        ['codex', 'taken-over', undefined],
        ['qwen-code', 'taken-over', undefined],
        ['kimi-cli', 'taken-over', undefined],
      ]);
    } finally {
      await gw.close();
    }
  });
});
