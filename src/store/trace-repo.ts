// Rule traces in SQLite. Writes go through the write queue (off the rule's path); reads need no hub, so
// `hearth rules why` reads them while the hub runs or not.
import type { Database, Statement } from 'better-sqlite3';
import type { RuleTrace, TraceStore } from '../rules/traces.js';
import type { WriteQueue } from './write-queue.js';

/** The latest traces of a rule, newest first: all that reading traces needs. */
export class TraceReader {
  protected readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  latest(ruleId: string, limit: number): RuleTrace[] {
    const rows = this.db
      .prepare('SELECT body FROM rule_traces WHERE rule_id = ? ORDER BY started_at DESC, rowid DESC LIMIT ?')
      .all(ruleId, limit) as Array<{ body: string }>;
    return rows.map((r) => JSON.parse(r.body) as RuleTrace);
  }
}

/** The engine's trace store: the last `perRule` traces of each rule, and at most `maxTotal` in all. */
export class TraceRepo extends TraceReader implements TraceStore {
  readonly #writes: WriteQueue;
  readonly #perRule: number;
  readonly #maxTotal: number;
  #sinceCap = 0;
  /** Prepared once: a rule that fires records a trace every time, and compiling SQL costs more than running it. */
  readonly #insert: Statement;
  readonly #keepLatest: Statement;
  readonly #count: Statement;
  readonly #cap: Statement;

  constructor(db: Database, writes: WriteQueue, perRule = 50, maxTotal = 20_000) {
    super(db);
    this.#writes = writes;
    this.#perRule = perRule;
    this.#maxTotal = maxTotal;
    this.#insert = db.prepare('INSERT OR REPLACE INTO rule_traces (id, rule_id, started_at, outcome, body) VALUES (?, ?, ?, ?, ?)');
    // Older than the rule's perRule-th newest, in the order `latest` reads them: both walk the (rule_id, started_at)
    // index, which holds the rowid. Was `id NOT IN (the newest perRule)`, which looked up every kept row's id in the
    // table: ~50 µs a trace against ~3 (docs/performance.md).
    this.#keepLatest = db.prepare(
      'DELETE FROM rule_traces WHERE rule_id = ? AND (started_at, rowid) < ' +
        '(SELECT started_at, rowid FROM rule_traces WHERE rule_id = ? ORDER BY started_at DESC, rowid DESC LIMIT 1 OFFSET ?)',
    );
    // count(*) takes well under a millisecond; the cap sorts every trace (12-65 ms for 20,000), so it runs only when
    // there are too many, not at every check.
    this.#count = db.prepare('SELECT count(*) FROM rule_traces').pluck();
    this.#cap = db.prepare(
      'DELETE FROM rule_traces WHERE rowid IN (SELECT rowid FROM rule_traces ORDER BY started_at DESC, rowid DESC LIMIT -1 OFFSET ?)',
    );
  }

  record(trace: RuleTrace): void {
    const body = JSON.stringify(trace);
    this.#writes.enqueue(() => {
      this.#insert.run(trace.id, trace.ruleId, trace.startedAt, trace.outcome, body);
      this.#keepLatest.run(trace.ruleId, trace.ruleId, this.#perRule - 1);
    });
    // The global cap (many rules × N) is checked now and then, not on every trace.
    if (++this.#sinceCap >= 500) {
      this.#sinceCap = 0;
      this.#writes.enqueue(() => {
        if ((this.#count.get() as number) > this.#maxTotal) this.#cap.run(this.#maxTotal);
      });
    }
  }

  list(ruleId: string, limit = this.#perRule): RuleTrace[] {
    // What waits in the write queue is part of the answer.
    this.#writes.flush();
    return this.latest(ruleId, limit);
  }

  clear(ruleId: string): void {
    this.db.prepare('DELETE FROM rule_traces WHERE rule_id = ?').run(ruleId);
  }
}
