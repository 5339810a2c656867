// The SQLite persistence beyond the abstract suite: bounded offline queues, indexed retained lookups, reopening.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqlitePersistence } from '../../src/broker/sqlite-persistence.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { tempDir } from '../helpers/hub.js';

const broker = { id: 'broker-test', counter: 0 };
const collect = async (stream: AsyncIterable<any>) => {
  const out: any[] = [];
  for await (const x of stream) out.push(x);
  return out;
};
const publish = (topic: string, payload: string, qos = 1) => ({
  cmd: 'publish',
  topic,
  payload: Buffer.from(payload),
  qos,
  retain: false,
  brokerId: broker.id,
  brokerCounter: ++broker.counter,
});

describe('SqlitePersistence', () => {
  it('bounds an offline queue by dropping the oldest QoS 1 message, logging and counting it', async () => {
    const logger = createMemoryLogger();
    const dropped: string[] = [];
    const p = new SqlitePersistence({
      filename: ':memory:',
      maxQueuedPerClient: 3,
      logger,
      onDrop: (_c, packet) => dropped.push(packet.payload.toString()),
    });
    await p.setup(broker);
    await p.outgoingEnqueue({ clientId: 'sleepy' }, publish('home/a/set', 'q2-first', 2));
    for (const n of ['1', '2', '3']) await p.outgoingEnqueue({ clientId: 'sleepy' }, publish('home/a/set', n));
    const left = await collect(p.outgoingStream({ id: 'sleepy' }));
    expect(left.map((x) => x.payload.toString())).toEqual(['q2-first', '2', '3']);
    expect(dropped).toEqual(['1']);
    expect(p.droppedCount).toBe(1);
    expect(logger.lines.some((l) => l.includes('offline queue of client sleepy is full (3 messages)'))).toBe(true);
    await p.destroy();
  });

  it('finds retained messages for wildcard filters among thousands of topics', async () => {
    const p = new SqlitePersistence({ filename: ':memory:' });
    await p.setup(broker);
    const rooms = ['kitchen', 'hall', 'attic', 'garage'];
    for (let i = 0; i < 2000; i++) {
      const room = rooms[i % 4]!;
      await p.storeRetained({
        cmd: 'publish',
        topic: `home/${room}${i}/temperature`,
        payload: Buffer.from(String(i)),
        qos: 0,
        retain: true,
      });
    }
    await p.storeRetained({ cmd: 'publish', topic: 'home/kitchen/temperature', payload: Buffer.from('21'), qos: 0, retain: true });
    await p.storeRetained({ cmd: 'publish', topic: 'home/kitchen/humidity', payload: Buffer.from('40'), qos: 0, retain: true });
    await p.storeRetained({ cmd: 'publish', topic: 'home/kitchen', payload: Buffer.from('x'), qos: 0, retain: true });
    await p.storeRetained({ cmd: 'publish', topic: 'home/kitchenette/temperature', payload: Buffer.from('19'), qos: 0, retain: true });
    await p.storeRetained({ cmd: 'publish', topic: '$SYS/broker/temperature', payload: Buffer.from('1'), qos: 0, retain: true });
    const kitchen = await collect(p.createRetainedStream('home/kitchen/#'));
    expect(kitchen.map((x) => x.topic).sort()).toEqual(['home/kitchen', 'home/kitchen/humidity', 'home/kitchen/temperature']);
    const temps = await collect(p.createRetainedStream('home/+/temperature'));
    expect(temps).toHaveLength(2002);
    const everything = await collect(p.createRetainedStream('+/+/temperature'));
    expect(everything.some((x) => x.topic.startsWith('$SYS'))).toBe(false);
    // An empty retained payload deletes.
    await p.storeRetained({ cmd: 'publish', topic: 'home/kitchen/humidity', payload: Buffer.alloc(0), qos: 0, retain: true });
    expect(await collect(p.createRetainedStream('home/kitchen/humidity'))).toEqual([]);
    await p.destroy();
  });

  it('keeps retained messages, subscriptions, queues, QoS 2 packets and wills when the file is reopened', async () => {
    const file = join(tempDir(), 'broker.db');
    const a = new SqlitePersistence({ filename: file });
    await a.setup(broker);
    await a.storeRetained({ cmd: 'publish', topic: 'home/x/y', payload: Buffer.from('kept'), qos: 1, retain: true });
    await a.addSubscriptions({ id: 'dev' }, [{ topic: 'home/dev/+/set', qos: 1 }]);
    await a.outgoingEnqueueCombi([{ clientId: 'dev' }], publish('home/dev/a/set', 'first'));
    await a.outgoingEnqueueCombi([{ clientId: 'dev' }], publish('home/dev/a/set', 'second'));
    await a.incomingStorePacket({ id: 'dev' }, { ...publish('home/dev/q', 'qos2', 2), messageId: 7 });
    await a.putWill({ id: 'dev' }, { cmd: 'publish', topic: 'home/dev/status', payload: Buffer.from('offline'), qos: 1, retain: true });
    await a.destroy();

    const b = new SqlitePersistence({ filename: file });
    await b.setup({ id: 'broker-2', counter: 0 });
    expect((await collect(b.createRetainedStream('home/#')))[0].payload.toString()).toBe('kept');
    expect(await b.subscriptionsByTopic('home/dev/light/set')).toEqual([expect.objectContaining({ clientId: 'dev', qos: 1 })]);
    expect((await collect(b.outgoingStream({ id: 'dev' }))).map((x) => x.payload.toString())).toEqual(['first', 'second']);
    expect((await b.incomingGetPacket({ id: 'dev' }, { messageId: 7 })).payload.toString()).toBe('qos2');
    const wills = await collect(b.streamWill({}));
    expect(wills.map((w) => [w.clientId, w.payload.toString()])).toEqual([['dev', 'offline']]);
    await b.destroy();
  });

  // A clean connect cleans a client's subscriptions, QoS 2 packets and will; with none stored nothing is written, and
  // one written earlier in the same tick (not committed yet) must still be found and deleted.
  it('a clean connect deletes what the same tick stored for the client, and what earlier ticks did', async () => {
    const file = join(tempDir(), 'broker.db');
    const a = new SqlitePersistence({ filename: file });
    await a.setup(broker);
    const client = { id: 'dev' };
    await a.addSubscriptions(client, [{ topic: 'home/dev/+/set', qos: 1 }]);
    // Not awaited: these run in the tick's open transaction, before the cleaning below.
    const stored = [
      a.incomingStorePacket(client, { ...publish('home/dev/q', 'qos2', 2), messageId: 9 }),
      a.putWill(client, { cmd: 'publish', topic: 'home/dev/status', payload: Buffer.from('offline'), qos: 1, retain: true }),
    ];
    const cleaned = [a.cleanSubscriptions(client), a.cleanIncoming(client), a.delWill(client)];
    await Promise.all([...stored, ...cleaned]);
    // A client with nothing stored: nothing to do, and no error.
    await Promise.all([a.cleanSubscriptions({ id: 'new' }), a.cleanIncoming({ id: 'new' }), a.delWill({ id: 'new' })]);
    await a.destroy();

    const b = new SqlitePersistence({ filename: file });
    await b.setup({ id: 'broker-2', counter: 0 });
    expect(await b.subscriptionsByClient(client)).toEqual([]);
    expect(await b.subscriptionsByTopic('home/dev/light/set')).toEqual([]);
    await expect(b.incomingGetPacket(client, { messageId: 9 })).rejects.toThrow();
    expect(await collect(b.streamWill({}))).toEqual([]);
    expect((await b.countOffline()).clientsCount).toBe(0);
    await b.destroy();
  });
});
