// The REST API as scripts and the dashboard use it, against a real hub on a real port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, http, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

let th: TestHub;
beforeAll(async () => {
  th = await startTestHub();
});
afterAll(async () => {
  await th.stop(true);
});

const login = async (username = 'admin', password = ADMIN_PASSWORD) => {
  const res = await fetch(`${th.httpUrl}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  return { status: res.status, json: (await res.json()) as any, cookie: res.headers.get('set-cookie') ?? '' };
};

describe('sessions and tokens', () => {
  it('login sets an HttpOnly SameSite=Strict cookie and returns a bearer token; the cookie needs the CSRF token to change things', async () => {
    const res = await login();
    expect(res.status).toBe(200);
    expect(res.cookie).toMatch(/^hearth_session=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
    expect(res.json.user).toEqual({ name: 'admin', role: 'admin' });
    const cookie = res.cookie.split(';')[0]!;
    const session = await fetch(`${th.httpUrl}/api/session`, { headers: { cookie } });
    expect((await session.json()).csrfToken).toBe(res.json.csrfToken);
    const noCsrf = await fetch(`${th.httpUrl}/api/tokens`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x' }) });
    expect(noCsrf.status).toBe(403);
    const withCsrf = await fetch(`${th.httpUrl}/api/tokens`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': res.json.csrfToken }, body: JSON.stringify({ name: 'grafana' }) });
    expect(withCsrf.status).toBe(201);
    const { token, id } = (await withCsrf.json()) as any;
    expect((await http(th, 'GET', '/api/devices', undefined, `Bearer ${token}`)).status).toBe(200);
    expect((await http(th, 'DELETE', `/api/tokens/${id}`)).status).toBe(204);
    expect((await http(th, 'GET', '/api/devices', undefined, `Bearer ${token}`)).status).toBe(401);
    const bearer = await http(th, 'GET', '/api/session', undefined, `Bearer ${res.json.token}`);
    expect(bearer.json.user.name).toBe('admin');
  });

  it('wrong passwords answer 401, then 429 while rate-limited', async () => {
    await th.hub.users.setUser('mallory-target', 'target-password', 'viewer');
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await login('mallory-target', `wrong-${i}`)).status);
    expect(codes.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(codes[4]).toBe(429);
    const limited = await login('mallory-target', 'target-password');
    expect(limited.status).toBe(429);
    expect(limited.json.code).toBe('HEARTH_RATE_LIMITED');
    expect(th.hub.metrics.value('hearth_http_login_failures_total', { reason: 'bad_credentials' })).toBeGreaterThanOrEqual(4);
    th.hub.limiter.succeed(['ip:127.0.0.1']);
  });

  it('a bad body answers 400 naming the field', async () => {
    const res = await http(th, 'POST', '/api/login', { username: 'admin' }, null);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'HEARTH_VALIDATION', message: 'body.password is required' });
  });
});

describe('devices', () => {
  it('renames, sets a room, sends a command un-retained, and deletes a device with its retained topics', async () => {
    const device = await th.connect({ clientId: 'kitchen-lamp' });
    await device.publishAsync('home/kitchen-lamp/power', 'off', { qos: 1, retain: true });
    await waitFor(() => th.hub.registry.has('kitchen-lamp'), 'lamp');
    const patched = await http(th, 'PATCH', '/api/devices/kitchen-lamp', { name: 'Kitchen lamp', room: 'Kitchen' });
    expect(patched.json).toMatchObject({ name: 'Kitchen lamp', room: 'Kitchen' });
    expect((await http(th, 'PATCH', '/api/devices/kitchen-lamp', { colour: 'red' })).json.message).toBe('body.colour is not a known field');
    const commands: Array<{ payload: string; retain: boolean }> = [];
    device.on('message', (_t, p, packet) => commands.push({ payload: p.toString(), retain: packet.retain }));
    await device.subscribeAsync('home/kitchen-lamp/+/set', { qos: 1 });
    const set = await http(th, 'POST', '/api/devices/kitchen-lamp/power/set', { value: 'on' });
    expect(set.status).toBe(202);
    await waitFor(() => commands.length === 1, 'command');
    expect(commands[0]).toEqual({ payload: 'on', retain: false });
    expect((await http(th, 'POST', '/api/devices/nope/power/set', { value: 1 })).status).toBe(404);
    expect((await http(th, 'POST', '/api/devices/kitchen-lamp/power/set', {})).json.message).toBe('body.value is required');
    expect((await http(th, 'DELETE', '/api/devices/kitchen-lamp')).status).toBe(204);
    expect((await http(th, 'GET', '/api/devices/kitchen-lamp')).status).toBe(404);
    const fresh = await th.connect();
    const retained: string[] = [];
    fresh.on('message', (t) => retained.push(t));
    await fresh.subscribeAsync('home/kitchen-lamp/#');
    await new Promise((r) => setTimeout(r, 200));
    expect(retained).toEqual([]);
  });

  it('history buckets are right on known data, including hourly rollups of old readings', async () => {
    const c = await th.connect();
    await c.publishAsync('home/cellar/temperature', '10', { qos: 1 });
    await waitFor(() => th.hub.registry.has('cellar'), 'cellar');
    const hour = 3_600_000;
    const base = Math.floor(Date.now() / hour) * hour - 40 * 24 * hour;
    // Two hours of known readings 40 days ago (rolled up), two hours recently (kept raw).
    const recent = Math.floor(Date.now() / hour) * hour - 3 * hour;
    for (const [start, values] of [[base, [1, 2, 3, 10, 20, 30]], [recent, [5, 7, 9, 100, 200, 300]]] as const) {
      values.forEach((v, i) => th.hub.devices.appendHistory('cellar', 'temperature', v, start + (i < 3 ? i * 60_000 : hour + (i - 3) * 60_000)));
    }
    th.hub.writes.flush();
    expect(th.hub.history.applyRetention(Date.now(), 30, [])).toBe(6);
    const old = await http(th, 'GET', `/api/devices/cellar/history/temperature?from=${base}&to=${base + 2 * hour - 1}&bucket=3600`);
    expect(old.json.points).toEqual([
      { ts: base, min: 1, max: 3, avg: 2, count: 3 },
      { ts: base + hour, min: 10, max: 30, avg: 20, count: 3 },
    ]);
    const fresh = await http(th, 'GET', `/api/devices/cellar/history/temperature?from=${new Date(recent).toISOString()}&to=${recent + 2 * hour - 1}&bucket=7200`);
    expect(fresh.json.points).toEqual([{ ts: recent - (recent % 7_200_000), min: 5, max: 300, avg: 103.5, count: 6 }]);
    const bad = await http(th, 'GET', '/api/devices/cellar/history/temperature?bucket=often');
    expect(bad.json).toMatchObject({ code: 'HEARTH_VALIDATION', message: 'querystring.bucket must be a number of seconds or "auto", got "often"' });
  });
});

describe('live events', () => {
  it('delivers a published reading over SSE within 100 ms', async () => {
    const controller = new AbortController();
    const res = await fetch(`${th.httpUrl}/api/events?types=device.state&device=hall`, { headers: { authorization: th.auth }, signal: controller.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    await reader.read(); // ": connected"
    const sensor = await th.connect();
    const sent = performance.now();
    await sensor.publishAsync('home/hall/motion', 'true', { qos: 0 });
    let text = '';
    while (!text.includes('event: device.state')) text += new TextDecoder().decode((await reader.read()).value);
    const latency = performance.now() - sent;
    controller.abort();
    expect(text).toContain('"deviceId":"hall","property":"motion","value":true');
    expect(latency).toBeLessThan(100);
  });
});

describe('users, credentials, metrics, backup, headers', () => {
  it('admins manage users and device credentials; viewers change nothing', async () => {
    expect((await http(th, 'POST', '/api/users', { name: 'guest', password: 'short', role: 'viewer' })).json.message).toBe('body.password must NOT have fewer than 8 characters');
    expect((await http(th, 'POST', '/api/users', { name: 'guest', password: 'guest-password', role: 'viewer' })).status).toBe(201);
    const viewer = 'Basic ' + Buffer.from('guest:guest-password').toString('base64');
    expect((await http(th, 'GET', '/api/devices', undefined, viewer)).status).toBe(200);
    expect((await http(th, 'POST', '/api/users', { name: 'x', password: 'xxxxxxxx', role: 'admin' }, viewer)).status).toBe(403);
    expect((await http(th, 'GET', '/api/users', undefined, viewer)).status).toBe(403);
    const cred = await http(th, 'POST', '/api/device-credentials', { deviceId: 'garage' });
    expect(cred.json).toMatchObject({ username: 'garage', deviceId: 'garage' });
    expect((await http(th, 'GET', '/api/device-credentials')).json.map((c: any) => c.username)).toContain('garage');
    expect((await http(th, 'DELETE', '/api/device-credentials/garage')).status).toBe(204);
    expect((await http(th, 'PUT', '/api/users/guest/password', { password: 'new-guest-pass' })).status).toBe(204);
    expect((await http(th, 'DELETE', '/api/users/guest')).status).toBe(204);
    expect((await http(th, 'DELETE', '/api/users/admin')).json.message).toBe('cannot delete the last admin');
  });

  it('serves Prometheus metrics, a backup, the OpenAPI document and security headers', async () => {
    const metrics = await http(th, 'GET', '/metrics');
    expect(metrics.text).toContain('hearth_mqtt_clients_connected');
    expect(metrics.text).toContain('hearth_db_write_queue_depth');
    expect(metrics.text).toContain('process_resident_memory_bytes');
    expect(metrics.text).toContain('nodejs_eventloop_lag_p99_seconds');
    expect((await http(th, 'GET', '/metrics', undefined, null)).status).toBe(401);
    const backup = await fetch(`${th.httpUrl}/api/backup`, { headers: { authorization: th.auth } });
    expect(backup.headers.get('content-disposition')).toMatch(/attachment; filename="hearth-backup-/);
    expect(Buffer.from(await backup.arrayBuffer()).subarray(0, 15).toString()).toBe('SQLite format 3');
    const openapi = await http(th, 'GET', '/openapi.json', undefined, null);
    expect(Object.keys(openapi.json.paths)).toEqual(expect.arrayContaining(['/api/devices', '/api/devices/{id}/history/{property}', '/api/rules', '/api/login']));
    expect(openapi.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(openapi.headers.get('x-content-type-options')).toBe('nosniff');
    expect(openapi.headers.get('x-frame-options')).toBe('DENY');
    expect((await http(th, 'GET', '/docs', undefined, null)).status).toBeLessThan(400);
  });

  it('never logs a password, token or cookie', async () => {
    const res = await login();
    const all = th.logs.join('\n');
    expect(all).not.toContain(ADMIN_PASSWORD);
    expect(all).not.toContain(res.json.token);
    expect(all).not.toContain(res.cookie.split(';')[0]!.split('=')[1]);
    expect(all).not.toContain('guest-password');
  });
});
