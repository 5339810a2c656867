// Hub-wide HTTP: /metrics, backup, the OpenAPI document and /docs, security headers on every response, body limit, and no secrets in logs.
import { extractTarGz } from '../../src/store/tar.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, http, startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';
import { basic, inject, login } from './support.js';

let th: TestHub;
beforeAll(async () => {
  th = await startTestHub();
  await th.hub.users.setUser('viv', 'viv-password', 'viewer');
});
afterAll(async () => {
  await th.stop(true);
});

describe('metrics', () => {
  it('serves Prometheus text with clients, messages, write queue, rules, memory and event-loop lag', async () => {
    const c = await th.connect();
    await c.publishAsync('home/porch/light', 'on', { qos: 1 });
    await waitFor(() => th.hub.registry.has('porch'), 'porch');
    const res = await http(th, 'GET', '/metrics', undefined, basic('viv', 'viv-password'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of [
      'hearth_mqtt_clients_connected',
      'hearth_mqtt_messages_in_total',
      'hearth_mqtt_messages_routed_total',
      'hearth_db_write_queue_depth',
      'hearth_rule_runs_total',
      'hearth_rule_errors_total',
      'hearth_http_login_failures_total',
      'hearth_sse_clients',
      // What an operator of a Pi wants of the process (prom-client's standard names).
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_gc_duration_seconds',
    ]) {
      expect(res.text, name).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
    expect(Number(/^hearth_mqtt_clients_connected (\d+)$/m.exec(res.text)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/^hearth_mqtt_messages_in_total (\d+)$/m.exec(res.text)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/^process_resident_memory_bytes (\d+)$/m.exec(res.text)?.[1])).toBeGreaterThan(10_000_000);
    expect((await http(th, 'GET', '/metrics', undefined, null)).status).toBe(401);
  });
});

describe('backup', () => {
  it('an admin downloads a backup archive with a consistent copy of the database; a viewer may not', async () => {
    const res = await fetch(`${th.httpUrl}/api/backup`, { headers: { authorization: th.auth } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="hearth-backup-[0-9TZ-]+\.tar\.gz"$/);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
    const dir = tempDir();
    writeFileSync(join(dir, 'backup.tar.gz'), bytes);
    expect((await extractTarGz(join(dir, 'backup.tar.gz'), join(dir, 'x'), () => true)).sort()).toEqual([
      'broker.db',
      'hearth.db',
      'manifest.json',
    ]);
    const copy = new BetterSqlite3(join(dir, 'x', 'hearth.db'), { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((copy.prepare('SELECT name FROM users ORDER BY name').all() as Array<{ name: string }>).map((u) => u.name)).toEqual([
      'admin',
      'viv',
    ]);
    copy.close();
    expect((await http(th, 'GET', '/api/backup', undefined, basic('viv', 'viv-password'))).status).toBe(403);
  });
});

describe('OpenAPI', () => {
  it('documents every route at /openapi.json with a response schema, and serves the UI at /docs', async () => {
    const doc = (await http(th, 'GET', '/openapi.json', undefined, null)).json;
    const paths = Object.keys(doc.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/login',
        '/api/logout',
        '/api/session',
        '/api/tokens',
        '/api/tokens/{id}',
        '/api/devices',
        '/api/devices/{id}',
        '/api/devices/{id}/history/{property}',
        '/api/devices/{id}/{property}/set',
        '/api/users',
        '/api/users/{name}/password',
        '/api/users/{name}',
        '/api/device-credentials',
        '/api/device-credentials/{username}',
        '/api/events',
        '/api/backup',
        '/metrics',
        '/healthz',
        '/api/rules',
        '/api/notifications',
        '/api/notifications/read',
        '/api/notifications/channels',
        '/api/notifications/test',
        '/api/rules/{id}',
        '/api/rules/{id}/traces',
        '/api/rules/{id}/run',
        '/api/rules/validate',
        '/api/rule-files/{file}',
        '/api/webhooks/{id}',
      ]),
    );
    for (const path of paths) {
      for (const [method, op] of Object.entries<any>(doc.paths[path])) {
        // The answer it gives on success is described (and serialized) by a schema, not only its errors.
        expect(
          Object.keys(op.responses ?? {}).filter((code) => /^2/.test(code)),
          `${method} ${path} has a success response`,
        ).not.toEqual([]);
        expect(op.summary, `${method} ${path} has a summary`).toBeTruthy();
      }
    }
    expect(doc.paths['/api/devices/{id}'].patch.requestBody.content['application/json'].schema.properties).toHaveProperty('room');
    expect(doc.components.securitySchemes).toHaveProperty('bearer');
    const ui = await http(th, 'GET', '/docs', undefined, null);
    expect(ui.status).toBeLessThan(400);
    const page = await http(th, 'GET', '/docs/', undefined, null);
    expect(page.text).toContain('swagger-ui');
    // The CSP forbids inline scripts: the UI must load only files.
    expect(page.text).not.toMatch(/<script>(?!\s*<\/script>)/);
  });
});

describe('HTTP security', () => {
  const expectHeaders = (headers: Record<string, unknown> | Headers, what: string) => {
    const get = (k: string) => (headers instanceof Headers ? headers.get(k) : headers[k]);
    expect(get('content-security-policy'), what).toBe(
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    );
    expect(get('x-content-type-options'), what).toBe('nosniff');
    expect(get('x-frame-options'), what).toBe('DENY');
    expect(get('referrer-policy'), what).toBe('no-referrer');
  };

  it('every response carries the security headers: success, 400, 401, 403, 404, 429, docs, SSE', async () => {
    expectHeaders((await http(th, 'GET', '/api/devices')).headers, '200');
    expectHeaders((await http(th, 'GET', '/healthz', undefined, null)).headers, 'healthz');
    expectHeaders((await http(th, 'GET', '/api/devices', undefined, null)).headers, '401');
    expectHeaders((await http(th, 'GET', '/api/users', undefined, basic('viv', 'viv-password'))).headers, '403');
    expectHeaders((await http(th, 'GET', '/api/nothing-here')).headers, '404');
    expectHeaders((await http(th, 'POST', '/api/login', {}, null)).headers, '400');
    expectHeaders((await http(th, 'GET', '/docs/', undefined, null)).headers, 'docs');
    expectHeaders((await inject(th, { method: 'GET', url: '/openapi.json', auth: null })).headers, 'openapi');
    const ac = new AbortController();
    const sse = await fetch(`${th.httpUrl}/api/events`, { headers: { authorization: th.auth }, signal: ac.signal });
    expectHeaders(sse.headers, 'sse');
    ac.abort();
    for (let i = 0; i < 5; i++)
      await inject(th, {
        method: 'POST',
        url: '/api/login',
        auth: null,
        payload: { username: 'x', password: 'y' },
        remoteAddress: '203.0.113.5',
      });
    const limited = await inject(th, {
      method: 'POST',
      url: '/api/login',
      auth: null,
      payload: { username: 'x', password: 'y' },
      remoteAddress: '203.0.113.5',
    });
    expect(limited.status).toBe(429);
    expectHeaders(limited.headers, '429');
  });

  it('unknown routes answer 404 with a code; bodies over 256 KiB answer 413; malformed JSON 400', async () => {
    expect((await http(th, 'GET', '/api/nothing-here')).json).toEqual({
      code: 'HEARTH_NOT_FOUND',
      message: 'No route GET /api/nothing-here',
    });
    const huge = await http(th, 'PATCH', '/api/devices/porch', { description: 'x'.repeat(300 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.json).toEqual({ code: 'HEARTH_PAYLOAD_TOO_LARGE', message: 'Request body is too large' });
    const res = await fetch(`${th.httpUrl}/api/devices/porch`, {
      method: 'PATCH',
      headers: { authorization: th.auth, 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).code).toBe('HEARTH_VALIDATION');
  });

  it('never logs a password, token, cookie or CSRF token', async () => {
    const session = await login(th);
    await login(th, 'admin', 'a-wrong-password-guess');
    const apiToken = (await http(th, 'POST', '/api/tokens', { name: 'ci' })).json.token;
    await http(th, 'GET', '/api/devices', undefined, `Bearer ${apiToken}`);
    await http(th, 'GET', '/api/devices', undefined, 'Bearer hth_wrong-token-value');
    await http(th, 'POST', '/api/users', { name: 'temp', password: 'temp-password-123', role: 'viewer' });
    await http(th, 'PUT', '/api/users/temp/password', { password: 'temp-password-456' });
    const cred = (await http(th, 'POST', '/api/device-credentials', { deviceId: 'shed' })).json;
    await fetch(`${th.httpUrl}/api/logout`, {
      method: 'POST',
      headers: { cookie: session.cookie, 'x-csrf-token': session.json.csrfToken },
    });
    const all = th.logs.join('\n');
    expect(all).toContain('failed login for "admin"'); // the log does record what happened…
    for (const secret of [
      ADMIN_PASSWORD,
      'a-wrong-password-guess',
      session.json.token,
      session.json.csrfToken,
      session.cookie.split('=')[1]!,
      apiToken,
      'hth_wrong-token-value',
      'temp-password-123',
      'temp-password-456',
      cred.password,
      'viv-password',
    ]) {
      expect(all.includes(secret), `log contains a secret (${secret.slice(0, 4)}…)`).toBe(false);
    }
    // …and the database holds only hashes of session ids.
    const files = ['hearth.db', 'hearth.db-wal'].map((f) => join(th.dataDir, f)).filter((f) => existsSync(f));
    for (const f of files) expect(readFileSync(f).includes(Buffer.from(session.cookie.split('=')[1]!)), f).toBe(false);
    expect(files.length).toBeGreaterThan(0);
  });
});
