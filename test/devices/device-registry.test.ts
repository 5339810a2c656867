// User stories of the device registry: readings become typed state and history; online/offline follows the client.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { http, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

describe('device state from MQTT', () => {
  let th: TestHub;
  beforeEach(async () => {
    th = await startTestHub();
  });
  afterEach(async () => {
    await th.stop(true);
  });

  it('a published reading creates the device with a typed property, a timestamp and a history row', async () => {
    const sensor = await th.connect();
    const before = Date.now();
    await sensor.publishAsync('home/kitchen/temperature', '21.5', { qos: 1, retain: true });
    const device = await waitFor(async () => {
      const res = await http(th, 'GET', '/api/devices/kitchen');
      return res.status === 200 && res.json.properties.temperature ? res.json : undefined;
    }, 'kitchen to appear');
    expect(device.id).toBe('kitchen');
    expect(device.properties.temperature.value).toBe(21.5);
    expect(Date.parse(device.properties.temperature.updatedAt)).toBeGreaterThanOrEqual(before - 5);
    await waitFor(() => th.hub.devices.history('kitchen', 'temperature', 0, Date.now() + 1000).length === 1, 'history row');
    expect(th.hub.devices.history('kitchen', 'temperature', 0, Date.now() + 1000)[0]!.value).toBe(21.5);
  });

  it('payloads are typed: numbers, booleans, JSON and text', async () => {
    const c = await th.connect();
    await c.publishAsync('home/lamp/on', 'true', { qos: 1 });
    await c.publishAsync('home/lamp/color', '{"r":255,"g":10,"b":0}', { qos: 1 });
    await c.publishAsync('home/lamp/mode', 'night light', { qos: 1 });
    await c.publishAsync('home/lamp/level', '-3e2', { qos: 1 });
    await c.publishAsync('home/lamp/version', '1.2.3', { qos: 1 });
    const lamp = await waitFor(async () => {
      const res = await http(th, 'GET', '/api/devices/lamp');
      return res.status === 200 && Object.keys(res.json.properties).length === 5 ? res.json : undefined;
    }, 'five lamp properties');
    expect(lamp.properties.on.value).toBe(true);
    expect(lamp.properties.color.value).toEqual({ r: 255, g: 10, b: 0 });
    expect(lamp.properties.mode.value).toBe('night light');
    expect(lamp.properties.level.value).toBe(-300);
    expect(lamp.properties.version.value).toBe('1.2.3');
  });

  it('topics outside home/<device>/<property> and commands are not devices', async () => {
    const c = await th.connect();
    await c.publishAsync('home/kitchen/light/set', 'on', { qos: 1 });
    await c.publishAsync('home/Bad Id/x', '1', { qos: 1 });
    await c.publishAsync('other/thing/x', '1', { qos: 1 });
    await c.publishAsync('home/ok/x', '1', { qos: 1 });
    await waitFor(() => th.hub.registry.has('ok'), 'device ok');
    expect(th.hub.registry.list().map((d) => d.id)).toEqual(['ok']);
  });

  it('a device connected with a will is online, and offline when its connection is cut', async () => {
    const device = await th.connect({ clientId: 'plug-1', keepalive: 5, will: { topic: 'home/plug/status', payload: Buffer.from('offline'), qos: 1, retain: true } });
    await device.publishAsync('home/plug/status', 'online', { qos: 1, retain: true });
    await waitFor(() => th.hub.registry.has('plug') && th.hub.registry.get('plug').status === 'online', 'plug online');
    // Cut the TCP connection without DISCONNECT, as a power cut or Wi-Fi loss would.
    (device as any).stream.destroy();
    await waitFor(() => th.hub.registry.get('plug').status === 'offline', 'plug offline', 5000);
  });

  it('a client that disconnects cleanly without publishing offline marks its device offline', async () => {
    const device = await th.connect({ clientId: 'sensor-7', will: { topic: 'home/hall/status', payload: Buffer.from('offline'), qos: 1, retain: true } });
    await device.publishAsync('home/hall/status', 'online', { qos: 1, retain: true });
    await waitFor(() => th.hub.registry.has('hall') && th.hub.registry.get('hall').online, 'hall online');
    await device.endAsync(); // clean DISCONNECT: aedes discards the will [MQTT-3.1.2-10]
    await waitFor(() => th.hub.registry.get('hall').status === 'offline', 'hall offline');
    // The retained status is corrected too, so anyone subscribing later sees the truth.
    const watcher = await th.connect();
    const retained = await new Promise<string>((resolve) => {
      watcher.on('message', (t, p) => t === 'home/hall/status' && resolve(p.toString()));
      void watcher.subscribeAsync('home/hall/status');
    });
    expect(retained).toBe('offline');
  });

  it('a device announced by another client stays online when an unrelated client leaves', async () => {
    const device = await th.connect({ clientId: 'door-1' });
    await device.publishAsync('home/door/status', 'online', { qos: 1, retain: true });
    const other = await th.connect({ clientId: 'phone' });
    await other.publishAsync('home/door/contact', 'closed', { qos: 1 });
    await other.endAsync();
    await waitFor(() => th.hub.registry.get('door').properties.contact, 'contact');
    await new Promise((r) => setTimeout(r, 100));
    expect(th.hub.registry.get('door').status).toBe('online');
  });
});

describe('the registry across restarts', () => {
  it('devices and their state survive a restart; devices whose clients are gone come back offline', async () => {
    let th = await startTestHub();
    const c = await th.connect({ clientId: 'thermo' });
    await c.publishAsync('home/attic/status', 'online', { qos: 1, retain: true });
    await c.publishAsync('home/attic/temperature', '30.25', { qos: 1, retain: true });
    await waitFor(() => th.hub.registry.has('attic') && th.hub.registry.get('attic').properties.temperature, 'attic');
    // Stop the hub while the client is still connected, as a crash or power cut would leave it recorded online.
    await th.hub.stop();
    const dataDir = th.dataDir;
    th = await startTestHub({ dataDir });
    try {
      const res = await http(th, 'GET', '/api/devices/attic');
      expect(res.status).toBe(200);
      expect(res.json.properties.temperature.value).toBe(30.25);
      expect(res.json.status).toBe('offline');
      expect(th.logs.some((l) => l.includes('marked 1 device(s) offline'))).toBe(true);
    } finally {
      await th.stop(true);
    }
  });
});
