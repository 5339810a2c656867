// `hearth` on an external broker as a homeowner meets it: device logins made on Mosquitto from what
// `hearth device add` prints, a refused login at start in one line, demo mode refused, and the hub's will.
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCliHub } from '../helpers/cli.js';
import { tempDir, waitFor } from '../helpers/hub.js';
import { HEARTH_USER, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';

let broker: Mosquitto | undefined;
afterEach(async () => {
  await broker?.stop();
  broker = undefined;
});

const onBroker = (m: Mosquitto, extra: Record<string, string> = {}) => ({
  HEARTH_DATA_DIR: tempDir(),
  HEARTH_MQTT_URL: m.url,
  HEARTH_MQTT_USERNAME: HEARTH_USER.name,
  HEARTH_MQTT_PASSWORD: HEARTH_USER.password,
  ...extra,
});

describe('hearth on an external broker', () => {
  it('`hearth device add` prints the Mosquitto login and ACL lines; run as printed, the device gets just those rights', async () => {
    broker = await startMosquitto();
    const res = await runCli(['device', 'add', 'garage'], onBroker(broker));
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`Hearth runs on the broker ${broker.url} (mqtt.url)`);
    const passwd = /^\s+(sudo mosquitto_passwd -b \/etc\/mosquitto\/passwd garage '(\S+)')$/m.exec(res.stdout);
    expect(passwd).not.toBeNull();
    const acl = res.stdout
      .split('\n')
      .filter((l) => /^\s+(user|topic) /.test(l))
      .map((l) => l.trim());
    expect(acl).toEqual(['user garage', 'topic write home/garage/#', 'topic read home/garage/+/set', 'topic read home/garage/status']);
    // What the homeowner does on the broker's machine, into this test broker's files.
    const command = passwd![1]!.replace('sudo ', '').replace('/etc/mosquitto/passwd', join(broker.dir, 'passwd'));
    expect(spawnSync('bash', ['-c', command]).status).toBe(0);
    appendFileSync(join(broker.dir, 'acl'), `${acl.join('\n')}\n`);
    await broker.reload();

    const garage = await mqtt.connectAsync(broker.url, {
      username: 'garage',
      password: passwd![2],
      clientId: 'garage',
      reconnectPeriod: 0,
    });
    const hub = await mqtt.connectAsync(broker.url, { username: HEARTH_USER.name, password: HEARTH_USER.password, clientId: 'hub-side' });
    const atHub: string[] = [];
    const atGarage: string[] = [];
    hub.on('message', (t, p) => atHub.push(`${t}=${p}`));
    garage.on('message', (t, p) => atGarage.push(`${t}=${p}`));
    await hub.subscribeAsync('home/#', { qos: 1 });
    await garage.subscribeAsync(['home/garage/+/set', 'home/kitchen/+/set'], { qos: 1 });
    // Its own topics only: publishing elsewhere and reading another device's commands are refused by the ACL.
    await garage.publishAsync('home/kitchen/light', 'on', { qos: 1 });
    await garage.publishAsync('home/garage/door', 'open', { qos: 1 });
    await hub.publishAsync('home/kitchen/light/set', 'off', { qos: 1 });
    await hub.publishAsync('home/garage/door/set', 'closed', { qos: 1 });
    await waitFor(() => atGarage.length === 1 && atHub.includes('home/garage/door=open'), 'the allowed messages');
    await new Promise((r) => setTimeout(r, 300));
    expect(atGarage).toEqual(['home/garage/door/set=closed']);
    expect(atHub.filter((m) => !m.includes('/set='))).toEqual(['home/garage/door=open']);
    await hub.endAsync();
    await garage.endAsync();
  });

  it('a login the broker refuses stops the start with one line saying what to check', async () => {
    broker = await startMosquitto();
    const res = await runCli(
      ['start'],
      onBroker(broker, { HEARTH_MQTT_PASSWORD: 'not-the-password', HEARTH_HTTP_PORT: '0', HEARTH_HOST: '127.0.0.1' }),
    );
    expect(res.code).toBe(1);
    const last = res.stderr.trim().split('\n').at(-1);
    expect(last).toMatch(
      new RegExp(
        `^hearth: ${broker.url} refused Hearth: the broker refused the login \\(Connection refused: [^)]+\\): check the username and password, and that the broker lets that user connect \\(mqtt.username, mqtt.password, mqtt.clientId\\)$`,
      ),
    );
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('demo mode is refused, saying how to simulate devices on that broker', async () => {
    broker = await startMosquitto();
    const res = await runCli(['start', '--demo'], onBroker(broker, { HEARTH_HTTP_PORT: '0', HEARTH_HOST: '127.0.0.1' }));
    expect(res.code).toBe(78);
    expect(res.stderr).toContain('demo (--demo) needs the embedded broker');
    expect(res.stderr).toContain('hearth simulate --url <mqtt.url>');
  });

  it('opens no MQTT port; when the hub dies the broker publishes its will, hearth/status offline', async () => {
    broker = await startMosquitto();
    const hub = await startCliHub(onBroker(broker, { HEARTH_ADMIN_PASSWORD: 'admin-password' }));
    expect(hub.mqttPort).toBe(0);
    expect(hub.output()).toContain(
      `Hearth is running: MQTT on the broker ${broker.url} (no MQTT listener here), HTTP port ${hub.httpPort}`,
    );
    const watcher = await mqtt.connectAsync(broker.url, {
      username: HEARTH_USER.name,
      password: HEARTH_USER.password,
      clientId: 'watcher',
    });
    const statuses: string[] = [];
    watcher.on('message', (_t, p) => statuses.push(p.toString()));
    await watcher.subscribeAsync('hearth/status', { qos: 1 });
    await waitFor(() => statuses.at(-1) === 'online', 'the birth');
    hub.child.kill('SIGKILL');
    await hub.exited;
    await waitFor(() => statuses.at(-1) === 'offline', 'the will');
    await watcher.endAsync();
  });
});
