// The dashboard's notification centre in SQLite: newest first, an unread count, mark read; a tag replaces its
// predecessor. New ones are announced on the event bus, so an open dashboard shows them at once.
import type { Database } from 'better-sqlite3';
import type { EventBus } from '../shared/event-bus.js';
import type { ChannelBase } from './http-channels.js';
import type { Channel, Notification, Priority } from './types.js';

export interface StoredNotification {
  id: number;
  createdAt: string;
  title: string | null;
  message: string;
  priority: Priority;
  tag: string | null;
  ruleId: string | null;
  readAt: string | null;
}

interface Row {
  id: number;
  created_at: number;
  title: string | null;
  message: string;
  priority: Priority;
  tag: string | null;
  rule_id: string | null;
  read_at: number | null;
}

const toView = (r: Row): StoredNotification => ({
  id: r.id,
  createdAt: new Date(r.created_at).toISOString(),
  title: r.title,
  message: r.message,
  priority: r.priority,
  tag: r.tag,
  ruleId: r.rule_id,
  readAt: r.read_at === null ? null : new Date(r.read_at).toISOString(),
});

export class NotificationCentre {
  readonly #db: Database;
  readonly #events: EventBus | undefined;
  readonly #now: () => number;
  readonly #keep: number;

  /** Keeps the newest `keep` notifications; older ones are deleted as new ones come. */
  constructor(db: Database, options: { events?: EventBus; now?: () => number; keep?: number } = {}) {
    this.#db = db;
    this.#events = options.events;
    this.#now = options.now ?? Date.now;
    this.#keep = options.keep ?? 500;
  }

  add(n: Notification, at = this.#now()): StoredNotification {
    const db = this.#db;
    const row = db.transaction(() => {
      if (n.tag) db.prepare('DELETE FROM notifications WHERE tag = ?').run(n.tag);
      const { lastInsertRowid } = db
        .prepare('INSERT INTO notifications (created_at, title, message, priority, tag, rule_id) VALUES (?, ?, ?, ?, ?, ?)')
        .run(at, n.title ?? null, n.message, n.priority, n.tag ?? null, n.ruleId ?? null);
      db.prepare('DELETE FROM notifications WHERE id <= ?').run(Number(lastInsertRowid) - this.#keep);
      return db.prepare('SELECT * FROM notifications WHERE id = ?').get(lastInsertRowid) as Row;
    })();
    const view = toView(row);
    this.#events?.emit('notification.created', { ...view, unread: this.unread(), ts: at });
    return view;
  }

  /** Newest first; `before` (an id) pages back. */
  list(options: { limit?: number; before?: number; unread?: boolean } = {}): StoredNotification[] {
    const where = [options.before !== undefined ? 'id < @before' : '', options.unread ? 'read_at IS NULL' : ''].filter(Boolean);
    const sql = `SELECT * FROM notifications ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`;
    return (
      this.#db
        .prepare(sql)
        .all({ limit: options.limit ?? 50, ...(options.before !== undefined ? { before: options.before } : {}) }) as Row[]
    ).map(toView);
  }

  unread(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM notifications WHERE read_at IS NULL').get() as { n: number }).n;
  }

  /** Marks the given notifications (or all) read; answers how many changed and how many are still unread. */
  markRead(ids: number[] | 'all', at = this.#now()): { changed: number; unread: number } {
    const changed =
      ids === 'all'
        ? this.#db.prepare('UPDATE notifications SET read_at = ? WHERE read_at IS NULL').run(at).changes
        : this.#db.transaction(() =>
            ids.reduce(
              (sum, id) =>
                sum + this.#db.prepare('UPDATE notifications SET read_at = ? WHERE id = ? AND read_at IS NULL').run(at, id).changes,
              0,
            ),
          )();
    const unread = this.unread();
    if (changed > 0) this.#events?.emit('notification.read', { unread, ts: at });
    return { changed, unread };
  }
}

/** The dashboard channel: a notification stored in the centre is delivered; open dashboards show it live. */
export function dashboardChannel(base: ChannelBase, centre: NotificationCentre): Channel {
  return {
    ...base,
    async send(n, context) {
      const stored = centre.add(n, context.createdAt);
      return `stored as notification ${stored.id} (${centre.unread()} unread)`;
    },
  };
}
