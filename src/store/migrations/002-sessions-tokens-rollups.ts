// Migration 2: browser sessions, long-lived API tokens (both stored as hashes), and hourly history rollups.
import type { Migration } from './index.js';

export const sessionsTokensRollups: Migration = {
  version: 2,
  name: 'sessions-tokens-rollups',
  up(db) {
    db.exec(`
      CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,       -- sha256 of the cookie value; the value itself is never stored
        user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
        csrf_token TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER
      );
      -- Readings older than the raw retention are kept as one row per series and hour.
      CREATE TABLE history_hourly (
        series_id INTEGER NOT NULL,
        hour INTEGER NOT NULL,          -- ms at the start of the hour (UTC)
        min REAL,
        max REAL,
        sum REAL,
        count INTEGER NOT NULL,
        PRIMARY KEY (series_id, hour)
      ) WITHOUT ROWID;
    `);
  },
};
