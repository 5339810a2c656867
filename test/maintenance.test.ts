// Scheduled housekeeping runs on the hub's clock: history retention 10 s after start and then every hour.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../src/shared/clock.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

let th: TestHub | undefined;
afterEach(async () => {
  await th?.stop(true);
  th = undefined;
});

const DAY = 86_400_000;

describe('history retention', () => {
  it('rolls up readings past history.retentionDays 10 s after start, and every hour after that', async () => {
    const clock = new FakeClock(new Date(2026, 10, 20, 12, 0, 0));
    th = await startTestHub({ clock, overrides: { 'history.retentionDays': 1 } });
    const raw = () => (th!.hub.db.prepare('SELECT count(*) AS n FROM history').get() as { n: number }).n;
    const hourly = () => (th!.hub.db.prepare('SELECT count(*) AS n FROM history_hourly').get() as { n: number }).n;
    th.hub.history.append('meter', 'power', 100, clock.now() - 2 * DAY);
    await clock.advance(9_000);
    expect(raw()).toBe(1);
    await clock.advance(1_000);
    expect(raw()).toBe(0);
    expect(hourly()).toBe(1);
    // A reading that ages past the limit later is rolled up at the next hourly run.
    th.hub.history.append('meter', 'power', 200, clock.now() - DAY + 30 * 60_000);
    await clock.advance(59 * 60_000);
    expect(raw()).toBe(1);
    await clock.advance(60_000);
    expect(raw()).toBe(0);
  });
});
