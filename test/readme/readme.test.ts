// The README is tested: every shell and JavaScript block in it runs here as a newcomer would type it, against a
// real hub started by the `hearth` command. The only changes made to a block are the ones a reader makes:
// `hub.local` becomes this machine and the hub's ports, and `<password>` placeholders become the real passwords.
// The Mosquitto blocks run against a Mosquitto of the test's own: its directory stands for /etc/mosquitto,
// `broker.local:1883` for its address, and the test restarts it where the README says `systemctl restart`.
// A block with no check below fails the test, so a new README command cannot go untested.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { runCli, startCliHub, type RunningHub } from '../helpers/cli.js';
import { tempDir, waitFor } from '../helpers/hub.js';
import { freePort, MOSQUITTO } from '../helpers/mosquitto.js';

const ROOT = join(import.meta.dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const ADMIN = 'readme-admin-password';

interface Block {
  lang: string;
  text: string;
  line: number;
}

/** The README's fenced blocks of shell and JavaScript, with their line numbers. */
function commandBlocks(markdown: string): Block[] {
  const out: Block[] = [];
  const fence = /^```(\w*)\n([\s\S]*?)^```/gm;
  for (let m = fence.exec(markdown); m; m = fence.exec(markdown)) {
    if (m[1] === 'sh' || m[1] === 'js') out.push({ lang: m[1], text: m[2]!, line: markdown.slice(0, m.index).split('\n').length });
  }
  return out;
}

interface Context {
  hub: RunningHub;
  dataDir: string;
  kitchenPassword: string;
  /** What a reader substitutes: this machine for hub.local, and the real passwords for the placeholders. */
  localize(text: string): string;
}

let ctx: Context;

/** Runs a block with bash as typed (PATH with bin/, as `export PATH="$PWD/bin:$PATH"` sets it). */
function sh(script: string, options: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {}) {
  const result = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: options.cwd ?? tempDir('hearth-readme-'),
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
    env: { ...process.env, PATH: `${join(ROOT, 'bin')}:${process.env.PATH}`, HEARTH_DATA_DIR: ctx.dataDir, ...options.env },
  });
  if (result.status !== 0) throw new Error(`exit ${result.status}:\n${script}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  return result;
}

/** A block left running, in its own process group so that Ctrl-C (`stop`) reaches everything it started. */
function background(
  script: string,
  env: Record<string, string> = {},
): ChildProcess & { output(): string; stop(signal?: NodeJS.Signals): void } {
  const child = spawn('bash', ['-c', script], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, PATH: `${join(ROOT, 'bin')}:${process.env.PATH}`, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const stop = (signal: NodeJS.Signals = 'SIGINT') => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  return Object.assign(child, { output: () => out, stop });
}

/** The Mosquitto of "Running with Mosquitto or EMQX", set up by its blocks as a reader sets up theirs. */
interface ReadmeBroker {
  url: string;
  port: number;
  dir: string;
  passwords: { hearth: string; homeassistant: string };
  /** A block with this broker in place of the reader's (address, directory, passwords). */
  localize(text: string): string;
}
let readmeBroker: Promise<ReadmeBroker> | undefined;
let brokerProcess: ChildProcess | undefined;

/** Runs the README's Mosquitto setup block in a directory of the test's, then starts Mosquitto with the README's config. */
function setUpReadmeBroker(): Promise<ReadmeBroker> {
  readmeBroker ??= (async () => {
    const dir = tempDir('hearth-readme-mosquitto-');
    const port = await freePort();
    const passwords = { hearth: 'readme-hearth-password', homeassistant: 'readme-ha-password' };
    const broker: ReadmeBroker = {
      url: `mqtt://127.0.0.1:${port}`,
      port,
      dir,
      passwords,
      localize: (text) =>
        text
          .replaceAll('/etc/mosquitto', dir)
          .replaceAll('broker.local:1883', `127.0.0.1:${port}`)
          .replaceAll('<hearth password>', passwords.hearth)
          .replaceAll('<home assistant password>', passwords.homeassistant),
    };
    const setup = commandBlocks(README).find((b) => b.text.includes('mosquitto_passwd -b passwd hearth'))!;
    // `systemctl restart mosquitto` is this test starting its Mosquitto below.
    sh(broker.localize(setup.text).replace(/^systemctl restart mosquitto$/m, ''));
    const conf = /^```conf\n([\s\S]*?)^```/m.exec(README)![1]!;
    // The README's config, on this test's port and directory (and, as root in CI, without switching users).
    const testConf =
      broker.localize(conf).replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`) +
      `user ${userInfo().username}\npersistence true\npersistence_location ${dir}/\n`;
    writeFileSync(join(dir, 'mosquitto.conf'), testConf);
    brokerProcess = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    await waitFor(
      async () => {
        const c = await mqtt
          .connectAsync(broker.url, { username: 'hearth', password: passwords.hearth, reconnectPeriod: 0, connectTimeout: 500 })
          .catch(() => undefined);
        await c?.endAsync();
        return Boolean(c);
      },
      "the README's Mosquitto",
      10_000,
    );
    return broker;
  })();
  return readmeBroker;
}

const api = (path: string, init: RequestInit = {}) =>
  fetch(`http://127.0.0.1:${ctx.hub.httpPort}${path}`, {
    ...init,
    headers: { authorization: 'Basic ' + Buffer.from(`admin:${ADMIN}`).toString('base64'), ...init.headers },
  });

