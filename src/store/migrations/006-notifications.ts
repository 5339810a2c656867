// Migration 6: the dashboard's notification centre, and the queue of notifications still to be delivered (retried
// with backoff, kept across restarts).
import type { Migration } from './index.js';

export const notifications: Migration = {
  version: 6,
  name: 'notifications',
  up(db) {
    db.exec(`
      CREATE TABLE notifications (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at INTEGER NOT NULL,
        title TEXT,
        message TEXT NOT NULL,
        priority TEXT NOT NULL,
        tag TEXT,                       -- a newer notification with the same tag replaces this one
        rule_id TEXT,
        read_at INTEGER
      );
      CREATE INDEX notifications_unread ON notifications (read_at) WHERE read_at IS NULL;
      CREATE INDEX notifications_by_tag ON notifications (tag) WHERE tag IS NOT NULL;
      CREATE TABLE notify_queue (
        id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        give_up_at INTEGER NOT NULL,
        next_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        notification TEXT NOT NULL      -- title, message, priority, tag, rule id as JSON
      );
    `);
  },
};
