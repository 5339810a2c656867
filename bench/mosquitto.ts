// The hub on Mosquitto (mqtt.url): ingest and rule latency through an external broker, beside the embedded broker's
// figures, with Mosquitto and the load in processes of their own. Bounded in time; loopback only. Skipped (and said
// so) where Mosquitto is not installed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ADMIN_AUTHORIZATION, DIST, MAIN, NODE_FLAGS, PASSWORD as ADMIN_PASSWORD, writeRules, type BenchBroker } from './bench-hub.js';
import { fmt, roundTrips, sleep, type LatencySummary } from './hub.js';
import { cpuSeconds, rssMb, spawnUntil, stop } from './processes.js';

const MOSQUITTO = '/usr/sbin/mosquitto';
const LOAD = join(DIST, 'load.js');
const HEARTH = { username: 'hearth', password: 'bench-hearth-password' };
const LOADER = { username: 'bench', password: 'bench-load-password' };

export interface MosquittoBenchResult {
  ruleLatencyMs: LatencySummary;
  routeLatencyMs: LatencySummary;
  /** `received` of `sent`: what reached the hub (registry, history, rules) within a second after the load ended. */
  ingest: Array<{
    rate: number | 'max';
    sentPerSec: number;
    hubReceivedPerSec: number;
    received: number;
    sent: number;
    hubCpuPercent: number;
    mosquittoCpuPercent: number;
    hubRssMb: number;
  }>;
}

