// Persistence benchmarks: a wildcard subscription over 50,000 retained topics, and QoS 1 throughput through a real
// aedes broker, each with the SQLite persistence and with aedes' in-memory one. Prints figures and ratios.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import memory from 'aedes-persistence';
import mqtt from 'mqtt';
import { SqlitePersistence } from '../src/broker/sqlite-persistence.js';

const RETAINED = 50_000;
const QOS1_MESSAGES = 10_000;

type Persistence = any;

async function retainedBench(make: () => Persistence): Promise<Record<string, number>> {
  const p = make();
  await p.setup({ id: 'bench', counter: 0 });
  const rooms = ['kitchen', 'hall', 'attic', 'garage', 'bedroom'];
  const writes: Promise<void>[] = [];
  for (let i = 0; i < RETAINED; i++) {
    const topic = i % 10 === 0 ? `home/${rooms[i % 5]}/p${i}` : `home/dev${i}/${i % 3 === 0 ? 'temperature' : 'humidity'}`;
    writes.push(p.storeRetained({ cmd: 'publish', topic, payload: Buffer.from(String(i)), qos: 0, retain: true }));
  }
  await Promise.all(writes);
  const out: Record<string, number> = {};
  for (const pattern of ['home/kitchen/#', 'home/+/temperature']) {
    const t0 = performance.now();
    let n = 0;
    for await (const _ of p.createRetainedStream(pattern)) n++;
    out[pattern] = performance.now() - t0;
    out[`${pattern} matches`] = n;
  }
  await p.destroy();
  return out;
}

async function qos1Bench(make: () => Persistence): Promise<number> {
  const broker = await Aedes.createBroker({ persistence: make() });
  const server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sub = await mqtt.connectAsync(url, { clientId: 'bench-sub', clean: false });
  await sub.subscribeAsync('bench/#', { qos: 1 });
  let received = 0;
  const done = new Promise<void>((resolve) => sub.on('message', () => ++received === QOS1_MESSAGES && resolve()));
  const pub = await mqtt.connectAsync(url, { clientId: 'bench-pub' });
  const t0 = performance.now();
  // 100 in flight at a time, as a busy home of devices would.
  const window = 100;
  let sent = 0;
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (sent < QOS1_MESSAGES) {
        sent++;
        await pub.publishAsync(`bench/${sent % 50}`, 'x'.repeat(32), { qos: 1 });
      }
    }),
  );
  await done;
  const rate = QOS1_MESSAGES / ((performance.now() - t0) / 1000);
  await pub.endAsync();
  await sub.endAsync();
  await new Promise<void>((r) => broker.close(() => r()));
  server.close();
  await (broker as any).persistence.destroy?.()?.catch?.(() => undefined);
  return rate;
}

export async function runPersistenceBench(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-bench-'));
  try {
    const sqlite = () => new SqlitePersistence({ filename: join(dir, `b-${Math.random()}.db`) });
    const mem = () => (memory as unknown as () => Persistence)();
    const retainedSqlite = await retainedBench(sqlite);
    const retainedMemory = await retainedBench(mem);
    const qos1Sqlite = await qos1Bench(sqlite);
    const qos1Memory = await qos1Bench(mem);
    return {
      retainedSubscribeMs: { sqlite: retainedSqlite, memory: retainedMemory },
      qos1: {
        sqliteMsgsPerSec: Math.round(qos1Sqlite),
        memoryMsgsPerSec: Math.round(qos1Memory),
        ratio: Number((qos1Sqlite / qos1Memory).toFixed(2)),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('persistence.js')) {
  void runPersistenceBench().then((r) => console.log(JSON.stringify(r, null, 2)));
}
