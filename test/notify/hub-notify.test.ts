// Notifications in a running hub: a rule's notify step traced with each channel's answer, a failed alert that
// survives a restart and goes out once the server is back, a failing channel in /healthz, the REST routes of the
// notification centre, and `hearth notify test` on the command line.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { runCli } from '../helpers/cli.js';
import { startRecorder, type Recorder } from '../helpers/http-recorder.js';
import { http, startTestHub, tempDir, waitFor, type TestHub } from '../helpers/hub.js';
import { basic, inject } from '../api/support.js';

const RULE = `
id: leak-alarm
description: Tell everyone about a leak
triggers:
  - trigger: mqtt
    topic: home/kitchen/leak
    payload: "true"
actions:
  - action: notify
    title: Water leak
    message: Water detected in the kitchen
    priority: urgent
    tag: leak
`;

let server: Recorder;
let th: TestHub | undefined;
beforeAll(async () => {
  server = await startRecorder();
});
afterAll(() => server.close());
afterEach(async () => {
  await th?.stop(true);
  th = undefined;
  server.requests.length = 0;
  delete process.env.HEARTH_TEST_NTFY_TOKEN;
});

async function hubWithPhone(clock?: FakeClock) {
  process.env.HEARTH_TEST_NTFY_TOKEN = 'tk_hub_test_token';
  const dataDir = tempDir();
  const rulesDir = join(dataDir, 'rules');
  mkdirSync(rulesDir);
  writeFileSync(join(rulesDir, 'leak.yaml'), RULE);
  th = await startTestHub({
    dataDir,
    rulesDir,
    clock,
    overrides: {
      'notify.channels': { phone: { type: 'ntfy', url: server.url, topic: 'home-alerts', tokenEnv: 'HEARTH_TEST_NTFY_TOKEN' } },
    },
  });
  return th;
}

describe('notify in a running hub', () => {
  it("a rule's notify step is traced with what each channel answered", async () => {
    server.answer(() => ({ status: 200, body: { id: 'abc123' } }));
    const hub = await hubWithPhone();
    const trace = (await http(hub, 'POST', '/api/rules/leak-alarm/run')).json;
    expect(trace.outcome).toBe('ran');
    const step = trace.actions[0];
    expect(step.step).toBe('notify');
    expect(step.result).toBe('"Water leak: Water detected in the kitchen" → 2 delivered');
    expect(step.children.map((c: any) => `${c.step}: ${c.result}`)).toEqual([
      'phone (ntfy): delivered: HTTP 200, ntfy message id abc123',
      'dashboard (dashboard): delivered: stored as notification 1 (1 unread)',
    ]);
    expect(server.requests[0]!.body).toMatchObject({ topic: 'home-alerts', title: 'Water leak', priority: 5 });
    const list = await http(hub, 'GET', '/api/notifications');
    expect(list.json).toMatchObject({
      unread: 1,
      items: [
        {
          id: 1,
          title: 'Water leak',
          message: 'Water detected in the kitchen',
          priority: 'urgent',
          tag: 'leak',
          ruleId: 'leak-alarm',
          readAt: null,
        },
      ],
    });
    expect(hub.logs.join('\n')).not.toContain('tk_hub_test_token');
  });

  it('an alert the server refused survives a restart and goes out once the server answers again', async () => {
    const clock = new FakeClock(Date.now());
    server.answer(() => ({ status: 503, body: { error: 'restarting' } }));
    let hub = await hubWithPhone(clock);
    const client = await hub.connect();
    await client.publishAsync('home/kitchen/leak', 'true', { qos: 1 });
    await waitFor(() => server.requests.length === 1, 'the first attempt');
    const trace = await waitFor(async () => (await http(hub, 'GET', '/api/rules/leak-alarm/traces')).json?.[0], 'the run trace');
    expect(trace.actions[0].children[0].result).toMatch(
      /^retrying: HTTP 503 from 127\.0\.0\.1:\d+: \{"error":"restarting"\}; retrying in 15 s/,
    );
    hub = await hub.restart();
    th = hub;
    expect((await http(hub, 'GET', '/api/notifications/channels')).json.find((c: any) => c.name === 'phone')).toMatchObject({ pending: 1 });
    server.answer(() => ({ status: 200, body: { id: 'after-restart' } }));
    await clock.advance(15_000);
    await waitFor(() => server.requests.length === 2, 'the retry after the restart');
    expect(server.requests[1]!.body).toEqual(server.requests[0]!.body);
    await waitFor(
      async () => (await http(hub, 'GET', '/api/notifications/channels')).json.find((c: any) => c.name === 'phone').pending === 0,
      'the queue to empty',
    );
    // The dashboard took it the first time: a restart does not store it twice.
    expect((await http(hub, 'GET', '/api/notifications')).json.items).toHaveLength(1);
  });

  it('a channel that keeps failing shows in /healthz until it works again', async () => {
    const clock = new FakeClock(Date.now());
    server.answer(() => ({ status: 401, body: { error: 'unauthorized' } }));
    const hub = await hubWithPhone(clock);
    await http(hub, 'POST', '/api/rules/leak-alarm/run');
    await clock.advance(15_000);
    await clock.advance(30_000);
    await waitFor(() => server.requests.length === 3, 'three attempts');
    const health = await waitFor(async () => {
      const res = await http(hub, 'GET', '/healthz', undefined, null);
      return res.json.status === 'degraded' ? res.json : undefined;
    }, 'a degraded /healthz');
    expect(health.problems).toEqual([
      {
        component: 'notify phone',
        message: expect.stringMatching(/^3 sends in a row failed; the latest: HTTP 401 from 127\.0\.0\.1:\d+: \{"error":"unauthorized"\}$/),
        since: expect.any(String),
      },
    ]);
    server.answer(() => ({ status: 200 }));
    await clock.advance(60_000);
    await waitFor(async () => (await http(hub, 'GET', '/healthz', undefined, null)).json.status === 'ok', '/healthz ok again');
  });
});

