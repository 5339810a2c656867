// History benchmark: 30 days of 10-second readings for 50 properties (13 million rows), then the one-month chart
// query for one property with hourly buckets, as the dashboard asks it. Also the database size per million rows.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/store/database.js';
import { HistoryRepo } from '../src/store/history-repo.js';

export async function runHistoryBench(
  properties = 50,
): Promise<{ rows: number; insertSeconds: number; historyQueryMs: number; bytesPerMillionRows: number; points: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-history-'));
  try {
    const db = openDatabase(dir);
    const month = 30 * 86_400_000;
    const end = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const start = end - month;
    const perSeries = month / 10_000;
    const t0 = performance.now();
    for (let s = 0; s < properties; s++) {
      db.prepare('INSERT INTO history_series (device_id, property) VALUES (?, ?)').run(`sensor${s}`, 'temperature');
      // One INSERT … SELECT per series: SQLite generates the rows itself, far faster than a loop of statements.
      db.prepare(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
                  INSERT INTO history (series_id, ts, num) SELECT ?, ? + i * 10000, 20 + (i % 360) / 36.0 FROM n`).run(
        perSeries,
        s + 1,
        start,
      );
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    const insertSeconds = (performance.now() - t0) / 1000;
    const rows = (db.prepare('SELECT count(*) AS n FROM history').get() as { n: number }).n;
    const bytes = statSync(join(dir, 'hearth.db')).size;
    const history = new HistoryRepo(db);
    history.buckets('sensor7', 'temperature', start, end, 3_600_000); // warm the page cache as a running hub would have
    const q0 = performance.now();
    const points = history.buckets('sensor7', 'temperature', start, end, 3_600_000)!;
    const historyQueryMs = performance.now() - q0;
    db.close();
    return { rows, insertSeconds, historyQueryMs, bytesPerMillionRows: Math.round((bytes / rows) * 1_000_000), points: points.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('history.js')) {
  void runHistoryBench().then((r) => console.log(JSON.stringify(r, null, 2)));
}
