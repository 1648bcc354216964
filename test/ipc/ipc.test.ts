/** node-ipc server + the light client over a real Unix socket in a temp dir. */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentConnection, AgentRequestError, AgentUnavailableError, checkSocket, probeAgent, UnsafeSocketError } from '../../src/ipc/client.ts';
import { MAX_FRAME_BYTES, WIRE, type AgentEvent } from '../../src/ipc/schema.ts';
import { socketLocation, type SocketLocation } from '../../src/home/paths.ts';
import { IpcServer, type RequestHandler } from '../../src/ipc/server.ts';
import { tempHome, type TempHome } from '../helpers/home.ts';

let h: TempHome;
let loc: SocketLocation;
let server: IpcServer | undefined;
const conns: AgentConnection[] = [];
const log = { warn: () => undefined };

const hello = { protocol: 1, version: 't', pid: 1, startedAt: '', home: '', socket: '', logFile: '', settingsFile: '', watching: {}, subscribers: 0 };
const echo: RequestHandler = async (req, peer) => {
  if (req.method === 'hello') return hello;
  if (req.method === 'subscribe') {
    peer.subscribed = true;
    return { subscribed: true };
  }
  if (req.method === 'status') {
    const key = (req.params as { tools: string[] }).tools[0];
    if (key === 'slow') await new Promise((r) => setTimeout(r, 80));
    if (key === 'fail') throw new Error('no such setting');
    if (key === 'huge') return { value: 'x'.repeat(MAX_FRAME_BYTES) };
    return { value: key };
  }
  return {};
};

/** A request the echo handler above answers with `{value: key}` (after a pause for 'slow'). */
const ask = (c: AgentConnection, key: string, opts?: { timeoutMs?: number }) =>
  c.request('status', { tools: [key] } as never, opts).then((r) => (r as unknown as { value: string }).value);

async function open(): Promise<AgentConnection> {
  const c = await AgentConnection.open(loc);
  conns.push(c);
  return c;
}

beforeEach(async () => {
  h = tempHome('gwctl-ipc-');
  loc = socketLocation({ home: h.home, env: h.env });
  mkdirSync(loc.dir, { recursive: true, mode: 0o700 });
  server = await IpcServer.listen(loc, echo, log);
});
afterEach(() => {
  for (const c of conns.splice(0)) c.close();
  server?.close();
  h.cleanup();
});

describe('agent socket', () => {
  it('is created owner-only in an owner-only directory', () => {
    expect(statSync(loc.path).isSocket()).toBe(true);
    expect(statSync(loc.dir).mode & 0o777).toBe(0o700);
  });

  it('answers requests by id, also out of order', async () => {
    const c = await open();
    const slow = ask(c, 'slow');
    const fast = ask(c, 'fast');
    const order: string[] = [];
    await Promise.all([slow.then((v) => order.push(v)), fast.then((v) => order.push(v))]);
    expect(order).toEqual(['fast', 'slow']);
  });

  it('an error in a handler is an error response, the connection stays usable', async () => {
    const c = await open();
    await expect(ask(c, 'fail')).rejects.toThrow(AgentRequestError);
    await expect(ask(c, 'fail')).rejects.toThrow(/no such setting/);
    expect(await ask(c, 'ok')).toBe('ok');
  });

  it('an answer too large for a frame becomes an error, not a hang', async () => {
    const c = await open();
    await expect(ask(c, 'huge', { timeoutMs: 3000 })).rejects.toThrow(/did not fit in one frame/);
  });

  it('streams events to subscribers only', async () => {
    const sub = await open();
    const other = await open();
    const got: AgentEvent[] = [];
    const notGot: AgentEvent[] = [];
    sub.onEvent((e) => got.push(e));
    other.onEvent((e) => notGot.push(e));
    await sub.request('subscribe', {});
    await other.request('hello', {});
    expect(server!.subscribers).toBe(1);
    for (let i = 1; i <= 3; i++) server!.publish({ seq: i, at: '', type: 'status-changed', tool: 'codex', message: `m${i}` });
    await new Promise((r) => setTimeout(r, 50));
    expect(got.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(notGot).toEqual([]);
  });

  it('closes a connection that sends an event type outside the allow-list', async () => {
    const raw = connect(loc.path);
    await new Promise((r) => raw.once('connect', r));
    const closed = new Promise((r) => raw.once('close', r));
    raw.write(JSON.stringify({ type: 'exec', data: { cmd: 'x' } }) + '\f');
    await closed;
    // The server is still fine for others.
    expect(await probeAgent(loc)).toEqual(hello);
  });

  it('closes a connection that sends a frame over the size limit', async () => {
    const raw = connect(loc.path);
    await new Promise((r) => raw.once('connect', r));
    const closed = new Promise((r) => raw.once('close', r));
    raw.write(JSON.stringify({ type: WIRE.request, data: { id: 1, method: 'hello', params: { pad: 'x'.repeat(MAX_FRAME_BYTES) } } }) + '\f');
    await closed;
    expect(await probeAgent(loc)).toEqual(hello);
  });

  it('the client refuses to send a frame over the limit', async () => {
    const c = await open();
    await expect(ask(c, 'x'.repeat(MAX_FRAME_BYTES))).rejects.toThrow(/maxMessageSize/);
  });

  it('a stale socket (nobody listening) is "no agent", not an error', async () => {
    server!.close();
    server = undefined;
    // Leave a socket file behind with nothing listening, as after SIGKILL.
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(loc.path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(statSync(loc.path).isSocket()).toBe(true);
    expect(await probeAgent(loc)).toBeNull();
    await expect(AgentConnection.open(loc)).rejects.toThrow(AgentUnavailableError);
  });
});

describe('the client checks the socket directory itself', () => {
  it('refuses a directory open to others', async () => {
    chmodSync(loc.dir, 0o755);
    expect(() => checkSocket(loc)).toThrow(UnsafeSocketError);
    await expect(AgentConnection.open(loc)).rejects.toThrow(/mode 0755.*chmod 700/);
    await expect(probeAgent(loc)).rejects.toThrow(UnsafeSocketError);
  });

  it('refuses a directory owned by another user', () => {
    const uid = process.getuid!();
    expect(() => checkSocket(loc, uid + 1)).toThrow(/belongs to uid \d+, not you/);
    if (uid === 0) {
      chownSync(loc.dir, 4242, 4242);
      expect(() => checkSocket(loc)).toThrow(/belongs to uid 4242/);
      chownSync(loc.dir, 0, 0);
    }
  });

  it('refuses a socket path that is not a socket', () => {
    server!.close();
    server = undefined;
    writeFileSync(loc.path, 'not a socket');
    expect(() => checkSocket(loc)).toThrow(/is not a socket/);
  });

  it('no directory: no agent', () => {
    const other = socketLocation({ home: h.home, env: { XDG_RUNTIME_DIR: join(h.home, 'nowhere') } });
    expect(() => checkSocket(other)).toThrow(AgentUnavailableError);
  });
});
