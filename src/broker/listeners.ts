// Network listeners: MQTT over TCP and TLS, the HTTP server, and MQTT over WebSocket on its /mqtt path.
// The hub binds every port first, before it opens or announces anything, and serves them once its parts are ready.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { HearthError } from '../shared/errors.js';

export type ConnectionHandler = (conn: Duplex, req?: IncomingMessage) => void;
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** What a listener is called in messages, and the settings that choose its port. */
export interface ListenerName {
  what: string;
  option: string;
}

export const LISTENERS = {
  mqtt: { what: 'MQTT', option: '--mqtt-port, HEARTH_MQTT_PORT or mqtt.port' },
  mqtts: { what: 'MQTT over TLS', option: 'HEARTH_MQTT_TLS_PORT or mqtt.tlsPort' },
  http: { what: 'HTTP', option: '--http-port, HEARTH_HTTP_PORT or http.port' },
} satisfies Record<string, ListenerName>;

/** A listening server whose connections wait (paused, in order) until `serve` hands them to their handler. */
export interface Bound<S, H> {
  server: S;
  port: number;
  serve(handler: H): void;
}

/** Binds a TCP (or, with `tls`, a TLS) port for MQTT; connections that arrive before `serve` wait for it. */
export async function bindMqtt(
  host: string,
  port: number,
  name: ListenerName,
  tls?: TlsFiles,
): Promise<Bound<Server | TlsServer, ConnectionHandler>> {
  let handle: ConnectionHandler | undefined;
  const waiting = new Set<Socket>();
  const onSocket = (socket: Socket) => {
    socket.setNoDelay(true);
    if (handle) return handle(socket);
    waiting.add(socket);
    socket.once('close', () => waiting.delete(socket));
  };
  // node:tls and node:https load only where TLS is set up: a hub without TLS does not hold them (docs/performance.md).
  const server = tls
    ? (await import('node:tls')).createServer({ ...readTlsFiles(tls), minVersion: 'TLSv1.2' }, onSocket)
    : createServer(onSocket);
  // A plain-MQTT client on the TLS port fails its handshake; that is its problem, not the hub's.
  if (tls) server.on('tlsClientError', () => undefined);
  return {
    server,
    port: await listenOn(server, host, port, name),
    serve(handler) {
      handle = handler;
      for (const socket of waiting) if (!socket.destroyed) handler(socket);
      waiting.clear();
    },
  };
}

/** Binds the HTTP (or HTTPS) port; requests that arrive before `serve` get 503 "starting". */
export async function bindHttp(host: string, port: number, tls?: TlsFiles): Promise<Bound<HttpServer, RequestHandler>> {
  let handle: RequestHandler | undefined;
  const onRequest: RequestHandler = (req, res) => {
    if (handle) return handle(req, res);
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ code: 'HEARTH_NOT_READY', message: 'Hearth is starting or stopping' }));
  };
  const server = tls
    ? ((await import('node:https')).createServer({ ...readTlsFiles(tls), minVersion: 'TLSv1.2' }, onRequest) as unknown as HttpServer)
    : createHttpServer(onRequest);
  return {
    server,
    port: await listenOn(server, host, port, LISTENERS.http),
    serve(handler) {
      handle = handler;
    },
  };
}

/** Listens and resolves with the port (the chosen one when `port` is 0); a refusal becomes a one-line HearthError. */
function listenOn(server: Server | TlsServer | HttpServer, host: string, port: number, name: ListenerName): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => reject(listenError(err, host, port, name));
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number, name: ListenerName): Error {
  const reason =
    err.code === 'EADDRINUSE'
      ? `${port} is in use (another program, or another hub, listens there)`
      : err.code === 'EACCES'
        ? `${port} needs privileges (ports below 1024 do)`
        : err.code === 'EADDRNOTAVAIL'
          ? `${port} cannot be bound: ${host} is not an address of this machine (set --host)`
          : undefined;
  if (!reason) return err;
  return new HearthError('HEARTH_LISTEN_FAILED', { what: name.what, reason, option: name.option });
}

export interface TlsFiles {
  cert: string;
  key: string;
}

/** Reads the certificate and key; errors name the file, so a typo in the config is obvious. */
export function readTlsFiles(files: TlsFiles): { cert: Buffer; key: Buffer } {
  const read = (what: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new HearthError('HEARTH_CONFIG_INVALID', {
        problems: `  - tls.${what} ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      });
    }
  };
  return { cert: read('cert', files.cert), key: read('key', files.key) };
}

/** Routes WebSocket upgrades on `path` to the broker; other upgrade requests are refused. */
export function attachWebSocket(
  http: HttpServer,
  handle: ConnectionHandler,
  options: { path: string; maxPayload: number },
): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload });
  http.on('upgrade', (req, socket, head) => {
    const pathname = (req.url ?? '').split('?')[0];
    if (pathname !== options.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => ws.terminate());
      handle(stream, req);
    });
  });
  return wss;
}

/** Stops accepting new connections. Open ones are closed by their owner (the broker closes its clients). */
export function closeServer(server: Server | HttpServer | TlsServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close();
    resolve();
  });
}
