// Deliveries to subscribers (scripts/aedes-client-patch.mjs): nothing is dropped when messages are routed in another
// order than they were published in (a QoS 1 message waits for the persistence, a retained one for its store, a QoS 0
// one goes at once), a message that matches two of a client's subscriptions still arrives once, and a delivery leaves
// in the turn it was routed. A flood still does not recurse (test/broker/flood.test.ts).
import type { Socket } from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, connectListening, startTestHub, type TestHub, waitFor } from '../helpers/hub.js';

let th: TestHub | undefined;
afterEach(async () => {
  await th?.stop(true);
  th = undefined;
});

/** Collects what `client` receives, as text. */
function inbox(client: MqttClient): string[] {
  const got: string[] = [];
  client.on('message', (_t, p) => got.push(p.toString()));
  return got;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('deliveries', () => {
  it('are all made when a device interleaves QoS 0 and QoS 1 messages, each QoS in its order', async () => {
    th = await startTestHub();
    const panel = await th.connect({ clientId: 'hall-panel', clean: true });
    await panel.subscribeAsync('home/hall/light/set', { qos: 1 });
    const got = inbox(panel);
    const wallSwitch = await th.connect({ clientId: 'hall-switch', clean: true });
    const sent: Record<0 | 1, string[]> = { 0: [], 1: [] };
    // Written in one go, so that the hub reads many of them in one chunk: the QoS 0 ones are routed at once, the QoS 1
    // ones after the persistence's answer. aedes dropped each QoS 1 message a later QoS 0 one overtook (22 of 60 came).
    for (let i = 0; i < 60; i++) {
      const qos = i % 3 === 0 ? 0 : 1;
      sent[qos].push(`${i}`);
      wallSwitch.publish('home/hall/light/set', `${i}`, { qos });
    }
    await waitFor(() => got.length >= 60, 'all 60 messages');
    await sleep(200);
    expect(got).toHaveLength(60);
    // MQTT orders messages per topic and QoS [MQTT-4.6.0-6]: each QoS level's messages come in the order sent.
    expect(got.filter((m) => sent[0].includes(m))).toEqual(sent[0]);
    expect(got.filter((m) => sent[1].includes(m))).toEqual(sent[1]);
  });

  it('are all made while a persistent session shares the topic (QoS 1 routing then waits for a commit)', async () => {
    th = await startTestHub();
    // A device's persistent session subscribed to the same topic: each QoS 1 message is queued for it in SQLite, and
    // routed to everyone once that write committed, while QoS 0 messages go on being routed.
    const sleepy = { username: 'admin', password: ADMIN_PASSWORD, clientId: 'sleepy-lamp', clean: false, reconnectPeriod: 0 };
    const lamp = await connectListening(th.mqttUrl, sleepy, () => undefined);
    await lamp.subscribeAsync('home/lamp/#', { qos: 1 });
    await lamp.endAsync();
    const dashboard = await th.connect({ clientId: 'dashboard', clean: true });
    await dashboard.subscribeAsync('home/lamp/#', { qos: 1 });
    const got = inbox(dashboard);
    const commands = await th.connect({ clientId: 'lamp-commands', clean: true });
    const readings = await th.connect({ clientId: 'lamp-readings', clean: true });
    for (let i = 0; i < 20; i++) {
      commands.publish('home/lamp/power/set', `command ${i}`, { qos: 1 });
      readings.publish('home/lamp/power', `reading ${i}`, { qos: 0 });
      await sleep(2);
    }
    await waitFor(() => got.length >= 40, 'all 40 messages');
    await sleep(200);
    expect(got.filter((m) => m.startsWith('command'))).toEqual(Array.from({ length: 20 }, (_, i) => `command ${i}`));
    expect(got.filter((m) => m.startsWith('reading'))).toEqual(Array.from({ length: 20 }, (_, i) => `reading ${i}`));
    // The persistent session got every command queued while it was away.
    const queued: string[] = [];
    const back = await connectListening(th.mqttUrl, sleepy, (_t, p) => queued.push(p.toString()));
    await waitFor(() => queued.filter((m) => m.startsWith('command')).length === 20, 'the 20 queued commands');
    await back.endAsync();
  });

  it('are made once for a message that matches two of a client’s subscriptions', async () => {
    th = await startTestHub();
    const panel = await th.connect({ clientId: 'porch-panel', clean: true });
    await panel.subscribeAsync('home/#', { qos: 0 });
    await panel.subscribeAsync('home/+/light/set', { qos: 1 });
    const got = inbox(panel);
    const wallSwitch = await th.connect({ clientId: 'porch-switch', clean: true });
    for (const [n, qos] of [
      ['a', 0],
      ['b', 1],
      ['c', 0],
    ] as const)
      await wallSwitch.publishAsync('home/porch/light/set', n, { qos });
    await waitFor(() => got.length >= 3, 'the three messages');
    await sleep(300);
    expect(got).toEqual(['a', 'b', 'c']);
  });

  it('of a retained message among plain ones reach a subscriber (aedes alone dropped them)', async () => {
    th = await startTestHub();
    const panel = await th.connect({ clientId: 'door-panel', clean: true });
    await panel.subscribeAsync('home/door/contact', { qos: 0 });
    const got = inbox(panel);
    const door = await th.connect({ clientId: 'door-sensor', clean: true });
    for (let i = 0; i < 30; i++) door.publish('home/door/contact', `${i}`, { qos: 0, retain: i % 3 === 0 });
    await waitFor(() => got.length >= 30, 'all 30 messages');
    await sleep(200);
    expect(got.filter((m) => Number(m) % 3 !== 0)).toEqual(Array.from({ length: 30 }, (_, i) => `${i}`).filter((m) => Number(m) % 3 !== 0));
    expect(got).toHaveLength(30);
  });

  it('leave in the turn they are routed', async () => {
    th = await startTestHub();
    const panel = await th.connect({ clientId: 'kitchen-panel', clean: true });
    await panel.subscribeAsync('home/kitchen/light/set', { qos: 0 });
    const got = inbox(panel);
    // The bytes handed to the kernel on the broker's side of the panel's connection.
    const client = (th.hub.broker.broker as unknown as { clients: Record<string, { conn: Socket }> }).clients['kitchen-panel'];
    const conn = client!.conn as Socket & { _writeGeneric: (writev: boolean, data: unknown, enc: string, cb: () => void) => void };
    let written = 0;
    const original = conn._writeGeneric;
    conn._writeGeneric = function (writev, data, enc, cb) {
      const chunks = writev ? (data as Array<{ chunk: Buffer | string }>).map((d) => d.chunk) : [data as Buffer | string];
      for (const c of chunks) written += Buffer.byteLength(c);
      return original.call(this, writev, data, enc, cb);
    };
    // An in-process QoS 0 publish is routed at once; the immediate queued after it runs in this turn's check phase,
    // after the uncork of what the routing wrote. Unpatched, aedes wrote the delivery from its own immediate there,
    // and the uncork waited for an immediate of the next turn: nothing had reached the socket yet.
    void th.hub.bus.publish('home/kitchen/light/set', 'ON', { qos: 0 });
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(written).toBeGreaterThan(0);
    await waitFor(() => got.length === 1, 'the delivery');
    expect(got).toEqual(['ON']);
  });

  it('leave before a slice of a database commit holds the event loop', async () => {
    th = await startTestHub();
    const panel = await th.connect({ clientId: 'hall-panel', clean: true });
    await panel.subscribeAsync('home/hall/light/set', { qos: 0 });
    const got = inbox(panel);
    const wallSwitch = await th.connect({ clientId: 'hall-switch', clean: true });
    // The broker's side of the panel's connection: what the routing wrote and the uncork has not sent waits in it.
    const client = (th.hub.broker.broker as unknown as { clients: Record<string, { conn: Socket }> }).clients['hall-panel'];
    const conn = client!.conn;
    // A batch of 300 writes of 0.1 ms each: committed in ~30 slices of ~1 ms, each resumed by an immediate queued
    // before the uncork of what a message read between two slices wrote. Each write notes whether the panel's
    // delivery was waiting in the socket while the slice ran (a rule's command waited so behind ~1 ms of commits).
    let heldDuringSlice = 0;
    const { writes, db } = th.hub;
    let opened!: () => void;
    const batchOpen = new Promise<void>((resolve) => (opened = resolve));
    for (let i = 0; i < 300; i++)
      writes.enqueue(() => {
        if (i === 0) opened();
        const until = performance.now() + 0.1;
        while (performance.now() < until) {
          // a costly write
        }
        if (conn.writableLength > 0) heldDuringSlice++;
      });
    await batchOpen;
    // The message must come while the batch is open, or the test would show nothing.
    let openAtDelivery: boolean | undefined;
    panel.on('message', () => (openAtDelivery ??= db.inTransaction));
    wallSwitch.publish('home/hall/light/set', 'ON', { qos: 0 });
    await waitFor(() => got.length === 1, 'the delivery');
    await waitFor(() => !db.inTransaction, 'the batch to commit');
    expect(got).toEqual(['ON']);
    expect(openAtDelivery).toBe(true);
    expect(heldDuringSlice).toBe(0);
  });
});
