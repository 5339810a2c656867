// History: readings appended per property series, reads over raw readings and hourly rollups (charts, rule replay),
// and the retention job that turns old raw rows into rollups.
import type { Database, Statement } from 'better-sqlite3';
import { topicMatches } from '../bus/message-bus.js';

export interface HistoryPoint {
  ts: number;
  value: unknown;
}

/** min/max/avg/count of the numeric readings in one bucket of time starting at `ts`. */
export interface Bucket {
  ts: number;
  min: number | null;
  max: number | null;
  avg: number | null;
  count: number;
}

export interface RetentionRule {
  /** `device/property` with MQTT wildcards, e.g. `+/temperature` or `meter/#`. */
  match: string;
  days: number;
}

export class HistoryRepo {
  readonly #db: Database;
  // A series is one device property; rows refer to it by a small integer, cached here (device, then property: no
  // key string built for every reading) to keep appends cheap.
  readonly #seriesIds = new Map<string, Map<string, number>>();
  readonly #stmts: Record<'insertSeries' | 'selectSeries' | 'insertHistory', Statement>;

  constructor(db: Database) {
    this.#db = db;
    this.#stmts = {
      insertSeries: db.prepare('INSERT INTO history_series (device_id, property) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      selectSeries: db.prepare('SELECT id FROM history_series WHERE device_id = ? AND property = ?'),
      insertHistory: db.prepare('INSERT INTO history (series_id, ts, num, value) VALUES (?, ?, ?, ?)'),
    };
  }

  /**
   * Appends one reading. `num` is what it is charted as (see historyNumber): a number is stored as one, anything else
   * as JSON text too, so that a binary reading keeps its own value ("ON") beside its 1.
   */
  append(
    deviceId: string,
    property: string,
    value: unknown,
    ts: number,
    num: number | null = typeof value === 'number' ? value : null,
  ): void {
    const text = typeof value === 'number' && num === value ? null : JSON.stringify(value);
    this.#stmts.insertHistory.run(this.#seriesId(deviceId, property), ts, num, text);
  }

  /** Raw readings of one property between two times, oldest first. */
  readingsOf(deviceId: string, property: string, from: number, to: number, limit = 10_000): HistoryPoint[] {
    const series = this.#series(deviceId, property);
    if (series === undefined) return [];
    const rows = this.#db
      .prepare('SELECT ts, num, value FROM history WHERE series_id = ? AND ts >= ? AND ts <= ? ORDER BY ts LIMIT ?')
      .all(series, from, to, limit) as Array<{ ts: number; num: number | null; value: string | null }>;
    return rows.map((r) => ({ ts: r.ts, value: r.value !== null ? JSON.parse(r.value) : r.num }));
  }

  rowCount(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM history').get() as { n: number }).n;
  }

  /** Deletes a device's history, raw and rolled up. */
  forgetDevice(deviceId: string): void {
    this.#db.prepare('DELETE FROM history WHERE series_id IN (SELECT id FROM history_series WHERE device_id = ?)').run(deviceId);
    // Rollups too: series ids are reused after a delete, so orphaned rollups would show up in another device's charts.
    this.#db.prepare('DELETE FROM history_hourly WHERE series_id IN (SELECT id FROM history_series WHERE device_id = ?)').run(deviceId);
    this.#db.prepare('DELETE FROM history_series WHERE device_id = ?').run(deviceId);
    this.#seriesIds.delete(deviceId);
  }

