// Pending rule timers in SQLite (`for:` holds, runs waiting in a delay, queued triggers). Writes are immediate, not
// queued: a hold must be on disk before a crash can forget it.
import type { Database } from 'better-sqlite3';
import type { StoredTimer, TimerStore } from '../rules/types.js';
import { GuardedWrites } from './guarded-writes.js';

interface TimerRow {
  key: string;
  rule_id: string;
  due_at: number;
  event: string;
}

export class TimerRepo implements TimerStore {
  readonly #db: Database;
  readonly #writes: GuardedWrites;

  /** `onTrouble` hears when the disk refuses a timer's write (the timer still runs, but would not survive a restart). */
  constructor(db: Database, onTrouble?: (message: string | undefined) => void) {
    this.#db = db;
    this.#writes = new GuardedWrites(onTrouble, 'pending timers run but would not survive a restart');
  }

  save(timer: StoredTimer): void {
    this.#writes.run(() =>
      this.#db
        .prepare('INSERT OR REPLACE INTO rule_timers (key, rule_id, due_at, event) VALUES (?, ?, ?, ?)')
        .run(timer.key, timer.ruleId, timer.dueAt, JSON.stringify(timer.event)),
    );
  }

  delete(key: string): void {
    this.#writes.run(() => this.#db.prepare('DELETE FROM rule_timers WHERE key = ?').run(key));
  }

  load(): StoredTimer[] {
    return (this.#db.prepare('SELECT key, rule_id, due_at, event FROM rule_timers').all() as TimerRow[]).map((r) => ({
      key: r.key,
      ruleId: r.rule_id,
      dueAt: r.due_at,
      event: JSON.parse(r.event),
    }));
  }
}
