// Both MessageBus implementations behave alike: live messages, retained messages first, publish options, unsubscribe.
// The MQTT client bus runs here against the embedded broker, which speaks 3.1.1 only: it falls back from MQTT 5.
import { describe, expect, it } from 'vitest';
import type { BusMessage, MessageBus } from '../../src/bus/message-bus.js';
import { topicMatches } from '../../src/bus/message-bus.js';
import { MqttClientBus } from '../../src/bus/mqtt-client-bus.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { ADMIN_PASSWORD, nextMessage, startTestHub, waitFor } from '../helpers/hub.js';

describe('topicMatches', () => {
  it.each([
    ['home/+/temperature', 'home/kitchen/temperature', true],
    ['home/#', 'home', true],
    ['home/#', 'home/a/b/c', true],
    ['home/+', 'home/a/b', false],
    ['+/status', '$SYS/status', false],
    ['#', '$SYS/broker', false],
    ['home/kitchen/temperature', 'home/kitchen/humidity', false],
  ])('%s vs %s → %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

for (const kind of ['in-process', 'mqtt client'] as const) {
  describe(`${kind} bus`, () => {
    it('delivers retained messages first, then live ones, publishes un-retained by default, and unsubscribes', async () => {
      const th = await startTestHub();
      const logger = createMemoryLogger('debug');
      const external =
        kind === 'mqtt client'
          ? new MqttClientBus({
              url: th.mqttUrl,
              username: 'admin',
              password: ADMIN_PASSWORD,
              clientId: 'bus-test',
              sessionExpirySeconds: 60,
              logger,
            })
          : undefined;
      await external?.start();
      const bus: MessageBus = external ?? th.hub.bus;
      try {
        if (external) {
          expect(external.status()).toMatchObject({ mode: 'external', connected: true, protocolVersion: 4 });
          expect(logger.lines.join('\n')).toContain('does not speak MQTT 5: using MQTT 3.1.1');
        }
        const device = await th.connect();
        await device.publishAsync('home/study/lux', '120', { qos: 1, retain: true });
        // Let the live delivery of that message finish, so the subscription below sees only its retained copy.
        await waitFor(() => th.hub.registry.has('study'), 'the reading in the registry');
        const got: BusMessage[] = [];
        const off = await bus.subscribe('home/study/+', (m) => got.push(m));
        await waitFor(() => got.length === 1, 'retained message');
        expect(got[0]).toMatchObject({ topic: 'home/study/lux', retain: true });
        expect(got[0]!.payload.toString()).toBe('120');
        await device.publishAsync('home/study/lux', '130', { qos: 1 });
        await waitFor(() => got.length === 2, 'live message');
        expect(got[1]!.retain).toBe(false);

        await device.subscribeAsync('home/study/light/set', { qos: 1 });
        const command = nextMessage(device, 'home/study/light/set');
        await bus.publish('home/study/light/set', 'on', { qos: 1 });
        expect(await command).toMatchObject({ payload: 'on', retain: false });

        await off();
        await device.publishAsync('home/study/lux', '140', { qos: 1 });
        await new Promise((r) => setTimeout(r, 100));
        expect(got.map((m) => `${m.topic}=${m.payload}`)).toEqual(['home/study/lux=120', 'home/study/lux=130']);
      } finally {
        await external?.stop();
        await th.stop(true);
      }
    });
  });
}
