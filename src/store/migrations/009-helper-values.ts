// Migration 9: helper values (toggles, numbers, counters, timers, …), so a helper keeps its value across restarts.
import type { Migration } from './index.js';

export const helperValues: Migration = {
  version: 9,
  name: 'helper-values',
  up(db) {
    db.exec(`
      CREATE TABLE helper_values (
        id TEXT PRIMARY KEY,            -- the helper's id (its device is helper_<id>)
        state TEXT NOT NULL,            -- { value, timer? } as JSON
        updated_at INTEGER NOT NULL
      );
    `);
  },
};
