// Delivery that loses no alert, on a virtual clock with the real SQLite queue: retries with backoff until the channel
// answers, a failing channel in the health report, giving up as an error of the rule, a flood held back and summed
// up, and a newer notification with the same tag replacing one still waiting.
import { afterEach, describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { buildChannels } from '../../src/notify/channels.js';
import { NotifyConfigSchema, type NotifyConfig } from '../../src/notify/config-schema.js';
import { DeliveryQueue } from '../../src/notify/delivery-queue.js';
import { NotificationCentre } from '../../src/notify/notification-centre.js';
import { Notifier } from '../../src/notify/notifier.js';
import { MemoryTraceStore } from '../../src/rules/traces.js';
import { FakeClock } from '../../src/shared/clock.js';
import { EventBus, type HubEvents } from '../../src/shared/event-bus.js';
import { Health } from '../../src/shared/health.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { Metrics } from '../../src/shared/metrics.js';
import { openDatabase } from '../../src/store/database.js';
import { startRecorder, type Recorder } from '../helpers/http-recorder.js';
import { tempDir } from '../helpers/hub.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(channels: (url: string) => Record<string, object>, options: { retryForMinutes?: number; maxPerMinute?: number } = {}) {
  const server: Recorder = await startRecorder();
  const db = openDatabase(tempDir());
  const clock = new FakeClock(Date.UTC(2026, 5, 1, 8, 0, 0));
  const logger = createMemoryLogger();
  const events = new EventBus(logger);
  const seen: Array<{ type: keyof HubEvents; payload: any }> = [];
  for (const type of ['notify.failed', 'notify.suppressed', 'rule.error', 'notification.created'] as const)
    events.on(type, 'test', (payload) => seen.push({ type, payload }));
  const health = new Health(logger, events, () => clock.now());
  const traces = new MemoryTraceStore();
  const metrics = new Metrics();
  const config = Value.Default(NotifyConfigSchema, { channels: channels(server.url), ...options }) as NotifyConfig;
  const centre = new NotificationCentre(db, { events, now: () => clock.now() });
  const notifier = new Notifier({
    channels: buildChannels(config, { env: {}, centre }),
    queue: new DeliveryQueue(db),
    clock,
    logger,
    events,
    health,
    metrics,
    traces,
    retryForMs: config.retryForMinutes * 60_000,
  });
  notifier.start();
  cleanups.push(
    () => server.close(),
    () => db.close(),
    () => notifier.stop(),
  );
  return { server, db, clock, notifier, health, traces, metrics, seen, centre, logs: logger.lines };
}

const ntfy = (url: string) => ({ phone: { type: 'ntfy', url, topic: 'alerts' }, dashboard: { type: 'dashboard', enabled: false } });
const leak = { title: 'Water leak', message: 'Water under the kitchen sink', priority: 'urgent' as const, ruleId: 'leak-alarm' };

