// A home for a while: the demo's 39 simulated devices and the example rules, 50 MQTT devices of the benchmark's own
// reporting every 2 s (10 of them reconnecting every 30 s), a dashboard's event stream and an API poll every 5 s.
// Prints the hub's RSS and its heap after full collections each minute, for a slow leak a benchmark of seconds would
// not show. Not part of `npm run bench`: `node dist/bench/soak.js` after `npm run build` (HEARTH_BENCH_SOAK_MINUTES,
// default 20). Loopback only.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { ADMIN_AUTHORIZATION, MAIN, NODE_FLAGS, PASSWORD, prepareHubDir } from './bench-hub.js';
import { heapAfterCollections, heapProbe, slopePerStep } from './heap.js';
import { rssMb, spawnUntil, stop } from './processes.js';

const MINUTES = Math.max(4, Number(process.env.HEARTH_BENCH_SOAK_MINUTES ?? 20));
const DEVICES = 50;
const RULES = new URL('../../rules', import.meta.url).pathname;

const { dir, env } = prepareHubDir('');
const heapOut = join(dir, 'heap.txt');
const probe = heapProbe(heapOut);
const hub = await spawnUntil(
  [...NODE_FLAGS, ...probe.flags, MAIN, 'start', '--demo'],
  { ...env, ...probe.env, HEARTH_RULES_DIR: RULES },
  /MQTT port (\d+)/,
  60_000,
).catch((err) => {
  rmSync(dir, { recursive: true, force: true });
  throw err;
});
const pid = hub.child.pid!;
const url = `mqtt://127.0.0.1:${hub.match[1]}`;
const httpUrl = `http://127.0.0.1:${/HTTP port (\d+)/.exec(hub.output())![1]}`;

let running = true;
const devices: Array<MqttClient | undefined> = [];
const connect = async (i: number) => {
  const client = await mqtt.connectAsync(url, {
    username: 'admin',
    password: PASSWORD,
    clientId: `soak-${i}`,
    reconnectPeriod: 0,
    will: { topic: `home/soak${i}/status`, payload: Buffer.from('offline'), retain: true, qos: 1 },
  });
  client.publish(`home/soak${i}/status`, 'online', { retain: true, qos: 1 });
  devices[i] = client;
};

let readings = 0;
const report = setInterval(() => {
  for (const [i, c] of devices.entries()) {
    if (!c?.connected) continue;
    c.publish(`home/soak${i}/temperature`, (20 + 5 * Math.sin(Date.now() / 60_000 + i)).toFixed(2));
    c.publish(`home/soak${i}/humidity`, String(40 + (readings % 7)));
    readings += 2;
  }
}, 2000);
// Wi-Fi that drops: the last 10 devices lose their connection (no DISCONNECT: their wills fire) and come back.
let reconnects = 0;
const flaky = setInterval(async () => {
  for (let i = DEVICES - 10; i < DEVICES && running; i++) {
    const c = devices[i];
    devices[i] = undefined;
    c?.stream.destroy();
    c?.end(true);
    await sleep(50);
    if (running) await connect(i).catch(() => undefined);
    reconnects++;
  }
}, 30_000);
const events = new AbortController();
let eventBytes = 0;
void (async () => {
  while (running) {
    try {
      const res = await fetch(`${httpUrl}/api/events`, { headers: { authorization: ADMIN_AUTHORIZATION }, signal: events.signal });
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) eventBytes += chunk.length;
    } catch {
      // The stream ends with the soak (aborted); a drop is retried below, as a dashboard does.
    }
    await sleep(1000);
  }
})();
let polls = 0;
const poll = setInterval(async () => {
  for (const path of ['/api/devices', '/api/rules', '/healthz', '/metrics']) {
    const res = await fetch(`${httpUrl}${path}`, { headers: { authorization: ADMIN_AUTHORIZATION } }).catch(() => undefined);
    await res?.arrayBuffer();
  }
  polls++;
}, 5000);

const heap: number[] = [];
try {
  for (let i = 0; i < DEVICES; i++) await connect(i);
  console.log(
    `Soak for ${MINUTES} minutes: the demo, ${DEVICES} devices reporting every 2 s (10 of them reconnecting every 30 s), an event stream and an API poll`,
  );
  for (let minute = 1; minute <= MINUTES; minute++) {
    const rss: number[] = [];
    for (let s = 0; s < 4; s++) {
      await sleep(15_000);
      rss.push(rssMb(pid));
    }
    heap.push(await heapAfterCollections(pid, heapOut, hub.output));
    console.log(
      `minute ${minute}: RSS ${Math.min(...rss)}–${Math.max(...rss)} MB, heap after full collections ${heap.at(-1)!.toFixed(2)} MB (${readings.toLocaleString('en-US')} readings, ${reconnects} reconnects, ${polls} polls, ${(eventBytes / 1e6).toFixed(1)} MB of events so far)`,
    );
  }
  const tail = heap.slice(Math.floor(heap.length / 2));
  // A pace needs a few readings: a compaction can move one reading by a megabyte either way.
  const pace =
    tail.length >= 5 ? `, ${(slopePerStep(tail) * 60).toFixed(2)} MB an hour (least squares)` : ' (10 minutes or more give a pace)';
  console.log(
    `Heap after full collections over the second half: ${Math.min(...tail).toFixed(2)}–${Math.max(...tail).toFixed(2)} MB${pace}`,
  );
} finally {
  running = false;
  clearInterval(report);
  clearInterval(flaky);
  clearInterval(poll);
  events.abort();
  for (const c of devices) c?.end(true);
  await stop(hub.child, hub.exited);
  rmSync(dir, { recursive: true, force: true });
}
