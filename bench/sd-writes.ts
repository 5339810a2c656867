// SD-card wear: what the hub writes to storage with 50 devices reporting every 10 s, from /proc/<pid>/io
// (write_bytes) over a bounded run, extrapolated to a day; by default and with history committed less often.
// `npm run bench:sd` (about 8 minutes; HEARTH_BENCH_SD_SECONDS sets the measured window of each run, default 120,
// HEARTH_BENCH_SD_VARIANTS=0,1 runs only those settings).
import { cpSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_AUTHORIZATION, DIST, MAIN, NODE_FLAGS, PASSWORD } from './bench-hub.js';
import { cpuSeconds, rssMb, spawnUntil, stop } from './processes.js';

const RULES = join(DIST, '../../rules');
const DEVICES = 50;
const READINGS_PER_SECOND = DEVICES / 10;
const WARMUP_SECONDS = 20;
const SECONDS = Number(process.env.HEARTH_BENCH_SD_SECONDS ?? 120);
const TMPFS_MAGIC = 0x01021994;

const VARIANTS = [
  { name: 'default: states and history committed every 100 ms', config: '' },
  { name: 'history.historyFlushIntervalMs: 60000 (states still every 100 ms)', config: 'history:\n  historyFlushIntervalMs: 60000\n' },
  // Not a recommended setting (it delays states too); it shows what the broker's own durable writes cost.
  {
    name: 'for comparison: flushIntervalMs 10000 and historyFlushIntervalMs 60000',
    config: 'history:\n  flushIntervalMs: 10000\n  historyFlushIntervalMs: 60000\n',
  },
];

function writeBytes(pid: number): number {
  const m = /^write_bytes: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  if (!m) throw new Error(`/proc/${pid}/io has no write_bytes`);
  return Number(m[1]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(variant: (typeof VARIANTS)[number]) {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-sd-'));
  // Pages written to tmpfs never reach a block device: write_bytes would say 0.
  if (statfsSync(dir).type === TMPFS_MAGIC) throw new Error(`${tmpdir()} is a tmpfs; set TMPDIR to a directory on a disk`);
  try {
    const rules = join(dir, 'rules');
    cpSync(RULES, rules, { recursive: true });
    const config = join(dir, 'hearth.yaml');
    writeFileSync(
      config,
      `dataDir: ${join(dir, 'data')}\nrulesDir: ${rules}\nhost: 127.0.0.1\nmqtt:\n  port: 0\nhttp:\n  port: 0\nbackup:\n  enabled: false\n${variant.config}`,
    );
    const hub = await spawnUntil(
      [...NODE_FLAGS, MAIN, 'start', '--config', config],
      { HEARTH_ADMIN_PASSWORD: PASSWORD },
      /MQTT port (\d+), HTTP port (\d+)/,
      60_000,
    );
    const url = `mqtt://127.0.0.1:${hub.match[1]}`;
    const received = () => messagesIn(`http://127.0.0.1:${hub.match[2]}/metrics`);
    const duration = WARMUP_SECONDS + SECONDS + 5;
    const sim = await spawnUntil(
      [
        MAIN,
        'simulate',
        '--devices',
        String(DEVICES),
        '--rate',
        String(READINGS_PER_SECOND),
        '--url',
        url,
        '--username',
        'admin',
        '--password',
        PASSWORD,
        '--duration',
        String(duration),
      ],
      {},
      /running:/,
      60_000,
    );
    // Past the first minute's one-off writes (new devices, their series, the first checkpoint of a fresh WAL).
    await sleep(WARMUP_SECONDS * 1000);
    const pid = hub.child.pid!;
    const bytes0 = writeBytes(pid);
    const cpu0 = cpuSeconds(pid);
    const messages0 = await received();
    const t0 = performance.now();
    await sleep(SECONDS * 1000);
    const seconds = (performance.now() - t0) / 1000;
    const bytes = writeBytes(pid) - bytes0;
    const cpu = cpuSeconds(pid) - cpu0;
    const rss = rssMb(pid);
    const messages = (await received()) - messages0;
    await stop(sim.child, sim.exited);
    await stop(hub.child, hub.exited);
    const perSecond = bytes / seconds;
    return {
      variant: variant.name,
      seconds: Math.round(seconds),
      messagesPerSecond: Number((messages / seconds).toFixed(2)),
      writtenKBPerSecond: Number((perSecond / 1024).toFixed(1)),
      writtenMBPerDay: Math.round((perSecond * 86_400) / 1e6),
      bytesPerMessage: Math.round(bytes / Math.max(1, messages)),
      cpuPercent: Number(((cpu / seconds) * 100).toFixed(1)),
      rssMb: rss,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** MQTT PUBLISH packets the hub received so far, from its own metrics. */
async function messagesIn(url: string): Promise<number> {
  const res = await fetch(url, { headers: { authorization: ADMIN_AUTHORIZATION } });
  const m = /^hearth_mqtt_messages_in_total (\d+)/m.exec(await res.text());
  if (!m) throw new Error('no hearth_mqtt_messages_in_total in /metrics');
  return Number(m[1]);
}

console.log(
  `SD-card writes: ${DEVICES} simulated devices, ${READINGS_PER_SECOND} readings/s in all (each reporting every 10 s, retained, as the simulator publishes), ${SECONDS} s measured after ${WARMUP_SECONDS} s of warm-up, per setting`,
);
const only = process.env.HEARTH_BENCH_SD_VARIANTS?.split(',').map(Number); // e.g. 0,1 to run only those
const results = [];
for (const variant of VARIANTS.filter((_, i) => !only || only.includes(i))) {
  const r = await measure(variant);
  results.push(r);
  console.log(
    `  ${r.variant}: ${r.writtenKBPerSecond} KiB/s = ${r.writtenMBPerDay} MB/day (${r.bytesPerMessage} bytes per message; ${r.messagesPerSecond} messages/s, CPU ${r.cpuPercent} %, RSS ${r.rssMb} MB)`,
  );
}
console.log('\n| setting | written per day | per message | hub CPU |');
console.log('|---|---|---|---|');
for (const r of results) console.log(`| ${r.variant} | ${r.writtenMBPerDay} MB | ${r.bytesPerMessage} B | ${r.cpuPercent} % |`);
writeFileSync(
  new URL('./sd-results.json', import.meta.url).pathname.replace('/dist/bench/', '/bench/'),
  JSON.stringify({ date: new Date().toISOString(), devices: DEVICES, devicesReportEverySeconds: 10, results }, null, 2) + '\n',
);
console.log('\nwrote bench/sd-results.json');
