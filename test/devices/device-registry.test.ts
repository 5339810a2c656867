// User stories of the device registry: readings become typed state and history; online/offline follows the client.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { historyTotals, http, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

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
    await waitFor(() => th.hub.history.readingsOf('kitchen', 'temperature', 0, Date.now() + 1000).length === 1, 'history row');
    expect(th.hub.history.readingsOf('kitchen', 'temperature', 0, Date.now() + 1000)[0]!.value).toBe(21.5);
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
    const device = await th.connect({
      clientId: 'plug-1',
      keepalive: 5,
      will: { topic: 'home/plug/status', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    await device.publishAsync('home/plug/status', 'online', { qos: 1, retain: true });
    await waitFor(() => th.hub.registry.has('plug') && th.hub.registry.get('plug').status === 'online', 'plug online');
    // Cut the TCP connection without DISCONNECT, as a power cut or Wi-Fi loss would.
    (device as any).stream.destroy();
    await waitFor(() => th.hub.registry.get('plug').status === 'offline', 'plug offline', 5000);
  });

  it('a client that disconnects cleanly without publishing offline marks its device offline', async () => {
    const device = await th.connect({
      clientId: 'sensor-7',
      will: { topic: 'home/hall/status', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
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

describe('topics that do not fit home/<device>/<property>', () => {
  let th: TestHub;
  beforeEach(async () => {
    th = await startTestHub();
  });
  afterEach(async () => {
    await th.stop(true);
  });

  it('are not taken as readings, are logged once per pattern with the reason, and are counted by reason in /metrics', async () => {
    const c = await th.connect();
    const long = 'a'.repeat(70);
    for (let i = 0; i < 3; i++) await c.publishAsync('home/Kitchen/Temperature', String(20 + i), { qos: 1 });
    await c.publishAsync('home/Kitchen/Humidity', '40', { qos: 1 });
    await c.publishAsync('home/livingroom/lamp/brightness', '80', { qos: 1 });
    await c.publishAsync('home/livingroom/lamp/brightness', '90', { qos: 1 });
    await c.publishAsync(`home/${long}/temperature`, '19', { qos: 1 });
    await c.publishAsync('home/porch/Motion Detected', 'true', { qos: 1 });
    await c.publishAsync('home/hall', '1', { qos: 1 });
    await c.publishAsync('home/kitchen/light/set', 'on', { qos: 1 }); // a command: neither a reading nor a mistake
    await c.publishAsync('home/ok/x', '1', { qos: 1 });
    await waitFor(() => th.hub.registry.has('ok'), 'device ok');
    expect(th.hub.registry.list().map((d) => d.id)).toEqual(['ok']);

    const notTaken = th.logs.filter((l) => l.includes('is not taken as a device reading'));
    expect(notTaken).toHaveLength(5);
    const line = (topic: string) => notTaken.filter((l) => l.includes(`${topic} is not taken`));
    expect(line('home/Kitchen/Temperature')).toEqual([
      expect.stringContaining(
        'its device id "Kitchen" has capital letters; ids are lowercase, e.g. home/kitchen/temperature (logged once for home/Kitchen/+)',
      ),
    ]);
    expect(line('home/Kitchen/Humidity')).toEqual([]); // same pattern, already said
    expect(line('home/livingroom/lamp/brightness')[0]).toContain(
      'it has 4 levels, and a device reading is home/<device>/<property>; one device is one level, e.g. home/livingroom_lamp/brightness',
    );
    expect(line(`home/${long}/temperature`)[0]).toContain('its device id is 70 characters long, more than 64');
    expect(line('home/porch/Motion Detected')[0]).toContain(
      'its property "Motion Detected" may hold only a-z, 0-9, _ and - (1-64 characters)',
    );
    expect(line('home/hall')[0]).toContain('it has 2 levels');

    const metrics = (await http(th, 'GET', '/metrics')).text;
    expect(metrics).toContain('# HELP hearth_device_topics_ignored_total');
    expect(metrics).toContain('hearth_device_topics_ignored_total{reason="uppercase"} 4');
    expect(metrics).toContain('hearth_device_topics_ignored_total{reason="levels"} 3');
    expect(metrics).toContain('hearth_device_topics_ignored_total{reason="too_long"} 1');
    expect(metrics).toContain('hearth_device_topics_ignored_total{reason="characters"} 1');
  });

  it('the set of patterns already logged is bounded: a client inventing topics cannot grow it', async () => {
    const c = await th.connect();
    for (let i = 0; i < 1100; i++) void c.publish(`home/Device${i}/temperature`, '1', { qos: 0 });
    await c.publishAsync('home/ok/x', '1', { qos: 1 });
    await waitFor(() => th.hub.registry.has('ok'), 'device ok');
    expect(th.hub.metrics.value('hearth_device_topics_ignored_total', { reason: 'uppercase' })).toBe(1100);
    // Every pattern was new, so each was said once; the memory of them holds the newest 1,000.
    expect(th.logs.filter((l) => l.includes('is not taken as a device reading'))).toHaveLength(1100);
    expect(th.hub.registry.loggedPatternCount).toBe(1000);
  });
});

describe('a non-number on a numeric property', () => {
  it('is stored as the latest value, reported once per property; it stays numeric, with its history (after a restart too)', async () => {
    let th = await startTestHub();
    try {
      const c = await th.connect();
      await c.publishAsync('home/kitchen/temperature', '21.5', { qos: 1 });
      await c.publishAsync('home/kitchen/temperature', 'hot', { qos: 1 });
      await c.publishAsync('home/kitchen/temperature', '21,5', { qos: 1 });
      await c.publishAsync('home/kitchen/temperature', '22', { qos: 1 });
      await c.publishAsync('home/kitchen/mode', 'eco', { qos: 1 }); // text from the start: nothing odd about it
      await c.publishAsync('home/kitchen/humidity', '45', { qos: 1 });
      await c.publishAsync('home/kitchen/humidity', '45 %', { qos: 1, retain: true });
      const device = await waitFor(async () => {
        const res = await http(th, 'GET', '/api/devices/kitchen');
        return res.json?.properties?.humidity?.value === '45 %' ? res.json : undefined;
      }, 'the humidity with a unit');
      expect(device.properties.temperature).toMatchObject({ value: 22, type: 'number' });
      expect(device.properties.humidity).toMatchObject({ value: '45 %', type: 'number' });
      expect(device.properties.mode).toMatchObject({ value: 'eco', type: 'enum' });
      expect(device.problems).toEqual([
        {
          property: 'temperature',
          at: expect.any(String),
          message:
            'home/kitchen/temperature got "hot", which is not a number; its earlier readings were numbers. It is stored as text and left out of the chart.',
        },
        {
          property: 'humidity',
          at: expect.any(String),
          message:
            'home/kitchen/humidity got "45 %", which is not a number (a number with a unit: publish 45 alone); its earlier readings were numbers. It is stored as text and left out of the chart.',
        },
      ]);
      const warned = th.logs.filter((l) => l.includes('which is not a number'));
      expect(warned).toHaveLength(2);
      expect(warned[0]).toContain('(logged once per property)');
      // The numeric readings are the chart's: two of them, 21.5 and 22.
      await waitFor(async () => (await historyTotals(th, 'kitchen', 'temperature')).count === 2, 'history');
      expect(await historyTotals(th, 'kitchen', 'temperature')).toEqual({ min: 21.5, max: 22, count: 2 });

      // After a restart the latest humidity is still "45 %", and the hub still knows the property as numeric.
      th = await th.restart();
      expect((await http(th, 'GET', '/api/devices/kitchen')).json.properties.humidity).toMatchObject({ value: '45 %', type: 'number' });
      const again = await th.connect();
      await again.publishAsync('home/kitchen/humidity', '45,5', { qos: 1 });
      await waitFor(
        () => th.logs.some((l) => l.includes('home/kitchen/humidity got "45,5", which is not a number (a decimal comma: publish 45.5)')),
        'the decimal comma reported',
      );
    } finally {
      await th.stop(true);
    }
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
