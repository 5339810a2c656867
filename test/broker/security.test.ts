// A compromised device or a guesser on the LAN: identities from credentials, limits per client, TLS.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';

let th: TestHub | undefined;
afterEach(async () => {
  await th?.stop(true);
  th = undefined;
});

/** Connects once; a refusal, an error or a connection closed before CONNACK all count as not connected. */
const tryConnect = (url: string, opts: mqtt.IClientOptions) =>
  new Promise<{ client?: mqtt.MqttClient; error?: Error }>((resolve) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 3000, ...opts });
    client.once('connect', () => resolve({ client }));
    client.once('error', (error) => {
      client.end(true);
      resolve({ error });
    });
    client.once('close', () => {
      client.end(true);
      resolve({ error: new Error('connection closed before CONNACK') });
    });
  });

describe('MQTT identities', () => {
  it("a device that takes another device's client id gets nothing of that device", async () => {
    th = await startTestHub();
    const a = await th.hub.users.addDeviceCredential('garage');
    await th.hub.users.addDeviceCredential('frontdoor');
    // The garage's credentials with the front door's client id: the id is not an identity.
    const impostor = await mqtt.connectAsync(th.mqttUrl, {
      username: a.username,
      password: a.password,
      clientId: 'frontdoor',
      reconnectPeriod: 0,
    });
    const got: string[] = [];
    impostor.on('message', (t) => got.push(t));
    await impostor.subscribeAsync('home/frontdoor/+/set').catch(() => undefined);
    const admin = await th.connect();
    await admin.publishAsync('home/frontdoor/lock/set', 'unlock', { qos: 1 });
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual([]);
    expect(th.logs.some((l) => l.includes('refused subscription by device garage (client frontdoor)'))).toBe(true);
    impostor.end(true);
  });

  it('a viewer may read but not publish: its publish is acknowledged and dropped, and it stays connected', async () => {
    th = await startTestHub();
    await th.hub.users.setUser('kid', 'kid-password-1', 'viewer');
    const viewer = await th.connect({ username: 'kid', password: 'kid-password-1' });
    const admin = await th.connect();
    const got: string[] = [];
    admin.on('message', (t, p) => got.push(`${t}=${p}`));
    await admin.subscribeAsync('home/tv/#', { qos: 1 });
    await viewer.publishAsync('home/tv/power/set', 'on', { qos: 1 });
    await new Promise((r) => setTimeout(r, 150));
    expect(got).toEqual([]);
    expect(viewer.connected).toBe(true);
    expect(th.hub.metrics.value('hearth_mqtt_acl_denied_total', { op: 'publish' })).toBe(1);
    expect(th.logs.some((l) => l.includes('dropped a publish by user kid') && l.includes('viewers may not publish'))).toBe(true);
  });

  it('with mqtt.onDenied: disconnect, a refused publish disconnects its client', async () => {
    th = await startTestHub({ overrides: { 'mqtt.onDenied': 'disconnect' } });
    await th.hub.users.setUser('kid', 'kid-password-1', 'viewer');
    const viewer = await th.connect({ username: 'kid', password: 'kid-password-1' });
    const closed = new Promise((r) => viewer.once('close', () => r(undefined)));
    viewer.publish('home/tv/power/set', 'on', { qos: 1 });
    await closed;
    expect(th.hub.metrics.value('hearth_mqtt_acl_denied_total', { op: 'publish' })).toBe(1);
  });

  it('nobody publishes to hearth/# or $SYS, not even an admin', async () => {
    th = await startTestHub();
    const admin = await th.connect();
    const watcher = await th.connect();
    const got: string[] = [];
    watcher.on('message', (t, p) => got.push(`${t}=${p}`));
    await watcher.subscribeAsync(['hearth/status', '$SYS/fake/#'], { qos: 1 });
    await waitFor(() => got.includes('hearth/status=online'), 'the retained hearth/status');
    got.length = 0;
    await admin.publishAsync('hearth/status', 'offline', { qos: 1, retain: true });
    await admin.publishAsync('$SYS/fake/uptime', '1', { qos: 1 });
    await new Promise((r) => setTimeout(r, 150));
    expect(got).toEqual([]);
    expect(th.logs.some((l) => l.includes('hearth/# is reserved to the hub'))).toBe(true);
    expect(th.logs.some((l) => l.includes('$SYS is reserved to the broker'))).toBe(true);
  });
});

