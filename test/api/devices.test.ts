// The minimal REST API: devices over HTTP Basic, 401 without credentials, 404 for unknown devices, health.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

describe('GET /api/devices', () => {
  let th: TestHub;
  beforeAll(async () => {
    th = await startTestHub();
    const c = await th.connect({ clientId: 'bath' });
    await c.publishAsync('home/bathroom/status', 'online', { qos: 1, retain: true });
    await c.publishAsync('home/bathroom/humidity', '64', { qos: 1, retain: true });
    await waitFor(() => th.hub.registry.has('bathroom') && th.hub.registry.get('bathroom').properties.humidity, 'bathroom');
  });
  afterAll(async () => {
    await th.stop(true);
  });

  it('is healthy once ready, without credentials', async () => {
    const res = await http(th, 'GET', '/healthz', undefined, null);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ok' });
  });

  it('lists devices with online state, last seen and latest properties', async () => {
    const res = await http(th, 'GET', '/api/devices');
    expect(res.status).toBe(200);
    expect(res.json).toHaveLength(1);
    const [d] = res.json;
    expect(d).toMatchObject({ id: 'bathroom', online: true, status: 'online', properties: { humidity: { value: 64 } } });
    expect(Date.parse(d.lastSeen)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('answers 404 with a code for an unknown device', async () => {
    const res = await http(th, 'GET', '/api/devices/garage');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ code: 'HEARTH_DEVICE_NOT_FOUND', message: 'No device with id "garage"' });
  });

  it('answers 401 without credentials or with a wrong password', async () => {
    const none = await http(th, 'GET', '/api/devices', undefined, null);
    expect(none.status).toBe(401);
    expect(none.json.code).toBe('HEARTH_UNAUTHORIZED');
    const wrong = await http(th, 'GET', '/api/devices', undefined, 'Basic ' + Buffer.from('admin:wrong-password').toString('base64'));
    expect(wrong.status).toBe(401);
  });

  it('does not let device credentials into the API', async () => {
    const { username, password } = await th.hub.users.addDeviceCredential('bathroom');
    const res = await http(th, 'GET', '/api/devices', undefined, 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64'));
    expect(res.status).toBe(401);
  });
});
