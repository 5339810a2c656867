// Long file: aedes' persistence contract is that wide (retained, subscriptions, queues, QoS 2 in flight, wills).
// A durable aedes persistence on SQLite: retained messages, persistent sessions' subscriptions, offline queues,
// QoS 2 packets in flight and wills survive a restart and a kill -9. Writes are group-committed once per tick.
import { Readable } from 'node:stream';
import AedesPacket from 'aedes-packet';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
// @ts-expect-error qlobber ships no types for its aedes helper
import QlobberSub from 'qlobber/aedes/qlobber-sub.js';
import { topicMatches } from '../bus/message-bus.js';
import { describeStorageTrouble, isStorageTrouble } from '../shared/health.js';
import type { Logger } from '../shared/logger.js';
import { CACHE_SIZE } from '../store/sqlite-settings.js';
import { decodePacket, encodePacket } from './persistence/packet-codec.js';
import { migratePersistence } from './persistence/schema.js';

// aedes-packet's typings describe an interface; at run time it is a constructor.
const Packet = AedesPacket as unknown as new (original: object, broker?: unknown) => Record<string, any>;
const QLOBBER_OPTIONS = { wildcard_one: '+', wildcard_some: '#', separator: '/' };

export interface SqlitePersistenceOptions {
  /** Database file (':memory:' for tests). */
  filename: string;
  /** Most messages queued for one offline client; beyond it the oldest QoS 1 message is dropped. */
  maxQueuedPerClient?: number;
  logger?: Logger;
  onDrop?: (clientId: string, packet: Record<string, any>) => void;
  /** Told when commits fail for a storage reason (with what to say) and when one succeeds again. */
  onTrouble?: (message: string | undefined) => void;
}

interface ClientLike {
  id: string;
  /** aedes' client: a clean session's QoS 1 and 2 deliveries are written to its socket, never stored. */
  clean?: boolean;
}

type Sub = { topic: string; qos: number; rh?: number; rap?: boolean; nl?: boolean; subscriptionIdentifier?: number };

export class SqlitePersistence {
  readonly #db: Database;
  readonly #max: number;
  readonly #logger: Logger | undefined;
  readonly #onDrop: SqlitePersistenceOptions['onDrop'];
  readonly #trie = new QlobberSub(QLOBBER_OPTIONS);
  readonly #queued = new Map<string, number>();
  #subscribedClients = new Set<string>();
  #s!: Record<string, Statement>;
  #broker: any;
  #commit: Promise<void> | undefined;
  #destroyed = false;
  #dropped = 0;
  #tickTrouble: Error | undefined;
  /** Rows changed by this connection before this tick's transaction: a commit that changed none proves nothing. */
  #changesBefore = 0;
  #troubled = false;
  readonly #onTrouble: SqlitePersistenceOptions['onTrouble'];

  constructor(options: SqlitePersistenceOptions) {
    this.#db = new BetterSqlite3(options.filename);
    this.#max = options.maxQueuedPerClient ?? 1000;
    this.#logger = options.logger;
    this.#onDrop = options.onDrop;
    this.#onTrouble = options.onTrouble;
  }

  get broker(): any {
    return this.#broker;
  }

  /** The connection, for online backups and diagnostics; writes must go through the persistence. */
  get database(): Database {
    return this.#db;
  }

  /** Messages dropped from full offline queues since start. */
  get droppedCount(): number {
    return this.#dropped;
  }

