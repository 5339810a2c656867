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
