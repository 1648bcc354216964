/**
 * One HTTP/1.1 exchange with a gateway, on a socket gwctl opens itself (`node:net`, or
 * `node:tls` for an https URL): request line and headers out, status line, headers and body in.
 *
 * Why not `node:http`: in the all-day agent, loading it costs 6.5 MiB of resident memory (its
 * client, agent, parser binding and server halves load together), and Node's `fetch` costs
 * 12-17 MiB and needs WebAssembly (issue 19). A gateway exchange is one small request and one
 * bounded JSON answer on a fresh connection, which needs far less: this module is the part of
 * HTTP/1.1 (RFC 9112) that exchange uses, strict about everything else.
 *
 * - The request: `Connection: close`, a `Content-Length` body, header values checked for
 *   characters that would split the request (CR, LF, NUL, non-Latin-1) before anything is sent.
 * - The answer: informational (1xx) heads skipped; a body framed by `Transfer-Encoding: chunked`,
 *   by `Content-Length`, or by the close; none for 204 and 304. The head is capped at 64 KiB,
 *   the body at `maxBytes` while it streams (a declared length over the cap is refused before
 *   any body is read). The answer is complete when its framing says so, whether or not the
 *   gateway then closes.
 * - What is not HTTP/1.x (an SSH banner, TLS spoken to a plain port, a malformed head or chunk)
 *   is a {@link WireError} `not-http`; a close before the answer is complete is `closed` (no
 *   byte yet) or `cut-short`; a network failure is passed on with its code.
 *
 * test/gateway/wire.test.ts drives it against scripted servers byte by byte and against
 * node:http servers.
 */
import type { Socket } from 'node:net';

export interface WireRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Buffer;
  maxBytes: number;
}

export interface WireAnswer {
  status: number;
  /** Header names lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

export type WireErrorKind = 'not-http' | 'closed' | 'cut-short' | 'too-big' | 'bad-header';

export class WireError extends Error {
  readonly kind: WireErrorKind;
  readonly status: number | undefined;
  constructor(kind: WireErrorKind, message: string, status?: number) {
    super(message);
    this.name = 'WireError';
    this.kind = kind;
    this.status = status;
  }
}

const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 1024;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible Latin-1 and horizontal whitespace: what a header value may hold. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const STATUS_LINE = /^HTTP\/1\.[01] ([1-5][0-9]{2})(?: [^\r\n]*)?$/;

/** The request's bytes; throws WireError 'bad-header' for a name or value that cannot be sent as is. */
export function requestBytes(req: Pick<WireRequest, 'method' | 'url' | 'headers' | 'body'>): Buffer {
  const { url } = req;
  const lines = [`${req.method} ${url.pathname || '/'}${url.search} HTTP/1.1`, `host: ${url.host}`, 'connection: close'];
  const headers: Record<string, string> = { ...req.headers };
  if (req.body) headers['content-length'] = String(req.body.byteLength);
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'connection') continue;
    if (!TOKEN.test(name) || !FIELD_VALUE.test(value))
      throw new WireError('bad-header', `header ${TOKEN.test(name) ? name : '(invalid name)'} holds characters not allowed in HTTP`);
    lines.push(`${lower}: ${value}`);
  }
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  return req.body ? Buffer.concat([head, req.body]) : head;
}

