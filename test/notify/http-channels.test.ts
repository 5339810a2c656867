// ntfy, gotify and webhooks against a local HTTP server: what each service receives, what the trace says it answered,
// timeouts, refusals, secrets read from the environment or a file and never logged, and configuration mistakes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { buildChannels } from '../../src/notify/channels.js';
import { NotifyConfigSchema, type NotifyConfig } from '../../src/notify/config-schema.js';
import { NotificationCentre } from '../../src/notify/notification-centre.js';
import { Notifier } from '../../src/notify/notifier.js';
import { openDatabase } from '../../src/store/database.js';
import type { Notification } from '../../src/notify/types.js';
import { FakeClock } from '../../src/shared/clock.js';
import { HearthError } from '../../src/shared/errors.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { Value } from '@sinclair/typebox/value';
import { startRecorder, type Recorder } from '../helpers/http-recorder.js';
import { tempDir } from '../helpers/hub.js';

let server: Recorder;
beforeAll(async () => {
  server = await startRecorder();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.answer(() => ({ status: 200, body: { id: 'm1' } }));
});

const doorOpen: Notification = {
  title: 'Front door open',
  message: 'The front door has been open for 10 minutes',
  priority: 'high',
  tag: 'front-door',
  ruleId: 'front-door-left-open',
};

function notifierFor(channels: Record<string, object>, env: Record<string, string> = {}) {
  const config = Value.Default(NotifyConfigSchema, { channels }) as NotifyConfig;
  const logger = createMemoryLogger();
  const notifier = new Notifier({ channels: buildChannels(config, { env }), clock: new FakeClock(), logger, retryForMs: 3_600_000 });
  return { notifier, logs: logger.lines };
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HearthError);
    return ((err as HearthError).details?.problems as string[]) ?? [];
  }
  throw new Error('expected HEARTH_CONFIG_INVALID');
}

