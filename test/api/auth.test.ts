// Logging in and staying safe: sessions with CSRF, login tokens that die at logout, API tokens, Basic, roles, rate limits.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../src/shared/login-limiter.js';
import { openDatabase } from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { SessionRepo } from '../../src/store/session-repo.js';
import { ADMIN_PASSWORD, http, startTestHub, tempDir, type TestHub } from '../helpers/hub.js';
import { basic, inject, login } from './support.js';

let th: TestHub;
const VIEWER = basic('vera', 'vera-password');
beforeAll(async () => {
  th = await startTestHub();
  await th.hub.users.setUser('vera', 'vera-password', 'viewer');
});
afterAll(async () => {
  await th.stop(true);
});

describe('a homeowner logs in to the dashboard', () => {
  it('gets an HttpOnly SameSite=Strict cookie, a bearer token and a CSRF token', async () => {
    const res = await login(th);
    expect(res.status).toBe(200);
    expect(res.setCookie).toMatch(/^hearth_session=[A-Za-z0-9_-]{40,}; HttpOnly; SameSite=Strict; Path=\//);
    expect(res.json).toEqual({ user: { name: 'admin', role: 'admin' }, token: expect.any(String), csrfToken: expect.any(String) });
    const session = await fetch(`${th.httpUrl}/api/session`, { headers: { cookie: res.cookie } });
    expect(await session.json()).toEqual({ user: { name: 'admin', role: 'admin' }, csrfToken: res.json.csrfToken });
    expect((await http(th, 'GET', '/api/devices', undefined, `Bearer ${res.json.token}`)).status).toBe(200);
  });

  it('changes made with the cookie need the x-csrf-token header (403 without, or with a wrong one)', async () => {
    const { cookie, json } = await login(th);
    await th.hub.users.setUser('csrf-victim', 'victim-password', 'viewer');
    const del = (headers: Record<string, string>) =>
      inject(th, { method: 'DELETE', url: '/api/users/csrf-victim', auth: null, headers: { cookie, ...headers } });
    const missing = await del({});
    expect(missing.status).toBe(403);
    expect(missing.json).toEqual({ code: 'HEARTH_FORBIDDEN', message: 'missing or wrong x-csrf-token header for a cookie session' });
    expect((await del({ 'x-csrf-token': json.csrfToken.slice(1) })).status).toBe(403);
    const patch = await inject(th, { method: 'POST', url: '/api/tokens', auth: null, headers: { cookie }, payload: { name: 'x' } });
    expect(patch.status).toBe(403);
    expect((await del({ 'x-csrf-token': json.csrfToken })).status).toBe(204);
    // Reads need no token; bearer and Basic changes need none either (no browser sends those on its own).
    expect((await inject(th, { method: 'GET', url: '/api/users', auth: null, headers: { cookie } })).status).toBe(200);
    expect(
      (await inject(th, { method: 'POST', url: '/api/tokens', auth: `Bearer ${json.token}`, payload: { name: 'via-bearer' } })).status,
    ).toBe(201);
  });

  it('logout ends the session: the cookie and the login bearer token stop working', async () => {
    const { cookie, json } = await login(th);
    const out = await fetch(`${th.httpUrl}/api/logout`, { method: 'POST', headers: { cookie, 'x-csrf-token': json.csrfToken } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^hearth_session=; .*Max-Age=0/);
    expect((await fetch(`${th.httpUrl}/api/session`, { headers: { cookie } })).status).toBe(401);
    expect((await http(th, 'GET', '/api/devices', undefined, `Bearer ${json.token}`)).status).toBe(401);
    // A script that logged in can log its own token out.
    const script = await login(th);
    expect((await inject(th, { method: 'POST', url: '/api/logout', auth: `Bearer ${script.json.token}` })).status).toBe(204);
    expect((await inject(th, { method: 'GET', url: '/api/session', auth: `Bearer ${script.json.token}` })).status).toBe(401);
  });

  it('login tokens are not listed as API tokens', async () => {
    await login(th);
    const tokens = await inject(th, { method: 'GET', url: '/api/tokens' });
    expect(tokens.json.filter((t: any) => t.name.startsWith('login '))).toEqual([]);
  });

  it('wrong credentials answer 401 HEARTH_BAD_CREDENTIALS; a bad body answers 400 naming the field', async () => {
    const wrong = await inject(th, {
      method: 'POST',
      url: '/api/login',
      auth: null,
      payload: { username: 'admin', password: 'nope' },
      remoteAddress: '10.0.0.9',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({ code: 'HEARTH_BAD_CREDENTIALS', message: 'Wrong username or password' });
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const bad = await inject(th, { method: 'POST', url: '/api/login', auth: null, payload: { username: 'admin' } });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ code: 'HEARTH_VALIDATION', message: 'body.password is required', field: 'body.password' });
    const extra = await inject(th, {
      method: 'POST',
      url: '/api/login',
      auth: null,
      payload: { username: 'admin', password: 'x', remember: true },
    });
    expect(extra.json.message).toBe('body.remember is not a known field');
    // Device credentials are for MQTT, not for the API.
    const cred = await th.hub.users.addDeviceCredential('porch');
    expect(
      (
        await inject(th, {
          method: 'POST',
          url: '/api/login',
          auth: null,
          payload: { username: cred.username, password: cred.password },
          remoteAddress: '10.0.0.9',
        })
      ).status,
    ).toBe(401);
    th.hub.limiter.succeed(['ip:10.0.0.9']);
  });

  it('answers 401 without credentials, with a Bearer challenge (not Basic, which pops a browser dialog)', async () => {
    for (const url of [
      '/api/devices',
      '/api/session',
      '/api/users',
      '/api/tokens',
      '/api/device-credentials',
      '/api/backup',
      '/metrics',
      '/api/events',
    ]) {
      const res = await inject(th, { method: 'GET', url, auth: null });
      expect(res.status, url).toBe(401);
      expect(res.json).toEqual({ code: 'HEARTH_UNAUTHORIZED', message: 'Authentication required' });
      expect(res.headers['www-authenticate']).toBe('Bearer realm="hearth"');
    }
    expect((await inject(th, { method: 'GET', url: '/api/devices', auth: 'Bearer hth_not-a-token' })).status).toBe(401);
    expect(
      (await inject(th, { method: 'GET', url: '/api/devices', headers: { cookie: 'hearth_session=forged' }, auth: null })).status,
    ).toBe(401);
  });
});

describe('API tokens for scripts', () => {
  it('are created (shown once), listed without their secret, used as Bearer, and revoked', async () => {
    const created = await http(th, 'POST', '/api/tokens', { name: 'grafana' });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ id: expect.any(String), name: 'grafana', token: expect.stringMatching(/^hth_/) });
    const bearer = `Bearer ${created.json.token}`;
    expect((await http(th, 'GET', '/metrics', undefined, bearer)).status).toBe(200);
    const list = await http(th, 'GET', '/api/tokens');
    const row = list.json.find((t: any) => t.id === created.json.id);
    expect(row).toEqual({
      id: created.json.id,
      name: 'grafana',
      user: 'admin',
      createdAt: expect.any(String),
      lastUsedAt: expect.any(String),
    });
    expect(list.text).not.toContain(created.json.token);
    expect((await http(th, 'DELETE', `/api/tokens/${created.json.id}`)).status).toBe(204);
    expect((await http(th, 'GET', '/api/devices', undefined, bearer)).status).toBe(401);
    expect((await http(th, 'DELETE', `/api/tokens/${created.json.id}`)).json).toEqual({
      code: 'HEARTH_NOT_FOUND',
      message: `No API token with id "${created.json.id}"`,
    });
    expect((await http(th, 'POST', '/api/tokens', {})).json.message).toBe('body.name is required');
  });

  it('are stored only as hashes', async () => {
    const { token } = (await http(th, 'POST', '/api/tokens', { name: 'hashed' })).json;
    const { token: loginToken } = (await login(th)).json;
    const dump = JSON.stringify([th.hub.db.prepare('SELECT * FROM api_tokens').all(), th.hub.db.prepare('SELECT * FROM sessions').all()]);
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(loginToken);
  });
});

