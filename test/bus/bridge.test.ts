// Bridges that lose nothing: a hub (on its embedded broker, or on an external Mosquitto) forwards to a second broker
// (a real Mosquitto 2, or another hub's embedded broker that speaks 3.1.1 only) that is stopped and started
// mid-stream, across a restart of the hub, with a bounded queue, and with `both` on a shared pattern (no loops).
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, connectListening, http, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { HEARTH_USER, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

type Local = 'embedded' | 'external';
const DEVICE = { username: 'device', password: 'device-password' };

interface Home {
  th: TestHub;
  /** A client of the hub's broker (the embedded one, or the external Mosquitto) that can publish anywhere. */
  device(clientId?: string): Promise<MqttClient>;
  restart(): Promise<void>;
}

/** A hub with `bridges`, on its embedded broker or on a Mosquitto of its own. */
async function startHome(local: Local, bridges: unknown[]): Promise<Home> {
  let broker: Mosquitto | undefined;
  if (local === 'external') {
    broker = await startMosquitto({ [DEVICE.username]: { password: DEVICE.password, acl: ['topic readwrite #'] } });
    cleanups.push(() => broker!.stop());
  }
  const overrides = {
    bridges,
    ...(broker ? { 'mqtt.url': broker.url, 'mqtt.username': HEARTH_USER.name, 'mqtt.password': HEARTH_USER.password } : {}),
  };
  const home: Home = {
    th: await startTestHub({ overrides }),
    async device(clientId) {
      const options = { reconnectPeriod: 0, ...(clientId ? { clientId } : {}) };
      const client = broker ? await mqtt.connectAsync(broker.url, { ...DEVICE, ...options }) : await home.th.connect(options);
      if (broker) cleanups.push(() => client.endAsync(true));
      return client;
    },
    async restart() {
      home.th = await home.th.restart();
    },
  };
  cleanups.push(() => home.th.stop(true));
  return home;
}

const WATCHER = { username: 'watcher', password: 'watcher-password' };

async function startRemote(): Promise<Mosquitto> {
  const remote = await startMosquitto({ [WATCHER.username]: { password: WATCHER.password, acl: ['topic readwrite #'] } });
  cleanups.push(() => remote.stop());
  return remote;
}

/** A subscriber on the remote broker with a persistent session: it gets what was queued for it across restarts. */
async function watch(url: string, filter: string, auth: { username: string; password: string } = WATCHER) {
  const got: Array<{ topic: string; payload: Buffer; retain: boolean }> = [];
  const client = mqtt.connect(url, { ...auth, clientId: `watcher-${randomBytes(3).toString('hex')}`, clean: false, reconnectPeriod: 200 });
  client.on('message', (topic, payload, packet) => got.push({ topic, payload, retain: packet.retain }));
  await new Promise((resolve, reject) => client.once('connect', resolve).once('error', reject));
  await client.subscribeAsync(filter, { qos: 1 });
  cleanups.push(() => client.endAsync(true));
  return { client, got };
}

const bridgeTo = (remote: { url: string }, topics: unknown[], extra: Record<string, unknown> = {}) => ({
  name: 'cloud',
  url: remote.url,
  username: HEARTH_USER.name,
  password: HEARTH_USER.password,
  topics,
  ...extra,
});

const bridgeStatus = async (th: TestHub) => (await http(th, 'GET', '/api/bridges')).json[0];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The deliveries with repeats removed (QoS 1 may repeat what was in flight at a cut), and how many repeats there were. */
function firstDeliveries(got: Array<{ payload: Buffer }>): { unique: Buffer[]; repeats: number } {
  const seen = new Set<string>();
  const unique: Buffer[] = [];
  for (const m of got) {
    const key = m.payload.toString('hex');
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(m.payload);
  }
  return { unique, repeats: got.length - unique.length };
}

describe.each(['embedded', 'external'] as const)('a bridge from a hub on its %s broker', (local) => {
  it('delivers every acknowledged QoS 1 message as sent and in order while the remote broker stops and starts mid-stream', async () => {
    const remote = await startRemote();
    const home = await startHome(local, [
      bridgeTo(remote, [{ pattern: 'home/stream/#', direction: 'out', qos: 1, remotePrefix: 'site1/' }]),
    ]);
    const { got } = await watch(remote.url, 'site1/#');
    const sensor = await home.device();
    const sent: Buffer[] = [];
    for (let i = 0; i < 240; i++) {
      // Binary payloads: what arrives must be byte for byte what was sent.
      const payload = Buffer.concat([Buffer.from(`${i}:`), randomBytes(24)]);
      await sensor.publishAsync('home/stream/data', payload, { qos: 1 });
      sent.push(payload);
      if (i === 80) await remote.stop();
      if (i === 160) {
        expect((await bridgeStatus(home.th)).connected).toBe(false);
        await remote.start();
      }
      await sleep(3);
    }
    await waitFor(
      () => firstDeliveries(got).unique.length === sent.length,
      `all ${sent.length} messages at the remote (${firstDeliveries(got).unique.length} so far)`,
      20_000,
    );
    const { unique, repeats } = firstDeliveries(got);
    expect(unique.map((p) => p.toString('hex'))).toEqual(sent.map((p) => p.toString('hex')));
    expect(new Set(got.map((m) => m.topic))).toEqual(new Set(['site1/home/stream/data']));
    // A repeat is only what was in flight when the connection was cut (at most the bridge's window of 20).
    expect(repeats).toBeLessThanOrEqual(20);
    // The last acknowledgements may come a moment after the messages.
    await waitFor(async () => (await bridgeStatus(home.th)).queued.out === 0, 'the queue empty');
    const status = await bridgeStatus(home.th);
    expect(status).toMatchObject({ connected: true, queued: { out: 0, in: 0 }, dropped: 0, protocolVersion: 5 });
    expect(status.forwarded.out).toBe(sent.length);
  });

  it('with `both` on a shared pattern, a message crosses once in each direction and never comes back', async () => {
    const remote = await startRemote();
    const home = await startHome(local, [bridgeTo(remote, [{ pattern: 'shared/#', direction: 'both', qos: 1 }])]);
    await expectNoLoop(home, remote.url, WATCHER);
  });
});

/** A local client and a remote client both on shared/#, each publishing once: each sees both messages exactly once. */
async function expectNoLoop(home: Home, remoteUrl: string, remoteAuth: { username: string; password: string }) {
  await waitFor(async () => (await bridgeStatus(home.th)).connected, 'the bridge connected');
  const localClient = await home.device('loop-local');
  const atLocal: string[] = [];
  localClient.on('message', (topic, payload) => atLocal.push(`${topic}=${payload}`));
  await localClient.subscribeAsync('shared/#', { qos: 1 });
  const { client: remoteClient, got } = await watch(remoteUrl, 'shared/#', remoteAuth);
  await localClient.publishAsync('shared/from-local', 'L', { qos: 1 });
  await remoteClient.publishAsync('shared/from-remote', 'R', { qos: 1 });
  await waitFor(() => atLocal.length >= 2 && got.length >= 2, 'both messages on both sides');
  // Long enough for a loop to show: each lap takes milliseconds on loopback.
  await sleep(1500);
  expect(atLocal.sort()).toEqual(['shared/from-local=L', 'shared/from-remote=R']);
  expect(got.map((m) => `${m.topic}=${m.payload}`).sort()).toEqual(['shared/from-local=L', 'shared/from-remote=R']);
  expect((await bridgeStatus(home.th)).forwarded).toEqual({ out: 1, in: 1 });
}

describe('a bridge from a hub on its embedded broker', () => {
  it('loses none of the messages queued for a remote that is down across a restart of the hub, and sends them in order', async () => {
    const remote = await startRemote();
    const home = await startHome('embedded', [bridgeTo(remote, [{ pattern: 'home/+/temperature', direction: 'out', qos: 1 }])]);
    const { got } = await watch(remote.url, 'home/#');
    await waitFor(async () => (await bridgeStatus(home.th)).connected, 'the bridge connected');
    await remote.stop();
    const sensor = await home.device();
    const sent = Array.from({ length: 50 }, (_, i) => (20 + i / 10).toFixed(1));
    for (const value of sent) await sensor.publishAsync('home/porch/temperature', value, { qos: 1 });
    await waitFor(async () => (await bridgeStatus(home.th)).queued.out === 50, '50 messages queued');
    await home.restart();
    expect((await bridgeStatus(home.th)).queued.out).toBe(50);
    await remote.start();
    await waitFor(() => got.length >= 50, 'the 50 messages at the remote', 15_000);
    expect(got.map((m) => m.payload.toString())).toEqual(sent);
    await waitFor(async () => (await bridgeStatus(home.th)).queued.out === 0, 'the queue empty');
    expect((await bridgeStatus(home.th)).forwarded.out).toBe(50);
  });

  it("brings in what was published on the remote broker while the hub was down (the remote keeps the bridge's session)", async () => {
    const remote = await startRemote();
    const home = await startHome('embedded', [
      bridgeTo(remote, [{ pattern: 'lamp/+/set', direction: 'in', qos: 1, localPrefix: 'home/', remotePrefix: 'site1/' }]),
    ]);
    await waitFor(async () => (await bridgeStatus(home.th)).connected, 'the bridge connected');
    // The lamp keeps a persistent session on the hub: what comes for it while it is away waits there.
    const lampOptions = { clientId: 'lamp', clean: false, username: 'admin', password: ADMIN_PASSWORD, reconnectPeriod: 0 };
    const lamp = await mqtt.connectAsync(home.th.mqttUrl, lampOptions);
    await lamp.subscribeAsync('home/lamp/+/set', { qos: 1 });
    await lamp.endAsync();
    await home.th.stop();
    const publisher = await mqtt.connectAsync(remote.url, WATCHER);
    for (const v of ['1', '2', '3']) await publisher.publishAsync('site1/lamp/power/set', v, { qos: 1 });
    await publisher.endAsync();
    await home.restart();
    const seen: string[] = [];
    const back = await connectListening(home.th.mqttUrl, lampOptions, (topic, payload) => seen.push(`${topic}=${payload}`));
    cleanups.push(() => back.endAsync(true));
    await waitFor(() => seen.length >= 3, 'the three commands at the lamp');
    expect(seen).toEqual(['home/lamp/power/set=1', 'home/lamp/power/set=2', 'home/lamp/power/set=3']);
  });

  it('keeps a retained message retained at the remote broker', async () => {
    const remote = await startRemote();
    const home = await startHome('embedded', [bridgeTo(remote, [{ pattern: 'home/#', direction: 'out', qos: 1 }])]);
    await waitFor(async () => (await bridgeStatus(home.th)).connected, 'the bridge connected');
    const sensor = await home.device();
    await sensor.publishAsync('home/attic/humidity', '61', { qos: 1, retain: true });
    await sensor.publishAsync('home/attic/motion', 'true', { qos: 1 });
    await waitFor(async () => (await bridgeStatus(home.th)).forwarded.out >= 2, 'both forwarded');
    // A subscriber that comes later gets the retained one only.
    const { got } = await watch(remote.url, 'home/attic/#');
    await waitFor(() => got.length >= 1, 'the retained message');
    await sleep(300);
    expect(got.map((m) => `${m.topic}=${m.payload} retain=${m.retain}`)).toEqual(['home/attic/humidity=61 retain=true']);
  });

  it('keeps at most maxQueued messages and maxQueuedBytes bytes for a remote that is down, drops the oldest, counts drops', async () => {
    const remote = await startRemote();
    const home = await startHome('embedded', [
      bridgeTo(remote, [{ pattern: 'home/count/+', direction: 'out', qos: 1 }], { maxQueued: 5 }),
      {
        ...bridgeTo(remote, [{ pattern: 'home/big/+', direction: 'out', qos: 1 }], { maxQueuedBytes: 1024 }),
        name: 'bytes',
        clientId: 'hearth-bytes',
      },
    ]);
    const { got } = await watch(remote.url, 'home/#');
    await waitFor(
      async () => (await http(home.th, 'GET', '/api/bridges')).json.every((b: { connected: boolean }) => b.connected),
      'the bridges connected',
    );
    await remote.stop();
    const sensor = await home.device();
    for (let i = 0; i < 12; i++) await sensor.publishAsync('home/count/n', String(i), { qos: 1 });
    // Each 300-byte payload and its 10-byte topic: three fit in 1024 bytes.
    for (let i = 0; i < 10; i++) await sensor.publishAsync('home/big/x', String(i).padEnd(300, '.'), { qos: 1 });
    await waitFor(async () => {
      const [count, bytes] = (await http(home.th, 'GET', '/api/bridges')).json;
      return count.queued.out === 5 && bytes.queued.out === 3;
    }, 'the queues at their bounds');
    const [count, bytes] = (await http(home.th, 'GET', '/api/bridges')).json;
    expect(count).toMatchObject({ dropped: 7, droppedBy: { queue_full: 7 } });
    expect(bytes).toMatchObject({ dropped: 7, queuedBytes: { out: 930 } });
    const metrics = (await http(home.th, 'GET', '/metrics')).text;
    expect(metrics).toContain('hearth_bridge_dropped_total{bridge="cloud",reason="queue_full"} 7');
    expect(metrics).toContain('hearth_bridge_queued{bridge="cloud",direction="out"} 5');
    expect(metrics).toContain('hearth_bridge_connected{bridge="cloud"} 0');
    expect(home.th.logs.join('\n')).toContain('dropping the oldest queued messages: the queue is full (maxQueued 5');
    await remote.start();
    await waitFor(() => got.length >= 8, 'the kept messages at the remote', 15_000);
    expect(got.filter((m) => m.topic === 'home/count/n').map((m) => m.payload.toString())).toEqual(['7', '8', '9', '10', '11']);
    expect(got.filter((m) => m.topic === 'home/big/x').map((m) => m.payload.toString().replace(/\.+$/, ''))).toEqual(['7', '8', '9']);
  });

  it('keeps what waits for a bridge taken out of the config, says so, and sends it once the bridge is back', async () => {
    const remote = await startRemote();
    const bridge = bridgeTo(remote, [{ pattern: 'home/#', direction: 'out', qos: 1 }]);
    const home = await startHome('embedded', [bridge]);
    const { got } = await watch(remote.url, 'home/#');
    await waitFor(async () => (await bridgeStatus(home.th)).connected, 'the bridge connected');
    await remote.stop();
    const sensor = await home.device();
    for (const v of ['1', '2']) await sensor.publishAsync('home/shed/door', v, { qos: 1 });
    await waitFor(async () => (await bridgeStatus(home.th)).queued.out === 2, 'two messages queued');
    const dataDir = home.th.dataDir;
    await home.th.stop();
    home.th = await startTestHub({ dataDir });
    expect(home.th.logs.join('\n')).toContain(
      '2 message(s) queued for bridge "cloud" wait in the database, but no bridge of that name is configured: add it back to send them',
    );
    await home.th.stop();
    await remote.start();
    home.th = await startTestHub({ dataDir, overrides: { bridges: [bridge] } });
    await waitFor(() => got.length === 2, 'the two messages at the remote', 10_000);
    expect(got.map((m) => m.payload.toString())).toEqual(['1', '2']);
  });

  it('does not loop with `both` against a broker that speaks MQTT 3.1.1 only (another hub), where there is no no-local', async () => {
    const other = await startTestHub();
    cleanups.push(() => other.stop(true));
    const home = await startHome('embedded', [
      {
        ...bridgeTo({ url: other.mqttUrl }, [{ pattern: 'shared/#', direction: 'both', qos: 1 }]),
        username: 'admin',
        password: ADMIN_PASSWORD,
      },
    ]);
    await waitFor(async () => (await bridgeStatus(home.th)).connected, 'the bridge connected');
    expect((await bridgeStatus(home.th)).protocolVersion).toBe(4);
    await expectNoLoop(home, other.mqttUrl, { username: 'admin', password: ADMIN_PASSWORD });
  });
});