  #series(deviceId: string, property: string): number | undefined {
    const ofDevice = this.#seriesIds.get(deviceId);
    const cached = ofDevice?.get(property);
    if (cached !== undefined) return cached;
    const row = this.#stmts.selectSeries.get(deviceId, property) as { id: number } | undefined;
    if (row) {
      if (ofDevice) ofDevice.set(property, row.id);
      else this.#seriesIds.set(deviceId, new Map([[property, row.id]]));
    }
    return row?.id;
  }

  #seriesId(deviceId: string, property: string): number {
    const found = this.#series(deviceId, property);
    if (found !== undefined) return found;
    this.#stmts.insertSeries.run(deviceId, property);
    return this.#series(deviceId, property)!;
  }

  /** min/max/avg/count per bucket; raw readings where they are kept, hourly rollups where they were rolled up. */
  buckets(deviceId: string, property: string, from: number, to: number, bucketMs: number): Bucket[] | undefined {
    const series = this.#series(deviceId, property);
    if (series === undefined) return undefined;
    const params = { series, from, to, bucket: bucketMs };
    // The (series_id, ts) index bounds both scans to the requested range.
    const raw = this.#db
      .prepare(`SELECT (ts - (ts % @bucket)) AS b, min(num) AS min, max(num) AS max, sum(num) AS sum, count(num) AS count
                FROM history WHERE series_id = @series AND ts >= @from AND ts <= @to AND num IS NOT NULL GROUP BY b`)
      .all(params) as Array<{ b: number; min: number; max: number; sum: number; count: number }>;
    const rolled = this.#db
      .prepare(`SELECT (hour - (hour % @bucket)) AS b, min(min) AS min, max(max) AS max, sum(sum) AS sum, sum(count) AS count
                FROM history_hourly WHERE series_id = @series AND hour >= @from AND hour <= @to GROUP BY b`)
      .all(params) as Array<{ b: number; min: number; max: number; sum: number; count: number }>;
    const merged = new Map<number, { min: number; max: number; sum: number; count: number }>();
    for (const r of [...raw, ...rolled]) {
      const m = merged.get(r.b);
      if (!m) merged.set(r.b, { min: r.min, max: r.max, sum: r.sum, count: r.count });
      else merged.set(r.b, { min: Math.min(m.min, r.min), max: Math.max(m.max, r.max), sum: m.sum + r.sum, count: m.count + r.count });
    }
    return [...merged.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([ts, m]) => ({ ts, min: m.min, max: m.max, avg: m.count ? m.sum / m.count : null, count: m.count }));
  }

  /** Every recorded series: one device property each. */
  series(): Array<{ id: number; deviceId: string; property: string }> {
    const rows = this.#db.prepare('SELECT id, device_id, property FROM history_series').all() as Array<{
      id: number;
      device_id: string;
      property: string;
    }>;
    return rows.map((r) => ({ id: r.id, deviceId: r.device_id, property: r.property }));
  }

  /** The last raw reading of a series before `time`: the value it held when a replay from `time` begins. */
  lastBefore(series: number, time: number): { ts: number; value: unknown } | undefined {
    const row = this.#db
      .prepare('SELECT ts, num, value FROM history WHERE series_id = ? AND ts < ? ORDER BY ts DESC LIMIT 1')
      .get(series, time) as RawReading | undefined;
    return row ? { ts: row.ts, value: readingValue(row) } : undefined;
  }

  /** The raw readings of these series in [from, to], oldest first, at most `limit`. */
  readings(series: number[], from: number, to: number, limit: number): Array<{ series: number; ts: number; value: unknown }> {
    if (series.length === 0) return [];
    const rows = this.#db
      .prepare(
        `SELECT series_id, ts, num, value FROM history WHERE series_id IN (${series.map(() => '?').join(',')}) AND ts >= ? AND ts <= ? ORDER BY ts LIMIT ?`,
      )
      .all(...series, from, to, limit) as Array<RawReading & { series_id: number }>;
    return rows.map((r) => ({ series: r.series_id, ts: r.ts, value: readingValue(r) }));
  }

  /**
   * Moves raw readings older than their retention into hourly rollups, all at once (tests, tools); the hub runs
   * retentionSteps() in slices instead. Returns the number of raw rows rolled up.
   */
  applyRetention(now: number, defaultDays: number, rules: RetentionRule[]): number {
    let moved = 0;
    for (const n of this.retentionSteps(now, defaultDays, rules)) moved += n;
    return moved;
  }

  /**
   * Retention in small steps, each its own transaction: a series at a time, and within a series at most about
   * RETENTION_STEP_ROWS readings (whole hours) at a time, so that a caller can let the hub answer between steps.
   * Yields the raw rows each step rolled up (0 for a series with nothing to move).
   */
  *retentionSteps(now: number, defaultDays: number, rules: RetentionRule[]): Generator<number> {
    const rollup = this.#db.prepare(`
      INSERT INTO history_hourly (series_id, hour, min, max, sum, count)
      SELECT series_id, ts - (ts % 3600000), min(num), max(num), sum(num), count(*) FROM history
      WHERE series_id = ? AND ts < ? AND num IS NOT NULL GROUP BY ts - (ts % 3600000)
      ON CONFLICT (series_id, hour) DO UPDATE SET min = min(min, excluded.min), max = max(max, excluded.max),
        sum = sum + excluded.sum, count = count + excluded.count`);
    const drop = this.#db.prepare('DELETE FROM history WHERE series_id = ? AND ts < ?');
    const oldest = this.#db.prepare('SELECT min(ts) AS ts FROM history WHERE series_id = ? AND ts < ?').pluck();
    const nth = this.#db.prepare('SELECT ts FROM history WHERE series_id = ? AND ts < ? ORDER BY ts LIMIT 1 OFFSET ?').pluck();
    const step = this.#db.transaction((series: number, end: number) => {
      rollup.run(series, end);
      return drop.run(series, end).changes;
    });
    for (const s of this.series()) {
      const rule = rules.find((r) => topicMatches(r.match, `${s.deviceId}/${s.property}`));
      const cutoff = now - (rule?.days ?? defaultDays) * 86_400_000;
      let first = oldest.get(s.id, cutoff) as number | null;
      if (first === null) yield 0;
      while (first !== null) {
        // Up to the hour of the RETENTION_STEP_ROWS-th reading, and at least the first reading's whole hour.
        const far = nth.get(s.id, cutoff, RETENTION_STEP_ROWS) as number | undefined;
        const end = far === undefined ? cutoff : Math.min(cutoff, Math.max(hourOf(far), hourOf(first) + HOUR));
        yield step(s.id, end);
        first = oldest.get(s.id, cutoff) as number | null;
      }
    }
  }
}

const HOUR = 3_600_000;
const hourOf = (ts: number) => ts - (ts % HOUR);
/** Readings one retention step rolls up at most (plus the rest of an hour): a few milliseconds of work. */
const RETENTION_STEP_ROWS = 2000;

/** A raw row keeps a number in `num` and anything else as JSON in `value`. */
interface RawReading {
  ts: number;
  num: number | null;
  value: string | null;
}

function readingValue(row: RawReading): unknown {
  return row.value !== null ? JSON.parse(row.value) : row.num;
}
