// The same home, twice: on the embedded broker, and on a real Mosquitto 2 (mqtt.url) that speaks MQTT 5 to the hub.
// Devices with their own logins report states, leave with a last will, get a rule's command, keep publishing while
// Hearth restarts, and live through a restart of the broker.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { connectListening, http, startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';
import { HEARTH_USER, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';

type Kind = 'embedded' | 'mosquitto';
const DEVICES = ['kitchen', 'porch', 'lamp', 'sensor'];

interface Home {
  th: TestHub;
  broker?: Mosquitto;
  /** Connects as the device `id`, with the login it has on this broker. */
  device(id: string, options?: IClientOptions): Promise<MqttClient>;
  deviceOptions(id: string, options?: IClientOptions): { url: string; options: IClientOptions };
  restartHub(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** Rule files written before the hub starts: a command when the porch gets dark, once it stays dark for `holdS`. */
function porchRule(holdS = 0): string {
  const dir = tempDir('hearth-rules-');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'porch.yaml'),
    `id: porch-light
triggers:
  - trigger: numeric_state
    topic: home/porch/lux
    below: 10
${holdS ? `    for: ${holdS}s\n` : ''}actions:
  - action: publish
    topic: home/lamp/power/set
    payload: "on"
`,
  );
  return dir;
}

async function startHome(kind: Kind, rulesDir = porchRule()): Promise<Home> {
  const passwords = new Map<string, string>();
  let broker: Mosquitto | undefined;
  if (kind === 'mosquitto') {
    // Each device with the rights the README's ACL snippet gives it (`hearth device add` prints the same).
    const users = Object.fromEntries(
      DEVICES.map((id) => [
        id,
        { password: `${id}-password`, acl: [`topic write home/${id}/#`, `topic read home/${id}/+/set`, `topic read home/${id}/status`] },
      ]),
    );
    for (const id of DEVICES) passwords.set(id, `${id}-password`);
    broker = await startMosquitto(users);
    cleanups.push(() => broker!.stop());
  }
  const overrides = broker ? { 'mqtt.url': broker.url, 'mqtt.username': HEARTH_USER.name, 'mqtt.password': HEARTH_USER.password } : {};
  const th = await startTestHub({ rulesDir, overrides });
  if (!broker) for (const id of DEVICES) passwords.set(id, (await th.hub.users.addDeviceCredential(id)).password);
  const clients: MqttClient[] = [];
  const home: Home = {
    th,
    broker,
    deviceOptions(id, options = {}) {
      return {
        url: broker?.url ?? home.th.mqttUrl,
        options: { username: id, password: passwords.get(id)!, clientId: id, reconnectPeriod: 0, ...options },
      };
    },
    async device(id, options) {
      const { url, options: o } = home.deviceOptions(id, options);
      const client = await mqtt.connectAsync(url, o);
      clients.push(client);
      return client;
    },
    async restartHub() {
      home.th = await home.th.restart();
    },
  };
  cleanups.push(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    await home.th.stop(true);
  });
  return home;
}

const will = (id: string) => ({ topic: `home/${id}/status`, payload: Buffer.from('offline'), qos: 1 as const, retain: true });

function history(th: TestHub, device: string, property: string): number[] {
  return (
    th.hub.db
      .prepare(
        'SELECT h.num AS n FROM history h JOIN history_series s ON s.id = h.series_id WHERE s.device_id = ? AND s.property = ? ORDER BY h.ts, h.rowid',
      )
      .all(device, property) as Array<{ n: number }>
  ).map((r) => r.n);
}