describe('at rest', () => {
  it('creates the data dir 0700 and the database files 0600, and tightens a looser existing dir', async () => {
    const { chmodSync, statSync } = await import('node:fs');
    const dir = tempDir();
    chmodSync(dir, 0o755);
    th = await startTestHub({ dataDir: dir });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'hearth.db')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'broker.db')).mode & 0o777).toBe(0o600);
    expect(th.logs.some((l) => l.includes('was readable by others (mode 755); tightened to 700'))).toBe(true);
    const tokens = th.hub.db.prepare('SELECT token_hash FROM api_tokens').all();
    const { token } = th.hub.sessions.createToken('admin', 'x');
    const stored = JSON.stringify(th.hub.db.prepare('SELECT * FROM api_tokens').all());
    expect(stored).not.toContain(token);
    expect(tokens).toEqual([]);
  });
});

describe('brute force', () => {
  it('wrong passwords are refused, then the address is rate-limited even for the right password', async () => {
    th = await startTestHub();
    for (let i = 0; i < 4; i++) {
      const { error } = await tryConnect(th.mqttUrl, { username: 'admin', password: `guess-${i}` });
      expect(error?.message).toMatch(/Bad username or password/);
    }
    const { error } = await tryConnect(th.mqttUrl, { username: 'admin', password: ADMIN_PASSWORD });
    expect(error?.message).toMatch(/Not authorized/);
    expect(th.logs.some((l) => l.includes('too many failed logins'))).toBe(true);
    expect(th.hub.metrics.value('hearth_mqtt_auth_failures_total', { reason: 'rate_limited' })).toBe(1);
    expect(th.logs.join('\n')).not.toContain('guess-');
  });

  it("a typo at the login page, or someone guessing a device's password, never knocks a known device off", async () => {
    th = await startTestHub();
    const kitchen = await th.hub.users.addDeviceCredential('kitchen');
    const garage = await th.hub.users.addDeviceCredential('garage');
    // The kitchen sensor has connected before (the garage's credentials never have).
    (await tryConnect(th.mqttUrl, { username: kitchen.username, password: kitchen.password })).client!.end(true);
    // Wrong passwords at the login page, from the same address as the devices, until the address is banned.
    const login = (password: string) =>
      fetch(`${th!.httpUrl}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await login(`typo-${i}`)).status);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.at(-1)).toBe(429);
    // …and someone guessing the kitchen's password over MQTT until its username is banned too.
    for (let i = 0; i < 12; i++) await tryConnect(th.mqttUrl, { username: kitchen.username, password: `guess-${i}` });
    const known = await tryConnect(th.mqttUrl, { username: kitchen.username, password: kitchen.password });
    expect(known.error).toBeUndefined();
    known.client!.end(true);
    // Guessing stays expensive: credentials that never logged in wait like everyone else from that address.
    const unknown = await tryConnect(th.mqttUrl, { username: garage.username, password: garage.password });
    expect(unknown.error?.message).toMatch(/Not authorized/);
    expect(th.hub.metrics.value('hearth_mqtt_auth_failures_total', { reason: 'rate_limited' })).toBeGreaterThan(0);
    expect(
      th.logs.some(
        (l) => l.includes(`refused MQTT client`) && l.includes(JSON.stringify(garage.username)) && l.includes('too many failed logins'),
      ),
    ).toBe(true);
  });
});

describe('limits', () => {
  it('a packet over the size limit disconnects only its sender', async () => {
    th = await startTestHub({ overrides: { 'mqtt.maxPacketSize': 4096 } });
    const bystander = await th.connect({ clientId: 'bystander' });
    const big = await th.connect({ clientId: 'big' });
    const closed = new Promise((r) => big.once('close', () => r(undefined)));
    big.publish('home/big/blob', Buffer.alloc(10_000, 1), { qos: 0 });
    await closed;
    expect(th.logs.some((l) => l.includes('packet of 10') && l.includes('mqtt.maxPacketSize (4096)'))).toBe(true);
    await bystander.publishAsync('home/ok/value', '1', { qos: 1 });
    await waitFor(() => th!.hub.registry.has('ok'), 'bystander still publishing');
    expect(bystander.connected).toBe(true);
    expect(th.hub.registry.has('big')).toBe(false);
  });

  it('too many subscriptions or too long a topic disconnects that client only', async () => {
    th = await startTestHub({ overrides: { 'mqtt.maxSubscriptionsPerClient': 3, 'mqtt.maxTopicLength': 64 } });
    const greedy = await th.connect({ clientId: 'greedy' });
    await greedy.subscribeAsync(['home/a/x', 'home/b/x', 'home/c/x']);
    const closed = new Promise((r) => greedy.once('close', () => r(undefined)));
    greedy.subscribe('home/d/x');
    await closed;
    const longTopic = await th.connect({ clientId: 'long' });
    const closedLong = new Promise((r) => longTopic.once('close', () => r(undefined)));
    longTopic.publish('home/' + 'x'.repeat(100) + '/y', '1');
    await closedLong;
    const fine = await th.connect({ clientId: 'fine' });
    expect(fine.connected).toBe(true);
  });

  it('a client publishing faster than its rate limit is disconnected; a normal one is not', async () => {
    th = await startTestHub({ overrides: { 'mqtt.maxPublishRatePerClient': 50 } });
    const calm = await th.connect({ clientId: 'calm' });
    const noisy = await th.connect({ clientId: 'noisy' });
    const closed = new Promise((r) => noisy.once('close', () => r(undefined)));
    for (let i = 0; i < 500; i++) noisy.publish('home/noisy/x', String(i));
    await closed;
    expect(th.logs.some((l) => l.includes('publishes faster than mqtt.maxPublishRatePerClient (50/s)'))).toBe(true);
    for (let i = 0; i < 5; i++) await calm.publishAsync('home/calm/x', String(i), { qos: 1 });
    expect(calm.connected).toBe(true);
  });

  it('connections per source address are capped', async () => {
    th = await startTestHub({ overrides: { 'mqtt.maxConnectionsPerAddress': 2 } });
    await th.connect({ clientId: 'one' });
    await th.connect({ clientId: 'two' });
    const { error } = await tryConnect(th.mqttUrl, { username: 'admin', password: ADMIN_PASSWORD, clientId: 'three' });
    expect(error).toBeDefined();
    expect(th.logs.some((l) => l.includes('the limit (mqtt.maxConnectionsPerAddress) is 2'))).toBe(true);
  });
});

function makeCertificate(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

describe('TLS', () => {
  it('MQTT over TLS works with the configured certificate; plain MQTT to the TLS port fails; SIGHUP reload keeps connections', async () => {
    const dir = tempDir();
    const first = makeCertificate(dir, 'hearth-1');
    const live = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key') };
    execFileSync('cp', [first.cert, live.cert]);
    execFileSync('cp', [first.key, live.key]);
    th = await startTestHub({ overrides: { 'tls.cert': live.cert, 'tls.key': live.key, 'mqtt.tlsPort': 0 } });
    const port = th.hub.ports.mqtts!;
    expect(port).toBeGreaterThan(0);
    const secure = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, {
      username: 'admin',
      password: ADMIN_PASSWORD,
      ca: readFileSync(first.cert),
      reconnectPeriod: 0,
    });
    await secure.publishAsync('home/tls/temp', '20', { qos: 1 });
    await waitFor(() => th!.hub.registry.has('tls'), 'device over TLS');
    const plain = await tryConnect(`mqtt://127.0.0.1:${port}`, { username: 'admin', password: ADMIN_PASSWORD, connectTimeout: 1500 });
    expect(plain.error).toBeDefined();

    const second = makeCertificate(dir, 'hearth-2');
    execFileSync('cp', [second.cert, live.cert]);
    execFileSync('cp', [second.key, live.key]);
    expect(th.hub.reloadTls()).toBe(true);
    const served = await new Promise<string>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        resolve(new X509Certificate(s.getPeerX509Certificate()!.raw).subject);
        s.end();
      });
      s.on('error', reject);
    });
    expect(served).toContain('CN=hearth-2');
    await secure.publishAsync('home/tls/temp', '21', { qos: 1 });
    expect(secure.connected).toBe(true);
    await secure.endAsync();
  });

  it('serves the API over HTTPS with the same certificate', async () => {
    const dir = tempDir();
    const cert = makeCertificate(dir, 'hearth-https');
    th = await startTestHub({ overrides: { 'tls.cert': cert.cert, 'tls.key': cert.key, 'mqtt.tlsPort': 0 } });
    const { request } = await import('node:https');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: th!.hub.ports.http, path: '/healthz', ca: readFileSync(cert.cert) }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${th.hub.ports.http}/healthz`)).rejects.toThrow();
  });
});
