// The `hearth` command as a homeowner uses it: configuration errors, start-up, credentials and graceful shutdown.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { runCli, startCliHub } from '../helpers/cli.js';
import { tempDir, waitFor } from '../helpers/hub.js';

describe('hearth start', () => {
  it('reports a bad environment value naming the key and the value, and exits non-zero', async () => {
    const res = await runCli(['start'], { HEARTH_DATA_DIR: tempDir(), HEARTH_MQTT_PORT: 'abc' });
    expect(res.code).toBe(78);
    expect(res.stderr).toContain('mqtt.port (HEARTH_MQTT_PORT) must be an integer 0-65535, got "abc"');
  });

  it('reports every problem of a config file at once, and YAML syntax errors with line and column', async () => {
    const dir = tempDir();
    const file = join(dir, 'hearth.yaml');
    writeFileSync(file, 'mqtt:\n  port: 70000\n  alowAnonymous: true\nhttp:\n  port: "web"\n');
    const res = await runCli(['start', '--config', file], { HEARTH_DATA_DIR: dir });
    expect(res.code).toBe(78);
    expect(res.stderr).toContain('mqtt.port must be an integer 0-65535, got 70000');
    expect(res.stderr).toContain('mqtt.alowAnonymous is not a known option');
    expect(res.stderr).toContain('http.port must be an integer 0-65535, got "web"');
    writeFileSync(file, 'mqtt:\n  port: [1883\n');
    const broken = await runCli(['start', '--config', file], { HEARTH_DATA_DIR: dir });
    expect(broken.code).toBe(78);
    expect(broken.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+ `));
  });

  it('prints the chosen ports, prints a generated admin password once, and shuts down gracefully on SIGTERM', async () => {
    const dataDir = tempDir();
    const hub = await startCliHub({ HEARTH_DATA_DIR: dataDir, HEARTH_RULES_DIR: join(dataDir, 'rules') });
    const password = /password: (\S+)/.exec(hub.output())![1]!;
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, { username: 'admin', password, reconnectPeriod: 0 });
    const statuses: string[] = [];
    client.on('message', (topic, payload) => topic === 'hearth/status' && statuses.push(payload.toString()));
    await client.subscribeAsync('hearth/status', { qos: 1 });
    await waitFor(() => statuses.includes('online'), 'hearth/status online');
    await client.publishAsync('home/garden/moisture', '41', { qos: 1 });
    // SIGTERM right away: the reading is still in the write queue and must be flushed, not lost.
    hub.child.kill('SIGTERM');
    const exit = await hub.exited;
    expect(exit.code).toBe(0);
    expect(statuses.at(-1)).toBe('offline');
    client.end(true);
    const db = new BetterSqlite3(join(dataDir, 'hearth.db'), { readonly: true });
    const rows = db
      .prepare("SELECT count(*) AS n FROM history JOIN history_series s ON s.id = series_id WHERE s.device_id = 'garden'")
      .get() as { n: number };
    db.close();
    expect(rows.n).toBe(1);
    // The password is not printed again on the next start.
    const again = await startCliHub({ HEARTH_DATA_DIR: dataDir, HEARTH_RULES_DIR: join(dataDir, 'rules') });
    expect(again.output()).not.toContain('password');
    again.child.kill('SIGTERM');
    again.child.kill('SIGTERM');
    const second = await again.exited;
    expect([0, 130]).toContain(second.code);
  });
});

describe('credentials from the command line', () => {
  it('`hearth device add` prints a password the device can connect with; `hearth user add` reads one from stdin', async () => {
    const dataDir = tempDir();
    const added = await runCli(['device', 'add', 'porch-light'], { HEARTH_DATA_DIR: dataDir });
    expect(added.code).toBe(0);
    const username = /username: (\S+)/.exec(added.stdout)![1]!;
    const password = /password: (\S+)/.exec(added.stdout)![1]!;
    expect(username).toBe('porch-light');
    const user = await runCli(['user', 'add', 'alice', '--role', 'viewer'], { HEARTH_DATA_DIR: dataDir }, 'alice-secret-pw\n');
    expect(user.code).toBe(0);
    expect(user.stdout).not.toContain('alice-secret-pw');
    const bad = await runCli(['device', 'add', 'Porch Light'], { HEARTH_DATA_DIR: dataDir });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('device id must match [a-z0-9_-]{1,64}, got "Porch Light"');

    const hub = await startCliHub({ HEARTH_DATA_DIR: dataDir, HEARTH_ADMIN_PASSWORD: 'admin-password-1' });
    try {
      const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, { username, password, reconnectPeriod: 0 });
      await device.publishAsync('home/porch-light/power', 'on', { qos: 1 });
      await device.endAsync();
      const res = await fetch(`http://127.0.0.1:${hub.httpPort}/api/devices/porch-light`, {
        headers: { authorization: 'Basic ' + Buffer.from('alice:alice-secret-pw').toString('base64') },
      });
      expect(res.status).toBe(200);
      expect((await res.json()).properties.power.value).toBe('on');
    } finally {
      hub.child.kill('SIGTERM');
      await hub.exited;
    }
  });

  it('`hearth backup` of a data dir without a database says so and writes nothing', async () => {
    const empty = tempDir();
    const file = join(tempDir(), 'backup.tar.gz');
    const res = await runCli(['backup', file], { HEARTH_DATA_DIR: join(empty, 'nothing-here') });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`hearth backup: no database in ${join(empty, 'nothing-here')}`);
    expect(existsSync(file)).toBe(false);
  });
});
