// A subscriber that stops reading must not delay anybody else, nor make the hub hold its messages without bound.
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

/** A raw client that connects, subscribes and then never reads its socket again. */
async function stuckSubscriber(port: number, filter: string): Promise<Socket> {
  const socket = netConnect(port, '127.0.0.1');
  const parser = mqttPacket.parser();
  const suback = new Promise<void>((resolve) => parser.on('packet', (p) => p.cmd === 'suback' && resolve()));
  socket.on('data', (d) => parser.parse(d));
  socket.on('error', () => undefined);
  await new Promise((r) => socket.once('connect', r));
  socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'stuck', keepalive: 0, username: 'admin', password: Buffer.from(ADMIN_PASSWORD) }));
  socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos: 0 }] }));
  await suback;
  socket.removeAllListeners('data');
  socket.pause();
  return socket;
}

it('a subscriber that never reads is cut off at its buffer limit; the others get every message at once', { timeout: 60_000 }, async () => {
  th = await startTestHub({ overrides: { 'mqtt.maxPublishRatePerClient': 1_000_000, 'mqtt.maxClientBufferBytes': 1_048_576, 'log.level': 'info' } });
  const port = Number(new URL(th.mqttUrl).port);
  const stuck = await stuckSubscriber(port, 'lab/#');
  const reader = await th.connect({ clientId: 'reader' });
  let received = 0;
  reader.on('message', () => received++);
  await reader.subscribeAsync('lab/stream', { qos: 1 });
  const publisher = await th.connect({ clientId: 'publisher' });
  const heapBefore = retainedHeap();

  // 8,000 messages of 2 KiB: 16 MiB, far more than the socket buffers of the stuck client can take.
  const N = 8000;
  const payload = Buffer.alloc(2048, 'x');
  for (let i = 0; i < N; i += 200) {
    await Promise.all(Array.from({ length: 200 }, () => publisher.publishAsync('lab/stream', payload, { qos: 1 })));
  }
  // aedes' own protection (a 60 s drain timeout) would stall everyone for a minute; ours keeps them flowing.
  await waitFor(() => received >= N, `the reader to get all ${N} messages (got ${received})`, 20_000);

  await waitFor(() => th!.logs.some((l) => l.includes('disconnected stuck') && l.includes('does not read its messages')), 'the stuck client cut off');
  await waitFor(() => th!.hub.broker.openConnections === 2, 'only the reader and the publisher connected');
  expect(th.hub.metrics.value('hearth_mqtt_limit_disconnects_total', { limit: 'max_client_buffer' })).toBe(1);
  // Nothing of the 16 MiB is held for the stuck client (its unsent bytes were capped at 1 MiB, then freed).
  expect(retainedHeap() - heapBefore).toBeLessThan(4 * 1024 * 1024);
  stuck.destroy();

  // And a fresh client is served normally afterwards.
  const late = await th.connect({ clientId: 'late' });
  await late.subscribeAsync('lab/late', { qos: 1 });
  const got = new Promise<string>((r) => late.on('message', (_t, p) => r(p.toString())));
  await publisher.publishAsync('lab/late', 'hello', { qos: 1 });
  expect(await got).toBe('hello');
});
