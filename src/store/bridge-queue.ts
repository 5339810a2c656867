// One direction of one bridge's store and forward, in SQLite: messages wait here in arrival order until the other
// side acknowledged them, bounded by count and bytes; beyond either bound the oldest are dropped (the newest state of
// a home is worth more than the oldest), and counted.
import type { Database, Statement } from 'better-sqlite3';

export interface QueuedMessage {
  id: number;
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
}

export interface BridgeQueueLimits {
  maxMessages: number;
  maxBytes: number;
}

/** What a message costs against maxBytes: its topic and payload. */
const sizeOf = (topic: string, payload: Buffer) => Buffer.byteLength(topic) + payload.length;

/** Messages waiting in the queue, per bridge name (of every bridge, configured or not). */
export function queuedPerBridge(db: Database): Array<{ bridge: string; n: number }> {
  return db.prepare('SELECT bridge, count(*) AS n FROM bridge_queue GROUP BY bridge').all() as Array<{ bridge: string; n: number }>;
}

export class BridgeQueue {
  readonly #db: Database;
  readonly #bridge: string;
  readonly #direction: 'out' | 'in';
  readonly #limits: BridgeQueueLimits;
  readonly #insert: Statement;
  readonly #delete: Statement;
  readonly #after: Statement;
  readonly #oldest: Statement;
  #count = 0;
  #bytes = 0;
  /** Dropped since start because the queue was full. */
  dropped = 0;

  constructor(db: Database, bridge: string, direction: 'out' | 'in', limits: BridgeQueueLimits) {
    this.#db = db;
    this.#bridge = bridge;
    this.#direction = direction;
    this.#limits = limits;
    this.#insert = db.prepare(
      'INSERT INTO bridge_queue (bridge, direction, topic, payload, qos, retain, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.#delete = db.prepare('DELETE FROM bridge_queue WHERE id = ? RETURNING length(CAST(topic AS BLOB)) + length(payload) AS size');
    this.#after = db.prepare(
      'SELECT id, topic, payload, qos, retain FROM bridge_queue WHERE bridge = ? AND direction = ? AND id > ? ORDER BY id LIMIT ?',
    );
    this.#oldest = db.prepare('SELECT id FROM bridge_queue WHERE bridge = ? AND direction = ? ORDER BY id LIMIT ?');
    const row = db
      .prepare(
        'SELECT count(*) AS n, coalesce(sum(length(CAST(topic AS BLOB)) + length(payload)), 0) AS bytes FROM bridge_queue WHERE bridge = ? AND direction = ?',
      )
      .get(bridge, direction) as { n: number; bytes: number };
    this.#count = row.n;
    this.#bytes = row.bytes;
  }

  get depth(): number {
    return this.#count;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Stores messages in one transaction (durable once it returns), dropping the oldest beyond the bounds. */
  push(messages: Array<Omit<QueuedMessage, 'id'>>): void {
    if (messages.length === 0) return;
    const now = Date.now();
    this.#db.transaction(() => {
      for (const m of messages) {
        this.#insert.run(this.#bridge, this.#direction, m.topic, m.payload, m.qos, m.retain ? 1 : 0, now);
        this.#count++;
        this.#bytes += sizeOf(m.topic, m.payload);
      }
      this.#enforceLimits();
    })();
  }

  /** The next `limit` messages after id `after`, oldest first. */
  next(after: number, limit: number): QueuedMessage[] {
    const rows = this.#after.all(this.#bridge, this.#direction, after, limit) as Array<{
      id: number;
      topic: string;
      payload: Buffer;
      qos: number;
      retain: number;
    }>;
    return rows.map((r) => ({ id: r.id, topic: r.topic, payload: r.payload, qos: r.qos === 1 ? 1 : 0, retain: r.retain === 1 }));
  }

  /** Removes a message the other side acknowledged (or one dropped meanwhile: then nothing happens). */
  remove(id: number): void {
    const row = this.#delete.get(id) as { size: number } | undefined;
    if (!row) return;
    this.#count--;
    this.#bytes -= row.size;
  }

  #enforceLimits(): void {
    const { maxMessages, maxBytes } = this.#limits;
    while (this.#count > maxMessages || (this.#bytes > maxBytes && this.#count > 0)) {
      // In batches: a burst far over the bound costs a few statements, not one per message.
      const excess = Math.max(1, this.#count - maxMessages, Math.ceil(this.#count / 100));
      const ids = (this.#oldest.all(this.#bridge, this.#direction, excess) as Array<{ id: number }>).map((r) => r.id);
      for (const id of ids) {
        const before = this.#count;
        this.remove(id);
        if (this.#count < before) this.dropped++;
        if (this.#count <= maxMessages && this.#bytes <= maxBytes) break;
      }
    }
  }
}
