// History over HTTP: buckets on known data, auto buckets, hourly rollups from the retention job, and a month in well under a second.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

const HOUR = 3_600_000;
let th: TestHub;
beforeAll(async () => {
  th = await startTestHub();
  const c = await th.connect();
  for (const id of ['cellar', 'meter', 'attic', 'porch']) await c.publishAsync(`home/${id}/temperature`, '1', { qos: 1 });
  await waitFor(() => ['cellar', 'meter', 'attic', 'porch'].every((id) => th.hub.registry.has(id)), 'devices');
  th.hub.writes.flush();
  // The registry's own readings land at "now"; the tests use only their known rows.
  th.hub.db.prepare('DELETE FROM history').run();
});
afterAll(async () => {
  await th.stop(true);
});

const append = (device: string, rows: Array<[number, number]>) => {
  for (const [ts, v] of rows) th.hub.history.append(device, 'temperature', v, ts);
  th.hub.writes.flush();
};
const get = (device: string, query: string) => http(th, 'GET', `/api/devices/${device}/history/temperature?${query}`);

describe('history buckets', () => {
  it('gives min/max/avg/count per bucket on known readings, from ISO or epoch ms', async () => {
    const t0 = Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR;
    // Bucket 1 (first 10 min): 10, 20, 30. Bucket 2: 5. Bucket 3: none. Bucket 4: -2, 4.
    append('cellar', [
      [t0, 10],
      [t0 + 60_000, 20],
      [t0 + 599_999, 30],
      [t0 + 600_000, 5],
      [t0 + 1_800_000, -2],
      [t0 + 2_000_000, 4],
    ]);
    const res = await get('cellar', `from=${new Date(t0).toISOString()}&to=${t0 + HOUR}&bucket=600`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      deviceId: 'cellar',
      property: 'temperature',
      from: new Date(t0).toISOString(),
      to: new Date(t0 + HOUR).toISOString(),
      bucketSeconds: 600,
      points: [
        { ts: t0, min: 10, max: 30, avg: 20, count: 3 },
        { ts: t0 + 600_000, min: 5, max: 5, avg: 5, count: 1 },
        { ts: t0 + 1_800_000, min: -2, max: 4, avg: 1, count: 2 },
      ],
    });
    const narrow = await get('cellar', `from=${t0 + 60_000}&to=${t0 + 600_000}&bucket=60`);
    expect(narrow.json.points.map((p: any) => p.count)).toEqual([1, 1, 1]);
  });

  it('bucket=auto answers about 200 points', async () => {
    const to = Date.now();
    const from = to - 7 * 24 * HOUR;
    const rows: Array<[number, number]> = [];
    for (let ts = from; ts < to; ts += 60_000) rows.push([ts, (ts / 60_000) % 50]);
    append('attic', rows);
    const res = await get('attic', `from=${from}&to=${to}&bucket=auto`);
    expect(res.json.bucketSeconds).toBe(Math.ceil((7 * 24 * 3600) / 200));
    expect(res.json.points.length).toBeGreaterThanOrEqual(195);
    expect(res.json.points.length).toBeLessThanOrEqual(202);
    expect(res.json.points.reduce((n: number, p: any) => n + p.count, 0)).toBe(rows.length);
  });

  it('rejects bad parameters naming the field; unknown device or property 404', async () => {
    expect((await get('cellar', 'bucket=often')).json).toEqual({
      code: 'HEARTH_VALIDATION',
      message: 'querystring.bucket must be a number of seconds or "auto", got "often"',
      field: 'querystring.bucket',
    });
    expect((await get('cellar', 'from=yesterday')).json).toMatchObject({
      field: 'querystring.from',
      message: 'querystring.from must be an ISO time or epoch milliseconds, got "yesterday"',
    });
    expect((await get('cellar', 'from=2000&to=1000')).json.field).toBe('querystring.from');
    expect((await get('cellar', `from=0&to=${Date.now()}&bucket=1`)).json.field).toBe('querystring.bucket');
    expect((await http(th, 'GET', '/api/devices/nowhere/history/temperature')).json.code).toBe('HEARTH_DEVICE_NOT_FOUND');
    expect((await http(th, 'GET', '/api/devices/cellar/history/pressure')).json).toEqual({
      code: 'HEARTH_NOT_FOUND',
      message: 'Device "cellar" has no history for "pressure"',
    });
    expect((await http(th, 'GET', '/api/devices/cellar/history/temperature', undefined, null)).status).toBe(401);
  });
});

