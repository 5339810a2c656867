// Helper values in SQLite. Writes are immediate, like rule timers: a helper set just before a crash keeps its value,
// and a running timer its finishing time.
import type { Database } from 'better-sqlite3';
import type { HelperStore } from '../helpers/helper-service.js';
import type { HelperState } from '../helpers/helper-values.js';
import { describeStorageTrouble, isStorageTrouble } from '../shared/health.js';

export class HelperRepo implements HelperStore {
  readonly #db: Database;
  readonly #onTrouble: ((message: string | undefined) => void) | undefined;
  #troubled = false;

  /** `onTrouble` hears when the disk refuses a write (the helper keeps its value, but would lose it at a restart). */
  constructor(db: Database, onTrouble?: (message: string | undefined) => void) {
    this.#db = db;
    this.#onTrouble = onTrouble;
  }

  load(): Map<string, HelperState> {
    const rows = this.#db.prepare('SELECT id, state FROM helper_values').all() as Array<{ id: string; state: string }>;
    return new Map(rows.map((r) => [r.id, JSON.parse(r.state) as HelperState]));
  }

  save(id: string, state: HelperState, at: number): void {
    try {
      this.#db
        .prepare(
          'INSERT INTO helper_values (id, state, updated_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at',
        )
        .run(id, JSON.stringify(state), at);
      if (this.#troubled) {
        this.#troubled = false;
        this.#onTrouble?.(undefined);
      }
    } catch (err) {
      // A full disk must not break the helper: it keeps its value in memory.
      if (!isStorageTrouble(err)) throw err;
      this.#troubled = true;
      this.#onTrouble?.(`${describeStorageTrouble(err)}; helper values change but would not survive a restart`);
    }
  }
}
