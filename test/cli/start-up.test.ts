// What a newcomer hit first: a second hub on the same data dir, a busy port, and a password reset that left old
// logins working. Each is run as a user runs it: the compiled `hearth` command in a child process.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { runCli, startCliHub } from '../helpers/cli.js';
import { startTestHub, tempDir } from '../helpers/hub.js';

const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('one hub per data dir', () => {
  it('a second start says who owns the data dir and touches nothing; restore is refused; kill -9 leaves no stale lock', async () => {
    const dataDir = tempDir();
    const env = { HEARTH_DATA_DIR: dataDir, HEARTH_RULES_DIR: join(dataDir, 'rules'), HEARTH_ADMIN_PASSWORD: 'admin-password-1' };
    const first = await startCliHub(env);
    const pidFile = readFileSync(join(dataDir, 'hearth.pid'), 'utf8');
    try {
      // Free ports, so only the data dir's lock can stop it (it used to run a second hub on the same ./data).
      const second = await runCli(['start', '--mqtt-port', '0', '--http-port', '0'], env);
      expect(second.code).toBe(1);
      expect(second.stderr.trim()).toBe(
        `hearth: another hub (pid ${first.child.pid}) owns the data dir ${dataDir}: stop it first, or start this one with another --data-dir`,
      );
      expect(readFileSync(join(dataDir, 'hearth.pid'), 'utf8')).toBe(pidFile);

      const backup = join(tempDir(), 'b.tar.gz');
      expect((await runCli(['backup', backup], env)).code).toBe(0);
      const restore = await runCli(['restore', backup], env);
      expect(restore.code).toBe(1);
      expect(restore.stderr).toContain(`another hub (pid ${first.child.pid}) owns the data dir ${dataDir}: stop it before you restore`);

      // The first hub is untouched by all this.
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${first.mqttPort}`, {
        username: 'admin',
        password: 'admin-password-1',
        reconnectPeriod: 0,
      });
      await client.endAsync();
    } finally {
      first.child.kill('SIGKILL');
      await first.exited;
    }
    // The pid file survives a kill -9, the lock does not: the next start goes ahead.
    expect(existsSync(join(dataDir, 'hearth.pid'))).toBe(true);
    const next = await startCliHub(env);
    expect(readFileSync(join(dataDir, 'hearth.pid'), 'utf8').trim()).toBe(`${next.child.pid} hub`);
    next.child.kill('SIGTERM');
    const exit = await next.exited;
    expect(exit.code).toBe(0);
    expect(next.output()).toMatch(/hearth stopped: everything written to the database/);
    expect(existsSync(join(dataDir, 'hearth.pid'))).toBe(false);
  });
});

describe('a busy port', () => {
  it('is one line naming the port and its settings, before any password is shown; the next start shows it', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const busy = (blocker.address() as AddressInfo).port;
    const dataDir = tempDir();
    const env = { HEARTH_DATA_DIR: dataDir, HEARTH_RULES_DIR: join(dataDir, 'rules'), HEARTH_HOST: '127.0.0.1' };
    try {
      const res = await runCli(['start', '--mqtt-port', '0', '--http-port', String(busy)], env);
      expect(res.code).toBe(1);
      expect(res.stderr.trim()).toBe(
        `hearth: HTTP port ${busy} is in use (another program, or another hub, listens there): choose another with --http-port, HEARTH_HTTP_PORT or http.port (0 picks a free port)`,
      );
      noStackTrace(res.stderr);
      expect(res.stdout).not.toContain('password');
      const mqttBusy = await runCli(['start', '--mqtt-port', String(busy), '--http-port', '0'], env);
      expect(mqttBusy.stderr).toContain(`MQTT port ${busy} is in use`);
      expect(mqttBusy.stderr).toContain('--mqtt-port, HEARTH_MQTT_PORT or mqtt.port');
    } finally {
      blocker.close();
    }
    // Nothing was announced, so the generated password is shown when the hub does start.
    const hub = await startCliHub(env);
    expect(hub.output()).toMatch(/Created user "admin" with password: \S+/);
    hub.child.kill('SIGTERM');
    await hub.exited;
  });

  it('an unreadable TLS certificate and a data dir the system refuses are one line too', async () => {
    const tls = await runCli(['start'], {
      HEARTH_DATA_DIR: tempDir(),
      HEARTH_TLS_CERT: '/nonexistent/hub.crt',
      HEARTH_TLS_KEY: '/nonexistent/hub.key',
      HEARTH_HTTP_PORT: '0',
      HEARTH_MQTT_PORT: '0',
    });
    expect(tls.code).not.toBe(0);
    expect(tls.stderr).toContain('tls.cert /nonexistent/hub.crt cannot be read: ENOENT');
    noStackTrace(tls.stderr);
    const blocked = join(tempDir(), 'file');
    await import('node:fs').then((fs) => fs.writeFileSync(blocked, 'not a directory'));
    const dir = await runCli(['start'], { HEARTH_DATA_DIR: join(blocked, 'data'), HEARTH_HTTP_PORT: '0', HEARTH_MQTT_PORT: '0' });
    expect(dir.code).toBe(1);
    expect(dir.stderr).toMatch(/^hearth: ENOTDIR: not a directory, mkdir '.*' \(ENOTDIR\)\n$/);
  });
});

describe('hearth user add on a running hub', () => {
  it('ends the old logins and the old password at once, as the API does', async () => {
    const th = await startTestHub();
    try {
      const login = await fetch(`${th.httpUrl}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'test-admin-password' }),
      });
      const { token } = (await login.json()) as { token: string };
      const me = () => fetch(`${th.httpUrl}/api/session`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
      expect(await me()).toBe(200);
      // The old password is also remembered by the running hub (its verification cache): that must end too.
      const oldBasic = () => fetch(`${th.httpUrl}/api/devices`, { headers: { authorization: th.auth } }).then((r) => r.status);
      expect(await oldBasic()).toBe(200);

      const res = await runCli(['user', 'add', 'admin', '--password', 'a-new-password-2'], { HEARTH_DATA_DIR: th.dataDir });
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('User admin (admin) saved; 1 login session with the old password ended');
      expect(await me()).toBe(401);
      expect(await oldBasic()).toBe(401);
      const fresh = await fetch(`${th.httpUrl}/api/devices`, {
        headers: { authorization: 'Basic ' + Buffer.from('admin:a-new-password-2').toString('base64') },
      });
      expect(fresh.status).toBe(200);
    } finally {
      await th.stop(true);
    }
  });
});

describe('DEBUG in the bundled hub', () => {
  // The bundle's `debug` is a no-op unless DEBUG is set at start (scripts/debug-off.cjs): it must still print when set.
  it.each([
    ['mqtt-packet:parser', true],
    ['', false],
  ])('DEBUG=%j prints mqtt-packet debug lines: %s', async (debug, printed) => {
    const dataDir = tempDir();
    const hub = await startCliHub({ HEARTH_DATA_DIR: dataDir, HEARTH_ADMIN_PASSWORD: 'admin-password-1', DEBUG: debug });
    try {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
        username: 'admin',
        password: 'admin-password-1',
        reconnectPeriod: 0,
      });
      await client.publishAsync('home/debug/temperature', '21', { qos: 1 });
      await client.endAsync();
      expect(hub.output().includes('mqtt-packet:parser')).toBe(printed);
    } finally {
      hub.child.kill('SIGTERM');
      await hub.exited;
    }
  });
});
