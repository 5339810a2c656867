// Per-device logins for ESPHome nodes and Homie devices (`hearth device add <id> --adapter esphome|homie`): each may
// publish and subscribe in its own device's topics only, and works end to end with them.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { http, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

describe('ESPHome and Homie device logins', () => {
  let th: TestHub;
  beforeAll(async () => {
    th = await startTestHub();
  });
  afterAll(async () => {
    await th.stop(true);
  });

  const login = async (id: string, adapter: string) => {
    const added = await runCli(['device', 'add', id, '--adapter', adapter], { HEARTH_DATA_DIR: th.dataDir });
    expect(added.code).toBe(0);
    const password = /password: (\S+)/.exec(added.stdout)![1]!;
    return { stdout: added.stdout, client: await mqtt.connectAsync(th.mqttUrl, { username: id, password, reconnectPeriod: 0 }) };
  };

  it("an ESPHome node reaches its own topics (and its discovery), not another node's", async () => {
    const { stdout, client } = await login('kitchen', 'esphome');
    expect(stdout).toContain('it may publish to kitchen/#, esphome/discover/kitchen, homeassistant/+/kitchen/+/config');
    try {
      const commands: string[] = [];
      client.on('message', (t, p) => commands.push(`${t} ${p}`));
      expect((await client.subscribeAsync('kitchen/+/+/command')).map((g) => g.qos)).toEqual([0]);
      await expect(client.subscribeAsync('bedroom/#')).rejects.toThrow();
      await client.publishAsync('kitchen/status', 'online', { qos: 1, retain: true });
      await client.publishAsync('kitchen/switch/kettle/state', 'OFF', { qos: 1 });
      await client.publishAsync('bedroom/switch/lamp/state', 'ON', { qos: 1 }); // another node's topic: dropped
      await waitFor(() => th.hub.registry.has('kitchen'), 'the kitchen node');
      expect(th.hub.registry.has('bedroom')).toBe(false);
      await http(th, 'POST', '/api/devices/kitchen/kettle/set', { value: true });
      await waitFor(() => commands.includes('kitchen/switch/kettle/command ON'), 'the command at the node');
    } finally {
      await client.endAsync();
    }
  });

  it('a Homie device reaches homie/<id>/… only', async () => {
    const { stdout, client } = await login('boiler', 'homie');
    expect(stdout).toContain('it may publish to homie/boiler/#, homie/5/boiler/#');
    try {
      const commands: string[] = [];
      client.on('message', (t, p) => commands.push(`${t} ${p}`));
      await client.subscribeAsync('homie/boiler/+/+/set');
      await expect(client.subscribeAsync('homie/#')).rejects.toThrow();
      for (const [t, v] of [
        ['homie/boiler/heater/$properties', 'on'],
        ['homie/boiler/heater/on/$datatype', 'boolean'],
        ['homie/boiler/heater/on/$settable', 'true'],
        ['homie/boiler/$state', 'ready'],
      ]) {
        await client.publishAsync(t!, v!, { qos: 1, retain: true });
      }
      await client.publishAsync('homie/other/$state', 'ready', { qos: 1, retain: true }); // not its own: dropped
      await waitFor(() => th.hub.registry.has('boiler') && th.hub.registry.get('boiler').status === 'online', 'the boiler ready');
      expect(th.hub.registry.has('other')).toBe(false);
      await http(th, 'POST', '/api/devices/boiler/heater_on/set', { value: 'on' });
      await waitFor(() => commands.includes('homie/boiler/heater/on/set true'), 'the command at the device');
    } finally {
      await client.endAsync();
    }
  });
});
