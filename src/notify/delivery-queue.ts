// Notifications not yet delivered, one row per channel, in SQLite: written before the first attempt and deleted
// after the send succeeds (or is given up), so a crash or a restart loses none. Writes are immediate, not batched.
import type { Database } from 'better-sqlite3';
import { describeStorageTrouble, isStorageTrouble } from '../shared/health.js';
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
  readonly #onTrouble: ((message: string | undefined) => void) | undefined;
  #troubled = false;

  /** `onTrouble` hears when the disk refuses a write: the delivery still runs, but would not survive a restart. */
  constructor(db: Database, onTrouble?: (message: string | undefined) => void) {
    this.#db = db;
    this.#onTrouble = onTrouble;
  }

  save(d: Delivery): void {
    this.#guard(() =>
      this.#db
        .prepare('INSERT OR REPLACE INTO notify_queue (id, channel, created_at, give_up_at, next_at, attempts, last_error, notification) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(d.id, d.channel, d.createdAt, d.giveUpAt, d.nextAt, d.attempts, d.lastError ?? null, JSON.stringify(d.notification)),
    );
  }

  delete(id: string): void {
    this.#guard(() => this.#db.prepare('DELETE FROM notify_queue WHERE id = ?').run(id));
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

  // A full disk must not stop an alert from going out now; it only loses the guarantee across a restart.
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
      this.#onTrouble?.(`${describeStorageTrouble(err)}; notifications are sent but a failed one would not be retried after a restart`);
    }
  }
}
