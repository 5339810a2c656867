// Hub benchmarks with the load in separate processes: ingest through the full hub vs a bare aedes broker,
// rule latency under background load, and the hub's footprint. Bounded in time; loopback only.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { cpuSeconds, rssMb, spawnUntil, stop } from './processes.js';

const DIST = new URL('.', import.meta.url).pathname;
const MAIN = join(DIST, '../src/main.js');
/** The flags `npm start` runs the hub with (a small young generation keeps RSS down on a Pi). */
const NODE_FLAGS = (process.env.HEARTH_BENCH_NODE_FLAGS ?? '--max-semi-space-size=1 --optimize-for-size --max-lazy').split(' ').filter(Boolean);
const LOAD = join(DIST, 'load.js');
const PASSWORD = 'bench-admin-password';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function writeRules(dir: string, count: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    writeFileSync(join(dir, `r${i}.yaml`), `id: cool-${i}
triggers:
  - trigger: numeric_state
    topic: home/sensor${i}/temperature
    above: 50
actions:
  - action: publish
    topic: home/ac${i}/power/set
    payload: "on"
`);
  }
}

async function ingest(url: string, auth: { username?: string; password?: string }, pid: number, rate: number | 'max', seconds: number) {
  const counter = await mqtt.connectAsync(url, { ...auth, reconnectPeriod: 0 });
  let received = 0;
  counter.on('message', () => received++);
  await counter.subscribeAsync('home/+/temperature', { qos: 0 });
  await sleep(300);
  const load = await spawnUntil([LOAD, url, auth.username ?? '', auth.password ?? '', '100', String(rate), String(seconds), 'ld'], {}, /CONNECTED/, 30_000);
  received = 0;
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  await load.exited;
  await sleep(500);
  const elapsed = (performance.now() - t0) / 1000;
  const result = { rate, deliveredPerSec: Math.round(received / elapsed), cpuPercent: Math.round(((cpuSeconds(pid) - cpu0) / elapsed) * 100), rssMb: rssMb(pid) };
  await counter.endAsync(true);
  return result;
}

