// User stories of history.historyFlushIntervalMs: fewer SD-card writes by committing history less often, while
// the latest states stay as durable as before and a clean stop loses nothing.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { http, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

const savedTemperature = (th: TestHub) =>
  th.hub.devices
    .loadAll()
    .find((d) => d.id === 'kitchen')
    ?.properties.get('temperature')?.value;
const historyRows = (th: TestHub) => th.hub.history.readingsOf('kitchen', 'temperature', 0, Date.now() + 1000).length;

describe('history committed apart from the states', () => {
  let th: TestHub | undefined;
  afterEach(async () => {
    await th?.stop(true);
    th = undefined;
  });

  it('by default a reading is committed to history together with its state', async () => {
    th = await startTestHub();
    const sensor = await th.connect();
    await sensor.publishAsync('home/kitchen/temperature', '21.5', { qos: 1 });
    await waitFor(() => savedTemperature(th!) === 21.5, 'the state saved');
    await waitFor(() => historyRows(th!) === 1, 'the history row saved');
  });

  it('with a long history interval the state is saved at once, history waits, and a clean stop commits it', async () => {
    th = await startTestHub({ overrides: { 'history.historyFlushIntervalMs': 60_000 } });
    const sensor = await th.connect();
    for (const value of ['21.5', '21.6', '21.7']) await sensor.publishAsync('home/kitchen/temperature', value, { qos: 1 });
    await waitFor(() => savedTemperature(th!) === 21.7, 'the latest state saved');
    // States are committed every flushIntervalMs (20 ms here); give history ten times that to show it is held back.
    await new Promise((r) => setTimeout(r, 200));
    expect(historyRows(th)).toBe(0);

    const dataDir = th.dataDir;
    await th.stop();
    th = undefined;
    const db = new Database(join(dataDir, 'hearth.db'), { readonly: true });
    const rows = db.prepare('SELECT num FROM history ORDER BY ts, rowid').all() as Array<{ num: number }>;
    db.close();
    expect(rows.map((r) => r.num)).toEqual([21.5, 21.6, 21.7]);
  });

  it('a device deleted while its history waits leaves no history behind', async () => {
    th = await startTestHub({ overrides: { 'history.historyFlushIntervalMs': 60_000 } });
    const sensor = await th.connect();
    await sensor.publishAsync('home/kitchen/temperature', '21.5', { qos: 1 });
    await waitFor(() => savedTemperature(th!) === 21.5, 'the state saved');
    expect((await http(th, 'DELETE', '/api/devices/kitchen')).status).toBe(204);
    const dataDir = th.dataDir;
    await th.stop();
    th = undefined;
    const db = new Database(join(dataDir, 'hearth.db'), { readonly: true });
    const left = db
      .prepare("SELECT (SELECT count(*) FROM history) AS rows, (SELECT count(*) FROM history_series WHERE device_id = 'kitchen') AS series")
      .get();
    db.close();
    expect(left).toEqual({ rows: 0, series: 0 });
  });

  it('the setting is checked like every other', async () => {
    await expect(startTestHub({ overrides: { 'history.historyFlushIntervalMs': 7_200_000 } })).rejects.toThrow(
      /history.historyFlushIntervalMs/,
    );
  });
});
