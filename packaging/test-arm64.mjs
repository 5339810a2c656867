// The arm64 proof: runs the arm64 release bundle on this x64 machine under qemu-user, with the bundle's own arm64
// Node and native module, and checks what a user of a Raspberry Pi would: start, MQTT, state, rules, API, backup, stop.
// Usage: node packaging/test-arm64.mjs [release/hearth-<version>-linux-arm64.tar.gz]   (npm run test:arm64 builds it first)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';

const SYSROOT = '/usr/aarch64-linux-gnu';
const PASSWORD = 'arm64-proof-password';
const root = new URL('..', import.meta.url).pathname;
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const tarball = resolve(process.argv[2] ?? join(root, `release/hearth-${version}-linux-arm64.tar.gz`));
if (!existsSync(tarball)) {
  console.error(`${tarball} is missing: npm run test:arm64 builds it (or npm run release -- --arch arm64)`);
  process.exit(2);
}
execFileSync(
  new URL('ensure-debs.sh', import.meta.url).pathname,
  ['qemu-user-static', 'libc6-arm64-cross', 'libstdc++6-arm64-cross', 'file'],
  { stdio: 'inherit' },
);

const began = Date.now();
const work = mkdtempSync(join(tmpdir(), 'hearth-arm64-'));
const steps = [];
let hub;
let hubOutput = '';

async function step(name, fn) {
  const t0 = Date.now();
  try {
    const detail = await fn();
    const ms = Date.now() - t0;
    steps.push({ name, ms });
    console.log(`  ✓ ${name} (${(ms / 1000).toFixed(1)} s)${detail ? `: ${detail}` : ''}`);
  } catch (err) {
    console.log(`  ✗ ${name}: ${err.message}`);
    if (hubOutput) console.log(`\nthe hub's output, last lines:\n${hubOutput.split('\n').slice(-30).join('\n')}`);
    hub?.kill('SIGKILL');
    console.log(`(the bundle and the hub's files are kept in ${work})`);
    process.exit(1);
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Resolves with the first match of `pattern` in the hub's output, or rejects after `ms`. */
function waitForOutput(pattern, ms) {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`not seen within ${ms / 1000} s: ${pattern}`)), ms);
    const look = () => {
      const match = hubOutput.match(pattern);
      if (!match) return;
      clearTimeout(timer);
      hub.stdout.off('data', look);
      resolvePromise(match);
    };
    hub.stdout.on('data', look);
    look();
  });
}

