/**
 * The client end of the agent socket, for `gwctl`. Plain `node:net` and the frame codec in
 * schema.ts (the same frames, allow-list and size limit as the agent's node-ipc server, checked
 * against node-ipc's own parser by test/ipc/wire.test.ts), because loading all of node-ipc
 * costs about 20 ms, and even its parser module about 2 ms, of a 22 ms Node start-up.
 *
 * Before connecting, the client checks what node-ipc's client does not: the socket directory
 * is a real directory owned by this user with no group/other bits, and the socket is ours.
 */
import { connect, type Socket } from 'node:net';
import { encodeFrame, PROTOCOL_VERSION, readFrames, WIRE, type AgentEvent, type HelloResult, type Method, type Methods, type ResponseFrame } from './schema.ts';
import type { SocketLocation } from '../home/paths.ts';

// process.getBuiltinModule, not `import`: an ES import of node:fs evaluates all of its exports,
// fs.promises included, which loads a dozen more internal modules (fs/promises, readline, fs
// streams, watchers) that `gwctl status` never uses.
const { lstatSync } = process.getBuiltinModule('node:fs');

/** No agent answers on the socket (none running, a stale socket, or it did not answer in time). */
export class AgentUnavailableError extends Error {
  readonly reason: 'absent' | 'refused' | 'timeout' | 'closed';
  constructor(reason: AgentUnavailableError['reason'], message: string) {
    super(message);
    this.name = 'AgentUnavailableError';
    this.reason = reason;
  }
}

/** The socket or its directory is not safely ours: never talk to it, never replace it silently. */
export class UnsafeSocketError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeSocketError';
  }
}

/** The agent answered a request with an error. */
export class AgentRequestError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'AgentRequestError';
    this.code = code;
  }
}

function octal(mode: number): string {
  return '0' + (mode & 0o777).toString(8);
}

/**
 * Throws UnsafeSocketError when the socket directory (or the socket in it) could be someone
 * else's; AgentUnavailableError('absent') when there is no socket at all.
 */
