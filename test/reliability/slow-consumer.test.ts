// A subscriber that stops reading must not delay anybody else, nor make the hub hold its messages without bound;
// one that reads slowly is throttled like in any broker (back-pressure), not cut off.
import { connect as netConnect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterEach, expect, it } from 'vitest';
import { retainedHeap } from '../helpers/memory.js';
import { ADMIN_PASSWORD, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

let th: TestHub | undefined;
afterEach(async () => {
  await th?.stop(true);
  th = undefined;
});

/** A raw client, connected and subscribed; its parser and socket are the caller's to read from (or not). */
async function rawSubscriber(port: number, clientId: string, filter: string, qos: 0 | 1) {
  const socket = netConnect(port, '127.0.0.1');
  const parser = mqttPacket.parser();
  const suback = new Promise<void>((resolve) => parser.on('packet', (p) => p.cmd === 'suback' && resolve()));
  const onData = (d: Buffer) => parser.parse(d);
  socket.on('data', onData);
  socket.on('error', () => undefined);
  await new Promise((r) => socket.once('connect', r));
  socket.write(
    mqttPacket.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      clientId,
      keepalive: 0,
      username: 'admin',
      password: Buffer.from(ADMIN_PASSWORD),
    }),
  );
  socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos }] }));
  await suback;
  socket.off('data', onData);
  return { socket, parser };
}

/** A raw client that connects, subscribes and then never reads its socket again. */
async function stuckSubscriber(port: number, clientId: string, filter: string, qos: 0 | 1): Promise<Socket> {
  const { socket } = await rawSubscriber(port, clientId, filter, qos);
  socket.pause();
  return socket;
}

it('subscribers that never read hold no one up: QoS 0 to them is dropped, a QoS 1 one is cut off at its buffer limit', {
  timeout: 60_000,
}, async () => {
  th = await startTestHub({
    overrides: { 'mqtt.maxPublishRatePerClient': 1_000_000, 'mqtt.maxClientBufferBytes': 1_048_576, 'log.level': 'info' },
  });
  const port = Number(new URL(th.mqttUrl).port);
  const stuck0 = await stuckSubscriber(port, 'stuck-qos0', 'lab/#', 0);
  const stuck1 = await stuckSubscriber(port, 'stuck-qos1', 'lab/#', 1);
  const reader = await th.connect({ clientId: 'reader' });
  let received = 0;
  reader.on('message', () => received++);
  await reader.subscribeAsync('lab/stream', { qos: 1 });
  const publisher = await th.connect({ clientId: 'publisher' });
  const heapBefore = retainedHeap();

  // 8,000 messages of 2 KiB: 16 MiB, far more than the socket buffers of the stuck clients can take.
  const N = 8000;
  const payload = Buffer.alloc(2048, 'x');
  for (let i = 0; i < N; i += 200) {
    await Promise.all(Array.from({ length: 200 }, () => publisher.publishAsync('lab/stream', payload, { qos: 1 })));
  }
  // aedes alone would wait up to its 60 s drain timeout for each stuck client, and everyone with it.
  await waitFor(() => received >= N, `the reader to get all ${N} messages (got ${received})`, 20_000);

  const logged = (...parts: string[]) => th!.logs.some((l) => parts.every((p) => l.includes(p)));
  expect(logged('stuck-qos0', 'does not read its messages', 'QoS 0 messages to it are dropped')).toBe(true);
  expect(logged('dropped QoS 0 messages to stuck-qos0')).toBe(true);
  expect(th.hub.metrics.value('hearth_mqtt_slow_client_dropped_total')).toBeGreaterThan(1000);
  await waitFor(() => logged('disconnected stuck-qos1', 'over mqtt.maxClientBufferBytes'), 'the stuck QoS 1 subscriber cut off');
  expect(th.hub.metrics.value('hearth_mqtt_limit_disconnects_total', { limit: 'max_client_buffer' })).toBe(1);
  await waitFor(() => th!.hub.broker.openConnections === 3, 'the reader, the publisher and the QoS 0 stuck client connected');
  // Nothing of the 16 MiB is held for them: at most the buffer limit for the one still connected.
  expect(retainedHeap() - heapBefore).toBeLessThan(4 * 1024 * 1024);
  stuck0.destroy();
  stuck1.destroy();

  // And a fresh client is served normally afterwards.
  const late = await th.connect({ clientId: 'late' });
  await late.subscribeAsync('lab/late', { qos: 1 });
  const got = new Promise<string>((r) => late.on('message', (_t, p) => r(p.toString())));
  await publisher.publishAsync('lab/late', 'hello', { qos: 1 });
  expect(await got).toBe('hello');
});

it('a subscriber that reads slowly is throttled, not cut off, and gets every message', { timeout: 60_000 }, async () => {
  th = await startTestHub({ overrides: { 'mqtt.maxPublishRatePerClient': 1_000_000, 'mqtt.maxClientBufferBytes': 262_144 } });
  const port = Number(new URL(th.mqttUrl).port);
  // A raw reader that takes its data in small bites with pauses, like a busy phone on Wi-Fi.
  const { socket, parser } = await rawSubscriber(port, 'sluggish', 'lab/stream', 0);
  let received = 0;
  parser.on('packet', (p) => p.cmd === 'publish' && received++);
  // About 4 MB/s, slower than the publisher: beyond what the kernel's socket buffers absorb, its buffer at the hub
  // would pass the limit without back-pressure.
  socket.on('data', (d) => {
    parser.parse(d);
    socket.pause();
    setTimeout(() => socket.resume(), Math.ceil(d.length / 4096));
  });
  await waitFor(() => th!.hub.broker.openConnections === 1, 'the sluggish reader connected');
  await new Promise((r) => setTimeout(r, 100));
  const publisher = await th.connect({ clientId: 'publisher' });
  const N = 8000;
  const payload = Buffer.alloc(2048, 'y');
  for (let i = 0; i < N; i += 100)
    await Promise.all(Array.from({ length: 100 }, () => publisher.publishAsync('lab/stream', payload, { qos: 1 })));
  await waitFor(
    () => received >= N,
    `the sluggish reader to get all ${N} (got ${received}; dropped ${th!.hub.metrics.value('hearth_mqtt_slow_client_dropped_total')}; ${th!.logs.filter((l) => l.includes('sluggish')).join(' | ')})`,
    30_000,
  );
  expect(th.hub.metrics.value('hearth_mqtt_slow_client_dropped_total')).toBe(0);
  expect(th.hub.metrics.value('hearth_mqtt_limit_disconnects_total', { limit: 'max_client_buffer' })).toBe(0);
  socket.destroy();
});