  async setup(broker: any): Promise<void> {
    this.#broker = broker;
    const db = this.#db;
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL: a commit survives a process crash (kill -9); only a power cut can lose the last ones.
    db.pragma('synchronous = NORMAL');
    db.pragma(`cache_size = ${CACHE_SIZE}`);
    migratePersistence(db);
    this.#s = prepareStatements(db);
    for (const row of db.prepare('SELECT client_id, topic, qos, rh, rap, nl FROM subscriptions').all() as any[]) {
      this.#subscribedClients.add(row.client_id);
      if (row.qos > 0)
        this.#trie.add(row.topic, {
          clientId: row.client_id,
          topic: row.topic,
          qos: row.qos,
          rh: row.rh ?? undefined,
          rap: toBool(row.rap),
          nl: toBool(row.nl),
        });
    }
    for (const row of db.prepare('SELECT client_id, count(*) AS n FROM outgoing GROUP BY client_id').all() as any[])
      this.#queued.set(row.client_id, row.n);
  }

  // Every write joins the transaction of the current tick; its promise settles once that transaction committed,
  // so aedes never acknowledges a message that is not yet on disk. When the disk refuses writes (full, read-only,
  // I/O errors) the writes of that tick are lost but their promises still resolve: the broker keeps routing live
  // messages instead of disconnecting every client, and the hub reports itself degraded until a commit succeeds.
  #write<T>(fn: () => T): Promise<T> {
    if (this.#destroyed) return Promise.reject(new Error('persistence destroyed'));
    if (!this.#commit) {
      this.#db.exec('BEGIN');
      this.#tickTrouble = undefined;
      this.#changesBefore = this.#totalChanges();
      this.#commit = new Promise<void>((resolve, reject) =>
        setImmediate(() => {
          this.#commit = undefined;
          const trouble = this.#tickTrouble;
          try {
            // SQLite may have rolled the whole transaction back on a storage error inside it.
            if (trouble && !this.#db.inTransaction) throw trouble;
            const wrote = this.#totalChanges() > this.#changesBefore;
            this.#db.exec('COMMIT');
            if (trouble) this.#setTrouble(trouble);
            // A commit that changed nothing (a delete of a row a failed insert never wrote) proves nothing.
            else if (this.#troubled && wrote) this.#setTrouble(undefined);
            resolve();
          } catch (err) {
            if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
            if (!isStorageTrouble(err)) return reject(err);
            this.#setTrouble(err);
            resolve();
          }
        }),
      );
    }
    const commit = this.#commit;
    let result: T;
    try {
      result = fn();
    } catch (err) {
      if (!isStorageTrouble(err)) return Promise.reject(err);
      this.#tickTrouble ??= err as Error;
      return commit.then(() => undefined as T);
    }
    return commit.then(() => result);
  }

  #totalChanges(): number {
    return this.#s.totalChanges!.pluck().get() as number;
  }

  #setTrouble(err: unknown): void {
    this.#troubled = err !== undefined;
    this.#onTrouble?.(
      err === undefined ? undefined : `broker state is not saved, ${describeStorageTrouble(err)}; live messages are still routed`,
    );
  }

  async storeRetained(packet: Record<string, any>): Promise<void> {
    await this.#write(() => {
      // [MQTT-3.3.1-10] an empty retained payload removes the retained message.
      if (!packet.payload || packet.payload.length === 0) return this.#s.delRetained!.run(packet.topic);
      const { meta, payload } = encodePacket({ ...packet });
      const levels = packet.topic.split('/');
      return this.#s.putRetained!.run(packet.topic, levels.length, levels[levels.length - 1], meta, payload);
    });
  }

  createRetainedStream(pattern: string): Readable {
    return Readable.from(this.#retainedMatching([pattern]));
  }

  createRetainedStreamCombi(patterns: string[]): Readable {
    return Readable.from(this.#retainedMatching(patterns));
  }

  // Narrow with an index before matching in JS: the literal prefix of the filter (range on the topic primary key),
  // or, for filters like `home/+/temperature`, the last level and the level count. Never a scan of every row
  // unless the filter starts with a wildcard and ends with `#`.
  #retainedMatching(patterns: string[]): Record<string, any>[] {
    const seen = new Set<string>();
    const out: Record<string, any>[] = [];
    for (const pattern of patterns) {
      for (const row of this.#retainedCandidates(pattern)) {
        if (seen.has(row.topic) || !topicMatches(pattern, row.topic)) continue;
        seen.add(row.topic);
        out.push(decodePacket(row.meta, row.payload));
      }
    }
    return out;
  }

  #retainedCandidates(pattern: string): Array<{ topic: string; meta: string; payload: Buffer | null }> {
    const levels = pattern.split('/');
    const firstWildcard = levels.findIndex((l) => l === '+' || l === '#');
    if (firstWildcard === -1) return this.#s.getRetained!.all(pattern) as any[];
    const last = levels[levels.length - 1]!;
    const prefix = levels.slice(0, firstWildcard).join('/');
    if (last !== '#' && last !== '+' && firstWildcard < 2) return this.#s.retainedByLast!.all(last, levels.length) as any[];
    if (prefix === '') return this.#s.allRetained!.all() as any[];
    return this.#s.retainedByRange!.all(prefix, nextString(prefix)) as any[];
  }

  async addSubscriptions(client: ClientLike, subs: Sub[]): Promise<void> {
    await this.#write(() => {
      for (const sub of subs) {
        const existing = this.#s.getSub!.get(client.id, sub.topic) as { qos: number } | undefined;
        if (sub.qos > 0)
          this.#trie.add(sub.topic, { clientId: client.id, topic: sub.topic, qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl });
        else if (existing && existing.qos > 0) this.#trie.remove(sub.topic, { clientId: client.id, topic: sub.topic });
        this.#s.putSub!.run(
          client.id,
          sub.topic,
          sub.qos,
          sub.rh ?? null,
          fromBool(sub.rap),
          fromBool(sub.nl),
          sub.subscriptionIdentifier ?? null,
        );
      }
      this.#subscribedClients.add(client.id);
    });
  }

  async removeSubscriptions(client: ClientLike, topics: string[]): Promise<void> {
    await this.#write(() => {
      for (const topic of topics) {
        const existing = this.#s.getSub!.get(client.id, topic) as { qos: number } | undefined;
        if (!existing) continue;
        if (existing.qos > 0) this.#trie.remove(topic, { clientId: client.id, topic });
        this.#s.delSub!.run(client.id, topic);
      }
      if (!this.#s.anySub!.get(client.id)) this.#subscribedClients.delete(client.id);
    });
  }

  async subscriptionsByClient(client: ClientLike): Promise<Sub[]> {
    return (this.#s.subsByClient!.all(client.id) as any[]).map((r) => {
      const sub: Sub = { topic: r.topic, qos: r.qos, rh: r.rh ?? undefined, rap: toBool(r.rap), nl: toBool(r.nl) };
      if (r.sid !== null) sub.subscriptionIdentifier = r.sid;
      return sub;
    });
  }

  async countOffline(): Promise<{ subsCount: number; clientsCount: number }> {
    return { subsCount: this.#trie.subscriptionsCount, clientsCount: this.#subscribedClients.size };
  }

  async subscriptionsByTopic(topic: string): Promise<any[]> {
    // Asked for every QoS 1 and 2 message; with no persistent session subscribed there is no topic to split.
    if (this.#trie.subscriptionsCount === 0) return [];
    return this.#trie.match(topic);
  }

  async cleanSubscriptions(client: ClientLike): Promise<void> {
    const subs = await this.subscriptionsByClient(client);
    // Asked at every clean connect, and most clients hold none: then no write and no commit to wait for (each such
    // wait is a promise that lives across turns, promoted by the thousand when a home's devices reconnect at once).
    if (subs.length === 0) {
      this.#subscribedClients.delete(client.id);
      return;
    }
    await this.removeSubscriptions(
      client,
      subs.map((s) => s.topic),
    );
  }

  async outgoingEnqueue(sub: { clientId: string }, packet: Record<string, any>): Promise<void> {
    await this.outgoingEnqueueCombi([sub], packet);
  }

  async outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: Record<string, any>): Promise<void> {
    // aedes asks for every QoS 1 and 2 message, and waits for the answer before it delivers to the clients online.
    // With no persistent session subscribed (the usual case) there is nothing to write: no transaction to wait for.
    if (subs.length === 0) return;
    await this.#write(() => {
      for (const sub of subs) {
        const queued = new Packet(packet);
        const { meta, payload } = encodePacket(queued);
        this.#s.putOutgoing!.run(sub.clientId, queued.brokerId ?? null, queued.brokerCounter ?? null, null, queued.qos ?? 0, meta, payload);
        const count = (this.#queued.get(sub.clientId) ?? 0) + 1;
        this.#queued.set(sub.clientId, count);
        if (count > this.#max) this.#dropOldest(sub.clientId);
      }
    });
  }

  #dropOldest(clientId: string): void {
    const victim = (this.#s.oldestQos1!.get(clientId) ?? this.#s.oldest!.get(clientId)) as
      | { id: number; meta: string; payload: Buffer | null }
      | undefined;
    if (!victim) return;
    this.#s.delOutgoingById!.run(victim.id);
    this.#queued.set(clientId, (this.#queued.get(clientId) ?? 1) - 1);
    this.#dropped++;
    const packet = decodePacket(victim.meta, victim.payload);
    // Log the first drop and then every 100th, so a dead device's queue cannot flood the log either.
    if (this.#dropped === 1 || this.#dropped % 100 === 0) {
      this.#logger?.warn(
        `offline queue of client ${clientId} is full (${this.#max} messages): dropped its oldest message on ${packet.topic} (${this.#dropped} dropped since start)`,
      );
    }
    this.#onDrop?.(clientId, packet);
  }

  async outgoingUpdate(client: ClientLike, packet: Record<string, any>): Promise<void> {
    await this.#write(() => {
      // The same packet (broker id + counter) gets its new message id; the id lives in its own column and
      // overrides the stored meta on read, so no re-encoding per message.
      const same = this.#s.outgoingByCounter!.get(client.id, packet.brokerId ?? null, packet.brokerCounter ?? null) as
        | { id: number }
        | undefined;
      if (same) {
        this.#s.setOutgoingMessageId!.run(packet.messageId, same.id);
        return;
      }
      // Another packet (from another broker) holding this message id is replaced, as the memory persistence does.
      const other = this.#s.outgoingByMessageIdOtherBroker!.get(client.id, packet.messageId, packet.brokerId ?? null) as
        | { id: number }
        | undefined;
      if (other) {
        const { meta, payload } = encodePacket(packet);
        this.#s.replaceOutgoing!.run(packet.brokerId ?? null, packet.brokerCounter ?? null, packet.messageId, meta, payload, other.id);
        return;
      }
      throw new Error('no such packet');
    });
  }

  async outgoingClearMessageId(client: ClientLike, packet: Record<string, any>): Promise<Record<string, any> | undefined> {
    // Every PUBACK of a QoS 1 delivery asks. A clean session with nothing queued (a dashboard, a measuring subscriber)
    // has no row to clear, and the SELECT would open the tick's transaction for nothing. A persistent session always
    // asks the database, which a rolled-back delete could leave out of step with the count.
    if (client.clean === true && !this.#queued.get(client.id)) return undefined;
    return this.#write(() => {
      const row = this.#s.outgoingByMessageId!.get(client.id, packet.messageId) as
        | { id: number; message_id: number | null; meta: string; payload: Buffer | null }
        | undefined;
      if (!row) return undefined;
      this.#s.delOutgoingById!.run(row.id);
      this.#queued.set(client.id, Math.max(0, (this.#queued.get(client.id) ?? 1) - 1));
      return outgoingPacket(row);
    });
  }

  /**
   * True when nothing is queued for `client`: aedes' connect (as patched by scripts/aedes-connect-patch.mjs) then
   * builds no stream to send the queue. Every row added counts before it is written, and a count only goes down
   * once its row is deleted, so a client with a row is never told there is none (a rolled-back add only leaves the
   * count high: the stream is built, and finds nothing).
   */
  nothingQueued(client: ClientLike): boolean {
    return !this.#queued.get(client.id);
  }

  outgoingStream(client: ClientLike): Readable {
    const rows = this.#s.outgoingByClient!.all(client.id) as Array<{ message_id: number | null; meta: string; payload: Buffer | null }>;
    return Readable.from(rows.map(outgoingPacket));
  }

  async incomingStorePacket(client: ClientLike, packet: Record<string, any>): Promise<void> {
    await this.#write(() => {
      const stored = new Packet(packet);
      stored.messageId = packet.messageId;
      const { meta, payload } = encodePacket(stored);
      this.#s.putIncoming!.run(client.id, packet.messageId, meta, payload);
    });
  }

  async incomingGetPacket(client: ClientLike, packet: Record<string, any>): Promise<Record<string, any>> {
    const row = this.#s.getIncoming!.get(client.id, packet.messageId) as { meta: string; payload: Buffer | null } | undefined;
    if (!row) throw new Error('no such packet');
    return decodePacket(row.meta, row.payload);
  }

  async incomingDelPacket(client: ClientLike, packet: Record<string, any>): Promise<void> {
    await this.#write(() => {
      if (this.#s.delIncoming!.run(client.id, packet.messageId).changes === 0) throw new Error('no such packet');
    });
  }

  async cleanIncoming(client: ClientLike): Promise<void> {
    // As cleanSubscriptions: nothing to delete (the usual case) writes nothing. This connection sees its own
    // uncommitted rows, so a row stored earlier in this tick is found and deleted.
    if (!this.#s.anyIncoming!.get(client.id)) return;
    await this.#write(() => this.#s.cleanIncoming!.run(client.id));
  }

  /** Records an incoming QoS 1 message before it is acknowledged; durable once the promise resolves. */
  async journalPut(clientId: string, messageId: number, packet: Record<string, any>): Promise<void> {
    const { meta, payload } = encodePacket({
      cmd: 'publish',
      topic: packet.topic,
      payload: packet.payload,
      qos: packet.qos,
      retain: packet.retain,
      dup: false,
    });
    await this.#write(() => this.#s.putJournal!.run(clientId, messageId, meta, payload));
  }

  /** The message has been routed (stored, queued, delivered): forget it. */
  journalDelete(clientId: string, messageId: number): void {
    void this.#write(() => this.#s.delJournal!.run(clientId, messageId)).catch(() => undefined);
  }

  /** Messages acknowledged before a crash but never routed, oldest first; each is removed as it is read. */
  async journalDrain(): Promise<Array<Record<string, any>>> {
    const rows = this.#s.allJournal!.all() as Array<{ client_id: string; message_id: number; meta: string; payload: Buffer | null }>;
    await this.#write(() => this.#s.clearJournal!.run());
    return rows.map((r) => decodePacket(r.meta, r.payload));
  }

  async putWill(client: ClientLike, packet: Record<string, any>): Promise<void> {
    packet.brokerId = this.#broker.id;
    packet.clientId = client.id;
    const { meta, payload } = encodePacket(packet);
    await this.#write(() => this.#s.putWill!.run(client.id, packet.brokerId, meta, payload));
  }

  async getWill(client: ClientLike): Promise<Record<string, any> | undefined> {
    const row = this.#s.getWill!.get(client.id) as { meta: string; payload: Buffer | null } | undefined;
    return row ? decodePacket(row.meta, row.payload) : undefined;
  }

  async delWill(client: ClientLike): Promise<Record<string, any> | undefined> {
    const will = await this.getWill(client);
    if (will === undefined) return undefined;
    await this.#write(() => this.#s.delWill!.run(client.id));
    return will;
  }

  streamWill(brokers: Record<string, unknown> = {}): Readable {
    const rows = this.#s.allWills!.all() as Array<{ broker_id: string; meta: string; payload: Buffer | null }>;
    return Readable.from(rows.filter((r) => !brokers[r.broker_id]).map((r) => decodePacket(r.meta, r.payload)));
  }

  getClientList(topic: string): Readable {
    return Readable.from((this.#s.clientsByTopic!.all(topic) as Array<{ client_id: string }>).map((r) => r.client_id));
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) throw new Error('destroyed called twice!');
    await this.#commit?.catch(() => undefined);
    this.#destroyed = true;
    this.#db.close();
  }
}

function prepareStatements(db: Database): Record<string, Statement> {
  const p = (sql: string) => db.prepare(sql);
  return {
    putRetained: p('INSERT OR REPLACE INTO retained (topic, levels, last_level, meta, payload) VALUES (?, ?, ?, ?, ?)'),
    delRetained: p('DELETE FROM retained WHERE topic = ?'),
    getRetained: p('SELECT topic, meta, payload FROM retained WHERE topic = ?'),
    allRetained: p('SELECT topic, meta, payload FROM retained ORDER BY topic'),
    retainedByRange: p('SELECT topic, meta, payload FROM retained WHERE topic >= ? AND topic < ? ORDER BY topic'),
    retainedByLast: p('SELECT topic, meta, payload FROM retained WHERE last_level = ? AND levels = ? ORDER BY topic'),
    getSub: p('SELECT qos FROM subscriptions WHERE client_id = ? AND topic = ?'),
    putSub: p('INSERT OR REPLACE INTO subscriptions (client_id, topic, qos, rh, rap, nl, sid) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    delSub: p('DELETE FROM subscriptions WHERE client_id = ? AND topic = ?'),
    anySub: p('SELECT 1 FROM subscriptions WHERE client_id = ? LIMIT 1'),
    subsByClient: p('SELECT topic, qos, rh, rap, nl, sid FROM subscriptions WHERE client_id = ? ORDER BY rowid'),
    clientsByTopic: p('SELECT client_id FROM subscriptions WHERE topic = ? ORDER BY rowid'),
    putOutgoing: p(
      'INSERT INTO outgoing (client_id, broker_id, broker_counter, message_id, qos, meta, payload) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    outgoingByClient: p('SELECT id, broker_id, broker_counter, message_id, meta, payload FROM outgoing WHERE client_id = ? ORDER BY id'),
    outgoingByMessageId: p('SELECT id, message_id, meta, payload FROM outgoing WHERE client_id = ? AND message_id = ? ORDER BY id LIMIT 1'),
    outgoingByCounter: p('SELECT id FROM outgoing WHERE client_id = ? AND broker_id IS ? AND broker_counter IS ? ORDER BY id LIMIT 1'),
    outgoingByMessageIdOtherBroker: p(
      'SELECT id FROM outgoing WHERE client_id = ? AND message_id = ? AND broker_id IS NOT ? ORDER BY id LIMIT 1',
    ),
    setOutgoingMessageId: p('UPDATE outgoing SET message_id = ? WHERE id = ?'),
    replaceOutgoing: p('UPDATE outgoing SET broker_id = ?, broker_counter = ?, message_id = ?, meta = ?, payload = ? WHERE id = ?'),
    delOutgoingById: p('DELETE FROM outgoing WHERE id = ?'),
    oldestQos1: p('SELECT id, meta, payload FROM outgoing WHERE client_id = ? AND qos = 1 ORDER BY id LIMIT 1'),
    oldest: p('SELECT id, meta, payload FROM outgoing WHERE client_id = ? ORDER BY id LIMIT 1'),
    putIncoming: p('INSERT OR REPLACE INTO incoming (client_id, message_id, meta, payload) VALUES (?, ?, ?, ?)'),
    getIncoming: p('SELECT meta, payload FROM incoming WHERE client_id = ? AND message_id = ?'),
    delIncoming: p('DELETE FROM incoming WHERE client_id = ? AND message_id = ?'),
    cleanIncoming: p('DELETE FROM incoming WHERE client_id = ?'),
    anyIncoming: p('SELECT 1 FROM incoming WHERE client_id = ? LIMIT 1'),
    putJournal: p('INSERT OR REPLACE INTO journal (client_id, message_id, meta, payload) VALUES (?, ?, ?, ?)'),
    delJournal: p('DELETE FROM journal WHERE client_id = ? AND message_id = ?'),
    allJournal: p('SELECT client_id, message_id, meta, payload FROM journal ORDER BY rowid'),
    clearJournal: p('DELETE FROM journal'),
    totalChanges: p('SELECT total_changes()'),
    putWill: p('INSERT OR REPLACE INTO wills (client_id, broker_id, meta, payload) VALUES (?, ?, ?, ?)'),
    getWill: p('SELECT meta, payload FROM wills WHERE client_id = ?'),
    delWill: p('DELETE FROM wills WHERE client_id = ?'),
    allWills: p('SELECT broker_id, meta, payload FROM wills ORDER BY rowid'),
  };
}

/** A queued packet as stored, with the message id from its column (set by outgoingUpdate). */
function outgoingPacket(row: { message_id: number | null; meta: string; payload: Buffer | null }): Record<string, any> {
  const packet = decodePacket(row.meta, row.payload);
  if (row.message_id !== null && row.message_id !== undefined) packet.messageId = row.message_id;
  return packet;
}

/** The smallest string greater than every string starting with `prefix`, for an index range scan. */
function nextString(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

function toBool(v: number | null): boolean | undefined {
  return v === null || v === undefined ? undefined : v === 1;
}

function fromBool(v: boolean | undefined): number | null {
  return v === undefined ? null : v ? 1 : 0;
}
