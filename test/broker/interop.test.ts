// Where the embedded broker must behave like the plain brokers other tools are tested against (Mosquitto, EMQX),
// and say plainly what it does not speak.
import { connect as netConnect } from 'node:net';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

let th: TestHub | undefined;
afterEach(async () => {
  await th?.stop(true);
  th = undefined;
});

/** Sends one raw CONNECT and resolves with the CONNACK's return code, or 'closed' when none came. */
function rawConnect(port: number, connect: object): Promise<{ returnCode?: number; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    let returnCode: number | undefined;
    parser.on('packet', (p: { cmd: string; returnCode?: number }) => {
      if (p.cmd === 'connack') returnCode = p.returnCode;
    });
    socket.on('data', (d) => parser.parse(d));
    socket.on('close', () => resolve({ returnCode, closed: true }));
    socket.on('error', () => undefined);
    const packet = mqttPacket.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      keepalive: 30,
      ...connect,
      clean: true,
    } as any);
    // mqtt-packet will not write what MQTT forbids; clear the CleanSession flag (0x02) by hand: the byte after the
    // fixed header (2), the protocol name (6) and the level (1).
    if ((connect as { clean?: boolean }).clean === false) packet[9]! &= ~0x02;
    socket.write(packet);
    setTimeout(() => socket.destroy(), 3000);
  });
}

describe('interoperability with what MQTT clients expect', () => {
  it('an MQTT 5 client is refused with a log line that says what to do instead', async () => {
    th = await startTestHub();
    const result = await new Promise<Error>((resolve) => {
      const client = mqtt.connect(th!.mqttUrl, { protocolVersion: 5, username: 'admin', password: 'whatever-1', reconnectPeriod: 0 });
      client.once('error', (err) => {
        client.end(true);
        resolve(err);
      });
      client.once('connect', () => {
        client.end(true);
        resolve(new Error('connected'));
      });
    });
    expect(result.message).toMatch(/protocol/i);
    const line = await waitFor(() => th!.logs.find((l) => l.includes('refused an MQTT 5 client')), 'the MQTT 5 log line');
    expect(line).toContain('the embedded broker speaks MQTT 3.1.1');
    expect(line).toContain('mqtt.url');
  });

  it('an admin may publish to a $-topic: subscribers of it get it, `#` does not [MQTT-4.7.2-1]', async () => {
    th = await startTestHub();
    const admin = await th.connect();
    const direct = await th.connect();
    const wide = await th.connect();
    const got = { direct: [] as string[], wide: [] as string[] };
    direct.on('message', (t) => got.direct.push(t));
    wide.on('message', (t) => got.wide.push(t));
    await direct.subscribeAsync('$app/#', { qos: 1 });
    await wide.subscribeAsync('#', { qos: 1 });
    await admin.publishAsync('$app/test', 'hello', { qos: 1 });
    await waitFor(() => got.direct.includes('$app/test'), '$app/test at its subscriber');
    expect(admin.connected).toBe(true);
    expect(got.wide).not.toContain('$app/test');
  });

  it('a device may not publish to a $-topic', async () => {
    th = await startTestHub();
    const { username, password } = await th.hub.users.addDeviceCredential('plug');
    const plug = await mqtt.connectAsync(th.mqttUrl, { username, password, reconnectPeriod: 0 });
    await plug.publishAsync('$app/test', 'x', { qos: 1 });
    await waitFor(
      () => th!.logs.some((l) => l.includes('dropped a publish by device plug') && l.includes('$-topics are for admins')),
      'the drop',
    );
    plug.end(true);
  });

  it('an empty client id with a persistent session gets CONNACK 0x02 and is closed [MQTT-3.1.3-8]', async () => {
    th = await startTestHub();
    const port = Number(new URL(th.mqttUrl).port);
    const refused = await rawConnect(port, { clientId: '', clean: false, username: 'admin', password: Buffer.from('test-admin-password') });
    expect(refused).toEqual({ returnCode: 2, closed: true });
    // With a clean session an empty id is fine: the broker assigns one.
    const client = await mqtt.connectAsync(th.mqttUrl, {
      clientId: '',
      clean: true,
      username: 'admin',
      password: 'test-admin-password',
      reconnectPeriod: 0,
    });
    expect(client.connected).toBe(true);
    client.end(true);
  });
});
