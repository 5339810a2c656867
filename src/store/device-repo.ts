// Devices, their latest properties and their history in SQLite. Writes are prepared here and run by the write queue.
import type { Database, Statement } from 'better-sqlite3';

export interface PropertyRecord {
  value: unknown;
  ts: number;
}

export interface DeviceRecord {
  id: string;
  name: string | null;
  room: string | null;
  description: string | null;
  /** null until the device publishes `home/<id>/status`. */
  online: boolean | null;
  lastSeen: number | null;
  onlineChangedAt: number | null;
  createdAt: number;
  /** Simulated by demo mode: removed when the hub starts without --demo. */
  demo: boolean;
  properties: Map<string, PropertyRecord>;
}

export interface HistoryPoint {
  ts: number;
  value: unknown;
}

export interface HistoryBucket {
  ts: number;
  min: number | null;
  max: number | null;
  avg: number | null;
  count: number;
}

export class DeviceRepo {
  readonly #db: Database;
  readonly #seriesIds = new Map<string, number>();
  readonly #stmts: Record<string, Statement>;

  constructor(db: Database) {
    this.#db = db;
    this.#stmts = {
      upsertDevice: db.prepare(
        `INSERT INTO devices (id, online, last_seen, online_changed_at, created_at, demo) VALUES (@id, @online, @lastSeen, @onlineChangedAt, @createdAt, @demo)
         ON CONFLICT(id) DO UPDATE SET online = excluded.online, last_seen = excluded.last_seen, online_changed_at = excluded.online_changed_at,
           demo = excluded.demo`,
      ),
      upsertProperty: db.prepare(
        `INSERT INTO device_properties (device_id, property, value, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(device_id, property) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      ),
      insertSeries: db.prepare('INSERT INTO history_series (device_id, property) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      selectSeries: db.prepare('SELECT id FROM history_series WHERE device_id = ? AND property = ?'),
      insertHistory: db.prepare('INSERT INTO history (series_id, ts, num, value) VALUES (?, ?, ?, ?)'),
      updateMeta: db.prepare('UPDATE devices SET name = ?, room = ?, description = ? WHERE id = ?'),
    };
  }

  loadAll(): DeviceRecord[] {
    const devices = new Map<string, DeviceRecord>();
    for (const r of this.#db.prepare('SELECT * FROM devices').all() as any[]) {
      devices.set(r.id, {
        id: r.id,
        name: r.name,
        room: r.room,
        description: r.description,
        online: r.online === null ? null : r.online === 1,
        lastSeen: r.last_seen,
        onlineChangedAt: r.online_changed_at,
        createdAt: r.created_at,
        demo: r.demo === 1,
        properties: new Map(),
      });
    }
    for (const r of this.#db.prepare('SELECT device_id, property, value, updated_at FROM device_properties').all() as any[]) {
      devices.get(r.device_id)?.properties.set(r.property, { value: JSON.parse(r.value), ts: r.updated_at });
    }
    return [...devices.values()];
  }

  /** Upserts the device row (online state and last seen); meta fields are kept. */
  saveDevice(d: DeviceRecord): void {
    this.#stmts.upsertDevice!.run({ id: d.id, online: d.online === null ? null : d.online ? 1 : 0, lastSeen: d.lastSeen, onlineChangedAt: d.onlineChangedAt, createdAt: d.createdAt, demo: d.demo ? 1 : 0 });
  }

  saveMeta(d: DeviceRecord): void {
    this.#stmts.updateMeta!.run(d.name, d.room, d.description, d.id);
  }

  saveProperty(deviceId: string, property: string, value: unknown, ts: number): void {
    this.#stmts.upsertProperty!.run(deviceId, property, JSON.stringify(value), ts);
  }

  appendHistory(deviceId: string, property: string, value: unknown, ts: number): void {
    const num = typeof value === 'number' ? value : typeof value === 'boolean' ? (value ? 1 : 0) : null;
    this.#stmts.insertHistory!.run(this.#seriesId(deviceId, property), ts, num, num === null || typeof value === 'boolean' ? JSON.stringify(value) : null);
  }

  /**
   * Properties with numeric readings whose latest value is not a number (a device that sent "hot" last), so the
   * registry still knows them as numeric after a restart. Only the newest 100 raw readings are looked at, and the
   * hourly rollups (which hold numbers only), so a long text-only history costs no scan.
   */
  numericProperties(): Array<{ deviceId: string; property: string }> {
    return this.#db
      .prepare(
        `SELECT p.device_id AS deviceId, p.property FROM device_properties p
         JOIN history_series s ON s.device_id = p.device_id AND s.property = p.property
         WHERE json_type(p.value) NOT IN ('integer', 'real', 'true', 'false')
           AND (EXISTS (SELECT 1 FROM (SELECT num, value FROM history WHERE series_id = s.id ORDER BY ts DESC LIMIT 100) WHERE num IS NOT NULL AND value IS NULL)
                OR EXISTS (SELECT 1 FROM history_hourly WHERE series_id = s.id))`,
      )
      .all() as Array<{ deviceId: string; property: string }>;
  }

  deleteDevice(deviceId: string): void {
    this.#db.prepare('DELETE FROM history WHERE series_id IN (SELECT id FROM history_series WHERE device_id = ?)').run(deviceId);
    // Rollups too: series ids are reused after a delete, so orphaned rollups would show up in another device's charts.
    this.#db.prepare('DELETE FROM history_hourly WHERE series_id IN (SELECT id FROM history_series WHERE device_id = ?)').run(deviceId);
    this.#db.prepare('DELETE FROM history_series WHERE device_id = ?').run(deviceId);
    this.#db.prepare('DELETE FROM devices WHERE id = ?').run(deviceId);
    for (const key of [...this.#seriesIds.keys()]) if (key.startsWith(`${deviceId}\0`)) this.#seriesIds.delete(key);
  }

  /** Raw readings of one property between two times, oldest first. */
  history(deviceId: string, property: string, from: number, to: number, limit = 10_000): HistoryPoint[] {
    const series = this.#findSeries(deviceId, property);
    if (series === undefined) return [];
    const rows = this.#db
      .prepare('SELECT ts, num, value FROM history WHERE series_id = ? AND ts >= ? AND ts <= ? ORDER BY ts LIMIT ?')
      .all(series, from, to, limit) as Array<{ ts: number; num: number | null; value: string | null }>;
    return rows.map((r) => ({ ts: r.ts, value: r.value !== null ? JSON.parse(r.value) : r.num }));
  }

  /** min/max/avg/count of numeric readings per bucket of `bucketMs`, using the (series, ts) index. */
  historyBuckets(deviceId: string, property: string, from: number, to: number, bucketMs: number): HistoryBucket[] {
    const series = this.#findSeries(deviceId, property);
    if (series === undefined) return [];
    return this.#db
      .prepare(
        `SELECT (ts - (ts % @bucket)) AS ts, min(num) AS min, max(num) AS max, avg(num) AS avg, count(*) AS count
         FROM history WHERE series_id = @series AND ts >= @from AND ts <= @to GROUP BY 1 ORDER BY 1`,
      )
      .all({ bucket: bucketMs, series, from, to }) as HistoryBucket[];
  }

  historyRowCount(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM history').get() as { n: number }).n;
  }

  #findSeries(deviceId: string, property: string): number | undefined {
    const key = `${deviceId}\0${property}`;
    const cached = this.#seriesIds.get(key);
    if (cached !== undefined) return cached;
    const row = this.#stmts.selectSeries!.get(deviceId, property) as { id: number } | undefined;
    if (row) this.#seriesIds.set(key, row.id);
    return row?.id;
  }

  #seriesId(deviceId: string, property: string): number {
    const found = this.#findSeries(deviceId, property);
    if (found !== undefined) return found;
    this.#stmts.insertSeries!.run(deviceId, property);
    return this.#findSeries(deviceId, property)!;
  }
}
