/**
 * The agent end of the socket: node-ipc 14 (`assured` profile: allow-listed envelope types,
 * frame size limit, bounded write queues, an owner-only socket root it creates and checks).
 *
 * Request/response is correlated by the request id; subscribers get every published event on
 * their connection. This is the only module that imports node-ipc, so the transport can be
 * swapped without touching the agent.
 */
import { lstatSync, unlinkSync } from 'node:fs';
import type { Socket } from 'node:net';
import { IPCModule } from 'node-ipc';
import { WIRE, parseRequest, wireConfig, type AgentEvent, type RequestFrame, type ResponseFrame } from './schema.ts';
import type { SocketLocation } from '../home/paths.ts';

export interface Peer {
  readonly id: number;
  subscribed: boolean;
}

export type RequestHandler = (req: RequestFrame, peer: Peer) => Promise<unknown>;

export interface ServerLog {
  warn(msg: string, extra?: Record<string, unknown>): void;
}

export class IpcServer {
  private readonly ipc: IPCModule;
  private readonly peers = new Map<Socket, Peer>();
  private nextPeer = 1;
  readonly location: SocketLocation;

  private constructor(ipc: IPCModule, location: SocketLocation) {
    this.ipc = ipc;
    this.location = location;
  }

  /**
   * Bind the socket. The caller has already made sure no agent answers there and removed a
   * stale socket: node-ipc's own unlink is off so a live socket is never replaced.
   */
  static listen(loc: SocketLocation, handle: RequestHandler, log: ServerLog): Promise<IpcServer> {
    const ipc = new IPCModule();
    const wc = wireConfig();
    Object.assign(ipc.config, {
      id: 'gwctl',
      appspace: '',
      socketRoot: loc.dir + '/',
      silent: true,
      unlink: false,
      secureSocketRoot: true,
      parser: wc.parser,
      allowedEvents: wc.allowedEvents,
      maxMessageSize: wc.maxMessageSize,
      maxPendingBytes: wc.maxPendingBytes,
      maxEventNameLength: wc.maxEventNameLength,
      messageTimeout: wc.messageTimeout,
      maxConnections: 64,
      readableAll: false,
      writableAll: false,
    });
    const self = new IpcServer(ipc, loc);
    return new Promise((resolve, reject) => {
      let started = false;
      ipc.serve(loc.path, () => {
        started = true;
        resolve(self);
      });
      const server = ipc.server;
      if (!server) return reject(new Error('internal: node-ipc did not create a server'));
      server.on('error', (err: Error & { code?: string }) => {
        if (!started) return reject(err);
        log.warn('ipc error', { code: err.code, error: err.message });
      });
      server.on('connect', (socket: Socket) => {
        self.peers.set(socket, { id: self.nextPeer++, subscribed: false });
      });
      server.on('socket.disconnected', (socket: Socket) => {
        self.peers.delete(socket);
      });
      server.on(WIRE.request, (data: unknown, socket: Socket) => {
        const peer = self.peers.get(socket);
        if (!peer) return;
        void self.answer(socket, peer, data, handle);
      });
      try {
        server.start();
      } catch (e) {
        reject(e as Error);
      }
    });
  }

  private async answer(socket: Socket, peer: Peer, data: unknown, handle: RequestHandler): Promise<void> {
    const req = parseRequest(data);
    let frame: ResponseFrame;
    if ('error' in req) {
      if (req.id === null) {
        socket.destroy();
        return;
      }
      frame = { id: req.id, ok: false, error: { code: req.error.startsWith('unknown method') ? 'unknown-method' : 'bad-request', message: req.error } };
    } else {
      try {
        frame = { id: req.id, ok: true, result: await handle(req, peer) };
      } catch (e) {
        const code = (e as { ipcCode?: unknown }).ipcCode;
        frame = { id: req.id, ok: false, error: { code: code === 'bad-request' || code === 'stopping' ? code : 'failed', message: (e as Error).message } };
      }
    }
    this.send(socket, WIRE.response, frame);
  }

  private send(socket: Socket, type: string, data: unknown): void {
    const server = this.ipc.server;
    if (!server || socket.destroyed) return;
    try {
      server.emit(socket, type, data);
    } catch (e) {
      // Too large for a frame: say so instead of leaving the caller waiting.
      const id = (data as { id?: unknown })?.id;
      if (type === WIRE.response && typeof id === 'number') {
        server.emit(socket, type, { id, ok: false, error: { code: 'failed', message: `the answer did not fit in one frame (${(e as Error).message})` } });
      }
    }
  }

  /** Send an event to every subscribed connection. */
  publish(event: AgentEvent): void {
    for (const [socket, peer] of this.peers) if (peer.subscribed) this.send(socket, WIRE.event, event);
  }

  get subscribers(): number {
    let n = 0;
    for (const p of this.peers.values()) if (p.subscribed) n++;
    return n;
  }

  /** Stop listening, drop every connection, remove the socket file. */
  close(): void {
    const server = this.ipc.server;
    if (server) server.stop();
    this.peers.clear();
    removeSocketFile(this.location.path);
  }
}

/** Remove a socket file (never anything else: a regular file there is left alone). */
export function removeSocketFile(path: string): boolean {
  try {
    if (!lstatSync(path).isSocket()) return false;
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}
