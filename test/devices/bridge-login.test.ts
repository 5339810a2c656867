// A bridge's own login: `hearth device add <id> --adapter zigbee2mqtt` gives credentials that may publish and
// subscribe inside Zigbee2MQTT's topics only, and the bridge works with them end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { runCli } from '../helpers/cli.js';
import { http, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { bridgeDevices } from './fixtures/zigbee2mqtt.js';

describe('a bridge login', () => {
  let th: TestHub;
  beforeAll(async () => {
    th = await startTestHub();
  });
  afterAll(async () => {
    await th.stop(true);
  });

  it('is issued by the CLI for an adapter, and lets the bridge work inside its topics and nowhere else', async () => {
    const added = await runCli(['device', 'add', 'zigbee2mqtt', '--adapter', 'zigbee2mqtt'], { HEARTH_DATA_DIR: th.dataDir });
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('it may publish to zigbee2mqtt/# and subscribe to zigbee2mqtt/#');
    const password = /password: (\S+)/.exec(added.stdout)![1]!;
    const bridge = await mqtt.connectAsync(th.mqttUrl, { username: 'zigbee2mqtt', password, reconnectPeriod: 0 });
    try {
      const commands: string[] = [];
      bridge.on('message', (t, p) => commands.push(`${t} ${p}`));
      expect((await bridge.subscribeAsync('zigbee2mqtt/+/set')).map((g) => g.qos)).toEqual([0]);
      await expect(bridge.subscribeAsync('home/#')).rejects.toThrow(); // SUBACK 0x80: Hearth's home/# is not its
      await bridge.publishAsync('zigbee2mqtt/bridge/devices', JSON.stringify(bridgeDevices()), { qos: 1, retain: true });
      await bridge.publishAsync('home/my_plug/state', 'ON', { qos: 1 }); // outside its topics: dropped
      await waitFor(() => th.hub.registry.has('my_plug'), 'the plug from bridge/devices');
      expect(th.logs.filter((l) => l.includes('dropped a publish'))).toEqual([
        expect.stringMatching(
          /dropped a publish by device zigbee2mqtt .*to home\/my_plug\/state: zigbee2mqtt may publish only to zigbee2mqtt\/#/,
        ),
      ]);
      expect(th.hub.registry.get('my_plug').properties.state!.value).toBeUndefined();
      await http(th, 'POST', '/api/devices/my_plug/state/set', { value: 'on' });
      await waitFor(() => commands.includes('zigbee2mqtt/my_plug/set {"state":"ON"}'), 'the command at the bridge');
    } finally {
      await bridge.endAsync();
    }
  });

  it('names the adapters it knows when given another, and the API issues the same login', async () => {
    const bad = await runCli(['device', 'add', 'x', '--adapter', 'zwave'], { HEARTH_DATA_DIR: th.dataDir });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(
      '--adapter must be one of zigbee2mqtt, homeassistant, owntracks, tasmota, shelly, esphome, homie, got "zwave"',
    );
    const res = await http(th, 'POST', '/api/device-credentials', { deviceId: 'esp-kitchen', adapter: 'homeassistant' });
    expect(res.status).toBe(201);
    expect(res.json.topics).toEqual({
      publish: ['homeassistant/#', 'esp-kitchen/#'],
      subscribe: ['homeassistant/status', 'esp-kitchen/#'],
    });
  });
});