describe.each(['embedded', 'mosquitto'] as const)('a home on the %s broker', (kind) => {
  it('a device that says it is online and reports a reading is online with that state, in the API too', async () => {
    const home = await startHome(kind);
    const kitchen = await home.device('kitchen', { will: will('kitchen') });
    await kitchen.publishAsync('home/kitchen/status', 'online', { qos: 1, retain: true });
    await kitchen.publishAsync('home/kitchen/temperature', '21.5', { qos: 1, retain: true });
    await waitFor(() => home.th.hub.registry.has('kitchen') && home.th.hub.registry.get('kitchen').properties.temperature, 'the reading');
    const { json } = await http(home.th, 'GET', '/api/devices/kitchen');
    expect(json).toMatchObject({ id: 'kitchen', status: 'online', properties: { temperature: { value: 21.5 } } });
  });

  it('a device whose connection drops is marked offline by its last will', async () => {
    const home = await startHome(kind);
    const kitchen = await home.device('kitchen', { will: will('kitchen') });
    await kitchen.publishAsync('home/kitchen/status', 'online', { qos: 1, retain: true });
    await waitFor(() => home.th.hub.registry.has('kitchen') && home.th.hub.registry.get('kitchen').status === 'online', 'online');
    (kitchen as unknown as { stream: { destroy(): void } }).stream.destroy();
    await waitFor(() => home.th.hub.registry.get('kitchen').status === 'offline', 'offline after the connection dropped');
  });

  it('a rule sends its command to the device when the porch gets dark', async () => {
    const home = await startHome(kind);
    const commands: string[] = [];
    const lamp = await home.device('lamp');
    lamp.on('message', (topic, payload) => commands.push(`${topic}=${payload}`));
    await lamp.subscribeAsync('home/lamp/+/set', { qos: 1 });
    const porch = await home.device('porch');
    await porch.publishAsync('home/porch/lux', '50', { qos: 1 });
    await porch.publishAsync('home/porch/lux', '5', { qos: 1 });
    await waitFor(() => commands.length === 1, 'the command at the lamp');
    expect(commands).toEqual(['home/lamp/power/set=on']);
  });

  it('readings sent while Hearth restarts reach its history in order; a command to an absent device reaches it on return', async () => {
    const home = await startHome(kind);
    const sensor = await home.device('sensor', { clean: false, reconnectPeriod: 100 });
    await sensor.publishAsync('home/sensor/temperature', '20', { qos: 1 });
    await waitFor(() => history(home.th, 'sensor', 'temperature').length === 1, 'the first reading in history');
    const lamp = await home.device('lamp', { clean: false });
    await lamp.subscribeAsync('home/lamp/+/set', { qos: 1 });
    await lamp.publishAsync('home/lamp/power', 'off', { qos: 1, retain: true });
    await waitFor(() => home.th.hub.registry.has('lamp'), 'the lamp known');
    await lamp.endAsync();

    await home.th.stop();
    // On Mosquitto the broker queues these for Hearth's session; on the embedded broker the sensor's client keeps
    // them until the broker (in the hub) is back. Either way nothing is lost.
    const sent = ['21', '22', '23'].map((v) => sensor.publishAsync('home/sensor/temperature', v, { qos: 1 }));
    if (kind === 'mosquitto') await Promise.all(sent);
    await home.restartHub();
    await Promise.all(sent);
    await waitFor(() => history(home.th, 'sensor', 'temperature').length === 4, 'the readings sent meanwhile in history');
    expect(history(home.th, 'sensor', 'temperature')).toEqual([20, 21, 22, 23]);

    expect((await http(home.th, 'POST', '/api/devices/lamp/power/set', { value: 'on' })).status).toBe(202);
    const got: string[] = [];
    const { url, options } = home.deviceOptions('lamp', { clean: false });
    const back = await connectListening(url, options, (topic, payload) => got.push(`${topic}=${payload}`));
    cleanups.push(() => back.endAsync(true));
    await waitFor(() => got.length === 1, 'the command queued for the lamp');
    expect(got).toEqual(['home/lamp/power/set=on']);
  });
});

