// The hub against a bare aedes, measured in the same run on the same load, one broker at a time: CPU per message
// and throughput at max rate for QoS 0 and QoS 1 fan-in (100 publishers, one subscriber on home/+/temperature) and
// fan-out (one publisher at 1,000 msg/s, 100 subscribers), and QoS 1 sustained at 10,000 msg/s with its latency and
// what was lost.
// Load and measuring clients run in their own processes; loopback only; bounded in time.
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { DIST, LOW_MEMORY_FLAGS, ROUNDS, startBareBroker, startBenchHub, type BenchBroker } from './bench-hub.js';
import { startMosquittoBroker } from './mosquitto.js';
import { cpuSeconds, rssMb, spawnUntil } from './processes.js';

const LOAD = join(DIST, 'load.js');
const SUBSCRIBERS = join(DIST, 'subscribers.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** `history.minIntervalMs` of the sampled QoS 1 load: a reading a second per property at most. */
const SAMPLED_MS = 1000;

interface Load {
  publishers: number;
  rate: number | 'max';
  seconds: number;
  qos: 0 | 1;
  subscribers: number;
  /** One topic for every publisher (fan-out); else each its own home/ld<i>/temperature. */
  topic?: string;
  stamp?: boolean;
  /** Wait until everything sent has arrived (at most 30 s) rather than a fixed second: what was late is not lost. */
  drain?: boolean;
}

interface Measured {
  sent: number;
  /** QoS 1 at a fixed rate: what the broker acknowledged (the rest was still unacknowledged 30 s after the load). */
  acked?: number;
  received: number;
  perSec: number;
  cpuPercent: number;
  /** Broker CPU per message received by the subscribers, in µs. */
  cpuUs: number;
  latency: Latency;
  /** The latency of what was sent after the load's first 2 s, once the broker is warm (see subscribers.ts). */
  steadyLatency: Latency;
}

type Latency = { p50: number | null; p99: number | null; max: number | null; samples: number };

async function measure(broker: BenchBroker, load: Load): Promise<Measured> {
  broker.assertAlive();
  const { username = '', password = '' } = broker.auth;
  const filter = load.topic ?? 'home/+/temperature';
  const subs = await spawnUntil(
    [SUBSCRIBERS, broker.url, username, password, String(load.subscribers), filter, String(load.qos)],
    {},
    /READY/,
    60_000,
  );
  const pub = await spawnUntil(
    [
      LOAD,
      broker.url,
      username,
      password,
      String(load.publishers),
      String(load.rate),
      String(load.seconds),
      'ld',
      String(load.qos),
      load.stamp ? 'stamp' : 'reading',
      load.topic ?? '',
    ],
    {},
    /CONNECTED/,
    60_000,
  );
  const cpu0 = cpuSeconds(broker.pid);
  const t0 = performance.now();
  await pub.exited;
  // What the broker still holds is delivered in the second after the load ends, and counts.
  await sleep(1000);
  const elapsed = (performance.now() - t0) / 1000;
  if (load.drain) {
    const end = pub.output().trim().split('\n').at(-1) ?? '';
    const counts = (end.startsWith('{') ? JSON.parse(end) : {}) as { sent?: number; acked?: number };
    const sentSoFar = () => counts.acked ?? counts.sent ?? Infinity;
    const got = () => Number([...subs.output().matchAll(/RECEIVED (\d+)/g)].at(-1)?.[1] ?? 0);
    const deadline = Date.now() + 30_000;
    while (got() < sentSoFar() * load.subscribers && Date.now() < deadline) await sleep(250);
  }
  broker.assertAlive();
  const cpu = cpuSeconds(broker.pid) - cpu0;
  const last = pub.output().trim().split('\n').at(-1)!;
  if (!last.startsWith('{'))
    throw new Error(
      `the load generator ended without its counts (exit ${pub.child.exitCode ?? pub.child.signalCode}):\n${pub.output().slice(-2000)}`,
    );
  const { sent, acked } = JSON.parse(last) as { sent: number; acked?: number };
  subs.child.kill('SIGTERM');
  await subs.exited;
  const counts = JSON.parse(
    subs
      .output()
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .at(-1)!,
  ) as { received: number; latency: Latency; steadyLatency: Latency };
  return {
    sent,
    acked,
    received: counts.received,
    perSec: Math.round(counts.received / elapsed),
    cpuPercent: Math.round((cpu / elapsed) * 100),
    cpuUs: Number(((cpu / Math.max(1, counts.received)) * 1e6).toFixed(1)),
    latency: counts.latency,
    steadyLatency: counts.steadyLatency,
  };
}

const ratio = (a: number, b: number) => Number((a / Math.max(1e-9, b)).toFixed(2));

/** One round of a load: the hub and a bare aedes, each fresh. */
type Round = { hub: Measured; bare: Measured };

/** History rows the hub stored for the load's devices (home/ld<i>/temperature). */
function storedReadings(dataDir: string): number {
  const db = new BetterSqlite3(join(dataDir, 'hearth.db'), { readonly: true });
  try {
    return (
      db.prepare("SELECT count(*) AS n FROM history h JOIN history_series s ON s.id = h.series_id WHERE s.device_id LIKE 'ld%'").get() as {
        n: number;
      }
    ).n;
  } finally {
    db.close();
  }
}

export async function runRatioBench(log: (line: string) => void = console.log) {
  // Each measurement on fresh brokers, one at a time: a max-rate QoS 0 load leaves a backlog in a broker's memory
  // (QoS 0 has no back-pressure) that would otherwise be measured with the next load.
  const one = async (start: () => Promise<BenchBroker>, load: Load, keep = false) => {
    const broker = await start();
    try {
      await sleep(1000);
      return { measured: await measure(broker, load), broker: keep ? broker : undefined };
    } finally {
      if (!keep) await broker.stop();
    }
  };
  const describe = (m: Measured) =>
    `${m.perSec}/s at ${m.cpuUs} µs (${m.cpuPercent} %)${m.latency.samples ? `, p99 ${m.latency.p99} ms (steady ${m.steadyLatency.p99} ms)` : ''}`;
  // `rounds` pairs, the hub and bare aedes taking turns at going first, so that the VM's drift within a run falls on
  // both (one 5 s run swings by 15-30 % on a shared machine); each round's figures are logged and kept. With keepHub,
  // the last round's hub is left running (and returned) for what is measured after the load.
  const both = async (
    name: string,
    load: Load,
    { keepHub = false, rounds = 1, startHub = () => startBenchHub(), mosquitto: wantMosquitto = true } = {},
  ) => {
    const runs: Round[] = [];
    let hubBroker: BenchBroker | undefined;
    for (let i = 0; i < rounds; i++) {
      const hubFirst = i % 2 === 0;
      const keep = keepHub && i === rounds - 1;
      const first = hubFirst ? await one(startHub, load, keep) : await one(startBareBroker, load);
      const second = hubFirst ? await one(startBareBroker, load) : await one(startHub, load, keep);
      const hub = hubFirst ? first : second;
      hubBroker = hub.broker;
      const round = { hub: hub.measured, bare: (hubFirst ? second : first).measured };
      runs.push(round);
      const of = rounds > 1 ? ` (round ${i + 1} of ${rounds})` : '';
      log(`${name}${of}: hub ${describe(round.hub)}, bare aedes ${describe(round.bare)}`);
    }
    // The reference the issue's table starts from, where it is installed: the same load on a Mosquitto of its own.
    const mosquitto = wantMosquitto ? await startMosquittoBroker() : undefined;
    let m: Measured | undefined;
    try {
      if (mosquitto) m = await measure(mosquitto, load);
    } finally {
      await mosquitto?.stop();
    }
    if (m) log(`${name}: Mosquitto ${describe(m)}`);
    return { runs, mosquitto: m, hubBroker };
  };
  const maxRate = { rounds: ROUNDS };
  const fanIn0 = await both('fan-in QoS 0, max rate', { publishers: 100, rate: 'max', seconds: 5, qos: 0, subscribers: 1 }, maxRate);
  const fanIn1 = await both('fan-in QoS 1, max rate', { publishers: 100, rate: 'max', seconds: 5, qos: 1, subscribers: 1 }, maxRate);
  // The same with history sampling (README, History sampling): the setting for a home whose devices send more than
  // its history needs, measured against the same bare aedes load.
  const fanIn1Sampled = await both(
    `fan-in QoS 1, max rate, history.minIntervalMs: ${SAMPLED_MS}`,
    { publishers: 100, rate: 'max', seconds: 5, qos: 1, subscribers: 1 },
    { ...maxRate, startHub: () => startBenchHub(`history:\n  minIntervalMs: ${SAMPLED_MS}\n`), mosquitto: false },
  );
  // And with bin/hearth's low-memory setting (README, Performance): what its memory costs in CPU, one round.
  const fanIn1LowMemory = await both(
    'fan-in QoS 1, max rate, low-memory setting',
    { publishers: 100, rate: 'max', seconds: 5, qos: 1, subscribers: 1 },
    { startHub: () => startBenchHub('', LOW_MEMORY_FLAGS), mosquitto: false },
  );
  // Fan-out at a fixed 1,000 msg/s (100,000 deliveries a second offered): one publisher at an unbounded rate would only
  // measure how much backlog a broker can hold.
  const fanOut = await both('fan-out 1→100 QoS 0, 1,000 msg/s offered', {
    publishers: 1,
    rate: 1000,
    seconds: 5,
    qos: 0,
    subscribers: 100,
    topic: 'bench/fanout',
  });
  const sustained = await both(
    'QoS 1 at 10,000 msg/s',
    { publishers: 100, rate: 10_000, seconds: 10, qos: 1, subscribers: 1, stamp: true, drain: true },
    { keepHub: true, rounds: ROUNDS },
  );
  const hub = sustained.hubBroker!;
  const held = sustained.runs.at(-1)!;
  try {
    await sleep(1000);
    const stored = storedReadings(hub.dataDir!);
    log(
      `  sustained, last round: hub delivered ${held.hub.received} of ${held.hub.acked ?? held.hub.sent} acknowledged (p99 ${held.hub.latency.p99} ms), stored ${stored}; bare delivered ${held.bare.received} of ${held.bare.acked ?? held.bare.sent} (p99 ${held.bare.latency.p99} ms)`,
    );
    // Memory a minute after the load ends: what the hub gives back.
    await sleep(60_000);
    const afterLoadRssMb = rssMb(hub.pid);
    log(`hub RSS a minute after the sustained load: ${afterLoadRssMb} MB`);
    type Rounds = { runs: Round[]; mosquitto?: Measured };
    // The round whose ratio is the median stands for the load (the upper middle one of an even count); with several
    // rounds, every round's ratio is kept.
    const median = (m: Rounds, value: (x: Measured) => number) => {
      const of = (x: Round) => value(x.hub) / value(x.bare);
      const r = [...m.runs].sort((a, b) => of(a) - of(b))[Math.floor(m.runs.length / 2)]!;
      const each = m.runs.length > 1 ? { roundRatios: m.runs.map((x) => ratio(value(x.hub), value(x.bare))) } : {};
      return {
        hub: value(r.hub),
        bare: value(r.bare),
        mosquitto: m.mosquitto ? value(m.mosquitto) : null,
        ratio: ratio(value(r.hub), value(r.bare)),
        ...each,
      };
    };
    const pair = (m: Rounds) => {
      const { hub, bare, mosquitto, ...rest } = median(m, (x) => x.perSec);
      return { hubMsgsPerSec: hub, bareMsgsPerSec: bare, mosquittoMsgsPerSec: mosquitto, ...rest };
    };
    const cpu = (m: Rounds) => {
      const { hub, bare, mosquitto, ...rest } = median(m, (x) => x.cpuUs);
      return { hubUs: hub, bareUs: bare, mosquittoUs: mosquitto, ...rest };
    };
    const p99 = (m: Rounds, latency: (x: Measured) => Latency) => {
      const { hub, bare, mosquitto, ...rest } = median(m, (x) => latency(x).p99 ?? Number.NaN);
      return { hubMs: hub, bareMs: bare, mosquittoMs: mosquitto, ...rest };
    };
    // Lost: acknowledged by the broker and never delivered. What the load generator could not get acknowledged within
    // 30 s of the load's end is counted apart (unacknowledged), as a publisher would still hold it to send again.
    const lossAndTail = (m: Measured) => ({
      sent: m.sent,
      acknowledged: m.acked ?? m.sent,
      unacknowledged: m.sent - (m.acked ?? m.sent),
      delivered: m.received,
      lost: (m.acked ?? m.sent) - m.received,
      latencyMs: m.latency,
      steadyLatencyMs: m.steadyLatency,
    });
    const whole = p99(sustained, (x) => x.latency);
    const steady = p99(sustained, (x) => x.steadyLatency);
    return {
      cpuPerMessage: { qos0: cpu(fanIn0), qos1: cpu(fanIn1), qos1Sampled: cpu(fanIn1Sampled), qos1LowMemory: cpu(fanIn1LowMemory) },
      ingestMaxQos0: pair(fanIn0),
      ingestMaxQos1: pair(fanIn1),
      ingestMaxQos1Sampled: { historyMinIntervalMs: SAMPLED_MS, ...pair(fanIn1Sampled) },
      ingestMaxQos1LowMemory: { flags: LOW_MEMORY_FLAGS.join(' '), ...pair(fanIn1LowMemory) },
      fanoutMax: pair(fanOut),
      sustainedQos1: {
        offeredPerSec: 10_000,
        // The last round's, whose hub is still running to count what it stored.
        hub: { ...lossAndTail(held.hub), stored },
        bare: lossAndTail(held.bare),
        mosquitto: sustained.mosquitto ? lossAndTail(sustained.mosquitto) : null,
        lostPerRound: sustained.runs.map((r) => ({ hub: lossAndTail(r.hub).lost, bare: lossAndTail(r.bare).lost })),
        // The round with the median ratio, over the whole load and over its steady part (after the first 2 s).
        p99Ms: whole,
        p99Ratio: whole.ratio,
        steadyP99Ms: steady,
        steadyP99Ratio: steady.ratio,
      },
      afterLoadRssMb,
    };
  } finally {
    await hub.stop();
  }
}

if (process.argv[1]?.endsWith('ratios.js')) {
  void runRatioBench().then((r) => console.log(JSON.stringify(r, null, 2)));
}