type Framing = { kind: 'none' } | { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' };

/**
 * Reads one answer from bytes fed to it in any split. `feed` returns the answer once complete;
 * `end` is called when the peer closed and returns the answer or throws why it is incomplete.
 */
export class AnswerReader {
  private buf: Buffer = Buffer.alloc(0);
  private received = 0;
  private status = 0;
  private headers: Record<string, string> = {};
  private framing: Framing | undefined;
  private readonly body: Buffer[] = [];
  private bodyBytes = 0;
  /** Inside a chunked body: the bytes of the current chunk still to come (-1: at a size line; -2: in the trailers). */
  private chunkLeft = -1;
  private readonly maxBytes: number;
  private readonly noBody: boolean;

  constructor(maxBytes: number, method = 'GET') {
    this.maxBytes = maxBytes;
    this.noBody = method === 'HEAD';
  }

  /** Bytes seen so far (0: the peer said nothing). */
  get bytesReceived(): number {
    return this.received;
  }

  feed(chunk: Buffer): WireAnswer | undefined {
    this.received += chunk.byteLength;
    this.buf = this.buf.byteLength ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (!this.framing) {
        if (!this.readHead()) return undefined;
        continue;
      }
      const done = this.readBody();
      if (done) return this.answer();
      return undefined;
    }
  }

  end(): WireAnswer {
    if (this.received === 0) throw new WireError('closed', 'the connection was closed by the gateway before any answer');
    if (this.framing?.kind === 'close') return this.answer();
    if (!this.framing) throw new WireError(this.looksLikeHttp() ? 'cut-short' : 'not-http', 'the answer ended inside its head', this.status || undefined);
    throw new WireError('cut-short', 'the answer was cut short', this.status);
  }

  private looksLikeHttp(): boolean {
    return this.status > 0 || /^HTTP\/1\.[01] /.test(this.buf.subarray(0, 9).toString('latin1'));
  }

  private notHttp(what: string): never {
    throw new WireError('not-http', what, this.status || undefined);
  }

  /** Parse a head if one is complete; false when more bytes are needed. */
  private readHead(): boolean {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.buf.byteLength > MAX_HEAD_BYTES) this.notHttp('an answer head longer than 64 KiB');
      // An answer that does not start like HTTP is refused without waiting for more.
      const start = this.buf.subarray(0, 8).toString('latin1');
      if (!'HTTP/1.'.startsWith(start.slice(0, 7))) this.notHttp('an answer that does not start with HTTP/1.x');
      return false;
    }
    if (end > MAX_HEAD_BYTES) this.notHttp('an answer head longer than 64 KiB');
    const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
    this.buf = this.buf.subarray(end + 4);
    const m = STATUS_LINE.exec(lines[0]!);
    if (!m) this.notHttp('an answer whose first line is not an HTTP/1.x status line');
    const status = Number(m[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon) : '';
      if (!TOKEN.test(name)) this.notHttp('an answer header that is not "name: value"');
      const value = line.slice(colon + 1).trim();
      if (!FIELD_VALUE.test(value)) this.notHttp('an answer header holding control characters');
      const key = name.toLowerCase();
      headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
    }
    this.status = status;
    // 1xx (100 Continue, 103 Early Hints): informational, the real answer follows.
    if (status < 200) return true;
    this.headers = headers;
    this.framing = this.framingOf(status, headers);
    return true;
  }

  private framingOf(status: number, headers: Record<string, string>): Framing {
    if (this.noBody || status === 204 || status === 304) return { kind: 'none' };
    const te = headers['transfer-encoding'];
    if (te !== undefined) {
      const codings = te.split(',').map((c) => c.trim().toLowerCase());
      if (codings[codings.length - 1] !== 'chunked') this.notHttp(`a transfer coding gwctl does not read (${te})`);
      if (codings.length > 1) this.notHttp(`a transfer coding gwctl does not read (${te})`);
      return { kind: 'chunked' };
    }
    const cl = headers['content-length'];
    if (cl !== undefined) {
      const values = [...new Set(cl.split(',').map((v) => v.trim()))];
      if (values.length !== 1 || !/^[0-9]{1,15}$/.test(values[0]!)) this.notHttp('an answer with an invalid Content-Length');
      const length = Number(values[0]);
      if (length > this.maxBytes) throw new WireError('too-big', 'the answer declares more bytes than accepted', status);
      return { kind: 'length', left: length };
    }
    return { kind: 'close' };
  }

  private take(n: number): void {
    if (n === 0) return;
    this.bodyBytes += n;
    if (this.bodyBytes > this.maxBytes) throw new WireError('too-big', 'the answer is longer than accepted', this.status);
    this.body.push(this.buf.subarray(0, n));
    this.buf = this.buf.subarray(n);
  }

  /** Consume body bytes; true once the body is complete. */
  private readBody(): boolean {
    const f = this.framing!;
    if (f.kind === 'none') return true;
    if (f.kind === 'close') {
      this.take(this.buf.byteLength);
      return false;
    }
    if (f.kind === 'length') {
      const n = Math.min(f.left, this.buf.byteLength);
      this.take(n);
      f.left -= n;
      return f.left === 0;
    }
    for (;;) {
      if (this.chunkLeft === -2) {
        // Trailers: lines up to an empty one.
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) {
          if (this.buf.byteLength > MAX_HEAD_BYTES) this.notHttp('chunked trailers longer than 64 KiB');
          return false;
        }
        const line = this.buf.subarray(0, eol);
        this.buf = this.buf.subarray(eol + 2);
        if (line.byteLength === 0) return true;
        continue;
      }
      if (this.chunkLeft === -1) {
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) {
          if (this.buf.byteLength > MAX_CHUNK_LINE) this.notHttp('a chunk size line longer than 1 KiB');
          return false;
        }
        const line = this.buf.subarray(0, eol).toString('latin1');
        this.buf = this.buf.subarray(eol + 2);
        const size = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/.exec(line);
        if (!size) this.notHttp('a malformed chunk size');
        const n = parseInt(size[1]!, 16);
        if (n === 0) {
          this.chunkLeft = -2;
          continue;
        }
        if (this.bodyBytes + n > this.maxBytes) throw new WireError('too-big', 'the answer is longer than accepted', this.status);
        this.chunkLeft = n;
      }
      if (this.chunkLeft > 0) {
        const n = Math.min(this.chunkLeft, this.buf.byteLength);
        this.take(n);
        this.chunkLeft -= n;
        if (this.chunkLeft > 0) return false;
      }
      // The CRLF after a chunk's data.
      if (this.buf.byteLength < 2) {
        this.chunkLeft = 0;
        return false;
      }
      if (this.buf[0] !== 13 || this.buf[1] !== 10) this.notHttp('a chunk not followed by CRLF');
      this.buf = this.buf.subarray(2);
      this.chunkLeft = -1;
    }
  }

  private answer(): WireAnswer {
    return { status: this.status, headers: this.headers, body: Buffer.concat(this.body, this.bodyBytes) };
  }
}