describe('roles', () => {
  it('a viewer reads everything and changes nothing', async () => {
    for (const url of ['/api/devices', '/api/session', '/metrics'])
      expect((await http(th, 'GET', url, undefined, VIEWER)).status, url).toBe(200);
    const changes: Array<[string, string, unknown]> = [
      ['POST', '/api/tokens', { name: 'v' }],
      ['POST', '/api/users', { name: 'eve', password: 'eve-password', role: 'admin' }],
      ['PUT', '/api/users/admin/password', { password: 'hijacked-pass' }],
      ['DELETE', '/api/users/admin', undefined],
      ['POST', '/api/device-credentials', { deviceId: 'door' }],
    ];
    for (const [method, url, body] of changes) {
      const res = await http(th, method, url, body, VIEWER);
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.json.code).toBe('HEARTH_FORBIDDEN');
    }
    for (const url of ['/api/users', '/api/tokens', '/api/device-credentials', '/api/backup'])
      expect((await http(th, 'GET', url, undefined, VIEWER)).status, url).toBe(403);
  });
});

describe('brute force', () => {
  it('per user: failures from many addresses answer 429 HEARTH_RATE_LIMITED, even with the right password, and are counted', async () => {
    await th.hub.users.setUser('target', 'target-password', 'viewer');
    const attempt = (password: string, ip: string) =>
      inject(th, { method: 'POST', url: '/api/login', auth: null, payload: { username: 'target', password }, remoteAddress: ip });
    const before = th.hub.metrics.value('hearth_http_login_failures_total', { reason: 'bad_credentials' });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await attempt(`wrong-${i}`, `192.0.2.${i + 1}`)).status);
    expect(codes).toEqual([401, 401, 401, 401, 429]);
    const limited = await attempt('target-password', '192.0.2.99');
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({
      code: 'HEARTH_RATE_LIMITED',
      message: expect.stringMatching(/^Too many attempts; try again in \d+ s$/),
    });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(th.hub.metrics.value('hearth_http_login_failures_total', { reason: 'bad_credentials' }) - before).toBe(4);
    expect(th.hub.metrics.value('hearth_http_login_failures_total', { reason: 'rate_limited' })).toBeGreaterThanOrEqual(2);
    expect(th.logs.some((l) => l.includes('failed login for "target" from 192.0.2.1'))).toBe(true);
    expect((await http(th, 'GET', '/metrics')).text).toMatch(/hearth_http_login_failures_total\{reason="bad_credentials"\} \d+/);
  });

  it('per address: one address guessing many users is limited, and HTTP Basic cannot go around it', async () => {
    const ip = '198.51.100.7';
    expect(
      (await inject(th, { method: 'GET', url: '/api/devices', auth: basic('admin', ADMIN_PASSWORD), remoteAddress: '198.51.100.9' }))
        .status,
    ).toBe(200);
    const codes: number[] = [];
    for (let i = 0; i < 5; i++)
      codes.push(
        (
          await inject(th, {
            method: 'POST',
            url: '/api/login',
            auth: null,
            payload: { username: `user${i}`, password: 'x' },
            remoteAddress: ip,
          })
        ).status,
      );
    expect(codes).toEqual([401, 401, 401, 401, 429]);
    // Basic is no way around it: a guess, even a right one for credentials that never logged in, waits.
    await th.hub.users.setUser('newcomer', 'newcomer-password', 'viewer');
    const viaBasic = await inject(th, {
      method: 'GET',
      url: '/api/devices',
      auth: basic('newcomer', 'newcomer-password'),
      remoteAddress: ip,
    });
    expect(viaBasic.status).toBe(429);
    expect(viaBasic.json.code).toBe('HEARTH_RATE_LIMITED');
    // Credentials that have logged in before are not held back by someone else's guessing from that address.
    expect((await inject(th, { method: 'GET', url: '/api/devices', auth: basic('admin', ADMIN_PASSWORD), remoteAddress: ip })).status).toBe(
      200,
    );
    // Other addresses are unaffected.
    expect(
      (
        await inject(th, {
          method: 'GET',
          url: '/api/devices',
          auth: basic('newcomer', 'newcomer-password'),
          remoteAddress: '198.51.100.8',
        })
      ).status,
    ).toBe(200);
  });

  it('the delay grows with each failure and ends in a temporary ban', () => {
    let now = 0;
    const limiter = new LoginLimiter({ now: () => now });
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      limiter.fail(['user:x']);
      waits.push(limiter.retryAfter(['user:x']));
      now += waits[i]!;
    }
    expect(waits.slice(0, 6)).toEqual([0, 0, 0, 1000, 2000, 4000]);
    expect(waits[9]).toBe(15 * 60_000);
  });
});

