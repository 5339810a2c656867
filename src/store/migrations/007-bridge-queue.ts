// Migration 7: the bridges' store and forward. Messages for a remote broker that is out of reach (and messages from
// it not yet handed to the local one) wait here, in order, until they are acknowledged; a restart loses none.
import type { Migration } from './index.js';

export const bridgeQueue: Migration = {
  version: 7,
  name: 'bridge-queue',
  up(db) {
    db.exec(`
      CREATE TABLE bridge_queue (
        id INTEGER PRIMARY KEY AUTOINCREMENT,   -- AUTOINCREMENT: ids never come back, so id order is arrival order
        bridge TEXT NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),
        topic TEXT NOT NULL,
        payload BLOB NOT NULL,
        qos INTEGER NOT NULL,
        retain INTEGER NOT NULL,
        queued_at INTEGER NOT NULL
      );
      CREATE INDEX bridge_queue_order ON bridge_queue (bridge, direction, id);
    `);
  },
};
