// Rule traces and pending timers in SQLite. Trace writes go through the write queue (off the rule's path);
// timer writes are immediate, because a `for:` hold must be on disk before a crash can forget it.
import type { Database } from 'better-sqlite3';
import type { RuleTrace, TraceStore } from '../rules/traces.js';
import type { TimerStore, StoredTimer } from '../rules/types.js';
import { describeStorageTrouble, isStorageTrouble } from '../shared/health.js';
import type { WriteQueue } from './write-queue.js';

export class SqliteTraceStore implements TraceStore {
  readonly #db: Database;
  readonly #writes: WriteQueue;
  readonly #perRule: number;
  readonly #maxTotal: number;
  #sinceCap = 0;

  constructor(db: Database, writes: WriteQueue, perRule = 50, maxTotal = 20_000) {
    this.#db = db;
    this.#writes = writes;
    this.#perRule = perRule;
    this.#maxTotal = maxTotal;
  }

  record(trace: RuleTrace): void {
    const body = JSON.stringify(trace);
    const db = this.#db;
    this.#writes.enqueue(() => {
      db.prepare('INSERT OR REPLACE INTO rule_traces (id, rule_id, started_at, outcome, body) VALUES (?, ?, ?, ?, ?)').run(trace.id, trace.ruleId, trace.startedAt, trace.outcome, body);
      db.prepare(`DELETE FROM rule_traces WHERE rule_id = ? AND id NOT IN (SELECT id FROM rule_traces WHERE rule_id = ? ORDER BY started_at DESC LIMIT ?)`).run(trace.ruleId, trace.ruleId, this.#perRule);
    });
    // The global cap (many rules × N) is checked now and then, not on every trace.
    if (++this.#sinceCap >= 500) {
      this.#sinceCap = 0;
      this.#writes.enqueue(() => {
        db.prepare('DELETE FROM rule_traces WHERE id IN (SELECT id FROM rule_traces ORDER BY started_at DESC LIMIT -1 OFFSET ?)').run(this.#maxTotal);
      });
    }
  }

  list(ruleId: string, limit = this.#perRule): RuleTrace[] {
    this.#writes.flush();
    return (this.#db.prepare('SELECT body FROM rule_traces WHERE rule_id = ? ORDER BY started_at DESC, rowid DESC LIMIT ?').all(ruleId, limit) as Array<{ body: string }>).map((r) => JSON.parse(r.body));
  }

  clear(ruleId: string): void {
    this.#db.prepare('DELETE FROM rule_traces WHERE rule_id = ?').run(ruleId);
  }
}

export class SqliteTimerStore implements TimerStore {
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
