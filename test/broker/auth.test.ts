// MQTT authentication and the first access rules: no anonymous access, hashed passwords, device-bound credentials.
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, nextMessage, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

let th: TestHub | undefined;
afterEach(async () => {
  await th?.stop(true);
  th = undefined;
});

const refused = async (url: string, opts: mqtt.IClientOptions) => {
  const err = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000, ...opts }).then(
    (c) => {
      c.end(true);
      return undefined;
    },
    (e: Error & { code?: number }) => e,
  );
  return err;
};

/** mqtt.js rejects a SUBACK with 0x80; this reads it as a plain answer. */
const subscribeResult = (client: mqtt.MqttClient, filter: string) =>
  client.subscribeAsync(filter).then(
    (granted) => (granted[0]!.qos === 128 ? 'refused' : 'granted'),
    () => 'refused',
  );

describe('MQTT authentication', () => {
  it('refuses anonymous clients by default and wrong passwords, and accepts the admin', async () => {
    th = await startTestHub();
    const anonymous = await refused(th.mqttUrl, {});
    expect(anonymous?.message).toMatch(/Not authorized/i);
    const wrong = await refused(th.mqttUrl, { username: 'admin', password: 'nope-nope' });
    expect(wrong?.message).toMatch(/Bad username or password/i);
    const admin = await th.connect();
    expect(admin.connected).toBe(true);
    expect(th.logs.some((l) => l.includes(ADMIN_PASSWORD))).toBe(false);
    expect(th.hub.metrics.value('hearth_mqtt_auth_failures_total', { reason: 'bad_credentials' })).toBe(1);
  });

  it('stores the admin password as a scrypt hash, never in clear', async () => {
    th = await startTestHub();
    const row = th.hub.db.prepare("SELECT password_hash FROM users WHERE name = 'admin'").get() as { password_hash: string };
    expect(row.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(row.password_hash).not.toContain(ADMIN_PASSWORD);
  });

  it('accepts anonymous clients only when enabled, with a warning at start-up', async () => {
    th = await startTestHub({ overrides: { 'mqtt.allowAnonymous': true } });
    expect(th.logs.some((l) => l.includes('WARN') && l.includes('anonymous MQTT access is ENABLED'))).toBe(true);
    const c = await mqtt.connectAsync(th.mqttUrl, { reconnectPeriod: 0 });
    await c.publishAsync('home/anon/temp', '1', { qos: 1 });
    await waitFor(() => th!.hub.registry.has('anon'), 'anon device');
    await c.endAsync();
  });

  it('device credentials work only for their own device', async () => {
    th = await startTestHub();
    const { username, password } = await th.hub.users.addDeviceCredential('porch');
    const porch = await mqtt.connectAsync(th.mqttUrl, { username, password, reconnectPeriod: 0 });
    await porch.publishAsync('home/porch/motion', 'true', { qos: 1 });
    await waitFor(() => th!.hub.registry.has('porch'), 'porch device');
    // Publishing for another device is refused: MQTT 3.1.1 cannot refuse one publish, so it is acknowledged and
    // dropped (mqtt.onDenied: drop, the default, as Mosquitto and EMQX do); the device stays connected.
    await porch.publishAsync('home/kitchen/temperature', '99', { qos: 1 });
    await porch.publishAsync('home/porch/motion', 'false', { qos: 1 });
    await waitFor(() => th!.hub.registry.get('porch').properties.motion?.value === false, 'porch motion false');
    expect(th.hub.registry.has('kitchen')).toBe(false);
    expect(porch.connected).toBe(true);
    porch.end(true);
  });

  it('a device may subscribe to its own commands but not to everything', async () => {
    th = await startTestHub();
    const { username, password } = await th.hub.users.addDeviceCredential('lamp');
    const lamp = await mqtt.connectAsync(th.mqttUrl, { username, password, reconnectPeriod: 0 });
    expect(await subscribeResult(lamp, 'home/lamp/+/set')).toBe('granted');
    expect(await subscribeResult(lamp, 'home/#')).toBe('refused');
    expect(await subscribeResult(lamp, 'home/+/power/set')).toBe('refused');
    expect(await subscribeResult(lamp, '$SYS/#')).toBe('refused');
    const admin = await th.connect();
    const received = nextMessage(lamp, 'home/lamp/+/set');
    await lamp.subscribeAsync('home/lamp/+/set');
    await admin.publishAsync('home/lamp/power/set', 'on', { qos: 1 });
    expect((await received).payload).toBe('on');
    lamp.end(true);
  });

  it('$SYS is for admins only', async () => {
    th = await startTestHub();
    await th.hub.users.setUser('guest', 'guest-password', 'viewer');
    const viewer = await th.connect({ username: 'guest', password: 'guest-password' });
    expect(await subscribeResult(viewer, '$SYS/#')).toBe('refused');
    expect(await subscribeResult(viewer, 'home/#')).toBe('granted');
  });
});
