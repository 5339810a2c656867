// Reconnect churn: devices connect, report and go, over and over, and the hub's heap is read after full collections
// between rounds. A device on flaky Wi-Fi reconnects hundreds of times a day; anything the hub kept per connection
// would grow for the years it runs. Loopback only, bounded in count and time. `node dist/bench/churn.js` alone, or
// as part of `npm run bench`; HEARTH_BENCH_CHURN_ROUNDS and HEARTH_BENCH_CHURN_PER_ROUND to change its size (at least 6 rounds
// of 500: in a smaller run the first rounds' warm-up, code being optimized and bounded tables filling, reads as growth).
// 24 rounds by default: the heap grows ~0.5 MB over the first ~11 (5,500 connections) and is flat after them (30 rounds
// on 2026-12-06: 13.93 MB at the 11th, 13.99 at the 30th), so that the second half measures what a connection leaves.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import { issueDeviceLogins, MAIN, NODE_FLAGS, prepareHubDir } from './bench-hub.js';
import { heapAfterCollections, heapProbe, slopePerStep } from './heap.js';
import { rssMb, spawnUntil, stop } from './processes.js';

const ROUNDS = Math.max(6, Number(process.env.HEARTH_BENCH_CHURN_ROUNDS ?? 24));
const PER_ROUND = Math.max(500, Number(process.env.HEARTH_BENCH_CHURN_PER_ROUND ?? 500));
/** Devices with logins of their own (issued through the API, as `hearth device add` does). */
const DEVICES = 20;

/**
 * How a connection ends, in turn: its socket dropped without DISCONNECT (the broker publishes its last will), a clean
 * DISCONNECT, a persistent session resumed with a QoS 1 subscription, and a clean session that subscribes and
 * publishes at QoS 1.
 */
const KINDS = ['drop', 'clean', 'session', 'qos1'] as const;

export interface ChurnResult {
  connections: number;
  rounds: number;
  /** Heap used after full collections, after each round (MB). */
  heapMb: number[];
  /** Growth of the heap per connection over the second half of the rounds (least squares), in bytes. */
  bytesPerConnection: number;
  rssMb: number;
}

export async function runChurnBench(log: (line: string) => void = console.log): Promise<ChurnResult> {
  const { dir, env } = prepareHubDir('');
  const heapOut = join(dir, 'heap.txt');
  const probe = heapProbe(heapOut);
  let started: Awaited<ReturnType<typeof spawnUntil>> | undefined;
  try {
    const hub = await spawnUntil([...NODE_FLAGS, ...probe.flags, MAIN, 'start'], { ...env, ...probe.env }, /MQTT port (\d+)/, 60_000);
    started = hub;
    const url = `mqtt://127.0.0.1:${hub.match[1]}`;
    const httpUrl = `http://127.0.0.1:${/HTTP port (\d+)/.exec(hub.output())![1]}`;
    const logins = await issueDeviceLogins(httpUrl, 'churn', DEVICES);
    const connectOnce = async (kind: (typeof KINDS)[number], i: number) => {
      const { username, password, deviceId } = logins[i % DEVICES]!;
      const client = await mqtt.connectAsync(url, {
        username,
        password,
        clientId: `${kind}-${deviceId}`,
        clean: kind !== 'session',
        reconnectPeriod: 0,
        will: { topic: `home/${deviceId}/status`, payload: Buffer.from('offline'), retain: true, qos: 1 },
      });
      client.publish(`home/${deviceId}/status`, 'online', { retain: true, qos: 1 });
      if (kind === 'session' || kind === 'qos1') await client.subscribeAsync(`home/${deviceId}/+/set`, { qos: 1 });
      await client.publishAsync(`home/${deviceId}/temperature`, String(20 + (i % 10)), { qos: kind === 'qos1' ? 1 : 0 });
      if (kind === 'drop') {
        client.stream.destroy();
        client.end(true);
      } else await client.endAsync();
    };
    // Each login once first: the hub's caches (a login's verified password, its device's row and series) are filled.
    for (let i = 0; i < DEVICES; i++) await connectOnce('clean', i);
    const heap: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < PER_ROUND; i++) await connectOnce(KINDS[i % KINDS.length]!, i);
      // The last wills and the write queue's batch settle before the heap is read.
      await sleep(1500);
      heap.push(await heapAfterCollections(hub.child.pid!, heapOut, hub.output));
    }
    // The first half fills what is bounded (rule traces, recent events, V8's caches); the second half is the slope.
    const tail = heap.slice(Math.floor(ROUNDS / 2));
    const result: ChurnResult = {
      connections: ROUNDS * PER_ROUND,
      rounds: ROUNDS,
      heapMb: heap.map((mb) => Number(mb.toFixed(2))),
      bytesPerConnection: Math.round((slopePerStep(tail) * 1048576) / PER_ROUND),
      rssMb: rssMb(hub.child.pid!),
    };
    log(
      `Reconnect churn (${result.connections.toLocaleString('en-US')} connections of ${DEVICES} devices in ${ROUNDS} rounds): heap after full collections ${result.heapMb.join(', ')} MB; ${result.bytesPerConnection} bytes a connection over the last ${tail.length} rounds; RSS ${result.rssMb} MB`,
    );
    return result;
  } finally {
    if (started) await stop(started.child, started.exited);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('churn.js')) {
  void runChurnBench().then((r) => console.log(JSON.stringify(r, null, 2)));
}