describe('a home on Mosquitto', () => {
  it('runs an MQTT 5 session that the broker keeps across restarts of Hearth, with its birth and will on hearth/status', async () => {
    const home = await startHome('mosquitto');
    // Mosquitto's own words for the connection: protocol 5 (p5), clean start off (c0).
    expect(home.broker!.log()).toMatch(/New client connected from 127\.0\.0\.1:\d+ as hearth \(p5, c0, k\d+, u'hearth'\)/);
    expect(home.th.hub.bus.status()).toMatchObject({ mode: 'external', connected: true, protocolVersion: 5, sessionPresent: false });
    const watcher = await mqtt.connectAsync(home.broker!.url, {
      username: HEARTH_USER.name,
      password: HEARTH_USER.password,
      clientId: 'watcher',
    });
    cleanups.push(() => watcher.endAsync(true));
    const statuses: string[] = [];
    watcher.on('message', (_t, payload) => statuses.push(payload.toString()));
    await watcher.subscribeAsync('hearth/status', { qos: 1 });
    await waitFor(() => statuses.at(-1) === 'online', 'the birth');
    // The registry (home/+/+) and the rules (#) both get every reading, and the broker sends each once: #.
    const received = async () =>
      Number(/^hearth_mqtt_broker_messages_received (\d+)$/m.exec((await http(home.th, 'GET', '/metrics')).text)![1]);
    const before = await received();
    const kitchen = await home.device('kitchen');
    for (let i = 0; i < 10; i++) await kitchen.publishAsync('home/kitchen/temperature', String(20 + i), { qos: 1 });
    await waitFor(
      () => home.th.hub.registry.has('kitchen') && home.th.hub.registry.get('kitchen').properties.temperature?.value === 29,
      'the last reading',
    );
    expect((await received()) - before).toBe(10);
    await home.restartHub();
    expect(home.th.hub.bus.status()).toMatchObject({ connected: true, protocolVersion: 5, sessionPresent: true });
    expect(home.th.logs.join('\n')).toContain('(MQTT 5, session resumed, client id "hearth")');
    await waitFor(() => statuses.join(',').endsWith('offline,online'), 'offline at the clean stop, online again');
  });

  it('broker down: /healthz says why, commands are refused with a 503, rule timers keep running; all resumes when it is back', async () => {
    const home = await startHome('mosquitto', porchRule(1));
    const commands: string[] = [];
    const { url, options } = home.deviceOptions('lamp', { clean: false, reconnectPeriod: 200 });
    const lamp = await connectListening(url, options, (topic, payload) => commands.push(`${topic}=${payload}`));
    cleanups.push(() => lamp.endAsync(true));
    await lamp.subscribeAsync('home/lamp/+/set', { qos: 1 });
    await lamp.publishAsync('home/lamp/power', 'off', { qos: 1, retain: true });
    const porch = await home.device('porch', { reconnectPeriod: 200 });
    await porch.publishAsync('home/porch/lux', '50', { qos: 1 });
    await porch.publishAsync('home/porch/lux', '5', { qos: 1 });
    await waitFor(
      () => home.th.hub.registry.has('porch') && home.th.hub.registry.get('porch').properties.lux?.value === 5,
      'the dark reading',
    );

    // The rule's 1 s hold started; the broker goes away before it falls due.
    await home.broker!.stop();
    const health = await waitFor(async () => {
      const { json } = await http(home.th, 'GET', '/healthz');
      return json.status === 'degraded' && json;
    }, '/healthz degraded');
    expect(health.problems).toEqual([
      expect.objectContaining({ component: 'broker', message: expect.stringContaining(`not connected to ${home.broker!.url}`) }),
    ]);
    const refused = await http(home.th, 'POST', '/api/devices/lamp/power/set', { value: 'off' });
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ code: 'HEARTH_BROKER_UNAVAILABLE', message: expect.stringContaining('not connected to') });
    expect(home.th.logs.join('\n')).toContain('POST /api/devices/lamp/power/set refused: The MQTT broker did not accept the message');
    // The timer ran on time; its command could not be sent, and its trace says why (nothing silently lost).
    const trace = await waitFor(
      async () =>
        (await http(home.th, 'GET', '/api/rules/porch-light/traces')).json.find((t: { outcome: string }) => t.outcome === 'error'),
      'the rule run during the outage',
    );
    expect(JSON.stringify(trace)).toContain('not connected to');
    expect(trace.trigger.description).toContain('held for 1s');

    await home.broker!.start();
    await waitFor(async () => (await http(home.th, 'GET', '/healthz')).json.status === 'ok', '/healthz ok again', 10_000);
    await porch.publishAsync('home/porch/lux', '60', { qos: 1 });
    await waitFor(() => home.th.hub.registry.get('porch').properties.lux?.value === 60, 'readings flow again');
    expect((await http(home.th, 'POST', '/api/devices/lamp/power/set', { value: 'off' })).status).toBe(202);
    await waitFor(() => commands.length === 1, 'the command after the outage');
    expect(commands).toEqual(['home/lamp/power/set=off']);
  });

  it('starts without the broker (it may boot later), degraded, and connects once it is there', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    await broker.stop();
    const th = await startTestHub({
      overrides: { 'mqtt.url': broker.url, 'mqtt.username': HEARTH_USER.name, 'mqtt.password': HEARTH_USER.password },
    });
    cleanups.push(() => th.stop(true));
    const { json } = await http(th, 'GET', '/healthz');
    expect(json).toMatchObject({
      status: 'degraded',
      problems: [expect.objectContaining({ component: 'broker', message: expect.stringContaining('is the broker running?') })],
    });
    await broker.start();
    await waitFor(async () => (await http(th, 'GET', '/healthz')).json.status === 'ok', 'connected', 10_000);
    expect(th.hub.bus.status()).toMatchObject({ connected: true, protocolVersion: 5 });
  });
});
