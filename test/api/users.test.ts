// Users and device credentials: an admin manages them over HTTP; a viewer cannot; secrets are shown once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { http, startTestHub, type TestHub } from '../helpers/hub.js';
import { basic, inject, login } from './support.js';

let th: TestHub;
beforeAll(async () => {
  th = await startTestHub();
});
afterAll(async () => {
  await th.stop(true);
});

describe('users', () => {
  it('an admin creates a viewer, lists users, changes the password and deletes the user', async () => {
    const created = await http(th, 'POST', '/api/users', { name: 'guest', password: 'guest-password', role: 'viewer' });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ name: 'guest', role: 'viewer', createdAt: expect.any(String) });
    const list = await http(th, 'GET', '/api/users');
    expect(list.json.map((u: any) => [u.name, u.role])).toEqual([
      ['admin', 'admin'],
      ['guest', 'viewer'],
    ]);
    expect(list.text).not.toMatch(/hash|password/i);
    expect((await http(th, 'GET', '/api/devices', undefined, basic('guest', 'guest-password'))).status).toBe(200);
    expect((await http(th, 'PUT', '/api/users/guest/password', { password: 'new-guest-pass' })).status).toBe(204);
    expect((await http(th, 'GET', '/api/devices', undefined, basic('guest', 'new-guest-pass'))).status).toBe(200);
    expect((await http(th, 'DELETE', '/api/users/guest')).status).toBe(204);
    expect((await http(th, 'GET', '/api/devices', undefined, basic('guest', 'new-guest-pass'))).status).toBe(401);
    th.hub.limiter.succeed(['ip:127.0.0.1']);
  });

  it('bad bodies answer 400 naming the field; unknown users 404; duplicates and the last admin 409', async () => {
    const cases: Array<[unknown, string, string]> = [
      [{ name: 'guest', password: 'short', role: 'viewer' }, 'body.password', 'body.password must NOT have fewer than 8 characters'],
      [{ name: 'guest', password: 'long-enough', role: 'owner' }, 'body.role', ''],
      [{ name: 'bad name!', password: 'long-enough', role: 'viewer' }, 'body.name', ''],
      [{ password: 'long-enough', role: 'viewer' }, 'body.name', 'body.name is required'],
    ];
    for (const [body, field, message] of cases) {
      const res = await http(th, 'POST', '/api/users', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.field).toBe(field);
      if (message) expect(res.json.message).toBe(message);
    }
    expect((await http(th, 'POST', '/api/users', { name: 'admin', password: 'another-one', role: 'viewer' })).json.code).toBe(
      'HEARTH_CONFLICT',
    );
    expect((await http(th, 'PUT', '/api/users/nobody/password', { password: 'long-enough' })).json).toEqual({
      code: 'HEARTH_USER_NOT_FOUND',
      message: 'No user named "nobody"',
    });
    expect((await http(th, 'DELETE', '/api/users/nobody')).status).toBe(404);
    const last = await http(th, 'DELETE', '/api/users/admin');
    expect(last.status).toBe(409);
    expect(last.json).toEqual({ code: 'HEARTH_CONFLICT', message: 'cannot delete "admin", the last admin' });
  });
});

