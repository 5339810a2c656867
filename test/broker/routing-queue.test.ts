// The queue of messages waiting for one of aedes' 100 routing slots (src/broker/routing-queue.ts): first in, first
// out like the arrays it replaces, through the compactions a long backlog causes; and on a real broker, a backlog
// of thousands routed in the order it was published.
import { describe, expect, it } from 'vitest';
import { Fifo } from '../../src/broker/routing-queue.js';
import { seededRandom } from '../../src/simulator/seeded-random.js';
import { startTestHub } from '../helpers/hub.js';

describe('Fifo', () => {
  it('gives back what was pushed in order, with the length of an array, over many compactions', () => {
    const fifo = new Fifo<number>();
    const reference: number[] = [];
    const random = seededRandom(7);
    let next = 0;
    const mismatches: string[] = [];
    for (let step = 0; step < 200_000; step++) {
      // Pushes outnumber shifts for a while (a backlog builds up past the compaction threshold), then drain.
      const pushing = step < 120_000 ? random() < 0.6 : random() < 0.3;
      if (pushing) {
        if (fifo.push(next) !== reference.push(next)) mismatches.push(`length after push at step ${step}`);
        next++;
      } else if (fifo.shift() !== reference.shift()) mismatches.push(`shift at step ${step}`);
      if (fifo.length !== reference.length) mismatches.push(`length at step ${step}`);
    }
    while (reference.length > 0) if (fifo.shift() !== reference.shift()) mismatches.push('shift while draining');
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(next).toBeGreaterThan(90_000);
    expect(fifo.shift()).toBeUndefined();
    expect(fifo.length).toBe(0);
  });
});

describe('a routing backlog', () => {
  it('is routed in the order it was published', { timeout: 60_000 }, async () => {
    const th = await startTestHub({ overrides: { 'mqtt.maxPublishRatePerClient': 1_000_000 } });
    try {
      const sub = await th.connect({ clientId: 'counter' });
      const got: number[] = [];
      let done: () => void = () => undefined;
      const all = new Promise<void>((resolve) => (done = resolve));
      const COUNT = 5_000;
      sub.on('message', (_topic, payload) => {
        got.push(Number(payload));
        if (got.length === COUNT) done();
      });
      await sub.subscribeAsync('bench/order', { qos: 1 });
      const pub = await th.connect({ clientId: 'sender' });
      // Written in one go, so the broker reads them faster than its 100 slots route them: most wait in the queue.
      const sent = Array.from({ length: COUNT }, (_, i) => pub.publishAsync('bench/order', String(i), { qos: 1 }));
      await Promise.all([all, ...sent]);
      expect(got).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    } finally {
      await th.stop(true);
    }
  });
});
