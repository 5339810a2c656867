// The hub's subscriptions on Mosquitto (MQTT 5) while filters come and go under a steady stream of readings: a filter
// within a broader one is reached through it (the broker holds only the broad one), and a handler gets every message
// from its first on, once, whichever subscription the broker sends it for while the two change places.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusMessage } from '../../src/bus/message-bus.js';
import { MqttClientBus } from '../../src/bus/mqtt-client-bus.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { waitFor } from '../helpers/hub.js';
import { HEARTH_USER, type Mosquitto, startMosquitto } from '../helpers/mosquitto.js';

let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(() => broker.stop());

/** A publisher that sends home/<device>/seq = 0, 1, 2… (QoS 1, ~200 in flight) until stopped. */
async function stream(device: string) {
  const client = await mqtt.connectAsync(broker.url, {
    username: HEARTH_USER.name,
    password: HEARTH_USER.password,
    clientId: `seq-${device}`,
  });
  let next = 0;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      await Promise.all(Array.from({ length: 200 }, () => client.publishAsync(`home/${device}/seq`, String(next++), { qos: 1 })));
    }
  })();
  return {
    get sent() {
      return next;
    },
    async stop() {
      stopped = true;
      await done;
      await client.endAsync();
      return next;
    },
  };
}

/** Collects the sequence numbers a handler gets; `check` says whether they run on from the first without a gap. */
function recorder() {
  const seqs: number[] = [];
  return {
    seqs,
    handler: (m: BusMessage) => {
      seqs.push(Number(m.payload.toString()));
    },
    gapsAndRepeats() {
      const problems: string[] = [];
      for (let i = 1; i < seqs.length; i++) if (seqs[i] !== seqs[i - 1]! + 1) problems.push(`${seqs[i - 1]} then ${seqs[i]}`);
      return problems;
    },
  };
}

async function hubBus(clientId: string) {
  const bus = new MqttClientBus({
    url: broker.url,
    username: HEARTH_USER.name,
    password: HEARTH_USER.password,
    clientId,
    sessionExpirySeconds: 60,
    logger: createMemoryLogger('debug'),
  });
  await bus.start();
  expect(bus.status()).toMatchObject({ connected: true, protocolVersion: 5 });
  return bus;
}

describe('subscriptions that change while readings stream in (Mosquitto, MQTT 5)', () => {
  it('a filter added within a broader one, and the broader one removed, miss nothing and get nothing twice', async () => {
    const bus = await hubBus('subs-churn');
    const seq = await stream('churn');
    try {
      const broad = recorder();
      const offBroad = await bus.subscribe('#', broad.handler, { retained: false });
      // Rounds of a covered filter coming and going: its own SUBSCRIBE (for its retained messages), then the
      // UNSUBSCRIBE that leaves it to '#'. Each round's handler must run on without a gap from its first message.
      for (let round = 0; round < 5; round++) {
        const covered = recorder();
        const off = await bus.subscribe('home/+/seq', covered.handler);
        const from = seq.sent;
        await waitFor(() => covered.seqs.length > 0 && covered.seqs.at(-1)! > from + 1000, 'a thousand readings more');
        await off();
        expect(covered.gapsAndRepeats(), `round ${round}`).toEqual([]);
      }
      // The broad filter goes while a covered one stays: the covered one is subscribed again before '#' leaves.
      const stays = recorder();
      await bus.subscribe('home/churn/+', stays.handler);
      await waitFor(() => stays.seqs.length > 500, 'readings through #');
      await offBroad();
      const from = seq.sent;
      await waitFor(() => stays.seqs.at(-1)! > from + 1000, 'readings through its own subscription');
      const last = await seq.stop();
      await waitFor(() => stays.seqs.at(-1) === last - 1, 'the last reading');
      expect(stays.gapsAndRepeats()).toEqual([]);
      expect(broad.gapsAndRepeats()).toEqual([]);
    } finally {
      await seq.stop();
      await bus.stop();
    }
  });
});