describe('retention', () => {
  it('the retention job moves old raw readings into hourly rollups, and queries over that range still answer', async () => {
    const base = Math.floor(Date.now() / (2 * HOUR)) * 2 * HOUR - 40 * 24 * HOUR; // aligned to the 2-hour bucket below
    append('porch', [
      [base, 1],
      [base + 60_000, 2],
      [base + 120_000, 3],
      [base + HOUR, 10],
      [base + HOUR + 60_000, 20],
      [base + HOUR + 120_000, 30],
    ]);
    const before = (await get('porch', `from=${base}&to=${base + 2 * HOUR - 1}&bucket=3600`)).json.points;
    expect(th.hub.history.applyRetention(Date.now(), 30, [])).toBe(6);
    expect(th.hub.db.prepare('SELECT count(*) AS n FROM history WHERE ts < ?').get(base + 2 * HOUR)).toEqual({ n: 0 });
    const rollups = th.hub.db.prepare('SELECT hour, min, max, sum, count FROM history_hourly ORDER BY hour').all();
    expect(rollups).toEqual([
      { hour: base, min: 1, max: 3, sum: 6, count: 3 },
      { hour: base + HOUR, min: 10, max: 30, sum: 60, count: 3 },
    ]);
    const after = (await get('porch', `from=${base}&to=${base + 2 * HOUR - 1}&bucket=3600`)).json.points;
    expect(after).toEqual([
      { ts: base, min: 1, max: 3, avg: 2, count: 3 },
      { ts: base + HOUR, min: 10, max: 30, avg: 20, count: 3 },
    ]);
    expect(after).toEqual(before);
    // Coarser buckets merge rollups; a second run finds nothing left to move.
    expect((await get('porch', `from=${base}&to=${base + 2 * HOUR - 1}&bucket=7200`)).json.points).toEqual([
      { ts: base, min: 1, max: 30, avg: 11, count: 6 },
    ]);
    expect(th.hub.history.applyRetention(Date.now(), 30, [])).toBe(0);
  });

  it('retention is configurable per property pattern, first match wins, with the default for the rest', async () => {
    const old = Date.now() - 10 * 24 * HOUR;
    append('meter', [[old, 100]]);
    append('attic', [[old, 7]]);
    const moved = th.hub.history.applyRetention(Date.now(), 30, [
      { match: 'meter/#', days: 5 },
      { match: '+/temperature', days: 365 },
    ]);
    expect(moved).toBe(1);
    const meterSeries = th.hub.db.prepare("SELECT id FROM history_series WHERE device_id = 'meter'").get() as { id: number };
    expect(th.hub.db.prepare('SELECT count(*) AS n FROM history WHERE series_id = ?').get(meterSeries.id)).toEqual({ n: 0 });
    expect(th.hub.db.prepare('SELECT count(*) AS n FROM history_hourly WHERE series_id = ?').get(meterSeries.id)).toEqual({ n: 1 });
  });

  it('deleting a device deletes its rollups too (a reused series id would otherwise inherit them)', async () => {
    expect((await http(th, 'DELETE', '/api/devices/porch')).status).toBe(204);
    th.hub.writes.flush();
    expect(
      th.hub.db
        .prepare('SELECT count(*) AS n FROM history_hourly h LEFT JOIN history_series s ON s.id = h.series_id WHERE s.id IS NULL')
        .get(),
    ).toEqual({ n: 0 });
  });
});

describe('a month of readings', () => {
  // How fast this answers is measured by `npm run bench` (history query), not here.
  it('answers a chart of 30 days of 10-second readings with every reading counted in its bucket', async () => {
    const to = Date.now();
    const from = to - 30 * 24 * HOUR;
    const insert = th.hub.db.prepare('INSERT INTO history (series_id, ts, num) VALUES (?, ?, ?)');
    th.hub.history.append('meter', 'power', 0, from - 1);
    const series = (
      th.hub.db.prepare("SELECT id FROM history_series WHERE device_id = 'meter' AND property = 'power'").get() as { id: number }
    ).id;
    th.hub.db.transaction(() => {
      for (let ts = from; ts < to; ts += 10_000) insert.run(series, ts, 1000 + Math.sin(ts / 3_600_000) * 500);
    })();
    for (const bucket of ['auto', '3600']) {
      const res = await http(th, 'GET', `/api/devices/meter/history/power?from=${from}&to=${to}&bucket=${bucket}`);
      expect(res.json.points.reduce((n: number, p: any) => n + p.count, 0)).toBe(259_200);
      expect(res.json.points.length).toBeLessThanOrEqual(721);
      expect(Math.min(...res.json.points.map((p: any) => p.min))).toBeGreaterThanOrEqual(500);
      expect(Math.max(...res.json.points.map((p: any) => p.max))).toBeLessThanOrEqual(1500);
    }
  });
});