describe('delivery', () => {
  it('retries a failed send, backing off (15 s, 30 s, 1 min …), until the server answers; the channel shows as failing', async () => {
    const t = await setup(ntfy);
    t.server.answer(() => ({ status: 503, body: { error: 'maintenance' } }));
    const [first] = await t.notifier.notify(leak);
    expect(first!.status).toBe('retrying');
    expect(first!.detail).toMatch(
      /^HTTP 503 from 127\.0\.0\.1:\d+: \{"error":"maintenance"\}; retrying in 15 s \(until 2026-06-01T09:00:00\.000Z\)$/,
    );
    expect(t.db.prepare('SELECT count(*) AS n FROM notify_queue').get()).toEqual({ n: 1 });
    await t.clock.advance(14_000);
    expect(t.server.requests).toHaveLength(1);
    await t.clock.advance(1_000);
    expect(t.server.requests).toHaveLength(2);
    expect(t.health.problems).toEqual([]);
    await t.clock.advance(30_000);
    expect(t.server.requests).toHaveLength(3);
    // Three failures in a row: /healthz and the dashboard's banner say so.
    expect(t.health.problems).toEqual([
      {
        component: 'notify phone',
        message: expect.stringMatching(/^3 sends in a row failed; the latest: HTTP 503 from /),
        since: t.clock.now(),
      },
    ]);
    expect(t.notifier.status()[0]).toMatchObject({ name: 'phone', state: 'failing', pending: 1, failed: 3, sent: 0 });
    t.server.answer(() => ({ status: 200, body: { id: 'late1' } }));
    await t.clock.advance(60_000);
    expect(t.server.requests).toHaveLength(4);
    expect(t.server.requests.every((r) => r.body.message === 'Water under the kitchen sink')).toBe(true);
    expect(t.health.problems).toEqual([]);
    expect(t.notifier.status()[0]).toMatchObject({ state: 'ok', pending: 0, sent: 1 });
    expect(t.db.prepare('SELECT count(*) AS n FROM notify_queue').get()).toEqual({ n: 0 });
    expect(t.seen.filter((e) => e.type === 'notify.failed').map((e) => e.payload.gaveUp)).toEqual([false, false, false]);
  });

  it('gives up when the retry window ends: an error trace of the rule that sent it, a rule.error and a notify.failed event', async () => {
    const t = await setup(ntfy, { retryForMinutes: 5 });
    t.server.answer(() => ({ status: 502 }));
    await t.notifier.notify(leak);
    await t.clock.advance(5 * 60_000);
    // 0 s, 15 s, 45 s, 1:45, 3:45, and a last one at the end of the window.
    expect(t.server.requests).toHaveLength(6);
    await t.clock.advance(60 * 60_000);
    expect(t.server.requests).toHaveLength(6);
    expect(t.db.prepare('SELECT count(*) AS n FROM notify_queue').get()).toEqual({ n: 0 });
    const [trace] = t.traces.list('leak-alarm');
    expect(trace).toMatchObject({
      ruleId: 'leak-alarm',
      outcome: 'error',
      error: expect.stringMatching(/^HTTP 502 from /),
      trigger: { kind: 'notify' },
    });
    expect(trace!.reason).toMatch(
      /^notification "Water leak: Water under the kitchen sink" to phone given up after 6 attempts over 5 min: HTTP 502 from /,
    );
    expect(trace!.actions[0]).toMatchObject({ step: 'notify phone', result: 'given up after 6 attempt(s)' });
    expect(t.seen.find((e) => e.type === 'rule.error')!.payload).toMatchObject({ ruleId: 'leak-alarm', message: trace!.reason });
    expect(t.seen.filter((e) => e.type === 'notify.failed').at(-1)!.payload).toMatchObject({
      channel: 'phone',
      gaveUp: true,
      ruleId: 'leak-alarm',
    });
    expect(t.metrics.value('hearth_notify_given_up_total', { channel: 'phone' })).toBe(1);
    expect(t.logs.some((l) => l.includes('ERROR') && l.includes('given up after 6 attempts'))).toBe(true);
  });

  it('holds back a flood beyond the channel limit, and sends one summary with the count once the minute has room', async () => {
    const t = await setup((url) => ({ phone: { type: 'ntfy', url, topic: 'alerts', maxPerMinute: 3 } }));
    const results = [];
    for (let i = 1; i <= 8; i++) {
      results.push(
        ...(await t.notifier.notify({ title: 'Motion', message: `Motion in the garden (${i})`, priority: i === 6 ? 'high' : 'low' }, [
          'phone',
        ])),
      );
      await t.clock.advance(1_000);
    }
    expect(results.map((r) => r.status)).toEqual([
      'delivered',
      'delivered',
      'delivered',
      'suppressed',
      'suppressed',
      'suppressed',
      'suppressed',
      'suppressed',
    ]);
    expect(results[7]!.detail).toBe('held back by the rate limit of 3 a minute (5 so far; one summary follows)');
    expect(t.server.requests).toHaveLength(3);
    await t.clock.advance(60_000);
    expect(t.server.requests).toHaveLength(4);
    expect(t.server.requests[3]!.body).toMatchObject({
      title: '5 notifications held back',
      message: 'Hearth held back 5 notifications to this channel (at most 3 a minute). The latest: Motion: Motion in the garden (8)',
      priority: 4, // the highest of those held back
    });
    expect(t.seen.find((e) => e.type === 'notify.suppressed')!.payload).toMatchObject({ channel: 'phone', count: 5 });
    expect(t.notifier.status()[0]!.suppressed).toBe(5);
    // Only the channel named in the call was used: the dashboard got none of them.
    expect(t.centre.unread()).toBe(0);
  });

  it('a newer notification with the same tag replaces one still waiting for a retry', async () => {
    const t = await setup(ntfy);
    t.server.answer(() => ({ status: 503 }));
    await t.notifier.notify({ message: 'Garage door open', priority: 'normal', tag: 'garage' });
    await t.notifier.notify({ message: 'Garage door closed', priority: 'normal', tag: 'garage' });
    expect(t.db.prepare('SELECT count(*) AS n FROM notify_queue').get()).toEqual({ n: 1 });
    t.server.answer(() => ({ status: 200 }));
    await t.clock.advance(15_000);
    expect(t.server.requests.slice(2).map((r) => r.body.message)).toEqual(['Garage door closed']);
    expect(
      t.logs.some((l) => l.includes('"Garage door open" to phone was not delivered yet and is replaced by a newer one with tag "garage"')),
    ).toBe(true);
  });

  it('the dashboard channel keeps a notification centre: unread count, newest first, a tag replaces, mark read', async () => {
    const t = await setup(() => ({}));
    const [stored] = await t.notifier.notify({
      title: 'Device offline',
      message: 'plug has been offline for 2 minutes',
      priority: 'normal',
      tag: 'offline-plug',
      ruleId: 'device-offline-alert',
    });
    expect(stored).toEqual({ channel: 'dashboard', type: 'dashboard', status: 'delivered', detail: 'stored as notification 1 (1 unread)' });
    await t.notifier.notify({ message: 'Front door open', priority: 'high' });
    await t.notifier.notify({
      title: 'Device offline',
      message: 'plug has been offline for 5 minutes',
      priority: 'normal',
      tag: 'offline-plug',
    });
    expect(t.centre.list().map((n) => n.message)).toEqual(['plug has been offline for 5 minutes', 'Front door open']);
    expect(t.centre.unread()).toBe(2);
    expect(t.centre.markRead([t.centre.list()[1]!.id])).toEqual({ changed: 1, unread: 1 });
    expect(t.centre.list({ unread: true }).map((n) => n.message)).toEqual(['plug has been offline for 5 minutes']);
    expect(t.centre.markRead('all')).toEqual({ changed: 1, unread: 0 });
    expect(t.seen.filter((e) => e.type === 'notification.created').map((e) => e.payload.unread)).toEqual([1, 2, 2]);
  });
});