/**
 * Send `req` on a new connection and read one answer. Rejects with a WireError, or with the
 * socket's own error (its `code`: ECONNREFUSED, ENOTFOUND, a TLS certificate code…). `signal`
 * ends the exchange early (the caller's timeout).
 */
export async function exchange(req: WireRequest, signal: AbortSignal): Promise<WireAnswer> {
  const bytes = requestBytes(req);
  const https = req.url.protocol === 'https:';
  const host = req.url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(req.url.port) || (https ? 443 : 80);
  let socket: Socket;
  if (https) {
    const tls = process.getBuiltinModule('node:tls') as typeof import('node:tls');
    const isIp = /^[0-9.]+$|:/.test(host);
    socket = tls.connect({ host, port, ...(isIp ? {} : { servername: host }), ALPNProtocols: ['http/1.1'] });
  } else {
    const net = process.getBuiltinModule('node:net') as typeof import('node:net');
    socket = net.connect({ host, port });
  }
  const reader = new AnswerReader(req.maxBytes, req.method);
  return new Promise<WireAnswer>((resolve, reject) => {
    let settled = false;
    const finish = (err: unknown, answer?: WireAnswer) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve(answer!);
    };
    const onAbort = () => finish(signal.reason ?? new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort);
    socket.on(https ? 'secureConnect' : 'connect', () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => {
      try {
        const answer = reader.feed(chunk);
        if (answer) finish(undefined, answer);
      } catch (e) {
        finish(e);
      }
    });
    socket.on('end', () => {
      try {
        finish(undefined, reader.end());
      } catch (e) {
        finish(e);
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // A reset after some of the answer: cut short, whatever the code (even a body framed by
      // the close: a reset is not a close).
      finish(reader.bytesReceived > 0 ? new WireError('cut-short', 'the answer was cut short') : e);
    });
    socket.on('close', () => finish(new WireError('closed', 'the connection was closed by the gateway before any answer')));
  });
}