export function checkSocket(loc: SocketLocation, uid: number | undefined = process.getuid?.()): void {
  let dir;
  try {
    dir = lstatSync(loc.dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new AgentUnavailableError('absent', `no agent socket directory at ${loc.dir}`);
    throw new UnsafeSocketError(`cannot check the agent socket directory ${loc.dir} (${(e as NodeJS.ErrnoException).code}); check its owner and mode (ls -ld)`);
  }
  if (dir.isSymbolicLink() || !dir.isDirectory()) {
    throw new UnsafeSocketError(`${loc.dir} (the agent socket directory) is not a plain directory; gwctl will not use it. Remove it and run the command again`);
  }
  if (uid !== undefined && dir.uid !== uid) {
    throw new UnsafeSocketError(
      `${loc.dir} (the agent socket directory) belongs to uid ${dir.uid}, not you (uid ${uid}); gwctl will not talk to a socket there. Remove it and run the command again`,
    );
  }
  if ((dir.mode & 0o077) !== 0) {
    throw new UnsafeSocketError(
      `${loc.dir} (the agent socket directory) has mode ${octal(dir.mode)}, open to other users; run \`chmod 700 '${loc.dir}'\` and try again`,
    );
  }
  let sock;
  try {
    sock = lstatSync(loc.path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new AgentUnavailableError('absent', `no agent socket at ${loc.path}`);
    throw new UnsafeSocketError(`cannot check the agent socket ${loc.path} (${(e as NodeJS.ErrnoException).code})`);
  }
  if (!sock.isSocket()) throw new UnsafeSocketError(`${loc.path} is not a socket; move it away and run the command again`);
  if (uid !== undefined && sock.uid !== uid)
    throw new UnsafeSocketError(`${loc.path} belongs to uid ${sock.uid}, not you (uid ${uid}); gwctl will not talk to it`);
}

export interface OpenOptions {
  /** How long to wait for the connection (ms). */
  timeoutMs?: number;
  /** Skip the owner/mode check (only for tests of the check itself). */
  uid?: number;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout | undefined };

export class AgentConnection {
  private readonly socket: Socket;
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners: Array<(e: AgentEvent) => void> = [];
  private readonly closeListeners: Array<(err?: Error) => void> = [];
  private closed = false;
  readonly location: SocketLocation;

  private constructor(socket: Socket, location: SocketLocation) {
    this.socket = socket;
    this.location = location;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', (e) =>
      this.shutdown(new AgentUnavailableError('closed', `the agent connection failed (${(e as NodeJS.ErrnoException).code ?? e.message})`)),
    );
    socket.on('close', () => this.shutdown(new AgentUnavailableError('closed', 'the agent closed the connection')));
  }

  static async open(loc: SocketLocation, opts: OpenOptions = {}): Promise<AgentConnection> {
    checkSocket(loc, 'uid' in opts ? opts.uid : process.getuid?.());
    const timeoutMs = opts.timeoutMs ?? 1000;
    return new Promise((resolve, reject) => {
      const socket = connect({ path: loc.path });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new AgentUnavailableError('timeout', `the agent at ${loc.path} did not accept a connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        socket.destroy();
        const refused = e.code === 'ECONNREFUSED' || e.code === 'ENOENT' || e.code === 'ENOTSOCK';
        reject(new AgentUnavailableError(refused ? 'refused' : 'closed', `no agent answers at ${loc.path} (${e.code ?? e.message})`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new AgentConnection(socket, loc));
      });
    });
  }

  request<M extends Method>(method: M, params: Methods[M]['params'], { timeoutMs = 120_000 }: { timeoutMs?: number } = {}): Promise<Methods[M]['result']> {
    if (this.closed) return Promise.reject(new AgentUnavailableError('closed', 'the agent connection is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.pending.delete(id);
              reject(
                new AgentUnavailableError(
                  'timeout',
                  `the agent did not answer '${method}' within ${Math.round(timeoutMs / 1000)} s; see its log (gwctl agent status)`,
                ),
              );
            }, timeoutMs)
          : undefined;
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      try {
        this.socket.write(encodeFrame(WIRE.request, { id, method, params }));
      } catch (e) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(e as Error);
      }
    });
  }

  onEvent(listener: (e: AgentEvent) => void): void {
    this.eventListeners.push(listener);
  }

  onClose(listener: (err?: Error) => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
    this.shutdown();
  }

  private receive(chunk: string): void {
    try {
      this.buffer = readFrames(this.buffer, chunk, (m) => this.dispatch(m));
    } catch (e) {
      this.socket.destroy();
      this.shutdown(new AgentUnavailableError('closed', `the agent sent a frame gwctl cannot read (${(e as Error).message})`));
    }
  }

  private dispatch(message: { type: string; data: unknown }): void {
    if (message.type === WIRE.response) {
      const frame = message.data as ResponseFrame;
      const p = this.pending.get(frame?.id);
      if (!p) return;
      this.pending.delete(frame.id);
      clearTimeout(p.timer);
      if (frame.ok) p.resolve(frame.result);
      else p.reject(new AgentRequestError(frame.error?.code ?? 'failed', frame.error?.message ?? 'the agent reported an error'));
    } else if (message.type === WIRE.event) {
      for (const l of this.eventListeners) l(message.data as AgentEvent);
    }
  }

  private shutdown(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err ?? new AgentUnavailableError('closed', 'the agent connection is closed'));
    }
    this.pending.clear();
    for (const l of this.closeListeners) l(err);
  }
}

/** Connect and say hello. The agent's identity, or null when none answers (stale socket, none). */
export async function probeAgent(loc: SocketLocation, timeoutMs = 1000): Promise<HelloResult | null> {
  let conn: AgentConnection;
  try {
    conn = await AgentConnection.open(loc, { timeoutMs });
  } catch (e) {
    if (e instanceof AgentUnavailableError) return null;
    throw e;
  }
  try {
    return await conn.request('hello', {}, { timeoutMs });
  } catch (e) {
    if (e instanceof AgentUnavailableError) return null;
    throw e;
  } finally {
    conn.close();
  }
}

/** Same protocol and same HOME, or a message saying what to do. */
export function incompatibility(hello: HelloResult, home: string): string | undefined {
  if (hello.protocol !== PROTOCOL_VERSION) {
    return `the running agent (pid ${hello.pid}, gwctl ${hello.version}) speaks protocol ${hello.protocol}, this gwctl ${PROTOCOL_VERSION}; restart it: gwctl agent stop && gwctl agent start`;
  }
  if (hello.home !== home) {
    return `the agent on ${hello.socket} serves HOME=${hello.home}, not ${home}; set XDG_RUNTIME_DIR per HOME, or stop that agent (gwctl agent stop)`;
  }
  return undefined;
}
