// Notifications not yet delivered, one row per channel, in SQLite: written before the first attempt and deleted
// after the send succeeds (or is given up), so a crash or a restart loses none. Writes are immediate, not batched.
import type { Database } from 'better-sqlite3';
import { GuardedWrites } from '../store/guarded-writes.js';
import type { Notification } from './types.js';

export interface Delivery {
  id: string;
  channel: string;
  notification: Notification;
  createdAt: number;
  giveUpAt: number;
  nextAt: number;
  attempts: number;
  lastError?: string;
}

interface Row {
  id: string;
  channel: string;
  created_at: number;
  give_up_at: number;
  next_at: number;
  attempts: number;
  last_error: string | null;
  notification: string;
}

export class DeliveryQueue {
  readonly #db: Database;
  readonly #writes: GuardedWrites;

  /** `onTrouble` hears when the disk refuses a write: the delivery still runs, but would not survive a restart. */
  constructor(db: Database, onTrouble?: (message: string | undefined) => void) {
    this.#db = db;
    this.#writes = new GuardedWrites(onTrouble, 'notifications are sent but a failed one would not be retried after a restart');
  }

  save(d: Delivery): void {
    this.#writes.run(() =>
      this.#db
        .prepare(
          'INSERT OR REPLACE INTO notify_queue (id, channel, created_at, give_up_at, next_at, attempts, last_error, notification) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(d.id, d.channel, d.createdAt, d.giveUpAt, d.nextAt, d.attempts, d.lastError ?? null, JSON.stringify(d.notification)),
    );
  }

  delete(id: string): void {
    this.#writes.run(() => this.#db.prepare('DELETE FROM notify_queue WHERE id = ?').run(id));
  }

  load(): Delivery[] {
    return (this.#db.prepare('SELECT * FROM notify_queue ORDER BY created_at, id').all() as Row[]).map((r) => ({
      id: r.id,
      channel: r.channel,
      createdAt: r.created_at,
      giveUpAt: r.give_up_at,
      nextAt: r.next_at,
      attempts: r.attempts,
      ...(r.last_error ? { lastError: r.last_error } : {}),
      notification: JSON.parse(r.notification) as Notification,
    }));
  }
}
