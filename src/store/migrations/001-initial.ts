// Migration 1: devices and their latest properties, history series, users and device credentials.
import type { Migration } from './index.js';

export const initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        name TEXT,
        room TEXT,
        description TEXT,
        online INTEGER,                 -- 1 online, 0 offline, NULL never announced a status
        last_seen INTEGER,
        online_changed_at INTEGER,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE device_properties (
        device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
        property TEXT NOT NULL,
        value TEXT NOT NULL,            -- JSON of the typed value
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (device_id, property)
      ) WITHOUT ROWID;
      -- A series is one device property; history rows refer to it by a small integer to keep rows short on an SD card.
      CREATE TABLE history_series (
        id INTEGER PRIMARY KEY,
        device_id TEXT NOT NULL,
        property TEXT NOT NULL,
        UNIQUE (device_id, property)
      );
      CREATE TABLE history (
        series_id INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        num REAL,                       -- numeric readings (booleans as 0/1), for charts and aggregates
        value TEXT                      -- JSON of non-numeric readings
      );
      CREATE INDEX history_by_series_ts ON history (series_id, ts);
      CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE device_credentials (
        username TEXT PRIMARY KEY,
        device_id TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `);
  },
};
