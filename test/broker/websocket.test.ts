// MQTT over WebSocket on the HTTP port's /mqtt path, for browsers and apps that cannot open raw TCP.
import mqtt from 'mqtt';
import { afterEach, expect, it } from 'vitest';
import { ADMIN_PASSWORD, nextMessage, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

let th: TestHub;
afterEach(async () => th.stop(true));

it('a WebSocket client publishes readings and receives messages like a TCP client', async () => {
  th = await startTestHub();
  const ws = await mqtt.connectAsync(`ws://127.0.0.1:${th.hub.ports.http}/mqtt`, {
    username: 'admin',
    password: ADMIN_PASSWORD,
    reconnectPeriod: 0,
  });
  await ws.publishAsync('home/browser/clicks', '3', { qos: 1 });
  await waitFor(() => th.hub.registry.has('browser'), 'device from the WebSocket client');
  const tcp = await th.connect();
  const received = nextMessage(ws, 'home/browser/light/set');
  await ws.subscribeAsync('home/browser/light/set');
  await tcp.publishAsync('home/browser/light/set', 'on', { qos: 1 });
  expect((await received).payload).toBe('on');
  await ws.endAsync();
});

it('a WebSocket client without credentials is refused', async () => {
  th = await startTestHub();
  const err = await mqtt.connectAsync(`ws://127.0.0.1:${th.hub.ports.http}/mqtt`, { reconnectPeriod: 0, connectTimeout: 3000 }).then(
    (c) => {
      c.end(true);
    },
    (e: Error) => e,
  );
  expect(err?.message).toMatch(/Not authorized/i);
});