export async function runMosquittoBench(log: (line: string) => void = console.log): Promise<MosquittoBenchResult | undefined> {
  if (!existsSync(MOSQUITTO)) {
    log(`Mosquitto is not installed (${MOSQUITTO}): the external-broker benchmark is skipped`);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'hearth-mosquitto-bench-'));
  const children: Array<{ child: ReturnType<typeof spawn>; exited: Promise<void> }> = [];
  try {
    const port = await freePort();
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, '');
    for (const u of [HEARTH, LOADER]) spawnSync('mosquitto_passwd', ['-b', passwd, u.username, u.password]);
    // As the README sets it up (logins required, TCP_NODELAY), in memory (the hub's session lives while Mosquitto
    // runs), with generous queues so that a burst is measured rather than Mosquitto's per-client limit.
    writeFileSync(
      join(dir, 'mosquitto.conf'),
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous false',
        `password_file ${passwd}`,
        'max_queued_messages 100000',
        'max_connections -1',
        'set_tcp_nodelay true',
        `user ${userInfo().username}`,
        '',
      ].join('\n'),
    );
    const mosquitto = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    const mosquittoExited = new Promise<void>((r) => mosquitto.once('exit', () => r()));
    children.push({ child: mosquitto, exited: mosquittoExited });
    await sleep(300);
    const url = `mqtt://127.0.0.1:${port}`;

    const rulesDir = join(dir, 'rules');
    writeRules(rulesDir, 100);
    const env = {
      MALLOC_ARENA_MAX: '2',
      MALLOC_MMAP_THRESHOLD_: '131072',
      HEARTH_DATA_DIR: join(dir, 'data'),
      HEARTH_RULES_DIR: rulesDir,
      HEARTH_HOST: '127.0.0.1',
      HEARTH_HTTP_PORT: '0',
      HEARTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
      HEARTH_LOG_LEVEL: 'warn',
      HEARTH_MQTT_URL: url,
      HEARTH_MQTT_USERNAME: HEARTH.username,
      HEARTH_MQTT_PASSWORD: HEARTH.password,
    };
    const hub = await spawnUntil([...NODE_FLAGS, MAIN, 'start'], env, /HTTP port (\d+)/);
    children.push({ child: hub.child, exited: hub.exited });
    const httpPort = Number(hub.match[1]);
    log(`hub started on Mosquitto ${url} with 100 rules`);

    const ruleLatencyMs = await roundTrips(url, LOADER, 'rule');
    const routeLatencyMs = await roundTrips(url, LOADER, 'route');
    log(`through Mosquitto: rule latency ${fmt(ruleLatencyMs)}; plain routing by Mosquitto on the same load ${fmt(routeLatencyMs)}`);

    const received = async () => {
      const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`, {
        headers: { authorization: ADMIN_AUTHORIZATION },
      });
      return Number(/^hearth_mqtt_broker_messages_received (\d+)/m.exec(await res.text())?.[1] ?? NaN);
    };
    const ingest: MosquittoBenchResult['ingest'] = [];
    const rates = process.env.HEARTH_BENCH_RATES?.split(',').map((r) => (r === 'max' ? r : Number(r))) ?? [1000, 5000, 20000, 'max'];
    for (const rate of process.env.HEARTH_BENCH_ONLY === 'latency' ? [] : (rates as Array<number | 'max'>)) {
      // Counted from before the load connects: it sends as soon as it is connected, and the first /metrics (which
      // loads its module then) took longer than that (4,890 of 4,950 counted at 1,000 msg/s, none of them lost).
      const r0 = await received();
      const load = await spawnUntil([LOAD, url, LOADER.username, LOADER.password, '100', String(rate), '5', 'ld'], {}, /CONNECTED/, 30_000);
      const cpu0 = cpuSeconds(hub.child.pid!);
      const m0 = cpuSeconds(mosquitto.pid!);
      const t0 = performance.now();
      await load.exited;
      const { sent, seconds } = JSON.parse(/\{"sent".*\}/.exec(load.output())?.[0] ?? '{"sent":0,"seconds":5}') as {
        sent: number;
        seconds: number;
      };
      // What is still on its way to the hub arrives within a second, or the hub has fallen behind: both count.
      await sleep(1000);
      const elapsed = (performance.now() - t0) / 1000;
      // CPU over the same window as its time. A hub far behind its load answers /metrics late: its CPU until then
      // was once divided by this window (500 % of 2 cores), and what it received by then by the load's 5 s.
      const hubCpu = cpuSeconds(hub.child.pid!) - cpu0;
      const mosquittoCpu = cpuSeconds(mosquitto.pid!) - m0;
      const got = (await received()) - r0;
      const answeredAfter = (performance.now() - t0) / 1000;
      const row = {
        rate,
        sent,
        received: got,
        sentPerSec: Math.round(sent / seconds),
        hubReceivedPerSec: Math.round(got / Math.max(seconds, answeredAfter - 1)),
        hubCpuPercent: Math.round((hubCpu / elapsed) * 100),
        mosquittoCpuPercent: Math.round((mosquittoCpu / elapsed) * 100),
        hubRssMb: rssMb(hub.child.pid!),
      };
      const late = answeredAfter - elapsed > 1 ? `; /metrics answered ${answeredAfter.toFixed(1)} s after the load began` : '';
      ingest.push(row);
      log(
        `ingest through Mosquitto at ${rate}: sent ${row.sentPerSec}/s, hub received ${row.hubReceivedPerSec}/s (${got} of ${sent}; ${row.hubCpuPercent} % CPU, ${row.hubRssMb} MB), Mosquitto ${row.mosquittoCpuPercent} % CPU${late}`,
      );
      await sleep(1000);
    }
    return { ruleLatencyMs, routeLatencyMs, ingest };
  } finally {
    for (const { child, exited } of children.reverse()) await stop(child as any, exited);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A Mosquitto of its own for the ratio benchmark, configured as the bare aedes is (anonymous, in memory, loopback,
 * TCP_NODELAY), with queues deep enough that a burst is measured rather than its per-client limit. Undefined where
 * Mosquitto is not installed.
 */
export async function startMosquittoBroker(): Promise<BenchBroker | undefined> {
  if (!existsSync(MOSQUITTO)) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'hearth-mosquitto-ratio-'));
  const port = await freePort();
  const conf = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'max_queued_messages 1000000',
    'max_inflight_messages 0',
    'max_connections -1',
    'set_tcp_nodelay true',
    `user ${userInfo().username}`,
    '',
  ];
  writeFileSync(join(dir, 'mosquitto.conf'), conf.join('\n'));
  const child = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await waitForPort(port);
  return {
    url: `mqtt://127.0.0.1:${port}`,
    pid: child.pid!,
    auth: {},
    assertAlive() {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`Mosquitto exited (${child.exitCode ?? child.signalCode}):\n${output.slice(-3000)}`);
    },
    async stop() {
      await stop(child as any, exited);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`Mosquitto did not listen on ${port} within 5 s`);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

if (process.argv[1]?.endsWith('mosquitto.js')) {
  void runMosquittoBench().then((r) => console.log(JSON.stringify(r, null, 2)));
}
