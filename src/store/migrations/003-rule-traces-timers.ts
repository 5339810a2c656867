// Migration 3: rule traces (the last N per rule) and pending `for:` holds, so both survive a restart.
import type { Migration } from './index.js';

export const ruleTracesTimers: Migration = {
  version: 3,
  name: 'rule-traces-timers',
  up(db) {
    db.exec(`
      CREATE TABLE rule_traces (
        id TEXT PRIMARY KEY,
        rule_id TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        body TEXT NOT NULL              -- the whole trace as JSON
      );
      CREATE INDEX rule_traces_by_rule ON rule_traces (rule_id, started_at);
      CREATE TABLE rule_timers (
        key TEXT PRIMARY KEY,           -- rule id, trigger index and what is held (a topic or device)
        rule_id TEXT NOT NULL,
        due_at INTEGER NOT NULL,
        event TEXT NOT NULL             -- the trigger event to fire, as JSON
      );
    `);
  },
};