describe('the notification centre over REST', () => {
  let rest: TestHub;
  beforeAll(async () => {
    rest = await startTestHub();
    await rest.hub.users.setUser('viv', 'viv-password', 'viewer');
    for (const message of ['Washing machine done', 'Front door open', 'Back door open'])
      rest.hub.notify.centre.add({ message, priority: 'normal' });
  });
  afterAll(() => rest.stop(true));

  it('lists newest first with the unread count, pages back, and a viewer may mark read', async () => {
    const hub = rest;
    const page = await inject(hub, { method: 'GET', url: '/api/notifications?limit=2' });
    expect(page.status).toBe(200);
    expect(page.json.unread).toBe(3);
    expect(page.json.items.map((n: any) => n.message)).toEqual(['Back door open', 'Front door open']);
    const older = await inject(hub, { method: 'GET', url: `/api/notifications?before=${page.json.items[1].id}` });
    expect(older.json.items.map((n: any) => n.message)).toEqual(['Washing machine done']);
    const viewer = basic('viv', 'viv-password');
    expect(
      await inject(hub, { method: 'POST', url: '/api/notifications/read', payload: { ids: [page.json.items[0].id] }, auth: viewer }),
    ).toMatchObject({ status: 200, json: { changed: 1, unread: 2 } });
    expect((await inject(hub, { method: 'GET', url: '/api/notifications?unread=true' })).json.items.map((n: any) => n.message)).toEqual([
      'Front door open',
      'Washing machine done',
    ]);
    expect(await inject(hub, { method: 'POST', url: '/api/notifications/read', payload: { all: true } })).toMatchObject({
      status: 200,
      json: { changed: 2, unread: 0 },
    });
  });

  it('rejects bad requests naming the field, and unauthenticated ones', async () => {
    const hub = rest;
    expect(await inject(hub, { method: 'POST', url: '/api/notifications/read', payload: {} })).toMatchObject({
      status: 400,
      json: { code: 'HEARTH_VALIDATION', message: 'body.ids or body.all is required', field: 'body.ids' },
    });
    expect(await inject(hub, { method: 'POST', url: '/api/notifications/read', payload: { ids: ['x'] } })).toMatchObject({
      status: 400,
      json: { code: 'HEARTH_VALIDATION', field: 'body.ids.0' },
    });
    expect(await inject(hub, { method: 'GET', url: '/api/notifications?limit=1000' })).toMatchObject({
      status: 400,
      json: { field: 'querystring.limit' },
    });
    expect((await inject(hub, { method: 'GET', url: '/api/notifications', auth: null })).status).toBe(401);
  });

  it('shows the channels; an admin sends a test, a viewer may not, an unknown channel is a 404', async () => {
    const hub = rest;
    expect((await inject(hub, { method: 'GET', url: '/api/notifications/channels' })).json).toEqual([
      expect.objectContaining({ name: 'dashboard', type: 'dashboard', enabled: true, state: 'unused', pending: 0, sent: 0 }),
    ]);
    const test = await inject(hub, { method: 'POST', url: '/api/notifications/test', payload: { channel: 'dashboard' } });
    expect(test.status).toBe(200);
    expect(test.json.results).toEqual([
      {
        channel: 'dashboard',
        type: 'dashboard',
        status: 'delivered',
        detail: expect.stringMatching(/^stored as notification \d+ \(1 unread\)$/),
      },
    ]);
    expect(
      (await inject(hub, { method: 'POST', url: '/api/notifications/test', payload: {}, auth: basic('viv', 'viv-password') })).status,
    ).toBe(403);
    expect(await inject(hub, { method: 'POST', url: '/api/notifications/test', payload: { channel: 'pager' } })).toMatchObject({
      status: 404,
      json: { code: 'HEARTH_NOT_FOUND', message: 'No notification channel named "pager" (configured: dashboard)' },
    });
  });

  it('documents its routes in /openapi.json', async () => {
    const doc = (await inject(rest, { method: 'GET', url: '/openapi.json', auth: null })).json;
    for (const [path, method] of [
      ['/api/notifications', 'get'],
      ['/api/notifications/read', 'post'],
      ['/api/notifications/channels', 'get'],
      ['/api/notifications/test', 'post'],
    ] as const) {
      expect(doc.paths[path]?.[method]?.summary, `${method} ${path}`).toBeTruthy();
      expect(Object.keys(doc.paths[path][method].responses)).toContain('200');
    }
    expect(doc.paths['/api/notifications/read'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('ids');
  });
});

describe('hearth notify test', () => {
  it('sends a test message to every enabled channel and prints what each answered; a failing one exits 1', async () => {
    server.answer((r) =>
      r.path === '/message' ? { status: 500, body: { error: 'database locked' } } : { status: 200, body: { id: 'cli1' } },
    );
    const dir = tempDir();
    const config = join(dir, 'hearth.yaml');
    writeFileSync(
      config,
      `notify:\n  channels:\n    phone: { type: ntfy, url: "${server.url}", topic: hearth, tokenEnv: CLI_NTFY_TOKEN }\n    family: { type: gotify, url: "${server.url}", tokenFile: ${join(dir, 'gotify-token')} }\n`,
    );
    writeFileSync(join(dir, 'gotify-token'), 'gotify-app-token\n');
    const env = { HEARTH_DATA_DIR: join(dir, 'data'), CLI_NTFY_TOKEN: 'tk_cli' };
    const one = await runCli(['notify', 'test', 'phone', '--config', config], env);
    expect(one.stdout).toBe('phone (ntfy): delivered — HTTP 200, ntfy message id cli1\n1 channel(s) answered\n');
    expect(one.code).toBe(0);
    expect(server.requests.at(-1)!.body).toMatchObject({ topic: 'hearth', title: 'Hearth test' });
    const all = await runCli(['notify', 'test', '--config', config], env);
    expect(all.code).toBe(1);
    expect(all.stdout).toContain('phone (ntfy): delivered — HTTP 200, ntfy message id cli1\n');
    expect(all.stdout).toMatch(/family \(gotify\): FAILED — HTTP 500 from 127\.0\.0\.1:\d+: \{"error":"database locked"\}\n/);
    expect(all.stdout).toContain('dashboard (dashboard): delivered — stored as notification 1 (1 unread)\n');
    expect(all.stdout).toContain('1 of 3 channel(s) failed');
    expect(server.requests.find((r) => r.path === '/message')!.headers['x-gotify-key']).toBe('gotify-app-token');
    const missing = await runCli(['notify', 'test', '--config', config], { HEARTH_DATA_DIR: join(dir, 'data') });
    expect(missing.code).toBe(78);
    expect(missing.stderr).toContain('notify.channels.phone.tokenEnv names CLI_NTFY_TOKEN, which is not set in the environment');
    // `hearth start` refuses the same configuration, naming the missing variable, never a value.
    const start = await runCli(['start', '--config', config], {
      HEARTH_DATA_DIR: join(dir, 'data'),
      HEARTH_MQTT_PORT: '0',
      HEARTH_HTTP_PORT: '0',
      HEARTH_HOST: '127.0.0.1',
    });
    expect(start.code).toBe(78);
    expect(start.stderr).toContain(
      'hearth: Invalid configuration:\n  - notify.channels.phone.tokenEnv names CLI_NTFY_TOKEN, which is not set in the environment',
    );
    expect(start.stderr + start.stdout).not.toContain('gotify-app-token');
    const unknown = await runCli(['notify', 'test', 'pager', '--config', config], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no notification channel named "pager" (configured: phone, family, dashboard)');
  });
});
