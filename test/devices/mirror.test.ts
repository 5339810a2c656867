// The mirror of other adapters' devices on home/<id>/…, and turning it off: with `mirror: false` nothing is published
// under home/ for them, while the hub still knows their state and commands still reach them.
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { http, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { bridgeDevices } from './fixtures/zigbee2mqtt.js';

let th: TestHub | undefined;
afterEach(async () => {
  await th?.stop(true);
  th = undefined;
});

async function bridgeWithLamp(hub: TestHub): Promise<{ bridge: MqttClient; home: string[]; commands: string[] }> {
  const home: string[] = [];
  const commands: string[] = [];
  const watcher = await hub.connect();
  watcher.on('message', (t, p) => home.push(`${t}=${p}`));
  await watcher.subscribeAsync('home/#');
  const bridge = await hub.connect();
  bridge.on('message', (t, p) => commands.push(`${t} ${p}`));
  await bridge.subscribeAsync('zigbee2mqtt/+/+/set');
  await bridge.publishAsync('zigbee2mqtt/bridge/state', 'online', { qos: 1, retain: true });
  await bridge.publishAsync('zigbee2mqtt/bridge/devices', JSON.stringify(bridgeDevices()), { qos: 1, retain: true });
  await bridge.publishAsync('zigbee2mqtt/kitchen/floor_light', '{"state":"OFF","brightness":10}', { qos: 1 });
  await waitFor(
    () => hub.hub.registry.has('kitchen_floor_light') && hub.hub.registry.get('kitchen_floor_light').properties.brightness?.value === 10,
    'the lamp state',
  );
  return { bridge, home, commands };
}

describe('the mirror on home/<id>/…', () => {
  it("publishes an adapter device's readings and status retained by default", async () => {
    th = await startTestHub();
    const { home } = await bridgeWithLamp(th);
    await waitFor(
      () => home.includes('home/kitchen_floor_light/brightness=10') && home.includes('home/kitchen_floor_light/status=online'),
      'the mirrored state',
    );
  });

  it('is off with mirror: false, and the device still works through home/<id>/<property>/set', async () => {
    th = await startTestHub({ overrides: { 'adapters.zigbee2mqtt.mirror': false } });
    const { home, commands } = await bridgeWithLamp(th);
    expect((await http(th, 'POST', '/api/devices/kitchen_floor_light/brightness/set', { value: 200 })).status).toBe(202);
    await waitFor(() => commands.includes('zigbee2mqtt/kitchen/floor_light/set {"brightness":200}'), 'the command in Zigbee2MQTT format');
    expect(home.filter((m) => !m.includes('/set='))).toEqual([]);
  });
});