describe('your own account', () => {
  it('any user, a viewer too, changes their own password with the current one; their other sessions end, this one stays', async () => {
    expect((await http(th, 'POST', '/api/users', { name: 'kim', password: 'kims-first-password', role: 'viewer' })).status).toBe(201);
    const browser = await login(th, 'kim', 'kims-first-password');
    const phone = await login(th, 'kim', 'kims-first-password');
    const change = (body: unknown, headers: Record<string, string> = { cookie: browser.cookie, 'x-csrf-token': browser.json.csrfToken }) =>
      inject(th, { method: 'PUT', url: '/api/session/password', payload: body as object, headers, auth: null });

    const wrong = await change({ currentPassword: 'not-kims-password', password: 'kims-second-password' });
    expect(wrong.status).toBe(400);
    expect(wrong.json).toEqual({
      code: 'HEARTH_VALIDATION',
      message: 'body.currentPassword is not your current password',
      field: 'body.currentPassword',
    });
    expect((await change({ currentPassword: 'kims-first-password', password: 'short' })).json.field).toBe('body.password');
    expect(
      (await change({ currentPassword: 'kims-first-password', password: 'kims-second-password' }, { cookie: browser.cookie })).status,
    ).toBe(403);
    expect((await change({ currentPassword: 'kims-first-password', password: 'kims-second-password' }, {})).status).toBe(401);

    expect((await change({ currentPassword: 'kims-first-password', password: 'kims-second-password' })).status).toBe(204);
    expect((await inject(th, { method: 'GET', url: '/api/session', headers: { cookie: browser.cookie }, auth: null })).status).toBe(200);
    expect((await inject(th, { method: 'GET', url: '/api/session', auth: `Bearer ${phone.json.token}` })).status).toBe(401);
    expect((await inject(th, { method: 'GET', url: '/api/devices', auth: basic('kim', 'kims-first-password') })).status).toBe(401);
    expect((await inject(th, { method: 'GET', url: '/api/devices', auth: basic('kim', 'kims-second-password') })).status).toBe(200);
    expect(th.logs.some((l) => l.includes('kim changed their own password (1 other session ended)'))).toBe(true);
    th.hub.limiter.succeed(['ip:127.0.0.1']);
  });

  it('an admin cannot delete their own account (409) but another admin can; the last admin cannot be deleted', async () => {
    expect((await http(th, 'POST', '/api/users', { name: 'sam', password: 'sams-password', role: 'admin' })).status).toBe(201);
    const self = await inject(th, { method: 'DELETE', url: '/api/users/sam', auth: basic('sam', 'sams-password') });
    expect(self.status).toBe(409);
    expect(self.json).toEqual({ code: 'HEARTH_CONFLICT', message: 'cannot delete your own account "sam"; another admin can' });
    expect((await inject(th, { method: 'DELETE', url: '/api/users/sam' })).status).toBe(204);
    const last = await inject(th, { method: 'DELETE', url: '/api/users/admin' });
    expect(last.json).toEqual({ code: 'HEARTH_CONFLICT', message: 'cannot delete "admin", the last admin' });
  });
});

describe('device credentials', () => {
  it('issues MQTT credentials once, lists them without the password, and revokes them', async () => {
    const issued = await http(th, 'POST', '/api/device-credentials', { deviceId: 'garage' });
    expect(issued.status).toBe(201);
    expect(issued.json).toEqual({ username: 'garage', password: expect.any(String), deviceId: 'garage' });
    const device = await mqtt.connectAsync(th.mqttUrl, {
      username: issued.json.username,
      password: issued.json.password,
      reconnectPeriod: 0,
    });
    await device.publishAsync('home/garage/door', 'closed', { qos: 1 });
    await device.endAsync();
    const list = await http(th, 'GET', '/api/device-credentials');
    expect(list.json).toEqual([{ username: 'garage', deviceId: 'garage', createdAt: expect.any(String) }]);
    expect(list.text).not.toContain(issued.json.password);
    expect((await http(th, 'GET', '/api/device-credentials?deviceId=porch')).json).toEqual([]);
    // A second set for the same device gets its own username.
    expect((await http(th, 'POST', '/api/device-credentials', { deviceId: 'garage' })).json.username).toMatch(/^garage-[0-9a-f]{6}$/);
    expect((await http(th, 'DELETE', '/api/device-credentials/garage')).status).toBe(204);
    await expect(
      mqtt.connectAsync(th.mqttUrl, { username: 'garage', password: issued.json.password, reconnectPeriod: 0 }),
    ).rejects.toThrow();
    expect((await http(th, 'DELETE', '/api/device-credentials/garage')).json).toEqual({
      code: 'HEARTH_NOT_FOUND',
      message: 'No device credentials named "garage"',
    });
    expect((await http(th, 'POST', '/api/device-credentials', { deviceId: 'Garage Door' })).json.field).toBe('body.deviceId');
    // A user may not take a device's username: users win at login, which would lock the device out.
    await http(th, 'POST', '/api/device-credentials', { deviceId: 'cellar' });
    expect((await http(th, 'POST', '/api/users', { name: 'cellar', password: 'long-enough', role: 'viewer' })).status).toBe(409);
  });
});
