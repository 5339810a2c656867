// User stories of history.minIntervalMs: a chatty sensor's number readings go to history about once an interval,
// the chart still ends on its last value, and nothing else is thinned: states, rules' readings, switch events.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/shared/clock.js';
import { http, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

const START = Date.UTC(2026, 11, 4, 12, 0, 0);

/** A property's latest value in the registry (every reading reaches it, sampled or not). */
const latest = (th: TestHub, device: string, property: string) =>
  th.hub.registry.has(device) ? th.hub.registry.recordOf(device).properties.get(property)?.value : undefined;

/** What history holds for a property, read from the database file on its own connection once the hub stopped. */
function storedAfterStop(dataDir: string, property: string): Array<{ ts: number; value: unknown }> {
  const db = new Database(join(dataDir, 'hearth.db'), { readonly: true });
  try {
    const rows = db
      .prepare(
        'SELECT h.ts, h.num, h.value FROM history h JOIN history_series s ON s.id = h.series_id WHERE s.property = ? ORDER BY h.ts, h.rowid',
      )
      .all(property) as Array<{ ts: number; num: number | null; value: string | null }>;
    return rows.map((r) => ({ ts: r.ts - START, value: r.value !== null ? JSON.parse(r.value) : r.num }));
  } finally {
    db.close();
  }
}

describe('history sampling (history.minIntervalMs)', () => {
  let th: TestHub | undefined;
  afterEach(async () => {
    await th?.stop(true);
    th = undefined;
  });

  async function sampledHub(clock: FakeClock): Promise<TestHub> {
    return startTestHub({ clock, overrides: { 'history.minIntervalMs': 1000 } });
  }

  it('keeps the first reading at once and the last one of a burst when its interval ends', async () => {
    const clock = new FakeClock(START);
    th = await sampledHub(clock);
    const sensor = await th.connect();
    const readings = (ms: number) => th!.hub.history.readingsOf('meter', 'power', START, START + ms);
    // Ten readings 100 ms apart: the first is kept at once, the others are held back as one.
    for (let i = 0; i < 10; i++) {
      if (i > 0) await clock.advance(100);
      await sensor.publishAsync('home/meter/power', String(100 + i), { qos: 1 });
      await waitFor(() => latest(th!, 'meter', 'power') === 100 + i, `reading ${i} taken`);
    }
    // Every reading reached the latest state (checked above); history has only the first so far.
    await waitFor(() => readings(10_000).length === 1, 'the first reading committed');
    expect(readings(10_000).map((p) => p.value)).toEqual([100]);
    // The interval that began with the first reading ends at 1,000 ms: its last reading (109, sent at 900 ms) is kept.
    await clock.advance(100);
    await waitFor(() => readings(10_000).length === 2, 'the burst’s last reading committed');
    expect(readings(10_000).map((p) => ({ ts: p.ts - START, value: p.value }))).toEqual([
      { ts: 0, value: 100 },
      { ts: 900, value: 109 },
    ]);
    // After a quiet interval a reading is kept at once again.
    await clock.advance(5000);
    await sensor.publishAsync('home/meter/power', '250', { qos: 1 });
    await waitFor(() => readings(20_000).length === 3, 'a reading after a quiet spell committed');
    expect(readings(20_000).at(-1)?.value).toBe(250);
  });

  it('never thins what is not a number, and a clean stop keeps what was held back', async () => {
    const clock = new FakeClock(START);
    th = await sampledHub(clock);
    const sensor = await th.connect();
    // A door that opens and closes within the interval, and a power meter sending twice in it.
    for (const [topic, payload] of [
      ['home/door/contact', 'open'],
      ['home/meter/power', '50'],
      ['home/door/contact', 'closed'],
      ['home/meter/power', '60'],
    ] as const) {
      await sensor.publishAsync(topic, payload, { qos: 1 });
      await clock.advance(10);
    }
    await waitFor(() => latest(th!, 'meter', 'power') === 60, 'the last power reading taken');
    const { dataDir } = th;
    await th.stop();
    th = undefined;
    expect(storedAfterStop(dataDir, 'contact')).toEqual([
      { ts: 0, value: 'open' },
      { ts: 20, value: 'closed' },
    ]);
    // 60 was held back (10 ms after 50): the stop kept it rather than losing the meter's latest value from history.
    expect(storedAfterStop(dataDir, 'power')).toEqual([
      { ts: 10, value: 50 },
      { ts: 30, value: 60 },
    ]);
  });

  it('a device deleted while a reading of it is held back leaves no history behind', async () => {
    const clock = new FakeClock(START);
    th = await sampledHub(clock);
    const sensor = await th.connect();
    await sensor.publishAsync('home/meter/power', '50', { qos: 1 });
    await clock.advance(10);
    await sensor.publishAsync('home/meter/power', '60', { qos: 1 });
    await waitFor(() => latest(th!, 'meter', 'power') === 60, 'the held reading taken');
    await sensor.endAsync();
    expect((await http(th, 'DELETE', '/api/devices/meter')).status).toBe(204);
    await clock.advance(2000);
    const { dataDir } = th;
    await th.stop();
    th = undefined;
    expect(storedAfterStop(dataDir, 'power')).toEqual([]);
  });

  it('history.sampling thins the properties it names and leaves the others whole', async () => {
    const clock = new FakeClock(START);
    th = await startTestHub({ clock, overrides: { 'history.sampling': [{ match: 'meter/+', minIntervalMs: 1000 }] } });
    const sensor = await th.connect();
    for (let i = 0; i < 3; i++) {
      if (i > 0) await clock.advance(100);
      await sensor.publishAsync('home/meter/power', String(50 + i), { qos: 1 });
      await sensor.publishAsync('home/kitchen/temperature', String(20 + i), { qos: 1 });
    }
    await waitFor(() => latest(th!, 'kitchen', 'temperature') === 22 && latest(th!, 'meter', 'power') === 52, 'the readings taken');
    const { dataDir } = th;
    await th.stop();
    th = undefined;
    // The meter's first reading at once and its last when the stop came; the kitchen's every one.
    expect(storedAfterStop(dataDir, 'power').map((p) => p.value)).toEqual([50, 52]);
    expect(storedAfterStop(dataDir, 'temperature').map((p) => p.value)).toEqual([20, 21, 22]);
  });

  it('is checked like every other setting', async () => {
    await expect(startTestHub({ overrides: { 'history.minIntervalMs': -1 } })).rejects.toThrow(/history.minIntervalMs/);
    await expect(startTestHub({ overrides: { 'history.sampling': [{ match: 'meter/+' }] } })).rejects.toThrow(/history.sampling/);
  });
});
