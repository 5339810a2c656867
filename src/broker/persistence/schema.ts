// Tables of the broker's persistence (a database file of its own, beside the hub's), versioned by user_version.
import type { Database } from 'better-sqlite3';

const MIGRATIONS: Array<(db: Database) => void> = [
  (db) =>
    db.exec(`
      -- The topic is the primary key (a B-tree): a filter's literal prefix becomes a range scan.
      CREATE TABLE retained (
        topic TEXT PRIMARY KEY,
        levels INTEGER NOT NULL,
        last_level TEXT NOT NULL,
        meta TEXT NOT NULL,
        payload BLOB
      ) WITHOUT ROWID;
      -- Filters such as home/+/temperature: by last level and level count.
      CREATE INDEX retained_by_last_level ON retained (last_level, levels);
      CREATE TABLE subscriptions (
        client_id TEXT NOT NULL,
        topic TEXT NOT NULL,
        qos INTEGER NOT NULL,
        rh INTEGER,
        rap INTEGER,
        nl INTEGER,
        sid INTEGER,                    -- MQTT 5 subscription identifier, when given
        PRIMARY KEY (client_id, topic)
      );
      CREATE INDEX subscriptions_by_topic ON subscriptions (topic);
      CREATE TABLE outgoing (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        client_id TEXT NOT NULL,
        broker_id TEXT,
        broker_counter INTEGER,
        message_id INTEGER,
        qos INTEGER NOT NULL,
        meta TEXT NOT NULL,
        payload BLOB
      );
      CREATE INDEX outgoing_by_client ON outgoing (client_id, id);
      -- outgoingUpdate and outgoingClearMessageId look a packet up by these, once per message: no scans.
      CREATE INDEX outgoing_by_counter ON outgoing (client_id, broker_id, broker_counter);
      CREATE INDEX outgoing_by_message_id ON outgoing (client_id, message_id);
      CREATE TABLE incoming (
        client_id TEXT NOT NULL,
        message_id INTEGER NOT NULL,
        meta TEXT NOT NULL,
        payload BLOB,
        PRIMARY KEY (client_id, message_id)
      );
      -- QoS 1 messages acknowledged to their sender but not yet fully routed (aedes sends PUBACK first):
      -- replayed at start-up so a crash in between loses nothing.
      CREATE TABLE journal (
        client_id TEXT NOT NULL,
        message_id INTEGER NOT NULL,
        meta TEXT NOT NULL,
        payload BLOB,
        PRIMARY KEY (client_id, message_id)
      );
      CREATE TABLE wills (
        client_id TEXT PRIMARY KEY,
        broker_id TEXT NOT NULL,
        meta TEXT NOT NULL,
        payload BLOB
      );
    `),
];

export function migratePersistence(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) throw new Error(`broker database schema ${current} is newer than this Hearth (${MIGRATIONS.length})`);
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      MIGRATIONS[v]!(db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
