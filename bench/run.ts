// `npm run bench`: runs the benchmarks, prints a table and writes bench/results.json with the machine they ran on.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { runChurnBench } from './churn.js';
import { runHistoryBench } from './history.js';
import { runHubBench } from './hub.js';
import { runMosquittoBench } from './mosquitto.js';
import { runPersistenceBench } from './persistence.js';
import { runRatioBench } from './ratios.js';
import { describeRegistryPath, runRegistryPathBench } from './registry-path.js';

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
};
console.log(`Hearth benchmarks on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}\n`);
const persistence = (await runPersistenceBench()) as any;
const r = persistence.retainedSubscribeMs;
const rows: Array<[string, string, string, string]> = [
  [
    'retained: subscribe home/kitchen/# over 50,000 topics',
    `${r.sqlite['home/kitchen/#'].toFixed(1)} ms`,
    `${r.memory['home/kitchen/#'].toFixed(1)} ms`,
    `${r.sqlite['home/kitchen/# matches']} matches`,
  ],
  [
    'retained: subscribe home/+/temperature over 50,000 topics',
    `${r.sqlite['home/+/temperature'].toFixed(1)} ms`,
    `${r.memory['home/+/temperature'].toFixed(1)} ms`,
    `${r.sqlite['home/+/temperature matches']} matches`,
  ],
  [
    'QoS 1 to a persistent subscriber (msgs/s)',
    String(persistence.qos1.sqliteMsgsPerSec),
    String(persistence.qos1.memoryMsgsPerSec),
    `ratio ${persistence.qos1.ratio}`,
  ],
];
const registryPath = runRegistryPathBench();
console.log(describeRegistryPath(registryPath));
const history = await runHistoryBench();
const hub = await runHubBench((line) => console.log(line));
const mosquitto = await runMosquittoBench((line) => console.log(line));
const ratios = await runRatioBench((line) => console.log(line));
const churn = await runChurnBench((line) => console.log(line));
console.log('| benchmark | SQLite persistence | aedes memory | |');
console.log('|---|---|---|---|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
console.log(
  `\nHistory: ${history.rows.toLocaleString()} rows (30 days of 10 s readings, 50 properties) written in ${history.insertSeconds.toFixed(1)} s;`,
);
console.log(
  `one-month chart of one property, hourly buckets (${history.points} points): ${history.historyQueryMs.toFixed(1)} ms; ${(history.bytesPerMillionRows / 1e6).toFixed(1)} MB per million rows`,
);
const results = {
  machine,
  retainedSubscribeMs: r.sqlite['home/+/temperature'],
  persistence,
  historyQueryMs: history.historyQueryMs,
  history,
  ingestMax: hub.ingestMax,
  ingest: hub.ingest,
  ruleLatencyMs: hub.ruleLatencyMs,
  routeLatencyMs: hub.routeLatencyMs,
  bareRouteLatencyMs: hub.bareRouteLatencyMs,
  ruleLatencyRatio: hub.ruleLatencyRatio,
  // The budgets of DESIGN.md §5, each a ratio to a bare aedes measured in the same run on the same load.
  cpuPerMessage: ratios.cpuPerMessage,
  ingestMaxQos1: ratios.ingestMaxQos1,
  // Not a budget: the same load with history sampling on, the setting the README offers for the trade.
  ingestMaxQos1Sampled: ratios.ingestMaxQos1Sampled,
  // Nor this: the same load with bin/hearth's low-memory setting (HEARTH_LOW_MEMORY=1).
  ingestMaxQos1LowMemory: ratios.ingestMaxQos1LowMemory,
  fanoutMax: ratios.fanoutMax,
  sustainedQos1: ratios.sustainedQos1,
  footprint: { ...hub.footprint, afterLoadRssMb: ratios.afterLoadRssMb },
  // Not a budget: the heap after full collections under reconnect churn, for leaks a long uptime would show.
  churn,
  registryPath,
  mosquitto,
};
writeFileSync(
  new URL('./results.json', import.meta.url).pathname.replace('/dist/bench/', '/bench/'),
  JSON.stringify(results, null, 2) + '\n',
);
console.log('\n| ingest (100 clients, QoS 0) | hub msgs/s | bare aedes msgs/s | ratio | hub CPU | hub RSS |');
console.log('|---|---|---|---|---|---|');
for (const r of hub.ingest)
  console.log(
    `| ${r.rate} | ${r.hub.deliveredPerSec} | ${r.bare.deliveredPerSec} | ${r.ratio} | ${r.hub.cpuPercent} % | ${r.hub.rssMb} MB |`,
  );
const l = hub.ruleLatencyMs;
console.log(
  `\nRule latency (1,000 clients, 2,000 msg/s background at ${l.background} priority, 100 rules): p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, max ${l.max} ms (${l.samples} samples, ${l.lost} over 1 s)`,
);
for (const [name, d] of [
  ['hub', hub.routeLatencyMs],
  ['bare aedes', hub.bareRouteLatencyMs],
] as const) {
  console.log(`Plain routing on the same load, ${name}: p50 ${d.p50} ms, p95 ${d.p95} ms, p99 ${d.p99} ms, max ${d.max} ms`);
}
const f = hub.footprint;
console.log(
  `Footprint: RSS ${f.idleRssMb['0']} MB idle (settled ${f.settledRssMb['0']} MB), ${f.idleRssMb['100']} MB with 100 clients, ${f.idleRssMb['1000']} MB with 1,000 (settled ${f.settledRssMb['1000']} MB); start-up with 100 rules ${f.startupMs} ms (median of ${f.startupRunsMs.join(', ')} ms)`,
);
console.log(
  `20 devices with their own logins connecting at once: RSS ${f.loginsRssMb.before} → ${f.loginsRssMb.after} MB; bare aedes ${f.bare.idleRssMb['0']} MB idle (settled ${f.bare.settledRssMb['0']}), ${f.bare.idleRssMb['1000']} MB with 1,000 clients (settled ${f.bare.settledRssMb['1000']})`,
);
if (f.lowMemory) {
  const lm = f.lowMemory;
  console.log(
    `Low-memory setting (HEARTH_LOW_MEMORY=1): RSS ${lm.idleRssMb['0']} MB idle (settled ${lm.settledRssMb['0']} MB), ${lm.idleRssMb['1000']} MB with 1,000 clients (settled ${lm.settledRssMb['1000']} MB)`,
  );
}
if (mosquitto) {
  console.log(
    '\n| ingest through Mosquitto (100 clients, QoS 0) | sent msgs/s | hub received msgs/s | hub CPU | Mosquitto CPU | hub RSS |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const r of mosquitto.ingest)
    console.log(
      `| ${r.rate} | ${r.sentPerSec} | ${r.hubReceivedPerSec} (${r.received} of ${r.sent}) | ${r.hubCpuPercent} % | ${r.mosquittoCpuPercent} % | ${r.hubRssMb} MB |`,
    );
  const m = mosquitto.ruleLatencyMs;
  const p = mosquitto.routeLatencyMs;
  console.log(
    `\nRule latency through Mosquitto (same load): p50 ${m.p50} ms, p95 ${m.p95} ms, p99 ${m.p99} ms, max ${m.max} ms; plain routing by Mosquitto: p50 ${p.p50} ms, p99 ${p.p99} ms`,
  );
}
console.log('\n| the hub against a bare aedes, same run, same load | Mosquitto | bare aedes | hub | hub / bare |');
console.log('|---|---|---|---|---|');
const c = ratios.cpuPerMessage;
const or = (v: number | null | undefined, unit = '') => (v === null || v === undefined ? '–' : `${v}${unit}`);
/** The median round's ratio, with every round's when there were several. */
const ofRounds = (m: { ratio: number; roundRatios?: number[] }) =>
  m.roundRatios ? `${m.ratio} (median of ${m.roundRatios.join(', ')})` : `${m.ratio}`;
const sampled = `history.minIntervalMs: ${ratios.ingestMaxQos1Sampled.historyMinIntervalMs}`;
for (const [name, m, budget] of [
  ['fan-in QoS 0', c.qos0, ' (budget ≤ 2)'],
  ['fan-in QoS 1', c.qos1, ' (budget ≤ 2)'],
  [`fan-in QoS 1, ${sampled}`, c.qos1Sampled, ''],
  ['fan-in QoS 1, low-memory setting', c.qos1LowMemory, ' (the setting, not the default)'],
] as const) {
  console.log(`| CPU per message, ${name} | ${or(m.mosquittoUs, ' µs')} | ${m.bareUs} µs | ${m.hubUs} µs | ${ofRounds(m)}${budget} |`);
}
for (const [name, m, budget] of [
  ['fan-in QoS 0, max rate', ratios.ingestMaxQos0, ' (budget ≥ 0.85)'],
  ['fan-in QoS 1, max rate', ratios.ingestMaxQos1, ' (budget ≥ 0.85)'],
  [`fan-in QoS 1, max rate, ${sampled}`, ratios.ingestMaxQos1Sampled, ' (the setting, not the default)'],
  ['fan-in QoS 1, max rate, low-memory setting', ratios.ingestMaxQos1LowMemory, ' (the setting, not the default)'],
  ['fan-out 1→100 QoS 0', ratios.fanoutMax, ' (budget ≥ 0.85)'],
] as const) {
  console.log(`| ${name} | ${or(m.mosquittoMsgsPerSec, '/s')} | ${m.bareMsgsPerSec}/s | ${m.hubMsgsPerSec}/s | ${ofRounds(m)}${budget} |`);
}
const s = ratios.sustainedQos1;
const sus = (x: { delivered: number; acknowledged: number; unacknowledged: number } | null, p99: number | null) =>
  x
    ? `${x.delivered} of ${x.acknowledged} acknowledged${x.unacknowledged ? ` (${x.unacknowledged} never acknowledged)` : ''}, p99 ${p99} ms`
    : '–';
const lostInRounds = s.lostPerRound.reduce((n, r) => n + r.hub, 0);
console.log(
  `| QoS 1 at 10,000/s: delivered (last round), p99 (median round) | ${sus(s.mosquitto, s.p99Ms.mosquittoMs)} | ${sus(s.bare, s.p99Ms.bareMs)} | ${sus(s.hub, s.p99Ms.hubMs)} (stored ${s.hub.stored}; lost in ${s.lostPerRound.length} rounds: ${lostInRounds}) | p99 ${ofRounds(s.p99Ms)} (budget ≤ 2) |`,
);
console.log(
  `| the same after its first 2 s (warm): p99 | ${s.steadyP99Ms.mosquittoMs ?? '–'} ms | ${s.steadyP99Ms.bareMs} ms | ${s.steadyP99Ms.hubMs} ms | ${ofRounds(s.steadyP99Ms)} |`,
);
const rl = hub.ruleLatencyRatio as {
  ratio: number;
  roundRatios?: number[];
  pooled?: { p99Ms: { rule: number; bare: number }; ratio: number };
};
console.log(
  `| rule p99 (1,000 clients, 2,000 msg/s) against plain routing p99 | | ${hub.bareRouteLatencyMs.p99} ms | ${hub.ruleLatencyMs.p99} ms | ${ofRounds(rl)} (budget ≤ 1.5) |`,
);
if (rl.pooled)
  console.log(`| the same, the rounds' samples pooled | | ${rl.pooled.p99Ms.bare} ms | ${rl.pooled.p99Ms.rule} ms | ${rl.pooled.ratio} |`);
console.log(`| RSS a minute after the load | | | ${ratios.afterLoadRssMb} MB | idle ${f.idleRssMb['0']} MB (budget: within 20 MB) |`);
console.log(
  `\nReconnect churn: ${churn.connections.toLocaleString('en-US')} connections, heap after full collections ${churn.heapMb[0]} → ${churn.heapMb.at(-1)} MB, ${churn.bytesPerConnection} bytes a connection over the second half`,
);
console.log('\nwrote bench/results.json');
