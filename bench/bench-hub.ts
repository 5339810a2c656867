// The hub as the benchmarks run it: a child process started as `npm start` starts it (its Node flags), with 100
// rules, auth, ACL, the registry and SQLite history, in a temporary directory; and a bare aedes beside it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnUntil, stop } from './processes.js';

export const DIST = new URL('.', import.meta.url).pathname;
/** What `npm start` runs: the bundled CLI (scripts/bundle.mjs). */
export const MAIN = join(DIST, '../app/hearth.js');
/** bin/hearth, read once for the flag sets below. */
const START_SCRIPT = readFileSync(join(DIST, '../../bin/hearth'), 'utf8');
/** The flags `npm start` runs the hub with, read from bin/hearth so that the two cannot differ. */
export const NODE_FLAGS = (process.env.HEARTH_BENCH_NODE_FLAGS ?? startFlags('default_flags')).split(' ').filter(Boolean);
/** The flags of bin/hearth's low-memory setting (HEARTH_LOW_MEMORY=1). */
export const LOW_MEMORY_FLAGS = startFlags('low_memory_flags').split(' ').filter(Boolean);

/** A variable bin/hearth sets to a quoted string, with the variables it names (`$common_flags`) put in. */
function startFlags(variable: string): string {
  const flags = new RegExp(`^${variable}="([^"]*)"$`, 'm').exec(START_SCRIPT)?.[1];
  if (flags === undefined) throw new Error(`bin/hearth: no line setting ${variable} to take the Node flags from`);
  return flags.replace(/\$(\w+)/g, (_, name: string) => startFlags(name));
}
/** Rounds of the loads whose figure swings with the VM (HEARTH_BENCH_ROUNDS): the median round's ratio is reported. */
export const ROUNDS = Math.max(1, Number(process.env.HEARTH_BENCH_ROUNDS ?? 3));
export const PASSWORD = 'bench-admin-password';
export const AUTH = { username: 'admin', password: PASSWORD };
/** The admin's HTTP Basic authorization for the hub's API. */
export const ADMIN_AUTHORIZATION = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;

/** Device logins issued through the hub's API, as `hearth device add` does: one for each of `<prefix>0`… */
export async function issueDeviceLogins(
  httpUrl: string,
  prefix: string,
  count: number,
): Promise<Array<{ username: string; password: string; deviceId: string }>> {
  const logins: Array<{ username: string; password: string; deviceId: string }> = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${httpUrl}/api/device-credentials`, {
      method: 'POST',
      headers: { authorization: ADMIN_AUTHORIZATION, 'content-type': 'application/json' },
      body: JSON.stringify({ deviceId: `${prefix}${i}` }),
    });
    if (res.status !== 201) throw new Error(`POST /api/device-credentials answered ${res.status}: ${await res.text()}`);
    logins.push((await res.json()) as (typeof logins)[number]);
  }
  return logins;
}

export interface BenchBroker {
  url: string;
  pid: number;
  /** Throws with the end of its output when the process is gone (a benchmark must not measure a dead broker). */
  assertAlive(): void;
  auth: { username?: string; password?: string };
  dataDir?: string;
  stop(): Promise<void>;
}

/** `count` rules, each watching its own sensor and commanding its own AC. */
export function writeRules(dir: string, count: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    writeFileSync(
      join(dir, `r${i}.yaml`),
      `id: cool-${i}
triggers:
  - trigger: numeric_state
    topic: home/sensor${i}/temperature
    above: 50
actions:
  - action: publish
    topic: home/ac${i}/power/set
    payload: "on"
`,
    );
  }
}

/** A temporary hub home: 100 rules, and a config that lifts the limits a load generator on one address would meet. */
export function prepareHubDir(configExtra = ''): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-hub-bench-'));
  const rulesDir = join(dir, 'rules');
  writeRules(rulesDir, 100);
  const config = join(dir, 'hearth.yaml');
  // One address opens a thousand connections here (a real home has one per device), and the max-rate loads send
  // far beyond a device's rate on purpose.
  writeFileSync(
    config,
    'mqtt:\n  maxConnectionsPerAddress: 5000\n  maxConnections: 5000\n  maxPublishRatePerClient: 1000000\n' +
      (process.env.HEARTH_BENCH_CONFIG_EXTRA ?? '').replace(/\\n/g, '\n') +
      configExtra,
  );
  const env = {
    MALLOC_ARENA_MAX: '2',
    MALLOC_MMAP_THRESHOLD_: '131072',
    HEARTH_CONFIG: config,
    HEARTH_DATA_DIR: join(dir, 'data'),
    HEARTH_RULES_DIR: rulesDir,
    HEARTH_HOST: '127.0.0.1',
    HEARTH_MQTT_PORT: '0',
    HEARTH_HTTP_PORT: '0',
    HEARTH_ADMIN_PASSWORD: PASSWORD,
    HEARTH_LOG_LEVEL: 'warn',
  };
  return { dir, env };
}

export async function startHubProcess(env: Record<string, string>, flags = NODE_FLAGS) {
  return spawnUntil([...flags, MAIN, 'start'], env, /MQTT port (\d+)/);
}

/**
 * A fresh hub in its own temporary directory (with `configExtra` added to its hearth.yaml, and other Node flags than
 * `npm start`'s if given); `stop` removes it.
 */
export async function startBenchHub(configExtra = '', flags = NODE_FLAGS): Promise<BenchBroker> {
  const { dir, env } = prepareHubDir(configExtra);
  const hub = await startHubProcess(env, flags);
  return {
    url: `mqtt://127.0.0.1:${hub.match[1]}`,
    pid: hub.child.pid!,
    assertAlive: () => assertAlive(hub, 'the hub'),
    auth: AUTH,
    dataDir: env.HEARTH_DATA_DIR,
    async stop() {
      await stop(hub.child, hub.exited);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startBareBroker(): Promise<BenchBroker> {
  const bare = await spawnUntil([join(DIST, 'bare-broker.js')], {}, /READY (\d+)/);
  return {
    url: `mqtt://127.0.0.1:${bare.match[1]}`,
    pid: bare.child.pid!,
    assertAlive: () => assertAlive(bare, 'the bare broker'),
    auth: {},
    stop: () => stop(bare.child, bare.exited),
  };
}

function assertAlive(p: { child: { exitCode: number | null; signalCode: string | null }; output(): string }, name: string): void {
  if (p.child.exitCode === null && p.child.signalCode === null) return;
  throw new Error(`${name} exited (${p.child.exitCode ?? p.child.signalCode}):\n${p.output().slice(-3000)}`);
}