async function waitFor(what, fn, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

console.log(
  `arm64 proof of ${tarball}, under qemu-aarch64-static (${execFileSync('qemu-aarch64-static', ['--version']).toString().split('\n')[0]})`,
);
const name = tarball
  .split('/')
  .pop()
  .replace(/\.tar\.gz$/, '');
const app = join(work, name);
const node = join(app, 'node/bin/node');
const module = join(app, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
const dataDir = join(work, 'data');
const rulesDir = join(work, 'rules');
const config = join(work, 'hearth.yaml');
let api;
let token;
const devices = {};

await step('unpack the bundle', () => {
  execFileSync('tar', ['xzf', tarball, '-C', work]);
  return `${name}, ${(readFileSync(tarball).length / 1e6).toFixed(1)} MB`;
});

await step('the native module and Node are aarch64 (file)', () => {
  const described = [node, module].map((f) => execFileSync('file', ['-L', f]).toString().trim());
  for (const line of described) check(/ARM aarch64/.test(line) && !/x86-64/.test(line), `not an arm64 binary: ${line}`);
  return described
    .map((l) =>
      l
        .replace(app + '/', '')
        .split(',')
        .slice(0, 2)
        .join(','),
    )
    .join('; ');
});

await step("the bundle has no TypeScript compiler, build tools, tests, sources, or source maps but the bundle's", () => {
  const found = execFileSync('find', [
    app,
    '(',
    '-name',
    'typescript',
    '-o',
    '-name',
    'vitest',
    '-o',
    '-name',
    'esbuild',
    '-o',
    '-name',
    'node-gyp',
    '-o',
    '-name',
    '*.ts',
    '-o',
    '-name',
    'binding.gyp',
    ')',
    '-print',
  ])
    .toString()
    .trim();
  check(found === '', `found: ${found}`);
  // dist/app's maps stay, for the stack traces the hub prints, without the sources they carry.
  const maps = execFileSync('find', [app, '-name', '*.map', '-print']).toString().trim().split('\n');
  for (const map of maps) {
    check(map.startsWith(join(app, 'dist/app/')), `a source map outside dist/app: ${map}`);
    check(!('sourcesContent' in JSON.parse(readFileSync(map, 'utf8'))), `${map} carries its sources`);
  }
  return `${maps.length} source maps, in dist/app, without sources`;
});

// Without binfmt (a container may not allow it) the kernel cannot run an arm64 binary, so the bundle's bin/hearth,
// unchanged, reaches its arm64 Node through a wrapper in the same place that hands it to qemu.
await step("run the bundle's arm64 Node under qemu", () => {
  renameSync(node, `${node}.aarch64`);
  writeFileSync(node, `#!/bin/sh\nexec qemu-aarch64-static -L ${SYSROOT} "$0.aarch64" "$@"\n`);
  chmodSync(node, 0o755);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the template is evaluated by the emulated node (-p), not here
  const out = execFileSync(node, ['-p', '`${process.version} ${process.arch} abi ${process.versions.modules}`']).toString().trim();
  check(out.includes('arm64'), `process.arch is not arm64: ${out}`);
  return out;
});

await step("a bug's stack trace names the TypeScript (HEARTH_DEBUG=1, a config file that is not there)", () => {
  const run = spawnSync(join(app, 'bin/hearth'), ['start', '--config', join(work, 'missing.yaml')], {
    env: { ...process.env, HEARTH_DEBUG: '1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  check(run.status === 78, `exit ${run.status}: ${run.stderr}`);
  const frame = run.stderr.split('\n').find((l) => l.includes('← src/config/load-config.ts:'));
  check(frame !== undefined, `no frame mapped to src/config/load-config.ts:\n${run.stderr}`);
  return frame.trim().replace(app, '…');
});

await step('start the hub on a fresh data dir (bin/hearth start)', async () => {
  cpSync(join(app, 'rules'), rulesDir, { recursive: true });
  writeFileSync(
    join(rulesDir, 'arm64-proof.yaml'),
    [
      'id: arm64-proof',
      'description: The AC goes on when the living room is hot',
      'triggers:',
      '  - trigger: numeric_state',
      '    topic: home/livingroom/temperature',
      '    above: 26',
      'actions:',
      '  - action: publish',
      '    topic: home/ac/power/set',
      '    payload: "on"',
      '',
    ].join('\n'),
  );
  writeFileSync(
    config,
    `dataDir: ${dataDir}\nrulesDir: ${rulesDir}\nhost: 127.0.0.1\nmqtt:\n  port: 0\nhttp:\n  port: 0\nbackup:\n  enabled: false\n`,
  );
  hub = spawn(join(app, 'bin/hearth'), ['start', '--config', config], {
    env: { ...process.env, HEARTH_ADMIN_PASSWORD: PASSWORD },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  hub.stdout.setEncoding('utf8').on('data', (d) => (hubOutput += d));
  hub.stderr.setEncoding('utf8').on('data', (d) => (hubOutput += d));
  const [, mqttPort, httpPort] = await waitForOutput(/Hearth is running: MQTT port (\d+), HTTP port (\d+)/, 180_000);
  api = `http://127.0.0.1:${httpPort}`;
  devices.url = `mqtt://127.0.0.1:${mqttPort}`;
  check(/migrated from schema 0 to \d+/.test(hubOutput) || existsSync(join(dataDir, 'hearth.db')), 'no database was created');
  return `MQTT ${mqttPort}, HTTP ${httpPort}`;
});

await step('/healthz answers', async () => {
  const res = await fetch(`${api}/healthz`);
  const body = await res.text();
  check(res.status === 200, `status ${res.status}: ${body}`);
  return body.slice(0, 80);
});

await step('the API logs in and issues device credentials', async () => {
  const login = await fetch(`${api}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${await login.text()}`);
  token = (await login.json()).token;
  for (const deviceId of ['livingroom', 'ac']) {
    const res = await fetch(`${api}/api/device-credentials`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ deviceId }),
    });
    if (res.status !== 201) throw new Error(`credentials for ${deviceId}: ${res.status} ${await res.text()}`);
    devices[deviceId] = await res.json();
  }
  return 'livingroom, ac';
});

const connect = (deviceId) =>
  mqtt.connectAsync(devices.url, {
    username: devices[deviceId].username,
    password: devices[deviceId].password,
    clientId: `arm64-${deviceId}`,
    will: { topic: `home/${deviceId}/status`, payload: 'offline', qos: 1, retain: true },
    reconnectPeriod: 0,
    connectTimeout: 60_000,
  });
let ac;
let sensor;
let command;

await step('devices connect over MQTT with their credentials', async () => {
  ac = await connect('ac');
  await ac.subscribeAsync('home/ac/+/set', { qos: 1 });
  command = new Promise((resolvePromise) =>
    ac.on('message', (topic, payload) => resolvePromise({ topic, payload: payload.toString(), at: Date.now() })),
  );
  await ac.publishAsync('home/ac/status', 'online', { qos: 1, retain: true });
  await ac.publishAsync('home/ac/power', 'off', { qos: 1, retain: true });
  sensor = await connect('livingroom');
  await sensor.publishAsync('home/livingroom/status', 'online', { qos: 1, retain: true });
});

let sentAt;
await step('a reading above 26 °C fires the rule, and its command reaches the AC', async () => {
  sentAt = Date.now();
  await sensor.publishAsync('home/livingroom/temperature', '27.5', { qos: 1, retain: true });
  const got = await Promise.race([
    command,
    new Promise((_, reject) => setTimeout(() => reject(new Error('no command within 60 s')), 60_000)),
  ]);
  check(got.topic === 'home/ac/power/set' && got.payload === 'on', `got ${got.topic} = ${got.payload}`);
  return `home/ac/power/set = "on", ${got.at - sentAt} ms after the reading`;
});

await step("the reading is the device's state and in its history (API)", async () => {
  const device = await waitFor(
    'state',
    async () => {
      const res = await fetch(`${api}/api/devices/livingroom`, { headers: { authorization: `Bearer ${token}` } });
      const body = await res.json();
      return body.properties?.temperature?.value === 27.5 && body.online === true ? body : undefined;
    },
    30_000,
  );
  const history = await waitFor(
    'history',
    async () => {
      const res = await fetch(`${api}/api/devices/livingroom/history/temperature?from=${sentAt - 60_000}&bucket=60`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = await res.json();
      return body.points?.length > 0 ? body : undefined;
    },
    30_000,
  );
  const traces = await (await fetch(`${api}/api/rules/arm64-proof/traces`, { headers: { authorization: `Bearer ${token}` } })).json();
  check(traces[0]?.outcome === 'ran', `the rule's latest trace: ${JSON.stringify(traces[0]).slice(0, 200)}`);
  return `temperature ${device.properties.temperature.value}, online; history ${JSON.stringify(history.points)}; trace "ran"`;
});

await step('/metrics answers, with the arm64 V8 heap', async () => {
  const text = await (await fetch(`${api}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  const gauge = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  const used = gauge('nodejs_heap_size_used_bytes');
  const total = gauge('nodejs_heap_size_total_bytes');
  check(used > 0 && total >= used, `no heap figures in /metrics`);
  // V8 counts its own heap, so these hold for a Pi; the resident size under qemu includes the emulator's own memory.
  return `heap used ${(used / 1e6).toFixed(1)} MB of ${(total / 1e6).toFixed(1)} MB allocated`;
});

const backupFile = join(work, 'hearth-backup.tar.gz');
await step('hearth backup, while the hub runs (a second arm64 process)', async () => {
  const out = execFileSync(join(app, 'bin/hearth'), ['backup', backupFile, '--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
  })
    .toString()
    .trim();
  const names = execFileSync('tar', ['tzf', backupFile]).toString().split('\n');
  for (const expected of ['hearth.db', 'broker.db', 'manifest.json'])
    check(
      names.some((n) => n.endsWith(expected)),
      `${expected} missing from the backup: ${names.join(', ')}`,
    );
  check(
    names.some((n) => n.endsWith('arm64-proof.yaml')),
    'the rule file is missing from the backup',
  );
  return out;
});

await step('SIGTERM stops it cleanly', async () => {
  sensor.end(true);
  const exited = new Promise((resolvePromise) => hub.once('exit', (code, signal) => resolvePromise({ code, signal })));
  hub.kill('SIGTERM');
  const { code, signal } = await Promise.race([
    exited,
    new Promise((_, reject) => setTimeout(() => reject(new Error('still running 60 s after SIGTERM')), 60_000)),
  ]);
  check(code === 0, `exit code ${code}, signal ${signal}`);
  check(/SIGTERM: shutting down/.test(hubOutput), 'it did not say it was shutting down');
  check(!existsSync(join(dataDir, 'hearth.pid')), 'hearth.pid is still there');
  ac.end(true);
  // The files it left are whole and hold the reading (read with this machine's own SQLite).
  const db = new Database(join(dataDir, 'hearth.db'), { readonly: true });
  const integrity = db.pragma('integrity_check', { simple: true });
  const rows = db.prepare('SELECT count(*) AS n FROM history').get().n;
  db.close();
  check(integrity === 'ok' && rows >= 1, `integrity ${integrity}, ${rows} history rows`);
  return `exit code 0, database integrity ok, ${rows} history row(s)`;
});

rmSync(work, { recursive: true, force: true });
const total = ((Date.now() - began) / 1000).toFixed(0);
console.log(
  `arm64 proof passed in ${total} s (${new Date().toISOString().slice(0, 10)}, Node ${process.version} host, ${steps.length} steps)`,
);
process.exit(0);
