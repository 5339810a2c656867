// Scheduled housekeeping runs on the hub's clock: history retention 10 s after start and then every hour.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../src/shared/clock.js';
import { startTestHub, type TestHub, waitFor } from './helpers/hub.js';

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

describe('history retention in steps', () => {
  const HOUR = 3_600_000;

  it('rolls a series up a couple of thousand readings at a time, in whole hours, and loses none', async () => {
    th = await startTestHub();
    const history = th.hub.history;
    const start = Math.floor((Date.now() - 40 * DAY) / HOUR) * HOUR;
    // Ten hours of 1,000 readings, then one hour of 5,000: more than a step, which still moves that whole hour.
    const rows: Array<[number, number]> = [];
    for (let h = 0; h < 10; h++) for (let i = 0; i < 1000; i++) rows.push([start + h * HOUR + i * 3_000, h]);
    for (let i = 0; i < 5000; i++) rows.push([start + 10 * HOUR + i * 600, 10]);
    th.hub.db.transaction(() => {
      for (const [ts, v] of rows) history.append('meter', 'power', v, ts);
    })();
    const steps = [...history.retentionSteps(Date.now(), 30, [])];
    expect(steps).toEqual([2000, 2000, 2000, 2000, 2000, 5000]);
    const hourly = th.hub.db.prepare('SELECT hour, min, max, count FROM history_hourly ORDER BY hour').all();
    expect(hourly).toEqual(Array.from({ length: 11 }, (_, h) => ({ hour: start + h * HOUR, min: h, max: h, count: h < 10 ? 1000 : 5000 })));
    expect(th.hub.db.prepare('SELECT count(*) AS n FROM history').get()).toEqual({ n: 0 });
  });

  it('gives the event loop back between steps while a long run is under way, and finishes it', async () => {
    const clock = new FakeClock(new Date());
    th = await startTestHub({ clock });
    const start = Math.floor((clock.now() - 60 * DAY) / HOUR) * HOUR;
    // 60,000 readings past the 30 days: tens of steps, far more than one slice of the event loop.
    th.hub.db.transaction(() => {
      for (let i = 0; i < 60_000; i++) th!.hub.history.append(`dev${i % 20}`, 'temperature', 20 + (i % 7), start + i * 1_000);
    })();
    const raw = () => (th!.hub.db.prepare('SELECT count(*) AS n FROM history').get() as { n: number }).n;
    // The event loop's turns while the run goes on: each notes how many raw readings are left. A run done at once
    // (as before) would leave no turn between its first step and its last.
    const seen: number[] = [];
    let ticking = true;
    const tick = () => {
      seen.push(raw());
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    await clock.advance(10_000);
    await waitFor(() => raw() === 0, 'the run to finish', 20_000);
    ticking = false;
    expect(seen.filter((n) => n > 0 && n < 60_000).length).toBeGreaterThan(1);
    const rolled = th.hub.db.prepare('SELECT sum(count) AS n FROM history_hourly').get() as { n: number };
    expect(rolled.n).toBe(60_000);
  });
});
