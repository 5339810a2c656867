// The data dir's disk full or read-only: the hub says so (log, /healthz, metric), keeps routing messages, keeps
// what it could not write in memory, and recovers by itself when the disk takes writes again.
//
// The trouble is produced inside SQLite rather than by filling a real file system (which needs a mount that CI
// containers do not allow): `max_page_count` makes every write that needs a new page fail with SQLITE_FULL, the
// error a full disk gives, and `query_only` makes every write fail with SQLITE_READONLY, as a read-only remount does.
import type { Database } from 'better-sqlite3';
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { http, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

let th: TestHub | undefined;
afterEach(async () => {
  await th?.stop(true);
  th = undefined;
});

const historyCount = (db: Database, device: string, property: string) =>
  (
    db
      .prepare('SELECT count(*) AS n FROM history h JOIN history_series s ON s.id = h.series_id WHERE s.device_id = ? AND s.property = ?')
      .get(device, property) as { n: number }
  ).n;

async function health(t: TestHub) {
  const res = await http(t, 'GET', '/healthz', undefined, null);
  return { code: res.status, body: res.json as { status: string; problems?: Array<{ component: string; message: string }> } };
}

const cases = [
  {
    name: 'full',
    words: 'the disk is full (SQLITE_FULL)',
    fail: (db: Database) => db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true })}`),
    heal: (db: Database) => db.pragma('max_page_count = 1073741823'),
  },
  {
    name: 'read-only',
    words: 'the data dir is read-only (SQLITE_READONLY)',
    fail: (db: Database) => db.pragma('query_only = ON'),
    heal: (db: Database) => db.pragma('query_only = OFF'),
  },
];

describe.each(cases)('the disk $name', ({ name, words, fail, heal }) => {
  it('is reported, messages keep flowing, nothing written meanwhile is lost, and the hub recovers by itself', {
    timeout: 60_000,
  }, async () => {
    th = await startTestHub({ overrides: { 'log.level': 'info' } });
    const watcher = await th.connect({ clientId: 'watcher' });
    const seen: string[] = [];
    watcher.on('message', (topic, payload) => topic === 'home/meter/power' && seen.push(payload.toString()));
    await watcher.subscribeAsync('home/meter/power', { qos: 1 });
    const meter = await th.connect({ clientId: 'meter' });
    await meter.publishAsync('home/meter/power', '0', { qos: 1 });
    await waitFor(() => th!.hub.registry.has('meter'), 'the meter registered');
    expect((await health(th)).body.status).toBe('ok');

    for (const db of [th.hub.db, th.hub.persistence.database]) fail(db);
    // Readings with long labels so that the history needs new pages; retained messages on new topics.
    const N = 400;
    for (let i = 1; i <= N; i++) {
      await meter.publishAsync('home/meter/power', String(i), { qos: 1 });
      await meter.publishAsync(`home/meter/label${i}`, 'x'.repeat(200), { qos: 1, retain: true });
    }
    await waitFor(() => seen.length === N + 1, `the watcher to get all ${N + 1} readings (got ${seen.length})`, 15_000);
    expect(th.hub.registry.get('meter').properties.power!.value).toBe(N);

    // The broker's journal may find room in a half-empty page now and then (a full disk does that too) and report
    // itself well again until its next failing commit: wait for a moment when /healthz and the metric, read in the
    // same turn, both show the two problems.
    const trouble = await waitFor(async () => {
      const h = await health(th!);
      const gauge = th!.hub.metrics.value('hearth_health_problems');
      const both = h.body.problems?.some((p) => p.component === 'database') && h.body.problems.some((p) => p.component === 'broker');
      return h.body.status === 'degraded' && both && gauge >= 2 ? h : undefined;
    }, 'healthz and hearth_health_problems to say degraded for the database and the broker');
    expect(trouble.code).toBe(200);
    expect(trouble.body.problems!.find((p) => p.component === 'database')!.message).toContain(words);
    expect(th.logs.some((l) => l.includes('ERROR') && l.includes('database degraded') && l.includes(words))).toBe(true);
    // The failed batches wait in memory: nothing of the meter's readings is dropped.
    expect(th.hub.writes.dropped).toBe(0);
    // A change through the API that cannot be saved says why, instead of a bare 500.
    // (Only when read-only: a full disk may still have room for one small row in a half-empty page.)
    if (name === 'read-only') {
      const token = await http(th, 'POST', '/api/tokens', { name: 'script' });
      expect(token.status).toBe(503);
      expect(token.json).toMatchObject({ code: 'HEARTH_STORAGE_UNAVAILABLE' });
      expect(token.json.message).toContain(words);
    }

    for (const db of [th.hub.db, th.hub.persistence.database]) heal(db);
    // The write queue retries by itself; the broker's persistence recovers on its next write.
    await meter.publishAsync('home/meter/label-after', 'back', { qos: 1, retain: true });
    await waitFor(
      async () => {
        await meter.publishAsync('home/meter/ping', String(Date.now()), { qos: 1, retain: true });
        return (await health(th!)).body.status === 'ok';
      },
      'healthz ok again',
      15_000,
    );
    expect(th.logs.some((l) => l.includes('database recovered after'))).toBe(true);
    th.hub.writes.flush();
    expect(historyCount(th.hub.db, 'meter', 'power')).toBe(N + 1);

    // After a restart the state written after the trouble is there, and both databases are sound.
    th = await th.restart();
    expect(th.hub.registry.get('meter').properties.power!.value).toBe(N);
    expect(th.hub.registry.get('meter').properties['label-after']!.value).toBe('back');
    await th.stop();
    for (const file of ['hearth.db', 'broker.db']) {
      const db = new BetterSqlite3(join(th.dataDir, file), { readonly: true });
      expect(db.pragma('integrity_check', { simple: true }), file).toBe('ok');
      db.close();
    }
  });
});