describe('ntfy', () => {
  it('a door alert reaches the ntfy server as JSON with its title, priority and the access token from the environment', async () => {
    server.answer(() => ({ status: 200, body: { id: 'hW3kq9', event: 'message', topic: 'hearth-alerts' } }));
    const { notifier, logs } = notifierFor(
      { phone: { type: 'ntfy', url: server.url, topic: 'hearth-alerts', tokenEnv: 'NTFY_TOKEN', tags: ['door'] } },
      { NTFY_TOKEN: 'tk_secret_access_token' },
    );
    const results = await notifier.notify(doorOpen);
    expect(results).toEqual([{ channel: 'phone', type: 'ntfy', status: 'delivered', detail: 'HTTP 200, ntfy message id hW3kq9' }]);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/');
    expect(request!.headers.authorization).toBe('Bearer tk_secret_access_token');
    expect(request!.body).toEqual({
      topic: 'hearth-alerts',
      title: 'Front door open',
      message: 'The front door has been open for 10 minutes',
      priority: 4,
      tags: ['door'],
    });
    expect(logs.join('\n')).not.toContain('tk_secret_access_token');
  });

  it('logs in with a username and a password read from a file, and maps each priority onto ntfy 2-5', async () => {
    const file = join(tempDir(), 'ntfy-password');
    writeFileSync(file, 'correct horse\n');
    const { notifier } = notifierFor({
      phone: { type: 'ntfy', url: `${server.url}/`, topic: 'home', username: 'hearth', passwordFile: file },
    });
    for (const priority of ['low', 'normal', 'high', 'urgent'] as const) await notifier.notify({ message: 'x', priority });
    expect(server.requests.map((r) => r.body.priority)).toEqual([2, 3, 4, 5]);
    expect(server.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('hearth:correct horse').toString('base64')}`);
    expect(server.requests[0]!.body.title).toBe('Hearth');
  });
});

describe('gotify', () => {
  it('a message reaches gotify with the application token and on gotify’s priority scale', async () => {
    server.answer(() => ({ status: 200, body: { id: 42, appid: 3, message: 'x', priority: 8 } }));
    const { notifier } = notifierFor(
      { family: { type: 'gotify', url: server.url, tokenEnv: 'GOTIFY_TOKEN' } },
      { GOTIFY_TOKEN: 'AbCdEf.123' },
    );
    expect(await notifier.notify(doorOpen)).toEqual([
      { channel: 'family', type: 'gotify', status: 'delivered', detail: 'HTTP 200, gotify message id 42' },
    ]);
    const [request] = server.requests;
    expect(request!.path).toBe('/message');
    expect(request!.headers['x-gotify-key']).toBe('AbCdEf.123');
    expect(request!.body).toEqual({ title: 'Front door open', message: 'The front door has been open for 10 minutes', priority: 8 });
  });
});

describe('webhook', () => {
  it('posts JSON with the notification, its tag and the rule that sent it', async () => {
    const { notifier } = notifierFor(
      { hook: { type: 'webhook', url: `${server.url}/hooks/hearth`, headers: { 'X-Home': 'main' }, tokenEnv: 'HOOK_TOKEN' } },
      { HOOK_TOKEN: 'hook-secret' },
    );
    expect((await notifier.notify(doorOpen))[0]).toMatchObject({
      status: 'delivered',
      detail: `HTTP 200 from ${new URL(server.url).host}`,
    });
    const [request] = server.requests;
    expect(request!.path).toBe('/hooks/hearth');
    expect(request!.headers['x-home']).toBe('main');
    expect(request!.headers.authorization).toBe('Bearer hook-secret');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.body).toMatchObject({
      title: 'Front door open',
      message: 'The front door has been open for 10 minutes',
      priority: 'high',
      tag: 'front-door',
      ruleId: 'front-door-left-open',
      source: 'hearth',
    });
    expect(Date.parse(request!.body.at)).toBeGreaterThan(0);
  });

  it('speaks Slack, Discord and Matrix (client API and hookshot) with their presets', async () => {
    const { notifier } = notifierFor(
      {
        slack: { type: 'webhook', url: `${server.url}/slack`, preset: 'slack' },
        discord: { type: 'webhook', url: `${server.url}/discord`, preset: 'discord' },
        matrix: {
          type: 'webhook',
          url: `${server.url}/_matrix/client/v3/rooms/!abc:example.org/send/m.room.message`,
          preset: 'matrix',
          tokenEnv: 'MATRIX_TOKEN',
        },
        hookshot: { type: 'webhook', url: `${server.url}/webhook/f00`, preset: 'matrix' },
      },
      { MATRIX_TOKEN: 'syt_matrix' },
    );
    server.answer((r) =>
      r.path.startsWith('/_matrix')
        ? { status: 200, body: { event_id: '$ev1' } }
        : r.path === '/discord'
          ? { status: 204 }
          : { status: 200 },
    );
    const results = await notifier.notify({ title: 'Leak <kitchen>', message: 'Water under the sink & @everyone', priority: 'urgent' });
    expect(results.map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(results[2]!.detail).toContain('Matrix event $ev1');
    const by = (prefix: string) => server.requests.find((r) => r.path.startsWith(prefix))!;
    expect(by('/slack').body).toEqual({ text: '*Leak &lt;kitchen&gt;*\nWater under the sink &amp; @everyone' });
    expect(by('/discord').body).toEqual({
      content: '**Leak <kitchen>**\nWater under the sink & @everyone',
      allowed_mentions: { parse: [] },
    });
    const matrix = by('/_matrix');
    expect(matrix.method).toBe('PUT');
    expect(matrix.path).toMatch(/^\/_matrix\/client\/v3\/rooms\/!abc:example\.org\/send\/m\.room\.message\/hearth-[0-9a-f-]{36}$/);
    expect(matrix.headers.authorization).toBe('Bearer syt_matrix');
    expect(matrix.body).toEqual({
      msgtype: 'm.text',
      body: 'Leak <kitchen>\nWater under the sink & @everyone',
      format: 'org.matrix.custom.html',
      formatted_body: '<b>Leak &lt;kitchen&gt;</b><br>Water under the sink &amp; @everyone',
    });
    expect(by('/webhook/f00').body).toEqual({
      text: 'Leak <kitchen>\nWater under the sink & @everyone',
      html: '<b>Leak &lt;kitchen&gt;</b><br>Water under the sink &amp; @everyone',
    });
  });

  it('a webhook that does not answer within its timeout is reported as such and kept for a retry', async () => {
    server.answer(() => 'hang');
    const { notifier } = notifierFor({ hook: { type: 'webhook', url: `${server.url}/slow`, timeoutMs: 200 } });
    const [result] = await notifier.notify(doorOpen);
    expect(result!.status).toBe('retrying');
    expect(result!.detail).toMatch(
      new RegExp(`^${new URL(server.url).host.replace(/\./g, '\\.')} did not answer within 0\\.2 s; retrying in 15 s \\(until `),
    );
    await notifier.stop();
  });

  it('a refused message (HTTP 400) is given up at once; a server error is retried; neither shows the secret URL path', async () => {
    const { notifier, logs } = notifierFor(
      { hook: { type: 'webhook', urlEnv: 'SLACK_URL', preset: 'slack' } },
      { SLACK_URL: `${server.url}/services/T000/B000/XXXXsecretXXXX` },
    );
    server.answer(() => ({ status: 400, body: 'invalid_payload' }));
    const [refused] = await notifier.notify(doorOpen);
    expect(refused).toMatchObject({ status: 'failed', detail: `HTTP 400 from ${new URL(server.url).host}: "invalid_payload"; given up` });
    server.answer(() => ({ status: 503, body: 'maintenance' }));
    const [later] = await notifier.notify(doorOpen);
    expect(later).toMatchObject({ status: 'retrying' });
    expect(later!.detail).toContain('HTTP 503');
    expect([...logs, refused!.detail, later!.detail].join('\n')).not.toContain('XXXXsecretXXXX');
    await notifier.stop();
  });

  it('a server that cannot be reached is named by its host', async () => {
    const closed = await startRecorder();
    await closed.close();
    const { notifier } = notifierFor({ hook: { type: 'webhook', url: `${closed.url}/x` } });
    const [result] = await notifier.notify(doorOpen);
    expect(result!.detail).toMatch(/^cannot reach 127\.0\.0\.1:\d+: ECONNREFUSED; retrying in 15 s/);
    await notifier.stop();
  });
});

describe('channel configuration', () => {
  it('reports every mistake at once, naming the channel and the key; a missing secret is named, never its value', () => {
    const config = Value.Default(NotifyConfigSchema, {
      channels: {
        phone: { type: 'ntfy', topic: 'bad topic!' },
        family: { type: 'gotify', url: 'http://gotify.lan' },
        hook: { type: 'webhook', preset: 'teams', url: 'http://x' },
        mail: {
          type: 'email',
          host: 'smtp.example.com',
          from: 'hearth@example.com',
          to: 'me@example.com',
          username: 'me',
          passwordEnv: 'SMTP_PASSWORD',
          tls: true,
        },
        mail2: {
          type: 'email',
          host: 'smtp.example.com',
          from: 'hearth@example.com',
          to: 'me@example.com',
          username: 'me',
          passwordEnv: 'SMTP_PASSWORD',
        },
        both: { type: 'ntfy', topic: 'x', tokenEnv: 'A', tokenFile: '/etc/hearth/ntfy' },
      },
    }) as NotifyConfig;
    expect(problemsOf(() => buildChannels(config, { env: { A: 'set' } }))).toEqual([
      'notify.channels.phone.topic must be an ntfy topic of letters, digits, - or _ (1-64), got "bad topic!"',
      "notify.channels.family: tokenEnv or tokenFile is needed (the gotify application's token)",
      'notify.channels.hook.preset must be one of "json", "slack", "discord", "matrix", got "teams"',
      'notify.channels.mail.tls is not a known option (known here: type, enabled, minPriority, maxPerMinute, host, port, security, username, passwordEnv, passwordFile, from, to, ca, timeoutMs)',
      'notify.channels.mail2.passwordEnv names SMTP_PASSWORD, which is not set in the environment',
      'notify.channels.both: give tokenEnv or tokenFile, not both',
    ]);
  });

  it("the README's channel examples make a valid configuration, all five channels", () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Getting alerts on your phone'), readme.indexOf('## API'));
    const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => m[1]!)
      .filter((b) => /^(notify:| {4}\w+:\n {6}type:)/.test(b));
    expect(blocks).toHaveLength(4);
    const file = join(tempDir(), 'hearth.yaml');
    writeFileSync(file, blocks.join(''));
    const config = loadConfig({ file, env: {} });
    const env = {
      NTFY_TOKEN: 'tk_x',
      GOTIFY_APP_TOKEN: 'g',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x',
      SMTP_PASSWORD: 'p',
    };
    expect(
      buildChannels(config.notify, { env, centre: new NotificationCentre(openDatabase(tempDir())) }).map((c) => `${c.name} ${c.type}`),
    ).toEqual(['phone ntfy', 'family gotify', 'chat webhook', 'mail email', 'dashboard dashboard']);
  });

  it('has a dashboard channel unless one of that type is configured, and honours enabled, minPriority and channel names', async () => {
    const { notifier } = notifierFor({
      phone: { type: 'ntfy', url: server.url, topic: 'a' },
      pager: { type: 'ntfy', url: server.url, topic: 'b', minPriority: 'urgent' },
      old: { type: 'ntfy', url: server.url, topic: 'c', enabled: false },
    });
    expect(notifier.channelNames).toEqual(['phone', 'pager', 'old']); // no database here, so no dashboard channel
    const results = await notifier.notify({ message: 'Washing machine done', priority: 'normal' });
    expect(results.map((r) => [r.channel, r.status])).toEqual([
      ['phone', 'delivered'],
      ['pager', 'skipped'],
    ]);
    expect(results[1]!.detail).toBe("priority normal is below the channel's minPriority urgent");
    const named = await notifier.notify({ message: 'x', priority: 'urgent' }, ['old', 'pager', 'nope']);
    expect(named.map((r) => [r.channel, r.status, r.detail])).toEqual([
      ['old', 'disabled', 'the channel is disabled (enabled: false)'],
      ['pager', 'delivered', 'HTTP 200, ntfy message id m1'],
      ['nope', 'unknown', 'no channel named "nope" (configured: phone, pager, old)'],
    ]);
  });
});
