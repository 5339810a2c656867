// Test helpers: a real hub on free ports in a temp dir, real MQTT clients, and waiting for a condition.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { loadConfig } from '../../src/config/load-config.js';
import { Hub } from '../../src/hub.js';
import type { Clock } from '../../src/shared/clock.js';
import { createMemoryLogger } from '../../src/shared/logger.js';

export const ADMIN_PASSWORD = 'test-admin-password';

export interface TestHub {
  hub: Hub;
  dataDir: string;
  mqttUrl: string;
  httpUrl: string;
  logs: string[];
  /** Connects an MQTT client as admin (or with the given options); closed by `stop()`. */
  connect(options?: IClientOptions): Promise<MqttClient>;
  /** `Authorization` header value for the admin user. */
  auth: string;
  /** Stops the hub and closes clients; keeps the data dir unless `cleanup` is true. */
  stop(cleanup?: boolean): Promise<void>;
  /** Stops and starts a new hub on the same data dir (and the same ports). */
  restart(): Promise<TestHub>;
}

export interface StartOptions {
  dataDir?: string;
  rulesDir?: string;
  clock?: Clock;
  overrides?: Record<string, unknown>;
  mqttPort?: number;
  httpPort?: number;
}

export function tempDir(prefix = 'hearth-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestHub(options: StartOptions = {}): Promise<TestHub> {
  const dataDir = options.dataDir ?? tempDir();
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      rulesDir: options.rulesDir ?? join(dataDir, 'rules'),
      host: '127.0.0.1',
      adminPassword: ADMIN_PASSWORD,
      'mqtt.port': options.mqttPort ?? 0,
      'http.port': options.httpPort ?? 0,
      'log.level': 'debug',
      'history.flushIntervalMs': 20,
      ...options.overrides,
    },
  });
  const logger = createMemoryLogger('debug');
  const announced: string[] = [];
  const hub = new Hub(config, { logger, clock: options.clock, announce: (l) => announced.push(l) });
  const ports = await hub.start();
  const clients: MqttClient[] = [];
  const mqttUrl = `mqtt://127.0.0.1:${ports.mqtt}`;
  const testHub: TestHub = {
    hub,
    dataDir,
    mqttUrl,
    httpUrl: `http://127.0.0.1:${ports.http}`,
    logs: logger.lines,
    auth: 'Basic ' + Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64'),
    async connect(opts = {}) {
      const client = await mqtt.connectAsync(mqttUrl, {
        username: 'admin',
        password: ADMIN_PASSWORD,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        ...opts,
      });
      clients.push(client);
      return client;
    },
    async stop(cleanup = false) {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
      await hub.stop();
      if (cleanup) rmSync(dataDir, { recursive: true, force: true });
    },
    async restart() {
      await testHub.stop();
      return startTestHub({ ...options, dataDir, mqttPort: ports.mqtt, httpPort: ports.http });
    },
  };
  return testHub;
}

/**
 * Connects with `onMessage` listening before the CONNACK arrives. A persistent session's queued messages can come in
 * the same read as the CONNACK, before `await mqtt.connectAsync(…)` returns: a listener added after it misses them.
 */
export function connectListening(
  url: string,
  options: IClientOptions,
  onMessage: (topic: string, payload: Buffer) => void,
): Promise<MqttClient> {
  const client = mqtt.connect(url, options);
  client.on('message', onMessage);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

/** Polls `check` until it returns a truthy value (returned) or the timeout passes (throws with `what`). */
export async function waitFor<T>(check: () => T | Promise<T>, what = 'condition', timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Resolves with the next message on `topic`, subscribing too. The listener is in place at once; a caller that
 * publishes right after must first `await client.subscribeAsync(topic)` so the broker knows the subscription.
 */
export function nextMessage(
  client: MqttClient,
  topic: string,
  timeoutMs = 5000,
): Promise<{ topic: string; payload: string; retain: boolean }> {
  void client.subscribeAsync(topic, { qos: 1 }).catch(() => undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error(`no message on ${topic} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (t: string, payload: Buffer, packet: { retain: boolean }) => {
      if (!topicMatch(topic, t)) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve({ topic: t, payload: payload.toString(), retain: packet.retain });
    };
    client.on('message', onMessage);
  });
}

function topicMatch(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** GET/POST against the hub's HTTP port with admin credentials unless `auth` is given. */
export async function http(th: TestHub, method: string, path: string, body?: unknown, auth: string | null = th.auth) {
  const res = await fetch(th.httpUrl + path, {
    method,
    headers: { ...(auth ? { authorization: auth } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

/**
 * count/min/max of a property's readings over the history API's default range, whatever buckets they fell in: a
 * test's readings minutes apart can straddle a bucket's edge (a day bucket starts at midnight UTC).
 */
export async function historyTotals(th: TestHub, deviceId: string, property: string) {
  const res = await http(th, 'GET', `/api/devices/${deviceId}/history/${property}?bucket=86400`);
  const points: { count: number; min: number; max: number }[] = res.json?.points ?? [];
  return {
    count: points.reduce((n, p) => n + p.count, 0),
    min: Math.min(...points.map((p) => p.min)),
    max: Math.max(...points.map((p) => p.max)),
  };
}
