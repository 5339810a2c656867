// The hub's ports: bound first (so a busy port fails before anything is opened), served once the hub is ready.
import type { Server as HttpServer } from 'node:http';
import type { Server } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Server as TlsServer } from 'node:tls';
import type { WebSocketServer } from 'ws';
import {
  attachWebSocket,
  bindHttp,
  bindMqtt,
  LISTENERS,
  type Bound,
  type ConnectionHandler,
  type RequestHandler,
} from '../broker/listeners.js';
import type { EmbeddedBroker } from '../broker/broker.js';
import type { HearthConfig } from '../config/schema.js';
import type { HubPorts } from '../hub.js';
import type { Teardown } from './teardown.js';

export interface HubListeners {
  mqtt?: Bound<Server | TlsServer, ConnectionHandler>;
  mqtts?: Bound<Server | TlsServer, ConnectionHandler>;
  http?: Bound<HttpServer, RequestHandler>;
}

/**
 * Binds every port into `listeners` (filled as it goes, so a stop after a busy port closes those already bound);
 * connections and requests that arrive before the hub is ready wait for it (or get 503).
 */
export async function bindListeners(config: HearthConfig, external: boolean, listeners: HubListeners): Promise<HubPorts> {
  const { host, mqtt, http, tls } = config;
  const files = tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : undefined;
  listeners.http = await bindHttp(host, http.port, files);
  // On an external broker the devices connect to it: no MQTT listener here (mqtt.port and mqtt.tlsPort are unused).
  if (external) return { mqtt: 0, http: listeners.http.port };
  listeners.mqtt = await bindMqtt(host, mqtt.port, LISTENERS.mqtt);
  if (files) listeners.mqtts = await bindMqtt(host, mqtt.tlsPort, LISTENERS.mqtts, files);
  return { mqtt: listeners.mqtt.port, http: listeners.http.port, ...(listeners.mqtts ? { mqtts: listeners.mqtts.port } : {}) };
}

/** Hands the bound ports to the broker and the API (connections that waited meanwhile go first). */
export function serveListeners(
  listeners: HubListeners,
  apiHandler: RequestHandler,
  broker: EmbeddedBroker | undefined,
  config: HearthConfig,
  teardown: Teardown,
): void {
  const { mqtt, mqtts, http } = listeners;
  if (!broker) {
    http!.serve(apiHandler);
    return;
  }
  const wss: WebSocketServer = attachWebSocket(http!.server, (conn, req) => broker.handle(conn, req), {
    path: '/mqtt',
    maxPayload: config.mqtt.maxPacketSize,
  });
  teardown.push(() => {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
  });
  http!.serve(apiHandler);
  const handle = (conn: Duplex) => broker.handle(conn);
  mqtt!.serve(handle);
  mqtts?.serve(handle);
}
