// Shelly devices on the real broker: a Gen1 H&T and 2.5 roller (shellies/<id>/…) and a Gen2 Plus 1PM with its own
// login (<id>/status/…, /events/rpc, JSON-RPC on <id>/rpc with replies on hearth-shelly/rpc). Readings feed rules
// and history; commands reach each in its own dialect. Payloads: see fixtures/shelly.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';
import { GEN1_ANNOUNCE, NOTIFY_STATUS, SWITCH_STATUS } from './fixtures/shelly.js';

const PLUS = 'shellyplus1pm-a8032ab12345';
const RULE = `
id: warm-fan
triggers:
  - trigger: numeric_state
    topic: home/shellyht-c2a1b4/temperature
    above: 25
actions:
  - action: publish
    topic: home/${PLUS}/switch_0/set
    payload: "on"
  - action: publish
    topic: home/shellyswitch25-73cde9/roller_0_position/set
    payload: 0
`;

describe('Shelly devices', () => {
  let th: TestHub;
  let gen1: MqttClient;
  let plus: MqttClient;
  const seen: string[] = [];
  const device = async (id: string) => (await http(th, 'GET', `/api/devices/${id}`)).json;

  beforeAll(async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'rules', 'fan.yaml'), RULE);
    th = await startTestHub({ dataDir: dir, rulesDir: join(dir, 'rules') });
    gen1 = await th.connect({ clientId: 'gen1-shellies' });
    gen1.on('message', (t, p) => seen.push(`${t} ${p}`));
    await gen1.subscribeAsync('shellies/+/roller/0/command/#');
    const res = await http(th, 'POST', '/api/device-credentials', { deviceId: PLUS, adapter: 'shelly' });
    expect(res.json.topics).toEqual({
      publish: [`shellies/${PLUS}/#`, 'shellies/announce', `${PLUS}/#`, 'hearth-shelly/rpc'],
      subscribe: [`shellies/${PLUS}/#`, 'shellies/command', `${PLUS}/rpc`],
    });
    plus = await mqtt.connectAsync(th.mqttUrl, {
      username: PLUS,
      password: res.json.password,
      reconnectPeriod: 0,
      will: { topic: `${PLUS}/online`, payload: Buffer.from('false'), qos: 1, retain: true },
    });
    let output = true;
    plus.on('message', (topic, payload) => {
      seen.push(`${topic} ${payload}`);
      // A Gen2 device answers on <src>/rpc and notifies the change on <id>/events/rpc (RPCChannels, Notifications).
      const req = JSON.parse(payload.toString());
      const reply =
        req.method === 'Switch.Set'
          ? { id: req.id, src: PLUS, dst: req.src, result: { was_on: output } }
          : { id: req.id, src: PLUS, dst: req.src, error: { code: 404, message: `No handler for ${req.method}` } };
      void plus.publishAsync(`${req.src}/rpc`, JSON.stringify(reply));
      if (req.method === 'Switch.Set') {
        output = req.params.on;
        void plus.publishAsync(
          `${PLUS}/events/rpc`,
          JSON.stringify({ ...NOTIFY_STATUS(PLUS), params: { ts: 1, 'switch:0': { id: 0, output } } }),
        );
      }
    });
    await plus.subscribeAsync(`${PLUS}/rpc`);
    await plus.publishAsync(`${PLUS}/online`, 'true', { qos: 1, retain: true });
    await plus.publishAsync(`${PLUS}/status/switch:0`, JSON.stringify({ ...SWITCH_STATUS, output: false }), { qos: 1 });
  });
  afterAll(async () => {
    await plus?.endAsync().catch(() => undefined);
    await th.stop(true);
  });

  it('Gen1 devices: announce, online, relay and roller topics, sensors with units', async () => {
    const roller = 'shellies/shellyswitch25-73CDE9';
    await gen1.publishAsync('shellies/announce', JSON.stringify({ ...GEN1_ANNOUNCE, id: 'shellyswitch25-73CDE9', model: 'SHSW-25' }), {
      qos: 1,
    });
    await gen1.publishAsync(`${roller}/online`, 'true', { qos: 1, retain: true });
    await gen1.publishAsync(`${roller}/roller/0`, 'stop', { qos: 1 });
    await gen1.publishAsync(`${roller}/roller/0/pos`, '80', { qos: 1 });
    await gen1.publishAsync('shellies/shellyht-C2A1B4/sensor/humidity', '48', { qos: 1 });
    await gen1.publishAsync('shellies/shellyht-C2A1B4/sensor/temperature', '21.5', { qos: 1 });
    await waitFor(async () => (await device('shellyht-c2a1b4'))?.properties?.temperature?.value === 21.5, 'the H&T reading');
    expect((await device('shellyht-c2a1b4')).properties).toMatchObject({
      temperature: { unit: '°C', deviceClass: 'temperature' },
      humidity: { value: 48, unit: '%' },
    });
    const d = await device('shellyswitch25-73cde9');
    expect(d).toMatchObject({ source: 'shelly', model: 'SHSW-25', manufacturer: 'Shelly', status: 'online' });
    expect(d.properties).toMatchObject({
      roller_0: { value: 'stop', type: 'enum', settable: true },
      roller_0_position: { value: 80, unit: '%', settable: true },
    });
  });

  it('a Gen2 device from its status topic, with its meters', async () => {
    const d = await device(PLUS);
    expect(d).toMatchObject({ source: 'shelly', status: 'online' });
    expect(d.properties).toMatchObject({
      switch_0: { value: false, type: 'boolean', settable: true },
      switch_0_power: { value: 8.9, unit: 'W' },
      switch_0_energy: { value: 6.532, unit: 'Wh' },
      switch_0_temperature: { value: 23.5, unit: '°C' },
    });
  });

  it('a rule on the H&T turns the Gen2 switch on by JSON-RPC and the Gen1 roller by its command topic', async () => {
    await gen1.publishAsync('shellies/shellyht-C2A1B4/sensor/temperature', '26.2', { qos: 1 });
    await waitFor(
      () => seen.some((s) => s.startsWith(`${PLUS}/rpc `)) && seen.includes('shellies/shellyswitch25-73CDE9/roller/0/command/pos 0'),
      'both commands',
    );
    const request = JSON.parse(seen.find((s) => s.startsWith(`${PLUS}/rpc `))!.slice(PLUS.length + 5));
    expect(request).toEqual({ id: expect.any(Number), src: 'hearth-shelly', method: 'Switch.Set', params: { id: 0, on: true } });
    // Its NotifyStatus says it is on.
    await waitFor(async () => (await device(PLUS)).properties.switch_0.value === true, 'the switch on');
    await waitFor(
      () => th.hub.history.readingsOf('shellyht-c2a1b4', 'temperature', 0, Date.now() + 1000).length === 2,
      'temperature history',
    );
  });

  it('tells a refusal in an RPC reply, a malformed status and a huge payload once each, and loses nothing else', async () => {
    for (let i = 0; i < 2; i++) await http(th, 'POST', `/api/devices/${PLUS}/switch_0/set`, { value: 'toggle' });
    await waitFor(() => th.logs.some((l) => l.includes(`${PLUS} refused Switch.Toggle: No handler for Switch.Toggle`)), 'the refusal');
    for (let i = 0; i < 2; i++) await plus.publishAsync(`${PLUS}/status/switch:0`, '{"output":', { qos: 1 });
    for (let i = 0; i < 2; i++) await plus.publishAsync(`${PLUS}/status/switch:0`, `{"x":"${'x'.repeat(40_000)}"}`, { qos: 1 });
    await plus.publishAsync(`${PLUS}/status/switch:0`, JSON.stringify({ ...SWITCH_STATUS, apower: 99.5 }), { qos: 1 });
    await waitFor(async () => (await device(PLUS)).properties.switch_0_power.value === 99.5, 'the next good status');
    expect(th.logs.filter((l) => l.includes(`${PLUS} refused Switch.Toggle`))).toHaveLength(1);
    expect(th.logs.filter((l) => l.includes(`${PLUS}/status/switch:0 is not a JSON object`))).toHaveLength(1);
    expect(th.logs.filter((l) => l.includes(`${PLUS}/status/switch:0 sent 40008 bytes, more than shelly takes`))).toHaveLength(1);
  });

  it('its login reaches only its own topics; its will makes it offline', async () => {
    await expect(plus.subscribeAsync('shellyplus1pm-other/rpc')).rejects.toThrow();
    (plus as any).stream.destroy();
    await waitFor(async () => (await device(PLUS)).status === 'offline', 'offline by its will');
  });
});
