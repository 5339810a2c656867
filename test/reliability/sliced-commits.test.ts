// The write queue commits a large batch over several turns, in one transaction, so that messages are handled while it
// runs: what a second reader sees is all of a batch or none of it, nothing changed meanwhile is lost, a batch that
// fails half-way is retried whole (no row twice), and a flush or a second queue on the same connection never meets
// a transaction left open.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeviceRecord } from '../../src/devices/device-record.js';
import { StateWriter } from '../../src/devices/state-writer.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { type Database, openDatabase } from '../../src/store/database.js';
import { DeviceRepo } from '../../src/store/device-repo.js';
import { WriteQueue } from '../../src/store/write-queue.js';

/** Keeps the CPU busy for `ms`, as a costly write would. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function device(id: string): DeviceRecord {
  const now = Date.now();
  return {
    id,
    name: null,
    room: null,
    description: null,
    source: 'home',
    nativeKey: null,
    nativeName: null,
    model: null,
    manufacturer: null,
    capabilities: {},
    native: null,
    online: true,
    lastSeen: now,
    onlineChangedAt: now,
    createdAt: now,
    demo: false,
    properties: new Map(),
  };
}

describe('batches committed in slices', () => {
  let dir: string;
  let db: Database;
  let reader: BetterSqlite3.Database;
  let logger: ReturnType<typeof createMemoryLogger>;
  const queues: WriteQueue[] = [];

  const queue = (intervalMs = 10) => {
    const q = new WriteQueue({ db, logger, intervalMs, batchSize: 100_000 });
    queues.push(q);
    return q;
  };
  /** `count` writes of a note each (keys from `from`), costing `ms` of CPU apiece; `after` runs after each. */
  const costlyWrites = (
    q: WriteQueue,
    { count, ms, from = 0, v = 'x', after }: { count: number; ms: number; from?: number; v?: string; after?: (k: number) => void },
  ) => {
    const insert = db.prepare('INSERT INTO notes (k, v) VALUES (?, ?)');
    for (let k = from; k < from + count; k++)
      q.enqueue(() => {
        busy(ms);
        insert.run(k, v);
        after?.(k);
      });
  };
  const rows = (): number => (reader.prepare('SELECT count(*) AS n FROM notes').get() as { n: number }).n;
  const waitUntil = async (what: string, ok: () => boolean) => {
    const until = Date.now() + 5000;
    while (!ok()) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  beforeEach(() => {
    logger = createMemoryLogger('warn');
    dir = mkdtempSync(join(tmpdir(), 'hearth-slices-'));
    db = openDatabase(dir);
    db.exec('CREATE TABLE notes (k INTEGER PRIMARY KEY, v TEXT)');
    // A second connection, as `hearth rules why` or a backup would read while the hub runs.
    reader = new BetterSqlite3(join(dir, 'hearth.db'), { readonly: true });
  });

  afterEach(() => {
    for (const q of queues.splice(0)) q.close();
    reader.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets messages through while a long batch runs, and a reader sees the whole batch or none of it', async () => {
    const q = queue();
    // 200 writes of 0.1 ms each: 20 ms in one piece before; now slices of about 1 ms.
    costlyWrites(q, { count: 200, ms: 0.1 });
    const seen: number[] = [];
    let turnsWhileOpen = 0;
    while (q.committedBatches === 0) {
      await turn();
      if (db.inTransaction) turnsWhileOpen++;
      seen.push(rows());
    }
    // Other work ran between the slices while the batch was open…
    expect(turnsWhileOpen).toBeGreaterThan(3);
    // …and the reader saw nothing of the batch until it committed as one.
    expect(new Set(seen.slice(0, -1))).toEqual(new Set([0]));
    expect(rows()).toBe(200);
  });

  it('does not lose a device change made while its batch is being committed', async () => {
    const q = queue();
    const repo = new DeviceRepo(db);
    const kitchen = device('kitchen');
    const writer = new StateWriter(repo, q, (id) => (id === 'kitchen' ? kitchen : undefined));
    writer.property('kitchen', 'temperature', 21, 1);
    // Writes behind the kitchen's keep the batch open for a while after the kitchen's op ran.
    costlyWrites(q, { count: 100, ms: 0.1 });
    // Wait until the batch is open, with the kitchen's op run and the rest still to come.
    await waitUntil('the batch to start', () => db.inTransaction);
    expect(q.committedBatches).toBe(0);
    writer.property('kitchen', 'temperature', 22, 2);
    await waitUntil('both values committed', () => q.committedBatches >= 2);
    const saved = new DeviceRepo(reader as unknown as Database).loadAll().find((d) => d.id === 'kitchen');
    expect(saved?.properties.get('temperature')).toEqual({ value: 22, ts: 2 });
  });

  it('retries a batch that failed half-way as a whole: every row once', async () => {
    const q = queue();
    let attempts = 0;
    costlyWrites(q, {
      count: 200,
      ms: 0.05,
      // The disk is full the first time the 150th write runs (after some slices have already run).
      after: (k) => {
        if (k === 150 && attempts++ === 0) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      },
    });
    await waitUntil('the retry to commit', () => q.committedBatches === 1);
    expect(q.failedCommits).toBe(1);
    expect(rows()).toBe(200);
    expect((reader.prepare('SELECT count(DISTINCT k) AS n FROM notes').get() as { n: number }).n).toBe(200);
    expect(logger.lines.join('\n')).toMatch(/committing 200 writes failed \(database or disk is full\)/);
  });

  it('a flush while a batch is open finishes it and commits what waits after it, in order', async () => {
    const q = queue();
    costlyWrites(q, { count: 200, ms: 0.1, v: 'first' });
    await waitUntil('the batch to start', () => db.inTransaction);
    q.enqueue(() => void db.prepare('UPDATE notes SET v = ? WHERE k = 0').run('second'));
    expect(q.flush()).toBe(201);
    expect(db.inTransaction).toBe(false);
    expect(rows()).toBe(200);
    expect(reader.prepare('SELECT v FROM notes WHERE k = 0').get()).toEqual({ v: 'second' });
  });

  it('two queues on one connection (states and history apart) never meet an open transaction', async () => {
    const states = queue(5);
    const history = queue(7);
    costlyWrites(states, { count: 200, ms: 0.05, v: 'state' });
    costlyWrites(history, { count: 200, ms: 0.05, from: 200, v: 'history' });
    await waitUntil('the states batch to start', () => db.inTransaction);
    // A device deleted now flushes the history queue at once (device-registry.ts), amid the states' open batch.
    history.flush();
    await waitUntil('both committed', () => rows() === 400);
    expect(states.failedCommits + history.failedCommits).toBe(0);
    expect(logger.lines.filter((l) => /failed/.test(l))).toEqual([]);
  });
});
