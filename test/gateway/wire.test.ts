/**
 * gateway/wire.ts, the HTTP/1.1 exchange gwctl uses instead of node:http and fetch (issue 19):
 * against scripted servers that write exact bytes (split anywhere, closed anywhere), and against
 * node:http servers as gateways run them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AnswerReader, exchange, requestBytes, WireError } from '../../src/gateway/wire.ts';
import { request } from '../../src/gateway/http.ts';

const servers: Array<Server | HttpServer> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A server that reads the request head, then plays `script` (bytes, pauses, 'end', 'destroy'). */
async function scripted(script: Array<string | Buffer | number | 'end' | 'destroy' | 'hang'>): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((sock: Socket) => {
    let got = '';
    sock.on('error', () => undefined);
    sock.on('data', async (d) => {
      got += d.toString('latin1');
      if (!got.includes('\r\n\r\n') || (requests.length && requests[requests.length - 1] === got)) return;
      requests.push(got);
      for (const step of script) {
        if (typeof step === 'number') await new Promise((r) => setTimeout(r, step));
        else if (step === 'end') return void sock.end();
        else if (step === 'destroy') return void sock.destroy();
        else if (step === 'hang') return;
        else sock.write(step);
      }
      sock.end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/models?x=1`, requests };
}

const get = (url: string, maxBytes = 1024) =>
  exchange({ method: 'GET', url: new URL(url), headers: { accept: 'application/json' }, maxBytes }, AbortSignal.timeout(3000));
const kind = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof WireError ? e.kind : `other:${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`),
  );

describe('answers framed every way HTTP/1.1 frames them', () => {
  it('Content-Length, in pieces, with the gateway keeping the connection open afterwards', async () => {
    const { url, requests } = await scripted([
      'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Len',
      'gth: 11\r\n\r\n{"a":',
      20,
      '"bcd"}',
      'hang',
    ]);
    const a = await get(url);
    expect(a).toMatchObject({ status: 200, headers: { 'content-type': 'application/json', 'content-length': '11' } });
    expect(a.body.toString()).toBe('{"a":"bcd"}');
    expect(requests[0]).toMatch(/^GET \/v1\/models\?x=1 HTTP\/1\.1\r\nhost: 127\.0\.0\.1:\d+\r\nconnection: close\r\naccept: application\/json\r\n\r\n$/);
  });

  it('chunked, with extensions, split inside sizes and CRLFs, and trailers', async () => {
    const { url } = await scripted([
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
      '5;ext=1\r',
      '\nhel',
      'lo\r',
      '\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n',
      '\r\n',
      'hang',
    ]);
    expect((await get(url)).body.toString()).toBe('hello world');
  });

  it('a body ended by the close; 204 and 304 have none; 100 Continue is skipped', async () => {
    expect((await get((await scripted(['HTTP/1.0 200 OK\r\n\r\nuntil the end', 'end'])).url)).body.toString()).toBe('until the end');
    expect(await get((await scripted(['HTTP/1.1 204 No Content\r\n\r\n', 'hang'])).url)).toMatchObject({ status: 204, body: Buffer.alloc(0) });
    const c = await get((await scripted(['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok'])).url);
    expect(c).toMatchObject({ status: 201 });
    expect(c.body.toString()).toBe('ok');
  });

  it('every split of a chunked answer reads the same', () => {
    const whole = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX: y\r\n\r\n3\r\nabc\r\n2;q\r\nde\r\n0\r\n\r\n');
    for (let i = 1; i < whole.length; i++) {
      for (const j of [i + 1, i + 7, whole.length]) {
        const r = new AnswerReader(100);
        const parts = [whole.subarray(0, i), whole.subarray(i, j), whole.subarray(j)].filter((p) => p.length);
        let answer;
        for (const p of parts) answer ??= r.feed(p);
        expect(answer?.body.toString(), `split at ${i}/${j}`).toBe('abcde');
      }
    }
  });
});

describe('what is not a complete HTTP answer', () => {
  it('not HTTP: an SSH banner, TLS spoken to a plain port, HTTP/2 preface, a broken head or chunk', async () => {
    for (const bytes of [
      'SSH-2.0-OpenSSH_9.6\r\n',
      Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x50]),
      'PRI * HTTP/2.0\r\n\r\n',
      'HTTP/1.1 OK\r\n\r\n',
      'HTTP/1.1 200 OK\r\nbad header line\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nabcde',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n',
    ])
      expect(await kind(get((await scripted([bytes, 'hang'])).url)), String(bytes)).toBe('not-http');
  });

  it('a head longer than 64 KiB is refused while it streams', async () => {
    const { url } = await scripted(['HTTP/1.1 200 OK\r\n', ...Array.from({ length: 80 }, () => `X-Filler: ${'a'.repeat(1000)}\r\n`), 'hang']);
    expect(await kind(get(url))).toBe('not-http');
  });

  it('closed before any byte, cut short in the head, in a length body, in a chunk; reset mid-answer', async () => {
    expect(await kind(get((await scripted(['end'])).url))).toBe('closed');
    expect(await kind(get((await scripted(['HTTP/1.1 200 OK\r\nContent-Le', 'end'])).url))).toBe('cut-short');
    expect(await kind(get((await scripted(['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', 'end'])).url))).toBe('cut-short');
    expect(await kind(get((await scripted(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab', 'end'])).url))).toBe('cut-short');
    expect(await kind(get((await scripted(['HTTP/1.1 200 OK\r\n\r\npartial', 30, 'destroy'])).url))).toMatch(/cut-short|ok/);
  });

  it('too big: a declared length over the cap before any body byte, a chunked or close-framed body as it streams', async () => {
    expect(await kind(get((await scripted(['HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n', 'hang'])).url))).toBe('too-big');
    expect(
      await kind(
        get(
          (
            await scripted([
              'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
              ...Array.from({ length: 20 }, () => '100\r\n' + 'x'.repeat(256) + '\r\n'),
              'hang',
            ])
          ).url,
        ),
      ),
    ).toBe('too-big');
    expect(await kind(get((await scripted(['HTTP/1.1 200 OK\r\n\r\n', ...Array.from({ length: 20 }, () => 'y'.repeat(256)), 'hang'])).url))).toBe('too-big');
  });

  it('a silent gateway ends with the caller’s deadline, not never', async () => {
    const { url } = await scripted(['hang']);
    const t = Date.now();
    const e = await exchange({ method: 'GET', url: new URL(url), headers: {}, maxBytes: 10 }, AbortSignal.timeout(200)).catch((x: Error) => x);
    expect((e as Error).name).toBe('TimeoutError');
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it('connection refused keeps its code', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    expect(await kind(get(`http://127.0.0.1:${port}/`))).toBe('other:ECONNREFUSED');
  });
});

describe('the request', () => {
  it('a header value that would split the request is refused before anything is sent', () => {
    for (const v of ['Bearer a\r\nX-Evil: 1', 'a\nb', 'nul\0', 'snow☃'])
      expect(() => requestBytes({ method: 'GET', url: new URL('http://h/'), headers: { authorization: v } })).toThrow(WireError);
    expect(() => requestBytes({ method: 'GET', url: new URL('http://h/'), headers: { 'bad name': 'x' } })).toThrow(/invalid name/);
  });

  it('through request(): a JSON POST to a node:http gateway, chunked and keep-alive answers, IPv6 loopback', async () => {
    const seen: Array<{ method?: string; url?: string; body: string; headers: Record<string, unknown> }> = [];
    const server = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, body, headers: req.headers });
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.write('{"key":');
        res.end(JSON.stringify(`sk-${body.length}`) + '}');
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '::1', r));
    const url = `http://[::1]:${(server.address() as AddressInfo).port}/key/generate`;
    const r = await request(url, { method: 'POST', body: { key_alias: 'gwctl-claude-code' }, headers: { authorization: 'Bearer sk-admin-0001' } });
    expect(r).toMatchObject({ status: 200, contentType: 'application/json' });
    expect(r.json()).toEqual({ key: 'sk-33' });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/key/generate', body: '{"key_alias":"gwctl-claude-code"}' });
    expect(seen[0]!.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': '33',
      authorization: 'Bearer sk-admin-0001',
      connection: 'close',
    });
  });

  it('request() puts each failure in words that say what to do', async () => {
    const notHttp = await scripted(['SSH-2.0-OpenSSH_9.6\r\n', 'hang']);
    await expect(request(notHttp.url)).rejects.toThrow(
      /cannot reach .*: the gateway answered something that is not HTTP .*is gateway\.url pointing at the gateway\?/,
    );
    const cut = await scripted(['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', 'end']);
    await expect(request(cut.url)).rejects.toThrow(/closed the connection mid-answer/);
    await expect(request('http://user:pw@127.0.0.1:9/')).rejects.toThrow(/without credentials/);
    await expect(request('http://127.0.0.1:9/', { headers: { authorization: 'Bearer a\nb' } })).rejects.toThrow(
      /a credential holds characters not allowed in an HTTP header/,
    );
  });
});

describe('https', () => {
  it('an https URL to a plain-HTTP gateway, and a self-signed certificate, are said in words', async () => {
    // A node:http server answers the TLS hello with 400 Bad Request, in plain text.
    const plain = createHttpServer((_req, res) => res.end('ok'));
    servers.push(plain);
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    await expect(request(`https://127.0.0.1:${(plain.address() as AddressInfo).port}/`)).rejects.toThrow(
      /does not speak TLS on that port \(is its URL http:\/\/, not https:\/\/\?\)/,
    );

    const dir = mkdtempSync(join(tmpdir(), 'gwctl-tls-'));
    try {
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=localhost'],
        { stdio: 'ignore' },
      );
      const server = createHttpsServer({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) }, (_req, res) => res.end('{}'));
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as AddressInfo).port;
      await expect(request(`https://localhost:${port}/health`)).rejects.toThrow(/self-signed.*NODE_EXTRA_CA_CERTS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
