// What the bundle (dist/app/hearth.js) puts in place of two libraries' defaults, through the compiled `hearth start`:
// mqtt-packet's parser keeps a client's bytes in a ByteList that reads them in place instead of bl's stream
// (scripts/bl-lite.cjs; checked against bl call by call in test/broker/byte-list.test.ts), and the API's schema
// compilers load at its first request (src/api/lazy-compilers.ts, scripts/bundle.mjs). The tests of the sources run
// neither stand-in, so these run the bundle.
import type { Socket } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliHub, type RunningHub } from '../helpers/cli.js';
import { ADMIN_PASSWORD, tempDir, waitFor } from '../helpers/hub.js';
import { rawMqttClient } from '../helpers/raw-mqtt.js';

let hub: RunningHub;

beforeAll(async () => {
  const dir = tempDir();
  hub = await startCliHub({
    HEARTH_DATA_DIR: join(dir, 'data'),
    HEARTH_RULES_DIR: join(dir, 'rules'),
    HEARTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
    HEARTH_LOG_LEVEL: 'warn',
  });
});

afterAll(async () => {
  hub?.child.kill('SIGTERM');
  await hub?.exited;
});

/** Writes `bytes` in pieces of the given sizes (the last piece takes the rest), each in a turn of its own. */
async function writeInPieces(socket: Socket, bytes: Buffer, sizes: number[]): Promise<void> {
  let at = 0;
  for (const size of [...sizes, Number.POSITIVE_INFINITY]) {
    if (at >= bytes.length) break;
    const piece = bytes.subarray(at, Math.min(bytes.length, at + size));
    at += piece.length;
    await new Promise<void>((resolve, reject) => socket.write(piece, (err) => (err ? reject(err) : resolve())));
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('the bundled hub', () => {
  it('reads MQTT packets however TCP cuts them: a byte at a time, several in one piece, one across many', async () => {
    const c = await rawMqttClient(hub.mqttPort);
    const connect = mqttPacket.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      clientId: 'framing-test',
      keepalive: 30,
      username: 'admin',
      password: Buffer.from(ADMIN_PASSWORD),
    });
    // The CONNECT one byte at a time: the parser waits for its length, then its body, across 40-odd reads.
    await writeInPieces(
      c.socket,
      connect,
      Array.from({ length: connect.length }, () => 1),
    );
    expect((await c.next('connack')).returnCode).toBe(0);

    // A SUBSCRIBE and a 100 KB QoS 1 PUBLISH to the same topic in one stream, cut where no packet ends: the
    // SUBSCRIBE and the start of the PUBLISH's header share a piece, its length bytes are split, its payload spans
    // pieces of odd sizes.
    const payload = Buffer.alloc(100_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) % 251;
    const subscribe = mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'home/framing/blob', qos: 1 }] });
    const publish = mqttPacket.generate({
      cmd: 'publish',
      messageId: 2,
      qos: 1,
      dup: false,
      retain: false,
      topic: 'home/framing/blob',
      payload,
    });
    const suback = c.next('suback');
    const puback = c.next('puback');
    const echoed = c.next('publish');
    await writeInPieces(c.socket, Buffer.concat([subscribe, publish]), [subscribe.length + 2, 1, 3, 4_093, 65_537, 17]);
    expect((await suback).granted).toEqual([1]);
    expect((await puback).messageId).toBe(2);
    const got = await echoed;
    expect(got.topic).toBe('home/framing/blob');
    expect(Buffer.compare(got.payload, payload)).toBe(0);
    c.socket.destroy();
  });

  it('validates the first API request it is sent and serializes the answers', async () => {
    // This hub's API has not been called yet: its compilers load before this body is validated.
    const bad = await fetch(`http://127.0.0.1:${hub.httpPort}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ code: 'HEARTH_VALIDATION', message: 'body.password is required', field: 'body.password' });

    const auth = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
    const porch = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, { username: 'admin', password: ADMIN_PASSWORD });
    await porch.publishAsync('home/porch/temperature', '21.5', { qos: 1 });
    await porch.endAsync();
    const listed = await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${hub.httpPort}/api/devices`, { headers: { authorization: auth } });
      expect(res.status).toBe(200);
      const text = await res.text();
      return (JSON.parse(text) as Array<{ id: string }>).some((d) => d.id === 'porch') ? text : undefined;
    }, 'the porch in GET /api/devices');
    expect(listed).toContain('21.5');
    // Written by the route's response serializer, found by status code in the map the bundle patches into Fastify
    // (scripts/bundle.mjs): it writes a schema's required properties first, where JSON.stringify (Fastify's fallback
    // when it finds none) would keep the view's order, value first.
    expect(listed).toMatch(/"temperature":\{"updatedAt":"[^"]+","type":"number","settable":false,"value":21\.5/);
    const missing = await fetch(`http://127.0.0.1:${hub.httpPort}/api/devices/nope`, { headers: { authorization: auth } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ code: 'HEARTH_DEVICE_NOT_FOUND', message: 'No device with id "nope"' });
  });
});