/**
 * Sends a device a command through the API until `seen()`. A subscriber that has just connected may not have its
 * subscription in place yet (SUBSCRIBE goes after its CONNECT, or after the `online` a test waits for), and a command
 * to nobody is gone; turning a light on twice is harmless.
 */
async function commandUntilSeen(path: string, value: unknown, seen: () => boolean, what: string): Promise<void> {
  await waitFor(
    async () => {
      if (seen()) return true;
      await api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value }) });
      await new Promise((r) => setTimeout(r, 250));
      return seen();
    },
    what,
    10_000,
  );
}

/** How each block is checked, found by a piece of its text. */
const CHECKS: Array<{ has: string; check?: (block: Block) => Promise<void> | void; skip?: string }> = [
  {
    has: 'npm install && npm start',
    // `npm test` is the command running this test; `npm install && npm start` runs here as written.
    check: async () => {
      const start = background('npm install --no-audit --no-fund && npm start', {
        HEARTH_DATA_DIR: tempDir(),
        HEARTH_RULES_DIR: join(ROOT, 'rules'),
        HEARTH_MQTT_PORT: '0',
        HEARTH_HTTP_PORT: '0',
        HEARTH_HOST: '127.0.0.1',
      });
      try {
        await waitFor(() => /Hearth is running: MQTT port \d+, HTTP port \d+/.test(start.output()), '`npm start` to run the hub', 90_000);
        expect(start.output()).toMatch(/Created user "admin" with password: \S+/);
      } finally {
        start.stop('SIGTERM');
      }
    },
  },
  {
    has: 'export PATH="$PWD/bin:$PATH"',
    check: (block) => {
      const { stdout } = sh(block.text, { cwd: ROOT, env: { PATH: process.env.PATH! } });
      expect(stdout).toContain('Usage: hearth <command>');
    },
  },
  {
    has: '-l -t home/kitchen/status',
    // The device's long-lived connection; the next block (readings and commands) runs while it is open.
    check: async (block) => {
      const device = background(ctx.localize(block.text));
      try {
        device.stdin!.write('online\n');
        await waitFor(async () => (await (await api('/api/devices/kitchen')).json()).status === 'online', 'kitchen online', 10_000);
        const next = commandBlocks(README).find((b) => b.text.includes('-t home/kitchen/temperature -m 21.5'))!;
        const [pub, sub] = ctx.localize(next.text).trim().split('\n');
        sh(pub!);
        const commands = background(sub!);
        await waitFor(
          async () => (await (await api('/api/devices/kitchen')).json()).properties?.temperature?.value === 21.5,
          'the reading',
          10_000,
        );
        await commandUntilSeen(
          '/api/devices/kitchen/light/set',
          'on',
          () => commands.output().includes('home/kitchen/light/set on'),
          'the command at mosquitto_sub',
        );
        commands.stop();
        expect((await (await api('/api/devices/kitchen')).json()).status).toBe('online');
      } finally {
        device.stop();
      }
      await waitFor(
        async () => (await (await api('/api/devices/kitchen')).json()).status === 'offline',
        'kitchen offline after Ctrl-C',
        10_000,
      );
    },
  },
  { has: '-t home/kitchen/temperature -m 21.5', skip: 'run by the check of the device connection block above, while it is open' },
  {
    has: "import mqtt from 'mqtt';",
    check: async (block) => {
      mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
      const file = join(ROOT, 'test-artifacts', 'readme-device.mjs');
      writeFileSync(file, ctx.localize(block.text).replace(/kitchen/g, 'pantry'));
      const pantry = await runCli(['device', 'add', 'pantry'], { HEARTH_DATA_DIR: ctx.dataDir });
      const password = /password: (\S+)/.exec(pantry.stdout)![1]!;
      const device = background(`node ${file}`, { KITCHEN_PASSWORD: password });
      try {
        await waitFor(
          async () => (await (await api('/api/devices/pantry')).json()).status === 'online',
          'the mqtt.js device online',
          10_000,
        );
        await commandUntilSeen(
          '/api/devices/pantry/fan/set',
          'on',
          () => device.output().includes('command home/pantry/fan/set on'),
          'the command printed',
        );
      } finally {
        device.stop('SIGKILL');
      }
    },
  },
  {
    has: 'TOKEN=$(curl -s -X POST',
    check: (block) => {
      const dir = tempDir('hearth-readme-');
      const { stdout } = sh(ctx.localize(block.text), { cwd: dir });
      expect(stdout).toContain('"id":"kitchen"');
      expect(stdout).toContain('"room":"Ground floor"');
      expect(stdout).toContain('{"topic":"home/kitchen/light/set","payload":"on"}');
      expect(readFileSync(join(dir, 'hearth-backup.tar.gz')).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    },
  },
  {
    has: 'curl -N -H "Authorization: Bearer $TOKEN"',
    check: (block) => {
      const login = commandBlocks(README)
        .find((b) => b.text.includes('TOKEN=$(curl -s -X POST'))!
        .text.split('\n')
        .slice(0, 2)
        .join('\n');
      // It streams until Ctrl-C: two seconds of it.
      const result = spawnSync('bash', ['-c', `${ctx.localize(login)}\ntimeout 2 ${ctx.localize(block.text)}`], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(result.stdout).toContain(': connected');
    },
  },
  {
    has: '/api/scenes/movie-night/activate',
    // "With the shipped examples loaded": they are copied into the hub's rules dir, which it reloads.
    check: async (block) => {
      const rulesDir = join(ctx.dataDir, 'rules');
      for (const f of readdirSync(join(ROOT, 'rules')).filter((f) => /\.ya?ml$/.test(f) && !f.includes('.test.')))
        copyFileSync(join(ROOT, 'rules', f), join(rulesDir, f));
      await waitFor(
        async () => (await (await api('/api/helpers')).json()).some?.((x: { id: string }) => x.id === 'vacation'),
        'the shipped examples loaded',
        10_000,
      );
      const { stdout } = sh(ctx.localize(block.text));
      // What the README says each line answers.
      expect(stdout).toBe(
        block.text
          .split('\n')
          .filter((l) => l.startsWith('# '))
          .map((l) => l.slice(2))
          .join('\n') + '\n',
      );
      await waitFor(
        async () => (await (await api('/api/helpers/vacation')).json()).value === 'on',
        'vacation mode on through mosquitto_pub',
        10_000,
      );
    },
  },
  {
    has: 'hearth restore /mnt/nas/',
    check: (block) => {
      const backup = join(tempDir(), 'hearth-2026-11-26.tar.gz');
      sh(`hearth backup ${backup}`);
      const target = tempDir();
      const { stdout } = sh(block.text.replace('/mnt/nas/hearth-2026-11-26.tar.gz', backup).replaceAll('/var/lib/hearth', target));
      expect(stdout).toContain(`Restored the backup of`);
      expect(existsSync(join(target, 'hearth.db'))).toBe(true);
    },
  },
  {
    has: 'openssl req -x509',
    check: (block) => {
      const dir = tempDir('hearth-readme-');
      sh(block.text, { cwd: dir });
      const verified = spawnSync('openssl', ['verify', '-CAfile', 'ca.crt', 'hearth.crt'], { cwd: dir, encoding: 'utf8' });
      expect(verified.stdout).toContain('hearth.crt: OK');
    },
  },
  {
    has: 'hearth simulate --devices',
    // Its minute of simulation is shortened to three seconds.
    check: (block) => {
      const { stdout } = sh(ctx.localize(block.text).replace('--duration 60', '--duration 3'));
      expect(stdout).toContain('running: 50 connected');
      expect(stdout).toMatch(/stopped: \d+ published/);
    },
  },
  {
    has: 'hearth device add zigbee2mqtt --adapter zigbee2mqtt',
    // The bridge's login; the simulated bridge of the next block connects with it, as Zigbee2MQTT would.
    check: async (block) => {
      const { stdout } = sh(block.text);
      expect(stdout).toContain('it may publish to zigbee2mqtt/# and subscribe to zigbee2mqtt/#');
      const password = /password: (\S+)/.exec(stdout)![1]!;
      const next = commandBlocks(README).find((b) => b.text.includes('hearth simulate --adapter zigbee2mqtt'))!;
      const run = sh(ctx.localize(next.text).replace("'<bridge password>'", `'${password}'`).replace('--duration 60', '--duration 2'));
      expect(run.stdout).toContain('running: 5 connected');
      const devices = await (await api('/api/devices')).json();
      expect(devices.filter((d: any) => d.source === 'zigbee2mqtt').map((d: any) => d.id)).toContain('sim_thermometer_1');
    },
  },
  {
    has: 'hearth simulate --adapter zigbee2mqtt',
    skip: 'run by the check of `hearth device add zigbee2mqtt --adapter zigbee2mqtt` above, with its password',
  },
  {
    has: 'homeassistant/binary_sensor/garden/config',
    check: async (block) => {
      sh(ctx.localize(block.text));
      await waitFor(
        async () => (await (await api('/api/devices/garden')).json()).properties?.motion?.value === 'ON',
        'the garden motion sensor',
        10_000,
      );
      const garden = await (await api('/api/devices/garden')).json();
      expect(garden).toMatchObject({
        name: 'Garden',
        source: 'homeassistant',
        properties: { motion: { type: 'boolean', deviceClass: 'motion' } },
      });
    },
  },
  { has: 'sudo apt install', skip: 'installs system packages on a Pi; .ci/run installs what the tests need the same way' },
  // The Pi's own commands (root, systemd, an arm64 machine) run in the release checks of .ci/run instead: the arm64
  // bundle under qemu (npm run test:arm64), install.sh, an upgrade and a rollback into a staging root (test:install).
  {
    has: 'tar xzf hearth-0.1.0-linux-arm64.tar.gz',
    skip: 'a Pi install: npm run test:install runs install.sh on the x64 bundle into a staging root',
  },
  { has: 'tar xzf hearth-0.2.0-linux-arm64.tar.gz', skip: 'a Pi upgrade and rollback: npm run test:install does both into a staging root' },
  {
    has: "journalctl -u hearth -o cat | grep 'Created user",
    skip: "reads systemd's journal on an installed Pi; there is no journal here (test/cli/start-up.test.ts checks the line the hub prints)",
  },
  { has: 'sudo -u hearth /opt/hearth/bin/hearth', skip: 'the CLI on an installed Pi; the same commands run against the checkout above' },
  {
    has: 'mosquitto_passwd -b passwd hearth',
    // Run by setUpReadmeBroker(); here: both logins work, with MQTT 5, as Home Assistant needs.
    check: async () => {
      const broker = await setUpReadmeBroker();
      for (const [username, password] of Object.entries(broker.passwords)) {
        const client = await mqtt.connectAsync(broker.url, { username, password, protocolVersion: 5, reconnectPeriod: 0 });
        const got = new Promise<string>((resolve) => client.once('message', (_t, p) => resolve(p.toString())));
        await client.subscribeAsync(`${username}/test`, { qos: 1 });
        await client.publishAsync(`${username}/test`, 'ok', { qos: 1 });
        expect(await got).toBe('ok');
        await client.endAsync();
      }
    },
  },
  {
    has: 'export HEARTH_MQTT_URL=mqtt://broker.local:1883',
    check: async (block) => {
      const broker = await setUpReadmeBroker();
      const hub = background(broker.localize(block.text), {
        HEARTH_DATA_DIR: tempDir(),
        HEARTH_RULES_DIR: join(ROOT, 'rules'),
        HEARTH_HTTP_PORT: '0',
        HEARTH_HOST: '127.0.0.1',
        HEARTH_ADMIN_PASSWORD: ADMIN,
      });
      try {
        const running = await waitFor(
          () =>
            new RegExp(`Hearth is running: MQTT on the broker ${broker.url} \\(no MQTT listener here\\), HTTP port (\\d+)`).exec(
              hub.output(),
            ),
          'the hub on Mosquitto',
          60_000,
        );
        // A reading published on Mosquitto (here by Home Assistant's login) is in Hearth's registry.
        const ha = await mqtt.connectAsync(broker.url, {
          username: 'homeassistant',
          password: broker.passwords.homeassistant,
          protocolVersion: 5,
        });
        await ha.publishAsync('home/readme_porch/temperature', '12.5', { qos: 1, retain: true });
        await ha.endAsync();
        const device = `http://127.0.0.1:${running[1]}/api/devices/readme_porch`;
        const auth = { authorization: 'Basic ' + Buffer.from(`admin:${ADMIN}`).toString('base64') };
        await waitFor(
          async () => (await (await fetch(device, { headers: auth })).json()).properties?.temperature?.value === 12.5,
          'the reading through Mosquitto',
          10_000,
        );
      } finally {
        hub.stop();
      }
    },
  },
  {
    has: 'hearth device add garage',
    // In the shell where the block above exported the broker's settings.
    check: async (block) => {
      const broker = await setUpReadmeBroker();
      const env = {
        HEARTH_MQTT_URL: broker.url,
        HEARTH_MQTT_USERNAME: 'hearth',
        HEARTH_MQTT_PASSWORD: broker.passwords.hearth,
        HEARTH_DATA_DIR: tempDir(),
      };
      const { stdout } = sh(block.text, { env });
      expect(stdout).toMatch(/sudo mosquitto_passwd -b \/etc\/mosquitto\/passwd garage '\S+'/);
      for (const line of ['user garage', 'topic write home/garage/#', 'topic read home/garage/+/set', 'topic read home/garage/status'])
        expect(stdout).toContain(`  ${line}\n`);
      expect(stdout).toContain('sudo systemctl reload mosquitto');
    },
  },
];

beforeAll(async () => {
  const dataDir = tempDir();
  const hub = await startCliHub({ HEARTH_DATA_DIR: dataDir, HEARTH_RULES_DIR: join(dataDir, 'rules'), HEARTH_ADMIN_PASSWORD: ADMIN });
  const kitchen = await runCli(['device', 'add', 'kitchen'], { HEARTH_DATA_DIR: dataDir });
  const kitchenPassword = /password: (\S+)/.exec(kitchen.stdout)![1]!;
  ctx = {
    hub,
    dataDir,
    kitchenPassword,
    localize: (text) =>
      text
        .replaceAll('http://hub.local:8080', `http://127.0.0.1:${hub.httpPort}`)
        .replaceAll('mqtt://hub.local:1883', `mqtt://127.0.0.1:${hub.mqttPort}`)
        .replaceAll('-h hub.local', `-h 127.0.0.1 -p ${hub.mqttPort}`)
        .replaceAll("'<password>'", `'${kitchenPassword}'`)
        .replaceAll('<admin password>', ADMIN),
  };
}, 60_000);

afterAll(async () => {
  brokerProcess?.kill('SIGTERM');
  ctx?.hub.child.kill('SIGTERM');
  await ctx?.hub.exited;
});

describe('the README, as a newcomer follows it', () => {
  const blocks = commandBlocks(README);

  it('has a check for every command block', () => {
    const unchecked = blocks.filter((b) => !CHECKS.some((c) => b.text.includes(c.has)));
    expect(unchecked.map((b) => `README.md:${b.line}: ${b.text.split('\n')[0]}`)).toEqual([]);
  });

  for (const block of blocks) {
    const spec = CHECKS.find((c) => block.text.includes(c.has));
    if (!spec?.check) continue;
    it(`README.md:${block.line}: ${block.text.split('\n')[0]!.slice(0, 70)}`, () => spec.check!(block), 120_000);
  }
});
