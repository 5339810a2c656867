// A full disk under a steady stream of messages: the write queue retries its batch with a growing delay, whatever
// keeps arriving meanwhile, and commits everything once the disk takes writes again. (Before, every write after the
// first batch's worth cut the backoff short: a commit was tried at every turn for as long as messages came.)
// The full disk is SQLite's own SQLITE_FULL, from `max_page_count`, as in disk-trouble.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { type Database, openDatabase } from '../../src/store/database.js';
import { WriteQueue } from '../../src/store/write-queue.js';

let dir: string;
let db: Database;
let queue: WriteQueue | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-backoff-'));
  db = openDatabase(dir);
  db.exec('CREATE TABLE notes (k INTEGER PRIMARY KEY, v TEXT)');
});

afterEach(() => {
  queue?.close();
  queue = undefined;
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('retries a batch the full disk refused after a growing delay while writes keep coming, then commits them all', async () => {
  const logger = createMemoryLogger('warn');
  const troubles: Array<string | undefined> = [];
  queue = new WriteQueue({ db, logger, intervalMs: 20, batchSize: 10, onTrouble: (m) => troubles.push(m) });
  const insert = db.prepare('INSERT INTO notes (k, v) VALUES (?, ?)');
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true })}`);

  // 600 ms of writes, one a millisecond or so, each needing room the disk has not got: 60 batches' worth.
  let k = 0;
  const until = Date.now() + 600;
  while (Date.now() < until) {
    const key = k++;
    queue.enqueue(() => void insert.run(key, 'x'.repeat(500)));
    await sleep(1);
  }
  // Delays of 40, 80, 160 and 320 ms fit in 600 ms: four or five attempts, not one a turn.
  expect(queue.failedCommits).toBeGreaterThanOrEqual(3);
  expect(queue.failedCommits).toBeLessThanOrEqual(6);
  expect(troubles[0]).toContain('the disk is full');
  expect(logger.lines.filter((l) => l.includes('committing')).length).toBe(1);

  db.pragma('max_page_count = 1073741823');
  // Counted on a connection of its own, which sees only what was committed (the queue's own sees its open batch).
  const reader = new BetterSqlite3(join(dir, 'hearth.db'), { readonly: true });
  const committed = () => (reader.prepare('SELECT count(*) AS n FROM notes').get() as { n: number }).n;
  try {
    const deadline = Date.now() + 10_000;
    while (committed() < k && Date.now() < deadline) await sleep(20);
    expect(committed()).toBe(k);
  } finally {
    reader.close();
  }
  expect(queue.depth).toBe(0);
  expect(troubles.at(-1)).toBeUndefined();
});

it('a queue at its limit keeps the newest writes, drops the oldest and counts them, and commits the rest in order', () => {
  const logger = createMemoryLogger('warn');
  // More writes than the limit in one turn, as a flood through an external broker gives a queue whose commits run a
  // millisecond a turn: nothing is committed while they come.
  queue = new WriteQueue({ db, logger, intervalMs: 60_000, batchSize: 1_000_000, maxPending: 1000 });
  const insert = db.prepare('INSERT INTO notes (k, v) VALUES (?, ?)');
  const total = 25_000;
  for (let k = 0; k < total; k++) {
    queue.enqueue(() => void insert.run(k, 'x'));
    expect(queue.depth).toBeLessThanOrEqual(1000);
  }
  // What was dropped and what waits add up, and what waits is the newest: the limit less at most one block (1 %).
  expect(queue.dropped + queue.depth).toBe(total);
  expect(queue.depth).toBeGreaterThanOrEqual(990);
  const errors = logger.lines.filter((l) => l.includes('write queue over 1000 ops'));
  // Once at the first drop, then once every 10,000 dropped: not a line a write.
  expect(errors.length).toBe(3);
  expect(errors[0]).toContain('the oldest are dropped');

  const waiting = queue.depth;
  expect(queue.flush()).toBe(waiting);
  const keys = (db.prepare('SELECT k FROM notes ORDER BY rowid').all() as Array<{ k: number }>).map((r) => r.k);
  expect(keys).toEqual(Array.from({ length: waiting }, (_, i) => total - waiting + i));
});

it('a queue limited to one write keeps the write just queued', () => {
  queue = new WriteQueue({ db, logger: createMemoryLogger('warn'), intervalMs: 60_000, batchSize: 1_000_000, maxPending: 1 });
  const insert = db.prepare('INSERT INTO notes (k, v) VALUES (?, ?)');
  for (let k = 0; k < 5; k++) queue.enqueue(() => void insert.run(k, 'x'));
  expect(queue.depth).toBe(1);
  expect(queue.dropped).toBe(4);
  queue.flush();
  expect(db.prepare('SELECT k FROM notes').all()).toEqual([{ k: 4 }]);
});