export async function runHubBench(log: (line: string) => void = console.log) {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-hub-bench-'));
  const rulesDir = join(dir, 'rules');
  writeRules(rulesDir, 100);
  // One address opens a thousand connections here; a real home has one per device, so the per-address cap is raised.
  const config = join(dir, 'hearth.yaml');
  // The max-rate test sends far beyond a real device's rate on purpose, so the per-client publish limit is lifted too.
  writeFileSync(config, 'mqtt:\n  maxConnectionsPerAddress: 5000\n  maxConnections: 5000\n  maxPublishRatePerClient: 1000000\n');
  const env = {
    MALLOC_ARENA_MAX: '2',
    HEARTH_CONFIG: config, HEARTH_DATA_DIR: join(dir, 'data'), HEARTH_RULES_DIR: rulesDir, HEARTH_HOST: '127.0.0.1', HEARTH_MQTT_PORT: '0', HEARTH_HTTP_PORT: '0', HEARTH_ADMIN_PASSWORD: PASSWORD, HEARTH_LOG_LEVEL: 'warn' };
  const results: Record<string, any> = {};
  try {
    // Start-up with 100 rules, measured from spawn to "running" (the first start also creates the database).
    await stop(...(await (async () => { const h = await spawnUntil([...NODE_FLAGS, MAIN, 'start'], env, /MQTT port (\d+)/); return [h.child, h.exited] as const; })()));
    const t0 = performance.now();
    const hub = await spawnUntil([...NODE_FLAGS, MAIN, 'start'], env, /MQTT port (\d+)/);
    const startupMs = Math.round(performance.now() - t0);
    const hubUrl = `mqtt://127.0.0.1:${hub.match[1]}`;
    const pid = hub.child.pid!;
    log(`hub started in ${startupMs} ms with 100 rules`);
    const only = process.env.HEARTH_BENCH_ONLY;
    const quick = only === 'latency' || only === 'footprint';
    const footprint: Record<string, number> = {};
    await sleep(1500);
    footprint['0'] = rssMb(pid);
    log(`RSS with no clients: ${footprint['0']} MB`);
    for (const n of only === 'latency' ? [] : [100, 1000]) {
      const idle = await spawnUntil([LOAD, hubUrl, 'admin', PASSWORD, String(n), '0', '6', `idle${n}`], {}, /CONNECTED/, 60_000);
      await sleep(2000);
      footprint[String(n)] = rssMb(pid);
      log(`RSS with ${n} connected clients: ${footprint[String(n)]} MB`);
      await idle.exited;
    }
    results.footprint = { idleRssMb: footprint, startupMs };

    const auth = { username: 'admin', password: PASSWORD };
    if (only === 'footprint') {
      await stop(hub.child, hub.exited);
      return results;
    }
    // Rule latency: 1,000 background clients at 2,000 msg/s; a sensor crosses a rule's threshold, the AC hears it.
    const bgRate = process.env.HEARTH_BENCH_BG ?? '2000';
    const background = await spawnUntil([LOAD, hubUrl, 'admin', PASSWORD, '1000', bgRate, '25', 'bg'], {}, /CONNECTED/, 60_000);
    const ac = await mqtt.connectAsync(hubUrl, { ...auth, reconnectPeriod: 0 });
    await ac.subscribeAsync('home/+/power/set', { qos: 0 });
    const sensor = await mqtt.connectAsync(hubUrl, { ...auth, reconnectPeriod: 0 });
    const samples: number[] = [];
    let waiting: ((t: number) => void) | undefined;
    ac.on('message', () => waiting?.(performance.now()));
    for (let k = 0; k < 300; k++) {
      const i = k % 100;
      sensor.publish(`home/sensor${i}/temperature`, '40');
      await sleep(5);
      const got = new Promise<number>((resolve) => (waiting = resolve));
      const sent = performance.now();
      sensor.publish(`home/sensor${i}/temperature`, '60');
      const at = await Promise.race([got, sleep(1000).then(() => NaN)]);
      if (!Number.isNaN(at)) samples.push(at - sent);
      await sleep(20);
    }
    background.child.kill('SIGTERM');
    await background.exited;
    await ac.endAsync(true);
    await sensor.endAsync(true);
    samples.sort((a, b) => a - b);
    const pct = (p: number) => Number(samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))]!.toFixed(2));
    results.ruleLatencyMs = { p50: pct(50), p95: pct(95), p99: pct(99), max: Number(samples.at(-1)!.toFixed(2)), samples: samples.length, lost: 300 - samples.length };
    log(`rule latency: p50 ${results.ruleLatencyMs.p50} ms, p99 ${results.ruleLatencyMs.p99} ms (${samples.length} samples)`);
    const bare = await spawnUntil([join(DIST, 'bare-broker.js')], {}, /READY (\d+)/);
    const bareUrl = `mqtt://127.0.0.1:${bare.match[1]}`;
    const ingestRows: any[] = [];
    for (const rate of quick ? [] : ([1000, 5000, 20000, 'max'] as const)) {
      const h = await ingest(hubUrl, auth, pid, rate, 5);
      const b = await ingest(bareUrl, {}, bare.child.pid!, rate, 5);
      ingestRows.push({ rate, hub: h, bare: b, ratio: Number((h.deliveredPerSec / b.deliveredPerSec).toFixed(2)) });
      log(`ingest at ${rate}: hub ${h.deliveredPerSec}/s (${h.cpuPercent} % CPU, ${h.rssMb} MB), bare ${b.deliveredPerSec}/s (${b.cpuPercent} % CPU, ${b.rssMb} MB)`);
    }
    await stop(bare.child, bare.exited);
    if (hub.child.exitCode !== null || hub.child.signalCode !== null) throw new Error(`the hub exited during the ingest benchmark:\n${hub.output().slice(-3000)}`);
    const max = ingestRows.at(-1);
    results.ingest = ingestRows;
    if (max) results.ingestMax = { hubMsgsPerSec: max.hub.deliveredPerSec, bareMsgsPerSec: max.bare.deliveredPerSec, ratio: max.ratio };

    await stop(hub.child, hub.exited);
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('hub.js')) {
  runHubBench().then((r) => console.log(JSON.stringify(r, null, 2)));
}
