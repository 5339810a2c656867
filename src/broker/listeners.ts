// Network listeners for the broker: MQTT over TCP, and MQTT over WebSocket on the HTTP server's /mqtt path.
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';

export type ConnectionHandler = (conn: Duplex, req?: IncomingMessage) => void;

export async function listenTcp(handle: ConnectionHandler, host: string, port: number): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    handle(socket);
  });
  return { server, port: await listenOn(server, host, port) };
}

/** Listens and resolves with the port (the chosen one when `port` is 0); rejects with the listen error. */
function listenOn(server: Server | TlsServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
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
      throw new Error(`tls.${what} ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return { cert: read('cert', files.cert), key: read('key', files.key) };
}

export async function listenTls(handle: ConnectionHandler, host: string, port: number, files: TlsFiles): Promise<{ server: TlsServer; port: number }> {
  const server = createTlsServer({ ...readTlsFiles(files), minVersion: 'TLSv1.2' }, (socket) => {
    socket.setNoDelay(true);
    handle(socket);
  });
  // A plain-MQTT client on the TLS port fails its handshake; that is its problem, not the hub's.
  server.on('tlsClientError', () => undefined);
  return { server, port: await listenOn(server, host, port) };
}

/** Routes WebSocket upgrades on `path` to the broker; other upgrade requests are refused. */
export function attachWebSocket(http: HttpServer, handle: ConnectionHandler, options: { path: string; maxPayload: number }): WebSocketServer {
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
