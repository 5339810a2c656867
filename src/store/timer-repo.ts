// Pending rule timers in SQLite (`for:` holds, runs waiting in a delay, queued triggers). Writes are immediate, not
// queued: a hold must be on disk before a crash can forget it.
import type { Database } from 'better-sqlite3';
import type { StoredTimer, TimerStore } from '../rules/types.js';
import { describeStorageTrouble, isStorageTrouble } from '../shared/health.js';

export class TimerRepo implements TimerStore {
  readonly #db: Database;
  readonly #onTrouble: ((message: string | undefined) => void) | undefined;
  #troubled = false;

  /** `onTrouble` hears when the disk refuses a timer's write (the timer still runs, but would not survive a restart). */
  constructor(db: Database, onTrouble?: (message: string | undefined) => void) {
    this.#db = db;
    this.#onTrouble = onTrouble;
  }

  save(timer: StoredTimer): void {
    this.#guard(() => this.#db.prepare('INSERT OR REPLACE INTO rule_timers (key, rule_id, due_at, event) VALUES (?, ?, ?, ?)').run(timer.key, timer.ruleId, timer.dueAt, JSON.stringify(timer.event)));
  }

  delete(key: string): void {
    this.#guard(() => this.#db.prepare('DELETE FROM rule_timers WHERE key = ?').run(key));
  }

  // A full disk must not break the rule that runs the timer: the timer keeps running in memory.
  #guard(write: () => void): void {
    try {
      write();
      if (this.#troubled) {
        this.#troubled = false;
        this.#onTrouble?.(undefined);
      }
    } catch (err) {
      if (!isStorageTrouble(err)) throw err;
      this.#troubled = true;
      this.#onTrouble?.(`${describeStorageTrouble(err)}; pending timers run but would not survive a restart`);
    }
  }

  load(): StoredTimer[] {
    return (this.#db.prepare('SELECT key, rule_id, due_at, event FROM rule_timers').all() as any[]).map((r) => ({ key: r.key, ruleId: r.rule_id, dueAt: r.due_at, event: JSON.parse(r.event) }));
  }
}
