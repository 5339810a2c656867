import { it, expect } from 'vitest';
import mqtt from 'mqtt';
import { startMosquitto, HEARTH_USER } from '../helpers/mosquitto.js';
import { startTestHub, waitFor, http } from '../helpers/hub.js';

it('smoke', async () => {
  const m = await startMosquitto({ kitchen: { password: 'kitchen-pass', acl: ['topic write home/kitchen/#', 'topic read home/kitchen/+/set'] } });
  const th = await startTestHub({ overrides: { 'mqtt.url': m.url, 'mqtt.username': HEARTH_USER.name, 'mqtt.password': HEARTH_USER.password } });
  try {
    const dev = await mqtt.connectAsync(m.url, { username: 'kitchen', password: 'kitchen-pass', will: { topic: 'home/kitchen/status', payload: Buffer.from('offline'), qos: 1, retain: true } });
    await dev.publishAsync('home/kitchen/status', 'online', { qos: 1, retain: true });
    await dev.publishAsync('home/kitchen/temperature', '21.5', { qos: 1, retain: true });
    await waitFor(() => th.hub.registry.has('kitchen') && th.hub.registry.get('kitchen').properties.temperature, 'reading');
    expect(th.hub.registry.get('kitchen').status).toBe('online');
    (dev as any).stream.destroy();
    await waitFor(() => th.hub.registry.get('kitchen').status === 'offline', 'offline');
    console.log((await http(th, 'GET', '/healthz')).json, th.hub.bus.status());
    await m.stop();
    await waitFor(async () => (await http(th, 'GET', '/healthz')).json.status === 'degraded', 'degraded');
    console.log((await http(th, 'GET', '/healthz')).json);
    const r = await http(th, 'POST', '/api/devices/kitchen/light/set', { value: 'on' });
    console.log(r.status, r.json);
    await m.start();
    await waitFor(async () => (await http(th, 'GET', '/healthz')).json.status === 'ok', 'ok again', 10000);
  } finally {
    await th.stop(true);
    await m.stop();
    console.log(m.log().split('\n').filter(l => /New client|Reloading|hearth/.test(l)).slice(0, 20).join('\n'));
    console.log(th.logs.filter(l => /mqtt|presence|broker/.test(l)).join('\n'));
  }
});
