// node-ipc 14 ships no type declarations: the parts gwctl uses (the server; the parser, which
// test/ipc/wire.test.ts checks the client codec against), from its source.
declare module 'node-ipc/parsers' {
  export class IPCProtocolError extends Error {
    code: string;
  }
  export interface ParserConfig {
    delimiter: string;
    allowedEvents: readonly string[];
    maxMessageSize: number;
    maxPendingBytes: number;
    maxEventNameLength: number;
    messageTimeout: number;
    allowReservedEvents: boolean;
  }
  export class AssuredParser {
    constructor(config: ParserConfig);
    readonly profile: 'assured';
    readonly maxPendingBytes: number;
    encode(type: string, data: unknown): string;
    /** Feeds `data` after the carried-over `buffer`; calls `receive` per frame; returns the remainder. */
    read(buffer: string, data: string, receive: (message: { type: string; data: unknown }) => void): string;
  }
}

declare module 'node-ipc' {
  import type { Server as NetServer, Socket } from 'node:net';
  export interface IpcConfig {
    id: string;
    appspace: string;
    socketRoot: string;
    silent: boolean;
    unlink: boolean;
    secureSocketRoot: boolean;
    parser: string;
    allowedEvents: string[] | false;
    maxMessageSize: number;
    maxPendingBytes: number;
    maxEventNameLength: number;
    messageTimeout: number;
    maxConnections: number;
    readableAll: boolean;
    writableAll: boolean;
    logger: (s: string) => void;
  }
  export interface IpcSocketServer {
    server: NetServer | false;
    sockets: Socket[];
    on(event: string, handler: (...args: any[]) => void): void;
    off(event: string, handler: (...args: any[]) => void): void;
    emit(socket: Socket, type: string, data: unknown): boolean;
    start(): void;
    stop(): void;
  }
  export class IPCModule {
    config: IpcConfig;
    server: IpcSocketServer | false;
    serve(path: string, callback?: () => void): void;
  }
}