describe('passwords', () => {
  it("changing a user's password ends that user's other sessions and login tokens", async () => {
    await th.hub.users.setUser('paula', 'paula-password', 'admin');
    const phone = await login(th, 'paula', 'paula-password');
    const laptop = await login(th, 'paula', 'paula-password');
    const res = await fetch(`${th.httpUrl}/api/users/paula/password`, {
      method: 'PUT',
      headers: { cookie: laptop.cookie, 'x-csrf-token': laptop.json.csrfToken, 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'paula-new-password' }),
    });
    expect(res.status).toBe(204);
    expect((await fetch(`${th.httpUrl}/api/session`, { headers: { cookie: phone.cookie } })).status).toBe(401);
    expect((await http(th, 'GET', '/api/session', undefined, `Bearer ${phone.json.token}`)).status).toBe(401);
    expect((await fetch(`${th.httpUrl}/api/session`, { headers: { cookie: laptop.cookie } })).status).toBe(200);
    expect((await login(th, 'paula', 'paula-password')).status).toBe(401);
    expect((await login(th, 'paula', 'paula-new-password')).status).toBe(200);
  });
});

describe('upgrading from schema 3', () => {
  it('keeps cookie sessions and user-named tokens, and removes the permanent tokens old logins minted', async () => {
    const dir = tempDir();
    const old = new BetterSqlite3(join(dir, 'hearth.db'));
    for (const m of MIGRATIONS.filter((m) => m.version <= 3)) m.up(old);
    old.pragma('user_version = 3');
    old.prepare("INSERT INTO users (name, role, password_hash, created_at) VALUES ('admin', 'admin', 'x', 0)").run();
    const hash = (s: string) => createHash('sha256').update(s).digest('base64url');
    old
      .prepare("INSERT INTO sessions (id_hash, user_name, csrf_token, created_at, expires_at) VALUES (?, 'admin', 'csrf', 0, ?)")
      .run(hash('old-cookie'), Date.now() + 60_000);
    const addToken = old.prepare("INSERT INTO api_tokens (id, name, user_name, token_hash, created_at) VALUES (?, ?, 'admin', ?, 0)");
    addToken.run('1', 'login 2026-11-20T10:11:12.345Z', hash('hth_from-login'));
    addToken.run('2', 'login for ci', hash('hth_ci'));
    old.close();
    const db = openDatabase(dir);
    const sessions = new SessionRepo(db);
    expect(sessions.session('old-cookie')?.user.name).toBe('admin');
    expect(sessions.tokenUser('hth_from-login')).toBeUndefined();
    expect(sessions.tokenUser('hth_ci')?.name).toBe('admin');
    db.close();
  });
});
